// SPDX-License-Identifier: MIT
#include "job.h"

#include <QUrl>
#include <QUrlQuery>

#include <algorithm>
#include <cctype>

namespace auditlens::logpush {

bool OutputOptions::isEmpty() const
{
    return fieldNames.empty() && !outputType && !timestampFormat && !sampleRate && !cve202144228 && !batchPrefix
           && !batchSuffix && !recordPrefix && !recordSuffix && !recordDelimiter && !fieldDelimiter && !recordTemplate
           && !mergeSubrequests;
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

std::string joinOptions(std::initializer_list<const char *> options)
{
    std::string out;
    for (const char *o : options)
        out += (out.empty() ? "" : ", ") + std::string(o);
    return out;
}

void checkFields(const std::vector<std::string> &fields, const std::string &dataset, const char *where,
                 std::vector<FieldError> &out)
{
    const auto known = builtinFields(dataset);
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

void checkDestination(const std::string &dest, std::vector<FieldError> &out)
{
    const char *F = "destination_conf";
    if (dest.empty()) {
        out.push_back({F, "the destination is required"});
        return;
    }
    if (dest.size() > 4096) {
        out.push_back({F, "the destination is longer than 4096 characters"});
        return;
    }
    const size_t sep = dest.find("://");
    if (sep == std::string::npos) {
        out.push_back({F, "the destination must look like scheme://address (for example https://logs.example.com/ingest)"});
        return;
    }
    const std::string scheme = dest.substr(0, sep);
    const QUrl url(QString::fromStdString(dest), QUrl::TolerantMode); // Cloudflare encodes special characters itself
    const QUrlQuery query(url);
    auto param = [&](const char *k) { return query.queryItemValue(QString::fromLatin1(k)).toStdString(); };
    auto need = [&](const char *k, const std::string &why) {
        if (param(k).empty())
            out.push_back({F, std::string("the ") + scheme + " destination needs the '" + k + "' parameter (" + why + ")"});
    };
    // header_<Name>=<value> parameters become HTTP headers on each push
    for (const auto &item : query.queryItems(QUrl::FullyDecoded)) {
        const std::string k = item.first.toStdString();
        if (k.rfind("header_", 0) != 0)
            continue;
        const std::string name = k.substr(7);
        if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) {
                return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
            }))
            out.push_back({F, "'" + k + "' does not name a valid HTTP header (letters, digits, '-' after header_)"});
        else if (item.second.isEmpty())
            out.push_back({F, "'" + k + "' has no value"});
    }
    if (scheme == "https") {
        if (!url.isValid() || url.host().isEmpty())
            out.push_back({F, "not a valid https URL: " + url.errorString().toStdString()});
    } else if (scheme == "http") {
        out.push_back({F, "Logpush pushes only to https:// endpoints (with a publicly trusted certificate)"});
    } else if (scheme == "s3") {
        if (url.host().isEmpty())
            out.push_back({F, "the s3 destination needs a bucket: s3://bucket/path?region=us-east-1"});
        need("region", "the bucket's AWS region");
    } else if (scheme == "r2") {
        if (url.host().isEmpty())
            out.push_back({F, "the r2 destination needs a bucket: r2://bucket/path?account-id=…&access-key-id=…&secret-access-key=…"});
        need("account-id", "the R2 account");
        need("access-key-id", "an R2 access key");
        need("secret-access-key", "its secret");
    } else if (scheme == "gs") {
        if (url.host().isEmpty())
            out.push_back({F, "the gs destination needs a bucket: gs://bucket/path"});
    } else if (scheme == "azure") {
        if (url.host().isEmpty() || query.isEmpty())
            out.push_back({F, "the azure destination needs a container and a SAS token: azure://container/path?sv=…&sig=…"});
    } else if (scheme == "datadog") {
        if (param("header_DD-API-KEY").empty())
            out.push_back({F, "the datadog destination needs header_DD-API-KEY=<your API key>"});
    } else if (scheme == "splunk") {
        need("channel", "a random GUID for the HEC channel");
        if (param("header_Authorization").empty())
            out.push_back({F, "the splunk destination needs header_Authorization=Splunk%20<HEC token>"});
    } else if (scheme == "sumo") {
        if (url.host().isEmpty())
            out.push_back({F, "the sumo destination needs the collector address: sumo://endpoint…"});
    } else {
        out.push_back({F, "unknown destination scheme '" + scheme + "' (https, s3, r2, gs, azure, datadog, splunk or sumo)"});
    }
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
            out.push_back({F, "unknown option '" + k + "' (fields, timestamps, sample, CVE-2021-44228)"});
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
    return o;
}

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
        get(o, "record_template", oo.recordTemplate);
        job.outputOptions = oo;
    }
    return job;
}

std::vector<FieldError> validate(const Job &job, Scope scope, const std::string &scopeId, bool forUpdate)
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
        checkFields(o.fieldNames, dataset, "output_options.field_names", out);
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

std::string maskDestination(const std::string &dest)
{
    const size_t q = dest.find('?');
    if (q == std::string::npos)
        return dest;
    std::string out = dest.substr(0, q + 1);
    std::string rest = dest.substr(q + 1);
    size_t start = 0;
    bool first = true;
    while (start <= rest.size()) {
        const size_t amp = rest.find('&', start);
        std::string item = rest.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
        const size_t eq = item.find('=');
        if (eq != std::string::npos) {
            std::string key = item.substr(0, eq);
            std::string lk = key;
            std::transform(lk.begin(), lk.end(), lk.begin(), ::tolower);
            const bool secret = lk.rfind("header_", 0) == 0 || lk.find("key") != std::string::npos || lk.find("secret") != std::string::npos
                                || lk.find("token") != std::string::npos || lk == "sig" || lk.find("password") != std::string::npos;
            if (secret && eq + 1 < item.size())
                item = key + "=***";
        }
        out += (first ? "" : "&") + item;
        first = false;
        if (amp == std::string::npos)
            break;
        start = amp + 1;
    }
    return out;
}

} // namespace auditlens::logpush
