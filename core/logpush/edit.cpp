// SPDX-License-Identifier: MIT
#include "edit.h"

#include "destination.h"

#include <algorithm>
#include <utility>

namespace auditlens::logpush {

namespace {

template<typename T>
void diff(const std::optional<T> &before, const std::optional<T> &after, std::optional<T> &out, std::set<std::string> *reset,
          const char *key)
{
    if (before == after)
        return;
    if (after)
        out = after;
    else if (reset)
        reset->insert(key);
}

/// One parameter of a logpull_options string, kept as written.
struct Param
{
    std::string key, raw; ///< raw: "key=value" exactly as it was
};

std::vector<Param> splitQuery(const std::string &q)
{
    std::vector<Param> out;
    size_t start = 0;
    const std::string s = !q.empty() && q[0] == '?' ? q.substr(1) : q;
    while (start < s.size()) {
        const size_t amp = s.find('&', start);
        const std::string item = s.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
        if (!item.empty())
            out.push_back({item.substr(0, item.find('=')), item});
        if (amp == std::string::npos)
            break;
        start = amp + 1;
    }
    return out;
}

std::string joinQuery(const std::vector<Param> &params)
{
    std::string out;
    for (const auto &p : params)
        out += (out.empty() ? "" : "&") + p.raw;
    return out;
}

void setParam(std::vector<Param> &params, const std::string &key, const std::optional<std::string> &value)
{
    auto it = std::find_if(params.begin(), params.end(), [&](const Param &p) { return p.key == key; });
    if (!value) {
        if (it != params.end())
            params.erase(it);
        return;
    }
    const std::string raw = key + "=" + *value;
    if (it != params.end())
        it->raw = raw;
    else
        params.push_back({key, raw});
}

std::string joinNames(const std::vector<std::string> &names)
{
    std::string out;
    for (const auto &n : names)
        out += (out.empty() ? "" : ",") + n;
    return out;
}

} // namespace

bool isReadOnlyJobField(const std::string &key)
{
    // dataset and kind cannot change after creation (TF5 forces a new job for dataset, leaves kind out)
    static const char *ro[] = {"id", "dataset", "kind", "last_complete", "last_error", "error_message", "time_created"};
    return std::any_of(std::begin(ro), std::end(ro), [&](const char *k) { return key == k; });
}

bool JobEdit::isEmpty() const
{
    return !name && !destinationConf && !frequency && !filter && !ownershipChallenge && !kind && !enabled && !filterAttackTraffic
           && !maxUploadBytes && !maxUploadRecords && !maxUploadIntervalSeconds && !touchesOutput() && !toOutputOptions;
}

bool JobEdit::touchesOutput() const
{
    return fieldNames || outputType || timestampFormat || batchPrefix || batchSuffix || recordPrefix || recordSuffix
           || recordDelimiter || fieldDelimiter || recordTemplate || sampleRate || cve202144228 || mergeSubrequests || !reset.empty();
}

std::set<std::string> editedFields(const JobEdit &e)
{
    std::set<std::string> out;
    auto add = [&out](bool set, const char *name) {
        if (set)
            out.insert(name);
    };
    add(bool(e.name), "name");
    add(bool(e.destinationConf), "destination_conf");
    add(bool(e.frequency), "frequency");
    add(bool(e.filter), "filter");
    add(bool(e.ownershipChallenge), "ownership_challenge");
    add(bool(e.kind), "kind");
    add(bool(e.filterAttackTraffic), "filter_attack_traffic");
    add(bool(e.maxUploadBytes), "max_upload_bytes");
    add(bool(e.maxUploadRecords), "max_upload_records");
    add(bool(e.maxUploadIntervalSeconds), "max_upload_interval_seconds");
    add(bool(e.fieldNames), "output_options.field_names");
    add(bool(e.outputType), "output_options.output_type");
    add(bool(e.timestampFormat), "output_options.timestamp_format");
    add(bool(e.sampleRate), "output_options.sample_rate");
    add(bool(e.mergeSubrequests), "output_options.merge_subrequests");
    add(bool(e.fieldNames), "logpull_options"); // its other values were checked as given
    for (const auto &k : e.reset)
        out.insert("output_options." + k);
    return out;
}

JobEdit diffJobs(const Job &before, const Job &after)
{
    JobEdit e;
    diff(before.name, after.name, e.name, nullptr, "name");
    if (before.name && !after.name)
        e.name = std::string();
    diff(before.destinationConf, after.destinationConf, e.destinationConf, nullptr, "destination_conf");
    diff(before.frequency, after.frequency, e.frequency, nullptr, "frequency");
    diff(before.filter, after.filter, e.filter, nullptr, "filter");
    if (before.filter && !after.filter)
        e.filter = std::string();
    diff(before.ownershipChallenge, after.ownershipChallenge, e.ownershipChallenge, nullptr, "ownership_challenge");
    diff(before.kind, after.kind, e.kind, nullptr, "kind");
    diff(before.enabled, after.enabled, e.enabled, nullptr, "enabled");
    diff(before.filterAttackTraffic, after.filterAttackTraffic, e.filterAttackTraffic, nullptr, "filter_attack_traffic");
    auto limit = [](const std::optional<int64_t> &b, const std::optional<int64_t> &a, std::optional<int64_t> &out) {
        if (b.value_or(0) != a.value_or(0))
            out = a.value_or(0);
    };
    limit(before.maxUploadBytes, after.maxUploadBytes, e.maxUploadBytes);
    limit(before.maxUploadRecords, after.maxUploadRecords, e.maxUploadRecords);
    limit(before.maxUploadIntervalSeconds, after.maxUploadIntervalSeconds, e.maxUploadIntervalSeconds);
    const OutputOptions ob = before.outputOptions.value_or(OutputOptions{}), oa = after.outputOptions.value_or(OutputOptions{});
    if (ob.fieldNames != oa.fieldNames)
        e.fieldNames = oa.fieldNames;
    diff(ob.outputType, oa.outputType, e.outputType, &e.reset, "output_type");
    diff(ob.timestampFormat, oa.timestampFormat, e.timestampFormat, &e.reset, "timestamp_format");
    diff(ob.sampleRate, oa.sampleRate, e.sampleRate, &e.reset, "sample_rate");
    diff(ob.cve202144228, oa.cve202144228, e.cve202144228, &e.reset, "CVE-2021-44228");
    diff(ob.batchPrefix, oa.batchPrefix, e.batchPrefix, &e.reset, "batch_prefix");
    diff(ob.batchSuffix, oa.batchSuffix, e.batchSuffix, &e.reset, "batch_suffix");
    diff(ob.recordPrefix, oa.recordPrefix, e.recordPrefix, &e.reset, "record_prefix");
    diff(ob.recordSuffix, oa.recordSuffix, e.recordSuffix, &e.reset, "record_suffix");
    diff(ob.recordDelimiter, oa.recordDelimiter, e.recordDelimiter, &e.reset, "record_delimiter");
    diff(ob.fieldDelimiter, oa.fieldDelimiter, e.fieldDelimiter, &e.reset, "field_delimiter");
    diff(ob.recordTemplate, oa.recordTemplate, e.recordTemplate, &e.reset, "record_template");
    diff(ob.mergeSubrequests, oa.mergeSubrequests, e.mergeSubrequests, &e.reset, "merge_subrequests");
    return e;
}

UpdatePlan planUpdate(const Json &current, const JobEdit &edit)
{
    UpdatePlan plan;
    if (!current.is_object()) {
        plan.error = "the API did not return the job as an object";
        return plan;
    }
    Json body = Json::object();
    for (auto it = current.begin(); it != current.end(); ++it)
        if (!isReadOnlyJobField(it.key()) && !it.value().is_null())
            body[it.key()] = it.value();
    if (edit.kind && *edit.kind != current.value("kind", Json("")).get<std::string>()) {
        plan.error = "kind cannot be changed after the job is created (create a new job instead)";
        return plan;
    }
    auto set = [&body](const char *key, const auto &v) {
        if (v)
            body[key] = *v;
    };
    set("name", edit.name);
    set("destination_conf", edit.destinationConf);
    set("frequency", edit.frequency);
    set("filter", edit.filter);
    set("enabled", edit.enabled);
    set("filter_attack_traffic", edit.filterAttackTraffic);
    set("max_upload_bytes", edit.maxUploadBytes);
    set("max_upload_records", edit.maxUploadRecords);
    set("max_upload_interval_seconds", edit.maxUploadIntervalSeconds);
    set("ownership_challenge", edit.ownershipChallenge);
    if (edit.destinationConf && !edit.ownershipChallenge && needsOwnershipChallenge(*edit.destinationConf)
        && *edit.destinationConf != current.value("destination_conf", Json("")).get<std::string>())
        plan.notes.push_back("the new destination needs an ownership challenge: Cloudflare will refuse the change without one "
                             "(request it with 'logpush ownership request URL')");

    const bool hasOutput = current.contains("output_options") && current["output_options"].is_object();
    const bool hasLogpull = current.contains("logpull_options") && current["logpull_options"].is_string()
                            && !current["logpull_options"].get<std::string>().empty();
    const bool onlyOutput = edit.outputType || edit.batchPrefix || edit.batchSuffix || edit.recordPrefix || edit.recordSuffix
                            || edit.recordDelimiter || edit.fieldDelimiter || edit.recordTemplate || edit.mergeSubrequests
                            || std::any_of(edit.reset.begin(), edit.reset.end(), [](const std::string &k) {
                                   return k != "timestamp_format" && k != "sample_rate" && k != "CVE-2021-44228";
                               });
    bool useOutput = hasOutput;
    Json oo = hasOutput ? current["output_options"] : Json::object();
    if (edit.toOutputOptions && hasLogpull) {
        if (!hasOutput) {
            std::vector<std::string> unknown;
            const OutputOptions from = outputOptionsFromLogpull(current["logpull_options"].get<std::string>(), &unknown);
            Job converted;
            converted.outputOptions = from;
            oo = converted.toBody()["output_options"];
            if (!oo.is_object())
                oo = Json::object();
            for (const auto &u : unknown)
                plan.notes.push_back("the logpull option '" + u + "' has no output_options equivalent and is left out");
        }
        body["logpull_options"] = "";
        useOutput = true;
        plan.notes.push_back("the job moves from logpull_options to output_options (its fields, timestamps, sample rate and "
                             "CVE-2021-44228 setting are carried over)");
    } else if (hasLogpull && !hasOutput && onlyOutput) {
        plan.error = "this job is set up with logpull_options (as Sekoia.io's documentation does), which has no output type, "
                     "framing, record template or subrequest merging; ask for the move to output_options "
                     "(CLI: --convert-output-options; form: untick \"Send fields and timestamps as logpull_options\")";
        return plan;
    } else if (!hasOutput && !hasLogpull && edit.touchesOutput()) {
        useOutput = true; // a job with neither: its options start from Cloudflare's defaults
    }
    if (useOutput && (edit.touchesOutput() || edit.toOutputOptions)) {
        auto setO = [&oo](const char *key, const auto &v) {
            if (v)
                oo[key] = *v;
        };
        if (edit.fieldNames)
            oo["field_names"] = *edit.fieldNames;
        setO("output_type", edit.outputType);
        setO("timestamp_format", edit.timestampFormat);
        setO("sample_rate", edit.sampleRate);
        setO("CVE-2021-44228", edit.cve202144228);
        setO("batch_prefix", edit.batchPrefix);
        setO("batch_suffix", edit.batchSuffix);
        setO("record_prefix", edit.recordPrefix);
        setO("record_suffix", edit.recordSuffix);
        setO("record_delimiter", edit.recordDelimiter);
        setO("field_delimiter", edit.fieldDelimiter);
        setO("record_template", edit.recordTemplate);
        setO("merge_subrequests", edit.mergeSubrequests);
        for (const auto &k : edit.reset)
            oo.erase(k);
    }
    if (useOutput)
        body["output_options"] = oo; // complete: Cloudflare replaces the object whole
    if (hasLogpull && !edit.toOutputOptions) {
        // the job keeps working as it was: the change goes into its logpull_options
        std::vector<Param> params = splitQuery(current["logpull_options"].get<std::string>());
        if (edit.fieldNames)
            setParam(params, "fields", joinNames(*edit.fieldNames));
        if (edit.timestampFormat)
            setParam(params, "timestamps", *edit.timestampFormat);
        else if (edit.reset.count("timestamp_format"))
            setParam(params, "timestamps", std::nullopt);
        if (edit.sampleRate)
            setParam(params, "sample", *edit.sampleRate >= 1.0 ? std::optional<std::string>() : Json(*edit.sampleRate).dump());
        else if (edit.reset.count("sample_rate"))
            setParam(params, "sample", std::nullopt);
        if (edit.cve202144228)
            setParam(params, "CVE-2021-44228", *edit.cve202144228 ? std::optional<std::string>("true") : std::nullopt);
        else if (edit.reset.count("CVE-2021-44228"))
            setParam(params, "CVE-2021-44228", std::nullopt);
        body["logpull_options"] = joinQuery(params);
    }
    plan.body = body;
    return plan;
}

} // namespace auditlens::logpush
