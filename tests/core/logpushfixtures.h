// SPDX-License-Identifier: MIT
#pragma once

// Logpush jobs as Cloudflare returns them, for the read-modify-write tests.
#include <nlohmann/json.hpp>

#include <cstdint>

namespace logpushfixtures {

using J = nlohmann::ordered_json;

/// A job set up with every output option, plus fields a newer API might return.
inline J richJob(int64_t id)
{
    J oo = J::object();
    oo["field_names"] = J::array({"ActionType", "ActorEmail", "When"});
    oo["output_type"] = "ndjson";
    oo["timestamp_format"] = "unix";
    oo["sample_rate"] = 0.5;
    oo["CVE-2021-44228"] = true;
    oo["batch_prefix"] = "[";
    oo["batch_suffix"] = "]";
    oo["record_prefix"] = "{";
    oo["record_suffix"] = "}";
    oo["record_delimiter"] = ",";
    oo["field_delimiter"] = ",";
    oo["record_template"] = "";
    oo["future_option"] = J{{"x", 1}};
    J j = J::object();
    j["id"] = id;
    j["dataset"] = "audit_logs";
    j["name"] = "example.com";
    j["enabled"] = true;
    j["kind"] = "";
    j["destination_conf"] = "https://logs.example.com/in?header_X-Key=s3cr3t-value";
    j["max_upload_bytes"] = 5000000;
    j["max_upload_records"] = 1000;
    j["max_upload_interval_seconds"] = 60;
    j["filter"] = J{{"where", J{{"key", "ActionType"}, {"operator", "eq"}, {"value", "login"}}}}.dump();
    j["output_options"] = oo;
    j["future_field"] = "kept";
    j["last_complete"] = nullptr;
    j["last_error"] = nullptr;
    j["error_message"] = nullptr;
    return j;
}

/// The job of Sekoia.io's documentation, as Cloudflare returns it.
inline J sekoiaJob(int64_t id)
{
    J j = J::object();
    j["id"] = id;
    j["dataset"] = "audit_logs";
    j["enabled"] = true;
    j["name"] = "example.com";
    j["kind"] = "";
    j["frequency"] = "high";
    j["max_upload_bytes"] = 5000000;
    j["max_upload_records"] = 1000;
    j["logpull_options"] = "fields=ActionResult,ActionType,ActorEmail,When&timestamps=rfc3339&CVE-2021-44228=true";
    j["destination_conf"] = "https://intake.sekoia.io/plain/batch?header_X-SEKOIAIO-INTAKE-KEY=KEY123";
    j["last_complete"] = nullptr;
    j["last_error"] = nullptr;
    j["error_message"] = nullptr;
    j["time_created"] = "2026-11-30T10:00:00Z";
    return j;
}

} // namespace logpushfixtures
