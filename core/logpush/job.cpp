// SPDX-License-Identifier: MIT
#include "job.h"

#include "destination.h"

#include <QUrl>
#include <QUrlQuery>

#include <algorithm>
#include <cctype>

namespace auditlens::logpush {

bool OutputOptions::isEmpty() const
{
    return fieldNames.empty() && !outputType && !timestampFormat && !sampleRate && !cve202144228 && !batchPrefix
           && !batchSuffix && !recordPrefix && !recordSuffix && !recordDelimiter && !fieldDelimiter && !recordTemplate
           && !mergeSubrequests && extra.empty();
}

namespace {

template<typename T>
void put(Json &o, const char *key, const std::optional<T> &v)
{
    if (v)
        o[key] = *v;
}

template<typename T>
void get(const Json &j, const char *key, std::optional<T> &out)
{
    auto it = j.find(key);
    if (it == j.end() || it->is_null())
        return;
    try {
        out = it->template get<T>();
    } catch (const nlohmann::json::exception &) {
        // a value of another type: left unset
    }
}

Json outputOptionsJson(const OutputOptions &o)
{
    Json j = Json::object();
    if (!o.fieldNames.empty())
        j["field_names"] = o.fieldNames;
    put(j, "output_type", o.outputType);
    put(j, "timestamp_format", o.timestampFormat);
    put(j, "sample_rate", o.sampleRate);
    put(j, "CVE-2021-44228", o.cve202144228);
    put(j, "batch_prefix", o.batchPrefix);
    put(j, "batch_suffix", o.batchSuffix);
    put(j, "record_prefix", o.recordPrefix);
    put(j, "record_suffix", o.recordSuffix);
    put(j, "record_delimiter", o.recordDelimiter);
    put(j, "field_delimiter", o.fieldDelimiter);
    put(j, "record_template", o.recordTemplate);
    put(j, "merge_subrequests", o.mergeSubrequests);
    for (auto it = o.extra.begin(); it != o.extra.end(); ++it)
        if (!j.contains(it.key()))
            j[it.key()] = it.value();
    return j;
}

bool isHex32(const std::string &s)
{
    return s.size() == 32 && std::all_of(s.begin(), s.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
}

const char *kTimestampFormats[] = {"unixnano", "unix", "rfc3339", "rfc3339ms", "rfc3339ns"};

bool oneOf(const std::string &v, std::initializer_list<const char *> options)
{
    return std::any_of(options.begin(), options.end(), [&](const char *o) { return v == o; });
}

void checkFields(const std::vector<std::string> &fields, const std::string &dataset, const char *where,
                 std::vector<FieldError> &out, const std::vector<std::string> *knownFields = nullptr)
{
    const auto known = knownFields ? *knownFields : builtinFields(dataset);
    if (known.empty())
        return;
    for (const auto &f : fields) {
        if (std::find(known.begin(), known.end(), f) == known.end())
            out.push_back({where, "'" + f + "' is not a field of the " + dataset + " dataset"});
    }
    std::vector<std::string> sorted = fields;
    std::sort(sorted.begin(), sorted.end());
    if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
        out.push_back({where, "a field is listed twice"});
}

void checkLogpullOptions(const std::string &opts, const std::string &dataset, std::vector<FieldError> &out)
{
    const char *F = "logpull_options";
    if (opts.size() > 4096)
        out.push_back({F, "longer than 4096 characters"});
    const QUrlQuery q(QString::fromStdString(opts));
    for (const auto &item : q.queryItems(QUrl::FullyDecoded)) {
        const std::string k = item.first.toStdString(), v = item.second.toStdString();
        if (k == "fields") {
            std::vector<std::string> fields;
            size_t start = 0;
            while (start <= v.size()) {
                const size_t comma = v.find(',', start);
                const std::string f = v.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
                if (!f.empty())
                    fields.push_back(f);
                if (comma == std::string::npos)
                    break;
                start = comma + 1;
            }
            if (fields.empty())
                out.push_back({F, "fields= lists no field"});
            checkFields(fields, dataset, F, out);
        } else if (k == "timestamps") {
            if (!oneOf(v, {"unixnano", "unix", "rfc3339", "rfc3339ms", "rfc3339ns"}))
                out.push_back({F, "timestamps=" + v + " is not one of unixnano, unix, rfc3339, rfc3339ms, rfc3339ns"});
        } else if (k == "sample") {
            char *end = nullptr;
            const double x = std::strtod(v.c_str(), &end);
            if (v.empty() || *end || !(x > 0 && x <= 1))
                out.push_back({F, "sample=" + v + " must be a number above 0 and at most 1"});
        } else if (k == "CVE-2021-44228") {
            if (v != "true" && v != "false")
                out.push_back({F, "CVE-2021-44228 must be true or false"});
        } else {
            out.push_back({F, "option '" + k + "' is not one Auditlens knows (fields, timestamps, sample, CVE-2021-44228); it is sent as given", true});
        }
    }
}

const char *kOperators[] = {"eq", "!eq", "lt", "leq", "gt", "geq", "startsWith", "endsWith", "!startsWith",
                            "!endsWith", "contains", "!contains", "in", "!in"};

std::string checkNode(const Json &n, int &leaves, const std::string &where)
{
    if (!n.is_object())
        return where + " must be an object";
    const bool hasAnd = n.contains("and"), hasOr = n.contains("or");
    const bool leaf = n.contains("key") || n.contains("operator") || n.contains("value");
    if (int(hasAnd) + int(hasOr) + int(leaf) != 1)
        return where + " must be either {\"and\": […]}, {\"or\": […]} or {\"key\", \"operator\", \"value\"}";
    if (hasAnd || hasOr) {
        const Json &list = n[hasAnd ? "and" : "or"];
        if (!list.is_array() || list.empty())
            return where + "." + (hasAnd ? "and" : "or") + " must be a non-empty list";
        for (size_t i = 0; i < list.size(); ++i) {
            const std::string e = checkNode(list[i], leaves, where + "." + (hasAnd ? "and" : "or") + "[" + std::to_string(i) + "]");
            if (!e.empty())
                return e;
        }
        return {};
    }
    ++leaves;
    if (!n.contains("key") || !n["key"].is_string() || n["key"].get<std::string>().empty())
        return where + " needs a \"key\" (a field name)";
    if (!n.contains("operator") || !n["operator"].is_string())
        return where + " needs an \"operator\"";
    const std::string op = n["operator"].get<std::string>();
    if (std::none_of(std::begin(kOperators), std::end(kOperators), [&](const char *o) { return op == o; }))
        return where + ": unknown operator '" + op + "' (eq, !eq, lt, leq, gt, geq, startsWith, endsWith, contains, in and their ! forms)";
    if (!n.contains("value"))
        return where + " needs a \"value\"";
    if ((op == "in" || op == "!in") && !n["value"].is_array())
        return where + ": the value of '" + op + "' must be a list";
    return {};
}

} // namespace

bool hasErrors(const std::vector<FieldError> &problems)
{
    return std::any_of(problems.begin(), problems.end(), [](const FieldError &e) { return !e.warning; });
}

std::vector<std::string> splitFields(const std::string &list)
{
    std::vector<std::string> out;
    size_t start = 0;
    while (start <= list.size()) {
        const size_t comma = list.find(',', start);
        std::string f = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        while (!f.empty() && std::isspace(static_cast<unsigned char>(f.front())))
            f.erase(f.begin());
        while (!f.empty() && std::isspace(static_cast<unsigned char>(f.back())))
            f.pop_back();
        if (!f.empty())
            out.push_back(f);
        if (comma == std::string::npos)
            break;
        start = comma + 1;
    }
    return out;
}

std::string unescapeText(const std::string &typed)
{
    std::string out;
    for (size_t i = 0; i < typed.size(); ++i) {
        if (typed[i] != '\\' || i + 1 == typed.size()) {
            out += typed[i];
            continue;
        }
        const char n = typed[++i];
        switch (n) {
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case '\\': out += '\\'; break;
        default: out += '\\'; out += n; break;
        }
    }
    return out;
}

std::string escapeText(const std::string &text)
{
    std::string out;
    for (char c : text) {
        switch (c) {
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\\': out += "\\\\"; break;
        default: out += c;
        }
    }
    return out;
}

std::string logpullFrom(const OutputOptions &o)
{
    std::string lp;
    auto add = [&lp](const std::string &k, const std::string &v) { lp += (lp.empty() ? "" : "&") + k + "=" + v; };
    if (!o.fieldNames.empty()) {
        std::string f;
        for (const auto &n : o.fieldNames)
            f += (f.empty() ? "" : ",") + n;
        add("fields", f);
    }
    if (o.timestampFormat)
        add("timestamps", *o.timestampFormat);
    if (o.sampleRate && *o.sampleRate < 1.0)
        add("sample", Json(*o.sampleRate).dump());
    if (o.cve202144228 && *o.cve202144228)
        add("CVE-2021-44228", "true");
    return lp;
}

OutputOptions outputOptionsFromLogpull(const std::string &logpull, std::vector<std::string> *unknown)
{
    OutputOptions o;
    const QUrlQuery q(QString::fromStdString(logpull));
    for (const auto &item : q.queryItems(QUrl::FullyDecoded)) {
        const std::string k = item.first.toStdString(), v = item.second.toStdString();
        if (k == "fields") {
            o.fieldNames = splitFields(v);
        } else if (k == "timestamps") {
            o.timestampFormat = v;
        } else if (k == "sample") {
            char *end = nullptr;
            const double x = std::strtod(v.c_str(), &end);
            if (!v.empty() && !*end)
                o.sampleRate = x;
            else if (unknown)
                unknown->push_back(k + "=" + v);
        } else if (k == "CVE-2021-44228") {
            o.cve202144228 = v == "true";
        } else if (unknown) {
            unknown->push_back(k + "=" + v);
        }
    }
    return o;
}

std::string checkId(const std::string &id, const char *what)
{
    if (id.empty())
        return std::string("the ") + what + " is required";
    if (!isHex32(id))
        return std::string("the ") + what + " must be 32 hexadecimal characters (got " + std::to_string(id.size()) + " characters)";
    return {};
}

std::string checkFilter(const std::string &filter)
{
    if (filter.empty())
        return {};
    if (filter.size() > 1000)
        return "the filter is longer than about 1000 bytes, which Cloudflare rejects";
    const Json j = Json::parse(filter, nullptr, false);
    if (j.is_discarded())
        return "the filter is not valid JSON";
    if (!j.is_object() || !j.contains("where"))
        return "the filter must be a JSON object with a \"where\" key";
    int leaves = 0;
    const std::string e = checkNode(j["where"], leaves, "where");
    if (!e.empty())
        return "filter: " + e;
    if (leaves > 30)
        return "the filter has more than 30 conditions, which Cloudflare rejects";
    return {};
}

Json Job::toBody(bool forUpdate) const
{
    Json o = Json::object();
    put(o, "name", name);
    if (!forUpdate)
        put(o, "dataset", dataset);
    put(o, "enabled", enabled);
    if (!forUpdate)
        put(o, "kind", kind);
    put(o, "frequency", frequency);
    put(o, "max_upload_bytes", maxUploadBytes);
    put(o, "max_upload_records", maxUploadRecords);
    put(o, "max_upload_interval_seconds", maxUploadIntervalSeconds);
    put(o, "logpull_options", logpullOptions);
    if (outputOptions && !outputOptions->isEmpty())
        o["output_options"] = outputOptionsJson(*outputOptions);
    put(o, "filter", filter);
    put(o, "filter_attack_traffic", filterAttackTraffic);
    put(o, "destination_conf", destinationConf);
    put(o, "ownership_challenge", ownershipChallenge);
    for (auto it = extra.begin(); it != extra.end(); ++it)
        if (!o.contains(it.key()))
            o[it.key()] = it.value();
    return o;
}

namespace {
const std::string kOutputKeys[] = {"field_names", "output_type", "timestamp_format", "sample_rate", "CVE-2021-44228",
                                   "batch_prefix", "batch_suffix", "record_prefix", "record_suffix", "record_delimiter",
                                   "field_delimiter", "record_template", "merge_subrequests"};
const std::string kJobKeys[] = {"id", "name", "dataset", "destination_conf", "enabled", "kind", "frequency", "logpull_options",
                                "output_options", "filter", "filter_attack_traffic", "max_upload_bytes", "max_upload_records",
                                "max_upload_interval_seconds", "ownership_challenge", "last_complete", "last_error",
                                "error_message"};
} // namespace

Job Job::fromJson(const Json &j)
{
    Job job;
    if (!j.is_object())
        return job;
    get(j, "id", job.id);
    get(j, "name", job.name);
    get(j, "dataset", job.dataset);
    get(j, "destination_conf", job.destinationConf);
    get(j, "enabled", job.enabled);
    get(j, "kind", job.kind);
    get(j, "frequency", job.frequency);
    get(j, "logpull_options", job.logpullOptions);
    get(j, "filter", job.filter);
    get(j, "filter_attack_traffic", job.filterAttackTraffic);
    get(j, "max_upload_bytes", job.maxUploadBytes);
    get(j, "max_upload_records", job.maxUploadRecords);
    get(j, "max_upload_interval_seconds", job.maxUploadIntervalSeconds);
    get(j, "last_complete", job.lastComplete);
    get(j, "last_error", job.lastError);
    get(j, "error_message", job.errorMessage);
    if (j.contains("output_options") && j["output_options"].is_object()) {
        const Json &o = j["output_options"];
        OutputOptions oo;
        if (o.contains("field_names") && o["field_names"].is_array())
            for (const auto &f : o["field_names"])
                if (f.is_string())
                    oo.fieldNames.push_back(f.get<std::string>());
        get(o, "output_type", oo.outputType);
        get(o, "timestamp_format", oo.timestampFormat);
        get(o, "sample_rate", oo.sampleRate);
        get(o, "CVE-2021-44228", oo.cve202144228);
        get(o, "batch_prefix", oo.batchPrefix);
        get(o, "batch_suffix", oo.batchSuffix);
        get(o, "record_prefix", oo.recordPrefix);
        get(o, "record_suffix", oo.recordSuffix);
        get(o, "record_delimiter", oo.recordDelimiter);
        get(o, "field_delimiter", oo.fieldDelimiter);
        get(o, "record_template", oo.recordTemplate);
        get(o, "merge_subrequests", oo.mergeSubrequests);
        for (auto it = o.begin(); it != o.end(); ++it)
            if (std::find(std::begin(kOutputKeys), std::end(kOutputKeys), it.key()) == std::end(kOutputKeys))
                oo.extra[it.key()] = it.value();
        job.outputOptions = oo;
    }
    for (auto it = j.begin(); it != j.end(); ++it)
        if (std::find(std::begin(kJobKeys), std::end(kJobKeys), it.key()) == std::end(kJobKeys))
            job.extra[it.key()] = it.value();
    return job;
}

std::vector<FieldError> validate(const Job &job, Scope scope, const std::string &scopeId, bool forUpdate,
                                 const std::vector<std::string> *knownFields)
{
    std::vector<FieldError> out;
    const std::string idErr = checkId(scopeId, scope == Scope::Account ? "account ID" : "zone ID");
    if (!idErr.empty())
        out.push_back({scope == Scope::Account ? "account" : "zone", idErr});
    const std::string dataset = job.dataset.value_or(std::string());
    if (!forUpdate) {
        if (dataset.empty())
            out.push_back({"dataset", "the dataset is required (for audit logs: audit_logs)"});
        else if (const DatasetInfo *d = findDataset(dataset); !d)
            out.push_back({"dataset", "'" + dataset + "' is not a Logpush dataset"});
        else if (scope == Scope::Account && !d->account)
            out.push_back({"dataset", dataset + " is a zone dataset: create the job for a zone, not an account"});
        else if (scope == Scope::Zone && !d->zone)
            out.push_back({"dataset", dataset + " is an account dataset: create the job for an account, not a zone"});
    }
    if (job.name) {
        const std::string &n = *job.name;
        if (n.size() > 512)
            out.push_back({"name", "the name is longer than 512 characters"});
        if (!std::all_of(n.begin(), n.end(), [](char c) {
                return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
            }))
            out.push_back({"name", "the name may hold only letters, digits, '.', '_' and '-' (a domain name is a good choice)"});
    }
    if (job.destinationConf || !forUpdate)
        checkDestination(job.destinationConf.value_or(std::string()), out);
    if (job.kind && !job.kind->empty() && *job.kind != "edge")
        out.push_back({"kind", "kind is \"\" or \"edge\""});
    if (job.kind && *job.kind == "edge") {
        if (dataset != "http_requests")
            out.push_back({"kind", "kind \"edge\" exists only for http_requests"});
        if (job.maxUploadBytes.value_or(0) || job.maxUploadRecords.value_or(0))
            out.push_back({"kind", "kind \"edge\" cannot be combined with max_upload_bytes or max_upload_records"});
    }
    if (job.frequency && *job.frequency != "high" && *job.frequency != "low")
        out.push_back({"frequency", "frequency is \"high\" or \"low\" (deprecated: prefer max_upload_*)"});
    auto range = [&](const std::optional<int64_t> &v, const char *field, int64_t lo, int64_t hi, const char *unit) {
        if (v && *v != 0 && (*v < lo || *v > hi))
            out.push_back({field, std::string(field) + " must be 0 (not set) or between " + std::to_string(lo) + " and "
                                      + std::to_string(hi) + " " + unit});
    };
    range(job.maxUploadBytes, "max_upload_bytes", 5000000, 1000000000, "bytes");
    range(job.maxUploadRecords, "max_upload_records", 1000, 1000000, "records");
    range(job.maxUploadIntervalSeconds, "max_upload_interval_seconds", 30, 300, "seconds");
    if (job.logpullOptions)
        checkLogpullOptions(*job.logpullOptions, dataset, out);
    if (job.outputOptions) {
        const OutputOptions &o = *job.outputOptions;
        checkFields(o.fieldNames, dataset, "output_options.field_names", out, knownFields);
        if (o.outputType && !oneOf(*o.outputType, {"ndjson", "csv"}))
            out.push_back({"output_options.output_type", "output type is ndjson or csv"});
        if (o.timestampFormat
            && std::none_of(std::begin(kTimestampFormats), std::end(kTimestampFormats), [&](const char *f) { return *o.timestampFormat == f; }))
            out.push_back({"output_options.timestamp_format", "timestamp format is one of unixnano, unix, rfc3339, rfc3339ms, rfc3339ns"});
        if (o.sampleRate && !(*o.sampleRate > 0 && *o.sampleRate <= 1))
            out.push_back({"output_options.sample_rate", "the sample rate must be above 0 and at most 1 (1 = every record)"});
        if (o.mergeSubrequests && dataset != "http_requests")
            out.push_back({"output_options.merge_subrequests", "merge_subrequests exists only for http_requests"});
    }
    if (job.filter) {
        const std::string e = checkFilter(*job.filter);
        if (!e.empty())
            out.push_back({"filter", e});
    }
    if (job.filterAttackTraffic && !oneOf(dataset, {"http_requests", "firewall_events", "network_analytics_logs"}))
        out.push_back({"filter_attack_traffic", "filter_attack_traffic exists only for http_requests, firewall_events and network_analytics_logs"});
    if (job.ownershipChallenge) {
        const std::string &c = *job.ownershipChallenge;
        if (c.size() > 4096
            || !std::all_of(c.begin(), c.end(), [](char ch) {
                   return std::isalnum(static_cast<unsigned char>(ch)) || ch == '/' || ch == '+' || ch == '.' || ch == '_' || ch == '-';
               }))
            out.push_back({"ownership_challenge", "the ownership challenge holds only letters, digits and / + . _ -"});
    }
    return out;
}

const std::vector<DatasetInfo> &datasets()
{
    static const std::vector<DatasetInfo> list = [] {
        std::vector<DatasetInfo> v;
        for (const char *z : {"http_requests", "dns_logs", "nel_reports", "page_shield_events", "spectrum_events", "zaraz_events",
                              "account_abuse_protection_events"})
            v.push_back({z, false, true});
        for (const char *b : {"firewall_events", "websocket_analytics"})
            v.push_back({b, true, true});
        for (const char *a : {"access_requests", "audit_logs", "audit_logs_v2", "biso_user_actions", "casb_findings",
                              "device_posture_results", "dex_application_tests", "dex_device_state_events", "dlp_forensic_copies",
                              "dns_firewall_logs", "email_security_alerts", "email_security_post_delivery_events", "gateway_dns",
                              "gateway_http", "gateway_network", "ipsec_logs", "magic_bgp_logs", "magic_ids_detections",
                              "mcp_portal_logs", "mnm_flow_logs", "network_analytics_logs", "sinkhole_http_logs", "ssh_logs",
                              "turnstile_events", "warp_config_changes", "warp_toggle_changes", "workers_trace_events",
                              "zero_trust_network_sessions"})
            v.push_back({a, true, false});
        std::sort(v.begin(), v.end(), [](auto &x, auto &y) { return x.name < y.name; });
        return v;
    }();
    return list;
}

const DatasetInfo *findDataset(const std::string &name)
{
    for (const auto &d : datasets())
        if (d.name == name)
            return &d;
    return nullptr;
}

std::vector<std::string> builtinFields(const std::string &dataset)
{
    if (dataset == "audit_logs")
        return {"ActionResult", "ActionType", "ActorEmail", "ActorID", "ActorIP", "ActorType", "ID", "Interface",
                "Metadata", "NewValue", "OldValue", "OwnerID", "ResourceID", "ResourceType", "When"};
    if (dataset == "audit_logs_v2")
        return {"AccountID", "AccountName", "ActionDescription", "ActionResult", "ActionTimestamp", "ActionType",
                "ActorContext", "ActorEmail", "ActorID", "ActorIPAddress", "ActorTokenDetails", "ActorType", "AuditLogID",
                "Raw", "ResourceID", "ResourceProduct", "ResourceRequest", "ResourceResponse", "ResourceScope",
                "ResourceType", "ResourceValue", "ZoneID", "ZoneName"};
    return {};
}

std::string sekoiaDestination(const std::string &intakeKey)
{
    return "https://intake.sekoia.io/plain/batch?header_X-SEKOIAIO-INTAKE-KEY=" + intakeKey;
}

Job sekoiaPreset(const std::string &intakeKey)
{
    Job j;
    j.dataset = "audit_logs";
    j.enabled = true;
    j.maxUploadBytes = 5000000;
    j.maxUploadRecords = 1000;
    std::string fields;
    for (const auto &f : builtinFields("audit_logs"))
        fields += (fields.empty() ? "" : ",") + f;
    j.logpullOptions = "fields=" + fields + "&timestamps=rfc3339";
    j.destinationConf = sekoiaDestination(intakeKey);
    return j;
}

std::string receiverDestination(const std::string &url, const std::string &headerName, const std::string &secret)
{
    const std::string enc = QUrl::toPercentEncoding(QString::fromStdString(secret)).toStdString();
    return url + (url.find('?') == std::string::npos ? "?" : "&") + "header_" + headerName + "=" + enc;
}

} // namespace auditlens::logpush
