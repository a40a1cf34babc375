// SPDX-License-Identifier: MIT
// auditlens-cli logpush …: Logpush jobs through the Cloudflare API, sharing the core with the form.
#include "cli_commands.h"

#include "cli_args.h"

#include "logpush/api.h"

#include <QFile>

#include <cstdio>
#include <cstdlib>

namespace auditlens::cli {

namespace {

using namespace auditlens::logpush;

const char *kLogpushHelp =
    "Usage: auditlens-cli logpush COMMAND [OPTIONS]\n"
    "\n"
    "Commands:\n"
    "  jobs create [JOB OPTIONS]      create a job: enabled unless --disabled, with every field of the\n"
    "                                 dataset (from the API's field list when it can be read, else the\n"
    "                                 built-in list) unless --fields; the destination is checked by\n"
    "                                 Cloudflare first (--no-check skips it)\n"
    "  jobs update ID [JOB OPTIONS]   change only the options given: the job is read, changed and sent\n"
    "                                 back complete (output_options whole; a logpull_options job keeps\n"
    "                                 its logpull_options unless --convert-output-options)\n"
    "  jobs list [--dataset D]        list the jobs (of one dataset)\n"
    "  jobs get ID | jobs delete ID\n"
    "  fields DATASET                 the fields of a dataset\n"
    "  validate-destination URL       ask Cloudflare whether it can push to URL\n"
    "  destination-exists URL         ask whether a job already pushes to URL\n"
    "  validate-origin OPTIONS        check a logpull_options string (with --dataset D)\n"
    "  ownership request URL          have Cloudflare write an ownership challenge file to URL\n"
    "  ownership validate URL --ownership-challenge TOKEN | --ownership-challenge-file FILE\n"
    "\n"
    "Job options:\n"
    "  --preset sekoia --intake-key KEY | --intake-key-file FILE\n"
    "                                 the Sekoia.io intake job of Sekoia's documentation\n"
    "  --dataset D                    dataset (default audit_logs)\n"
    "  --destination URL              destination_conf (https, s3, r2, gs, azure, datadog, splunk, sumo,\n"
    "                                 kinesis, ibmcl, bq, …; a scheme Auditlens cannot check is sent\n"
    "                                 with a warning)\n"
    "  --ownership-challenge TOKEN | --ownership-challenge-file FILE\n"
    "                                 the content of the challenge file (s3 without keys, gs, azure, sumo)\n"
    "  --fields A,B,…                 fields to send (create: default every field of the dataset)\n"
    "  --timestamps FORMAT            unixnano | unix | rfc3339 | rfc3339ms | rfc3339ns\n"
    "  --output-type T                ndjson | csv\n"
    "  --sample-rate X                0 < X <= 1\n"
    "  --cve-2021-44228 true|false    replace ${ by x{ in the output\n"
    "  --batch-prefix S | --batch-suffix S | --record-prefix S | --record-suffix S\n"
    "  --record-delimiter S | --field-delimiter S\n"
    "                                 framing (\\n, \\r, \\t, \\\\ are a line feed, CR, tab, backslash)\n"
    "  --record-template T            e.g. '{\"when\":{{.When}}}' (its fields must be in --fields)\n"
    "  --merge-subrequests true|false (http_requests)\n"
    "  --reset OPTION,…               take output options back to Cloudflare's default (update)\n"
    "  --convert-output-options       move a logpull_options job to output_options (update)\n"
    "  --max-upload-bytes N           0 or 5000000..1000000000\n"
    "  --max-upload-records N         0 or 1000..1000000\n"
    "  --max-upload-interval N        0 or 30..300 seconds\n"
    "  --name NAME                    letters, digits, '.', '_', '-'\n"
    "  --filter JSON                  {\"where\": …} ('' removes it on update)\n"
    "  --filter-attack-traffic true|false\n"
    "  --kind K                       '' or edge (only at creation)\n"
    "  --frequency high|low           deprecated (use --max-upload-*), still accepted\n"
    "  --enabled | --disabled\n"
    "\n"
    "Common options:\n"
    "  --account ID | --zone ID       the scope (32 hexadecimal characters)\n"
    "  --api-base URL                 default https://api.cloudflare.com/client/v4\n"
    "  --token-file FILE              the API token (else CLOUDFLARE_API_TOKEN)\n"
    "  --timeout SECONDS              per request (default 30)\n"
    "  --dry-run                      print the equivalent curl command and change nothing (an update\n"
    "                                 still reads the job to show the complete request)\n"
    "  --print-body                   print only the JSON request body and change nothing\n"
    "  --reveal                       show secrets (token, keys in destinations) in output\n"
    "\n"
    "An invalid value is refused before anything is sent; warnings are printed and do not stop.\n"
    "Exit status: 0 success; 1 the API refused or could not be reached; 2 usage error or invalid value.\n";

bool parseInt(const std::string &s, int64_t &out)
{
    if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos || s.size() > 15)
        return false;
    out = std::stoll(s);
    return true;
}

void printJobs(const Json &result)
{
    std::printf("%-10s %-24s %-16s %-8s %-22s %s\n", "ID", "NAME", "DATASET", "ENABLED", "LAST COMPLETE", "LAST ERROR");
    for (const Json &j : result) {
        const Job job = Job::fromJson(j);
        std::printf("%-10lld %-24s %-16s %-8s %-22s %s%s%s\n", static_cast<long long>(job.id.value_or(0)),
                    job.name.value_or("").c_str(), job.dataset.value_or("").c_str(), job.enabled.value_or(false) ? "yes" : "no",
                    job.lastComplete.value_or("-").c_str(), job.lastError.value_or("-").c_str(),
                    job.errorMessage ? ": " : "", job.errorMessage.value_or("").c_str());
    }
}

struct Ctx
{
    Args parsed;
    Scope scope = Scope::Account;
    std::string scopeId;
    bool reveal = false;
    std::string base;
    std::string token;
    int timeoutMs = 30000;

    std::string opt(const char *o) const { return parsed.value(o); }
    bool has(const char *o) const { return parsed.has(o); }
    std::string shown(const std::string &text) const { return reveal ? text : maskText(text); }
    void say(const std::string &text) const { std::fprintf(stderr, "auditlens-cli logpush: %s\n", shown(text).c_str()); }
    int fail(const std::string &field, const std::string &msg) const
    {
        say("invalid " + field + ": " + msg);
        return 2;
    }
    bool offline() const { return has("--dry-run") || has("--print-body"); }
    ApiResult call(const ApiRequest &req) const
    {
        Client client;
        client.setBaseUrl(base);
        client.setToken(token);
        client.setTimeoutMs(timeoutMs);
        return client.sendAndWait(req);
    }
};

bool parseBool(const std::string &v, bool &out)
{
    if (v == "true" || v == "yes" || v == "1") {
        out = true;
        return true;
    }
    if (v == "false" || v == "no" || v == "0") {
        out = false;
        return true;
    }
    return false;
}

/// Every job option of the command line as an edit (only what was given).
int readEdit(const Ctx &c, JobEdit &e)
{
    auto str = [&](const char *o, std::optional<std::string> &out, bool framing = false) {
        if (c.has(o))
            out = framing ? unescapeText(c.opt(o)) : c.opt(o);
    };
    str("--name", e.name);
    str("--destination", e.destinationConf);
    str("--frequency", e.frequency);
    str("--filter", e.filter);
    str("--kind", e.kind);
    str("--output-type", e.outputType);
    str("--timestamps", e.timestampFormat);
    str("--batch-prefix", e.batchPrefix, true);
    str("--batch-suffix", e.batchSuffix, true);
    str("--record-prefix", e.recordPrefix, true);
    str("--record-suffix", e.recordSuffix, true);
    str("--record-delimiter", e.recordDelimiter, true);
    str("--field-delimiter", e.fieldDelimiter, true);
    str("--record-template", e.recordTemplate, true);
    if (c.has("--ownership-challenge-file")) {
        std::string t, err;
        if (!readSecretFile(c.opt("--ownership-challenge-file"), t, err))
            return c.fail("ownership challenge", err);
        e.ownershipChallenge = t;
    } else {
        str("--ownership-challenge", e.ownershipChallenge);
    }
    if (c.has("--fields")) {
        e.fieldNames = splitFields(c.opt("--fields"));
        if (e.fieldNames->empty())
            return c.fail("fields", "--fields lists no field");
    }
    for (auto [o, field] : std::initializer_list<std::pair<const char *, std::optional<bool> JobEdit::*>>{
             {"--cve-2021-44228", &JobEdit::cve202144228},
             {"--merge-subrequests", &JobEdit::mergeSubrequests},
             {"--filter-attack-traffic", &JobEdit::filterAttackTraffic}}) {
        if (!c.has(o))
            continue;
        bool b = false;
        if (!parseBool(c.opt(o), b))
            return c.fail(o + 2, "'" + c.opt(o) + "' is not true or false");
        e.*field = b;
    }
    if (c.has("--enabled") && c.has("--disabled"))
        return c.fail("enabled", "give --enabled or --disabled, not both");
    if (c.has("--enabled"))
        e.enabled = true;
    if (c.has("--disabled"))
        e.enabled = false;
    for (auto [o, field] : std::initializer_list<std::pair<const char *, std::optional<int64_t> JobEdit::*>>{
             {"--max-upload-bytes", &JobEdit::maxUploadBytes},
             {"--max-upload-records", &JobEdit::maxUploadRecords},
             {"--max-upload-interval", &JobEdit::maxUploadIntervalSeconds}}) {
        if (!c.has(o))
            continue;
        int64_t n = 0;
        if (!parseInt(c.opt(o), n))
            return c.fail(o + 2, "'" + c.opt(o) + "' is not a whole number");
        e.*field = n;
    }
    if (c.has("--sample-rate")) {
        char *end = nullptr;
        const std::string v = c.opt("--sample-rate");
        e.sampleRate = std::strtod(v.c_str(), &end);
        if (v.empty() || *end)
            return c.fail("sample rate", "'" + v + "' is not a number");
    }
    if (c.has("--reset")) {
        static const char *keys[] = {"output_type", "timestamp_format", "sample_rate", "CVE-2021-44228", "batch_prefix",
                                     "batch_suffix", "record_prefix", "record_suffix", "record_delimiter", "field_delimiter",
                                     "record_template", "merge_subrequests"};
        for (const auto &k : splitFields(c.opt("--reset"))) {
            if (std::none_of(std::begin(keys), std::end(keys), [&](const char *x) { return k == x; }))
                return c.fail("reset", "'" + k + "' is not an output option (output_type, timestamp_format, sample_rate, "
                                                 "CVE-2021-44228, batch_prefix, batch_suffix, record_prefix, record_suffix, "
                                                 "record_delimiter, field_delimiter, record_template, merge_subrequests)");
            e.reset.insert(k);
        }
    }
    e.toOutputOptions = c.has("--convert-output-options");
    return 0;
}

/// Applies an edit to a new job (creation: nothing to read first).
void applyToNew(Job &j, const JobEdit &e)
{
    auto put = [](auto &dst, const auto &src) {
        if (src)
            dst = src;
    };
    put(j.name, e.name);
    put(j.destinationConf, e.destinationConf);
    put(j.frequency, e.frequency);
    if (e.filter && !e.filter->empty())
        j.filter = e.filter;
    put(j.kind, e.kind);
    put(j.ownershipChallenge, e.ownershipChallenge);
    put(j.enabled, e.enabled);
    put(j.filterAttackTraffic, e.filterAttackTraffic);
    put(j.maxUploadBytes, e.maxUploadBytes);
    put(j.maxUploadRecords, e.maxUploadRecords);
    put(j.maxUploadIntervalSeconds, e.maxUploadIntervalSeconds);
    if (!e.touchesOutput())
        return;
    OutputOptions o = j.outputOptions.value_or(OutputOptions{});
    if (j.logpullOptions) // the preset's logpull_options (as Sekoia's documentation): edit it there
        o = outputOptionsFromLogpull(*j.logpullOptions);
    if (e.fieldNames)
        o.fieldNames = *e.fieldNames;
    put(o.outputType, e.outputType);
    put(o.timestampFormat, e.timestampFormat);
    put(o.sampleRate, e.sampleRate);
    put(o.cve202144228, e.cve202144228);
    put(o.batchPrefix, e.batchPrefix);
    put(o.batchSuffix, e.batchSuffix);
    put(o.recordPrefix, e.recordPrefix);
    put(o.recordSuffix, e.recordSuffix);
    put(o.recordDelimiter, e.recordDelimiter);
    put(o.fieldDelimiter, e.fieldDelimiter);
    put(o.recordTemplate, e.recordTemplate);
    put(o.mergeSubrequests, e.mergeSubrequests);
    if (j.logpullOptions)
        j.logpullOptions = logpullFrom(o);
    else
        j.outputOptions = o;
}

/// Prints problems; true when one is an error.
bool report(const Ctx &c, const std::vector<FieldError> &problems)
{
    for (const auto &e : problems)
        c.say(std::string(e.warning ? "warning: " : "invalid ") + e.field + ": " + e.message);
    if (hasErrors(problems)) {
        std::fprintf(stderr, "nothing was sent\n");
        return true;
    }
    return false;
}

bool readToken(Ctx &c, int &rc)
{
    if (c.has("--token-file")) {
        std::string err;
        if (!readSecretFile(c.opt("--token-file"), c.token, err)) {
            rc = c.fail("token", err);
            return false;
        }
    } else if (const char *env = std::getenv("CLOUDFLARE_API_TOKEN"); env && *env) {
        c.token = env;
    }
    return true;
}

int needToken(const Ctx &c)
{
    if (!c.token.empty())
        return 0;
    c.say("no API token: set CLOUDFLARE_API_TOKEN or use --token-file FILE");
    return 2;
}

/// Sends (or previews) one request and prints its result.
int sendAndPrint(const Ctx &c, const ApiRequest &req, bool isJobList = false)
{
    if (c.has("--print-body")) {
        std::printf("%s\n", req.body ? bodyText(req, c.reveal).c_str() : "");
        return 0;
    }
    if (c.has("--dry-run")) {
        std::printf("%s\n", curlCommand(req, c.base, c.token, c.reveal).c_str());
        return 0;
    }
    if (const int rc = needToken(c))
        return rc;
    const ApiResult r = c.call(req);
    if (!r.ok) {
        c.say(r.message);
        return 1;
    }
    if (isJobList && r.result.is_array())
        printJobs(r.result);
    else
        std::printf("%s\n", c.shown(r.result.dump(2)).c_str());
    return 0;
}

/// The answer of validate/destination, ownership and ownership/validate: `valid` must be true.
bool resultValid(const ApiResult &r) { return r.ok && r.result.is_object() && r.result.value("valid", false); }
std::string resultMessage(const ApiResult &r)
{
    if (!r.ok)
        return r.message;
    if (r.result.is_object() && r.result.contains("message") && r.result["message"].is_string())
        return r.result["message"].get<std::string>();
    return {};
}

int checkDestinationFirst(const Ctx &c, const std::string &dest, const std::optional<std::string> &challenge)
{
    if (c.offline() || c.has("--no-check"))
        return 0;
    if (needsOwnershipChallenge(dest)) {
        if (!challenge) {
            c.say("the destination " + dest + " needs an ownership challenge: run 'auditlens-cli logpush ownership request "
                  "URL', read the file Cloudflare writes there, then create with --ownership-challenge TOKEN "
                  "(or --ownership-challenge-file FILE); nothing was sent");
            return 2;
        }
        const ApiResult v = c.call(validateOwnership(c.scope, c.scopeId, dest, *challenge));
        if (!resultValid(v)) {
            c.say("Cloudflare does not accept the ownership challenge for " + dest
                  + (v.ok ? std::string(" (valid: false)") : ": " + v.message) + "; the job was not created");
            return 1;
        }
        std::fprintf(stderr, "ownership challenge accepted\n");
    }
    const ApiResult r = c.call(validateDestination(c.scope, c.scopeId, dest));
    if (!r.ok) {
        c.say("the destination check failed: " + r.message + "; the job was not created (--no-check skips the check)");
        return 1;
    }
    if (!resultValid(r)) {
        const std::string m = resultMessage(r);
        c.say("Cloudflare cannot push to " + dest + (m.empty() ? std::string() : ": " + m)
              + "; the job was not created (--no-check skips the check)");
        return 1;
    }
    std::fprintf(stderr, "destination checked by Cloudflare: valid\n");
    return 0;
}

int runCreate(const Ctx &c, const JobEdit &edit)
{
    Job job;
    std::vector<std::string> fields; // the dataset's fields as the API lists them
    std::string intakeKey;
    if (c.has("--intake-key-file")) {
        std::string err;
        if (!readSecretFile(c.opt("--intake-key-file"), intakeKey, err))
            return c.fail("intake key", err);
    } else if (c.has("--intake-key")) {
        intakeKey = c.opt("--intake-key");
    }
    if (c.has("--preset")) {
        if (c.opt("--preset") != "sekoia")
            return c.fail("preset", "the only preset is 'sekoia'");
        if (intakeKey.empty())
            return c.fail("intake key", "--preset sekoia needs --intake-key KEY or --intake-key-file FILE");
        job = sekoiaPreset(intakeKey);
    } else {
        job.dataset = "audit_logs";
        job.enabled = true; // Cloudflare creates a disabled job unless told otherwise
    }
    if (c.has("--dataset"))
        job.dataset = c.opt("--dataset");
    if (edit.toOutputOptions || !edit.reset.empty())
        return c.fail("usage", "--convert-output-options and --reset are for jobs update");
    applyToNew(job, edit);
    if (!job.logpullOptions && (!job.outputOptions || job.outputOptions->fieldNames.empty())) {
        // every field of the dataset: the API's list when it can be read, else the built-in one
        const std::string dataset = job.dataset.value_or("");
        if (!c.offline() && !c.token.empty() && checkId(c.scopeId, "ID").empty()) {
            const ApiResult r = c.call(listFields(c.scope, c.scopeId, dataset));
            if (r.ok && r.result.is_object())
                for (auto it = r.result.begin(); it != r.result.end(); ++it)
                    fields.push_back(it.key());
            else
                c.say("warning: the field list of " + dataset + " could not be read (" + r.message + "); using Auditlens' list");
        }
        const std::vector<std::string> chosen = fields.empty() ? builtinFields(dataset) : fields;
        if (chosen.empty())
            return c.fail("fields", "Auditlens does not know the fields of " + dataset
                                        + " and the API's list could not be read: give --fields A,B,…");
        OutputOptions o = job.outputOptions.value_or(OutputOptions{});
        o.fieldNames = chosen;
        job.outputOptions = o;
    }
    if (report(c, validate(job, c.scope, c.scopeId, false, fields.empty() ? nullptr : &fields)))
        return 2;
    const ApiRequest req = createJob(c.scope, c.scopeId, job);
    if (!c.offline()) {
        if (const int rc = needToken(c))
            return rc;
        if (const int rc = checkDestinationFirst(c, job.destinationConf.value_or(""), job.ownershipChallenge))
            return rc;
    }
    return sendAndPrint(c, req);
}

int runUpdate(const Ctx &c, int64_t jobId, const JobEdit &edit)
{
    if (c.has("--preset") || c.has("--intake-key") || c.has("--intake-key-file") || c.has("--dataset"))
        return c.fail("usage", "jobs update takes no --preset, --intake-key or --dataset (the dataset cannot change): "
                               "give the options to change");
    if (edit.isEmpty())
        return c.fail("usage", "jobs update ID needs at least one option to change");
    if (const std::string e = checkId(c.scopeId, c.scope == Scope::Account ? "account ID (--account)" : "zone ID (--zone)");
        !e.empty())
        return c.fail(c.scope == Scope::Account ? "account" : "zone", e);
    // the values given are checked before anything is read
    Job given;
    given.name = edit.name;
    given.destinationConf = edit.destinationConf;
    given.frequency = edit.frequency;
    given.filter = edit.filter && !edit.filter->empty() ? edit.filter : std::nullopt;
    given.maxUploadBytes = edit.maxUploadBytes;
    given.maxUploadRecords = edit.maxUploadRecords;
    given.maxUploadIntervalSeconds = edit.maxUploadIntervalSeconds;
    given.ownershipChallenge = edit.ownershipChallenge;
    OutputOptions o;
    o.outputType = edit.outputType;
    o.timestampFormat = edit.timestampFormat;
    o.sampleRate = edit.sampleRate;
    given.outputOptions = o;
    if (report(c, validate(given, c.scope, c.scopeId, true)))
        return 2;
    if (const int rc = needToken(c)) {
        if (c.offline())
            c.say("an update reads the job first to send it back complete, so --dry-run and --print-body need the token too "
                  "(reading changes nothing)");
        return rc;
    }
    const ApiResult cur = c.call(getJob(c.scope, c.scopeId, jobId));
    if (!cur.ok) {
        c.say("cannot read job " + std::to_string(jobId) + " to change it: " + cur.message);
        return 1;
    }
    const UpdatePlan plan = planUpdate(cur.result, edit);
    if (!plan.error.empty()) {
        c.say("job " + std::to_string(jobId) + ": " + plan.error + "; nothing was sent");
        return 2;
    }
    for (const auto &n : plan.notes)
        c.say("note: " + n);
    // the job as it will be: only what the user changes must pass (values already on the job may
    // be ones Auditlens does not know yet)
    Job after = Job::fromJson(plan.body);
    if (cur.result.contains("dataset") && cur.result["dataset"].is_string())
        after.dataset = cur.result["dataset"].get<std::string>();
    const std::set<std::string> edited = editedFields(edit);
    std::vector<FieldError> problems;
    for (FieldError e : validate(after, c.scope, c.scopeId, true)) {
        if (!edited.count(e.field))
            continue;
        problems.push_back(e);
    }
    if (report(c, problems))
        return 2;
    ApiRequest req = updateJob(c.scope, c.scopeId, jobId, Job{});
    req.body = plan.body;
    return sendAndPrint(c, req);
}

int runOwnership(const Ctx &c, const std::vector<std::string> &words)
{
    if (words.size() != 3 || (words[1] != "request" && words[1] != "validate"))
        return c.fail("usage", "logpush ownership request URL | logpush ownership validate URL --ownership-challenge TOKEN");
    const std::string &dest = words[2];
    if (words[1] == "request") {
        if (c.offline())
            return sendAndPrint(c, ownershipChallenge(c.scope, c.scopeId, dest));
        if (const int rc = needToken(c))
            return rc;
        const ApiResult r = c.call(ownershipChallenge(c.scope, c.scopeId, dest));
        if (!r.ok) {
            c.say(r.message);
            return 1;
        }
        const std::string file = r.result.is_object() && r.result.contains("filename") && r.result["filename"].is_string()
                                     ? r.result["filename"].get<std::string>()
                                     : std::string();
        if (!resultValid(r) || file.empty()) {
            const std::string m = resultMessage(r);
            c.say("Cloudflare could not write the ownership challenge to " + dest + (m.empty() ? std::string() : ": " + m));
            return 1;
        }
        std::printf("Cloudflare wrote the ownership challenge to %s\n"
                    "Read that file at the destination and give its content to\n"
                    "  auditlens-cli logpush jobs create … --ownership-challenge TOKEN   (or --ownership-challenge-file FILE)\n"
                    "(check it first with: auditlens-cli logpush ownership validate URL --ownership-challenge TOKEN)\n",
                    c.shown(file).c_str());
        return 0;
    }
    JobEdit e;
    if (const int rc = readEdit(c, e))
        return rc;
    if (!e.ownershipChallenge || e.ownershipChallenge->empty())
        return c.fail("ownership challenge", "give --ownership-challenge TOKEN or --ownership-challenge-file FILE");
    const ApiRequest req = validateOwnership(c.scope, c.scopeId, dest, *e.ownershipChallenge);
    if (c.offline())
        return sendAndPrint(c, req);
    if (const int rc = needToken(c))
        return rc;
    const ApiResult r = c.call(req);
    if (!r.ok) {
        c.say(r.message);
        return 1;
    }
    const bool ok = resultValid(r);
    std::printf("ownership challenge: %s\n", ok ? "valid" : "not valid");
    return ok ? 0 : 1;
}

int runValidate(const Ctx &c, const std::string &cmd, const std::string &arg)
{
    ApiRequest req;
    if (cmd == "validate-destination" || cmd == "destination-exists") {
        std::vector<FieldError> problems;
        checkDestination(arg, problems);
        if (report(c, problems))
            return 2;
        req = cmd == "validate-destination" ? validateDestination(c.scope, c.scopeId, arg) : destinationExists(c.scope, c.scopeId, arg);
    } else {
        req = validateOrigin(c.scope, c.scopeId, arg, c.opt("--dataset"));
    }
    if (c.offline())
        return sendAndPrint(c, req);
    if (const int rc = needToken(c))
        return rc;
    const ApiResult r = c.call(req);
    if (!r.ok) {
        c.say(r.message);
        return 1;
    }
    if (cmd == "destination-exists") {
        const bool exists = r.result.is_object() && r.result.value("exists", false);
        std::printf("%s\n", exists ? "a job already pushes to this destination" : "no job pushes to this destination yet");
        return 0;
    }
    const bool ok = resultValid(r);
    const std::string m = resultMessage(r);
    std::printf("%s%s%s\n", ok ? "valid" : "not valid", m.empty() ? "" : ": ", c.shown(m).c_str());
    return ok ? 0 : 1;
}

} // namespace

int runLogpush(const std::vector<std::string> &args)
{
    if (args.empty() || args[0] == "--help" || args[0] == "-h") {
        std::fputs(kLogpushHelp, args.empty() ? stderr : stdout);
        return args.empty() ? 2 : 0;
    }
    static const std::vector<std::string> valued = {
        "--preset", "--intake-key", "--intake-key-file", "--dataset", "--destination", "--fields", "--timestamps",
        "--max-upload-bytes", "--max-upload-records", "--max-upload-interval", "--sample-rate", "--name", "--filter",
        "--account", "--zone", "--api-base", "--token-file", "--timeout", "--output-type", "--batch-prefix", "--batch-suffix",
        "--record-prefix", "--record-suffix", "--record-delimiter", "--field-delimiter", "--record-template",
        "--cve-2021-44228", "--merge-subrequests", "--filter-attack-traffic", "--kind", "--frequency",
        "--ownership-challenge", "--ownership-challenge-file", "--reset"};
    Ctx c;
    c.parsed = parseArgs(args, valued,
                         {"--enabled", "--disabled", "--dry-run", "--print-body", "--reveal", "--convert-output-options", "--no-check"});
    if (!c.parsed.error.empty()) {
        std::fprintf(stderr, "auditlens-cli logpush: %s (see --help)\n", c.parsed.error.c_str());
        return 2;
    }
    if (c.parsed.help) {
        std::fputs(kLogpushHelp, stdout);
        return 0;
    }
    c.reveal = c.has("--reveal");
    const std::vector<std::string> &words = c.parsed.inputs;
    if (c.has("--account") && c.has("--zone"))
        return c.fail("scope", "give --account or --zone, not both");
    c.scope = c.has("--zone") ? Scope::Zone : Scope::Account;
    c.scopeId = c.has("--zone") ? c.opt("--zone") : c.opt("--account");
    c.base = c.has("--api-base") ? c.opt("--api-base") : std::string(kDefaultBaseUrl);
    if (c.has("--timeout")) {
        int64_t s = 0;
        if (!parseInt(c.opt("--timeout"), s) || s < 1 || s > 3600)
            return c.fail("timeout", "a number of seconds, 1 to 3600");
        c.timeoutMs = int(s * 1000);
    }
    int rc = 0;
    if (!readToken(c, rc))
        return rc;
    const std::string cmd = words.empty() ? std::string() : words[0];
    const std::string sub = words.size() > 1 ? words[1] : std::string();
    const bool jobCreate = cmd == "jobs" && sub == "create"; // validate() checks the scope too
    const bool jobUpdate = cmd == "jobs" && sub == "update";
    if (!jobCreate && !jobUpdate)
        if (const std::string e = checkId(c.scopeId, c.scope == Scope::Account ? "account ID (--account)" : "zone ID (--zone)");
            !e.empty())
            return c.fail(c.scope == Scope::Account ? "account" : "zone", e);
    if (cmd == "fields") {
        if (words.size() != 2)
            return c.fail("usage", "logpush fields DATASET");
        return sendAndPrint(c, listFields(c.scope, c.scopeId, words[1]));
    }
    if (cmd == "validate-destination" || cmd == "destination-exists" || cmd == "validate-origin") {
        if (words.size() != 2)
            return c.fail("usage", "logpush " + cmd + (cmd == "validate-origin" ? " LOGPULL_OPTIONS" : " URL"));
        return runValidate(c, cmd, words[1]);
    }
    if (cmd == "ownership")
        return runOwnership(c, words);
    if (jobCreate || jobUpdate) {
        JobEdit edit;
        if (const int e = readEdit(c, edit))
            return e;
        if (jobCreate) {
            if (words.size() != 2)
                return c.fail("usage", "logpush jobs create [JOB OPTIONS] takes no other word");
            return runCreate(c, edit);
        }
        int64_t jobId = 0;
        if (words.size() != 3 || !parseInt(words[2], jobId) || jobId < 1)
            return c.fail("job ID", "logpush jobs update ID needs a job number (1 or more)");
        return runUpdate(c, jobId, edit);
    }
    if (cmd == "jobs" && sub == "list")
        return sendAndPrint(c, c.has("--dataset") ? listDatasetJobs(c.scope, c.scopeId, c.opt("--dataset")) : listJobs(c.scope, c.scopeId),
                            true);
    if (cmd == "jobs" && (sub == "get" || sub == "delete")) {
        int64_t jobId = 0;
        if (words.size() != 3 || !parseInt(words[2], jobId) || jobId < 1)
            return c.fail("job ID", "logpush jobs " + sub + " ID needs a job number (1 or more)");
        return sendAndPrint(c, sub == "get" ? getJob(c.scope, c.scopeId, jobId) : deleteJob(c.scope, c.scopeId, jobId));
    }
    std::fprintf(stderr, "auditlens-cli logpush: unknown command '%s %s' (see --help)\n", cmd.c_str(), sub.c_str());
    return 2;
}

} // namespace auditlens::cli
