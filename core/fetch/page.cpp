// SPDX-License-Identifier: MIT
#include "page.h"

#include "source/reader.h"

#include <nlohmann/json.hpp>
#include <simdjson.h>

namespace auditlens::fetch {

namespace {

/// result_info.cursor (and a first check of the shape) without building a DOM: the records
/// are parsed once, by expandEnvelope.
bool readMeta(const std::string &body, std::string &cursor, bool &resultNull, std::string &why)
{
    namespace od = simdjson::ondemand;
    const simdjson::padded_string padded(body);
    od::parser parser;
    od::document doc;
    if (parser.iterate(padded).get(doc) != simdjson::SUCCESS) {
        why = "not JSON";
        return false;
    }
    od::object top;
    if (doc.get_object().get(top) != simdjson::SUCCESS) {
        why = "not a JSON object";
        return false;
    }
    for (auto field : top) {
        std::string_view key;
        if (field.unescaped_key().get(key) != simdjson::SUCCESS) {
            why = "not valid JSON";
            return false;
        }
        if (key == "result") {
            bool isNull = false;
            if (field.value().is_null().get(isNull) == simdjson::SUCCESS && isNull)
                resultNull = true;
            continue;
        }
        if (key != "result_info")
            continue;
        od::object info;
        if (field.value().get_object().get(info) != simdjson::SUCCESS)
            return true; // result_info null or not an object: no cursor
        for (auto f2 : info) {
            std::string_view k2;
            if (f2.unescaped_key().get(k2) != simdjson::SUCCESS) {
                why = "not valid JSON";
                return false;
            }
            if (k2 != "cursor")
                continue;
            std::string_view c;
            if (f2.value().get_string().get(c) == simdjson::SUCCESS)
                cursor.assign(c);
        }
    }
    return true;
}

} // namespace

bool parsePage(const std::string &body, ParsedPage &out)
{
    out = {};
    bool resultNull = false;
    if (!readMeta(body, out.cursor, resultNull, out.error)) {
        out.error = "the answer is " + out.error + " (it starts with '" + body.substr(0, 60) + "')";
        return false;
    }
    std::string why;
    if (!expandEnvelope(body, out.records, why)) {
        out.error = "the answer is not a Cloudflare API response (no success/result)";
        return false;
    }
    if (!why.empty() && !(resultNull && out.records.empty() && why.find("success=false") == std::string::npos)) {
        out.error = why;
        return false;
    }
    out.resultCount = out.records.size();
    return true;
}

std::string httpProblem(int status, const std::string &body, const std::string &account, ApiVersion api)
{
    std::string details;
    const auto j = nlohmann::json::parse(body, nullptr, false);
    if (!j.is_discarded() && j.is_object() && j.contains("errors") && j["errors"].is_array())
        for (const auto &e : j["errors"]) {
            if (!e.is_object())
                continue;
            std::string one;
            if (e.contains("code") && e["code"].is_number_integer())
                one = std::to_string(e["code"].get<long long>()) + ": ";
            one += e.contains("message") && e["message"].is_string() ? e["message"].get<std::string>() : e.dump();
            details += (details.empty() ? "" : "; ") + one;
        }
    const std::string says = details.empty() ? std::string() : " Cloudflare says: " + details;
    const std::string code = std::to_string(status);
    switch (status) {
    case 400:
        return "Cloudflare refused the request as invalid (400): check the filters and the time range (dates are "
               "YYYY-MM-DD or RFC 3339; the v2 API keeps about the last 30 days to 18 months, v1 18 months)." + says;
    case 401:
        return "Cloudflare did not accept the API token (401): check that it is the whole token, not expired or revoked." + says;
    case 403:
        return std::string("The API token may not read this account's audit logs (403): it needs the ") + kPermission
               + " permission (Account Settings Write also works) on account " + account + "." + says;
    case 404:
        return std::string("Not found (404): check the account ID ") + account + " (32 hexadecimal characters)"
               + (api == ApiVersion::V2 ? "; if the account has no Audit Logs v2 yet, try --api v1." : ".") + says;
    case 429:
        return "Cloudflare is rate limiting this token (429): the API allows 1,200 requests per 5 minutes per user; "
               "wait 5 minutes and run again (a --journal run resumes where it stopped)." + says;
    default:
        break;
    }
    if (status >= 500)
        return "Cloudflare had a server error (" + code + "); try again later (a --journal run resumes where it stopped)." + says;
    std::string msg = "The API refused the request (HTTP " + code + ")." + says;
    if (details.empty() && !body.empty())
        msg += " The answer was: " + body.substr(0, 160);
    return msg;
}

} // namespace auditlens::fetch
