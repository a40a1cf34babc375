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

void logpushUsage(FILE *out)
{
    std::fputs("Usage: auditlens-cli logpush COMMAND [OPTIONS]\n"
               "\n"
               "Commands:\n"
               "  jobs create [JOB OPTIONS]      create a job\n"
               "  jobs update ID [JOB OPTIONS]   change a job (only the options given)\n"
               "  jobs list [--dataset D]        list the jobs (of one dataset)\n"
               "  jobs get ID | jobs delete ID\n"
               "  fields DATASET                 the fields of a dataset\n"
               "\n"
               "Job options:\n"
               "  --preset sekoia --intake-key KEY | --intake-key-file FILE\n"
               "                                 the Sekoia.io intake job of Sekoia's documentation\n"
               "  --dataset D                    dataset (default audit_logs)\n"
               "  --destination URL              destination_conf (https://…, s3://…, r2://…, …)\n"
               "  --fields A,B,…                 fields to send (default: every field Auditlens knows)\n"
               "  --timestamps FORMAT            unixnano | unix | rfc3339 | rfc3339ms | rfc3339ns\n"
               "  --max-upload-bytes N           0 or 5000000..1000000000\n"
               "  --max-upload-records N         0 or 1000..1000000\n"
               "  --max-upload-interval N        0 or 30..300 seconds\n"
               "  --sample-rate X                0 < X <= 1\n"
               "  --name NAME                    letters, digits, '.', '_', '-'\n"
               "  --filter JSON                  {\"where\": …}\n"
               "  --enabled | --disabled\n"
               "\n"
               "Common options:\n"
               "  --account ID | --zone ID       the scope (32 hexadecimal characters)\n"
               "  --api-base URL                 default https://api.cloudflare.com/client/v4\n"
               "  --token-file FILE              the API token (else CLOUDFLARE_API_TOKEN)\n"
               "  --timeout SECONDS              per request (default 30)\n"
               "  --dry-run                      print the equivalent curl command and send nothing\n"
               "  --print-body                   print only the JSON request body and send nothing\n"
               "  --reveal                       show secrets (token, intake key) in those previews\n"
               "\n"
               "An invalid value is refused before anything is sent. Exit status: 0 success; 1 the API\n"
               "refused or could not be reached; 2 usage error or invalid value.\n",
               out);
}

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

} // namespace

int runLogpush(const std::vector<std::string> &argsIn)
{
    std::vector<std::string> args = argsIn;
    if (args.empty() || args[0] == "--help" || args[0] == "-h") {
        logpushUsage(args.empty() ? stderr : stdout);
        return args.empty() ? 2 : 0;
    }
    static const std::vector<std::string> valued = {"--preset", "--intake-key", "--intake-key-file", "--dataset", "--destination",
                                                    "--fields", "--timestamps", "--max-upload-bytes", "--max-upload-records",
                                                    "--max-upload-interval", "--sample-rate", "--name", "--filter", "--account",
                                                    "--zone", "--api-base", "--token-file", "--timeout"};
    const Args parsed = parseArgs(args, valued, {"--enabled", "--disabled", "--dry-run", "--print-body", "--reveal"});
    if (!parsed.error.empty()) {
        std::fprintf(stderr, "auditlens-cli logpush: %s (see --help)\n", parsed.error.c_str());
        return 2;
    }
    std::map<std::string, std::string> opt = parsed.opts;
    auto flag = [&parsed](const char *f) { return parsed.has(f); };
    const std::vector<std::string> &words = parsed.inputs;
    if (parsed.help) {
        logpushUsage(stdout);
        return 0;
    }
    auto fail = [](const std::string &field, const std::string &msg) {
        std::fprintf(stderr, "auditlens-cli logpush: invalid %s: %s\n", field.c_str(), msg.c_str());
        return 2;
    };
    // scope
    if (opt.count("--account") && opt.count("--zone"))
        return fail("scope", "give --account or --zone, not both");
    const Scope scope = opt.count("--zone") ? Scope::Zone : Scope::Account;
    const std::string scopeId = opt.count("--zone") ? opt["--zone"] : opt["--account"];
    const std::string cmd = words.empty() ? std::string() : words[0];
    const std::string sub = words.size() > 1 ? words[1] : std::string();
    const bool jobWrite = cmd == "jobs" && (sub == "create" || sub == "update"); // validate() checks the scope too
    if (const std::string e = checkId(scopeId, scope == Scope::Account ? "account ID (--account)" : "zone ID (--zone)");
        !e.empty() && !jobWrite)
        return fail(scope == Scope::Account ? "account" : "zone", e);
    ApiRequest req;
    bool isJobList = false;
    if (cmd == "fields") {
        if (words.size() != 2)
            return fail("usage", "logpush fields DATASET");
        req = listFields(scope, scopeId, words[1]);
    } else if (cmd == "jobs" && (sub == "create" || sub == "update")) {
        Job job;
        int64_t jobId = 0;
        if (sub == "update") {
            if (words.size() != 3 || !parseInt(words[2], jobId) || jobId < 1)
                return fail("job ID", "logpush jobs update ID needs a job number (1 or more)");
        }
        std::string intakeKey;
        if (opt.count("--intake-key-file")) {
            std::string err;
            if (!readSecretFile(opt["--intake-key-file"], intakeKey, err))
                return fail("intake key", err);
        } else if (opt.count("--intake-key"))
            intakeKey = opt["--intake-key"];
        if (opt.count("--preset")) {
            if (opt["--preset"] != "sekoia")
                return fail("preset", "the only preset is 'sekoia'");
            if (intakeKey.empty())
                return fail("intake key", "--preset sekoia needs --intake-key KEY or --intake-key-file FILE");
            job = sekoiaPreset(intakeKey);
        } else if (sub == "create") {
            job.dataset = "audit_logs";
        }
        if (opt.count("--dataset"))
            job.dataset = opt["--dataset"];
        if (opt.count("--destination"))
            job.destinationConf = opt["--destination"];
        if (opt.count("--name"))
            job.name = opt["--name"];
        if (opt.count("--filter"))
            job.filter = opt["--filter"];
        if (flag("--enabled") && flag("--disabled"))
            return fail("enabled", "give --enabled or --disabled, not both");
        if (flag("--enabled"))
            job.enabled = true;
        if (flag("--disabled"))
            job.enabled = false;
        for (auto [o, field] : std::initializer_list<std::pair<const char *, std::optional<int64_t> Job::*>>{
                 {"--max-upload-bytes", &Job::maxUploadBytes},
                 {"--max-upload-records", &Job::maxUploadRecords},
                 {"--max-upload-interval", &Job::maxUploadIntervalSeconds}}) {
            if (!opt.count(o))
                continue;
            int64_t n = 0;
            if (!parseInt(opt[o], n))
                return fail(o + 2, "'" + opt[o] + "' is not a whole number");
            job.*field = n;
        }
        if (opt.count("--fields") || opt.count("--timestamps") || opt.count("--sample-rate")) {
            if (job.logpullOptions) {
                // the preset uses logpull_options (as Sekoia's documentation): edit it there
                std::string fields = opt.count("--fields") ? opt["--fields"] : std::string();
                std::string lp = *job.logpullOptions;
                if (!fields.empty())
                    lp = "fields=" + fields + lp.substr(lp.find('&'));
                if (opt.count("--timestamps"))
                    lp = lp.substr(0, lp.find("&timestamps=")) + "&timestamps=" + opt["--timestamps"];
                if (opt.count("--sample-rate"))
                    lp += "&sample=" + opt["--sample-rate"];
                job.logpullOptions = lp;
            } else {
                OutputOptions oo;
                std::string fields = opt.count("--fields") ? opt["--fields"] : std::string();
                if (fields.empty() && sub == "create") {
                    for (const auto &f : builtinFields(job.dataset.value_or("")))
                        fields += (fields.empty() ? "" : ",") + f;
                }
                size_t start = 0;
                while (!fields.empty() && start <= fields.size()) {
                    const size_t comma = fields.find(',', start);
                    oo.fieldNames.push_back(fields.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
                    if (comma == std::string::npos)
                        break;
                    start = comma + 1;
                }
                if (opt.count("--timestamps"))
                    oo.timestampFormat = opt["--timestamps"];
                if (opt.count("--sample-rate")) {
                    char *end = nullptr;
                    oo.sampleRate = std::strtod(opt["--sample-rate"].c_str(), &end);
                    if (*end)
                        return fail("sample rate", "'" + opt["--sample-rate"] + "' is not a number");
                }
                job.outputOptions = oo;
            }
        }
        const auto errors = validate(job, scope, scopeId, sub == "update");
        if (!errors.empty()) {
            for (const auto &e : errors)
                std::fprintf(stderr, "auditlens-cli logpush: invalid %s: %s\n", e.field.c_str(), e.message.c_str());
            std::fprintf(stderr, "nothing was sent\n");
            return 2;
        }
        req = sub == "create" ? createJob(scope, scopeId, job) : updateJob(scope, scopeId, jobId, job);
    } else if (cmd == "jobs" && sub == "list") {
        req = opt.count("--dataset") ? listDatasetJobs(scope, scopeId, opt["--dataset"]) : listJobs(scope, scopeId);
        isJobList = true;
    } else if (cmd == "jobs" && (sub == "get" || sub == "delete")) {
        int64_t jobId = 0;
        if (words.size() != 3 || !parseInt(words[2], jobId) || jobId < 1)
            return fail("job ID", "logpush jobs " + sub + " ID needs a job number (1 or more)");
        req = sub == "get" ? getJob(scope, scopeId, jobId) : deleteJob(scope, scopeId, jobId);
    } else {
        std::fprintf(stderr, "auditlens-cli logpush: unknown command '%s %s' (see --help)\n", cmd.c_str(), sub.c_str());
        return 2;
    }

    const std::string base = opt.count("--api-base") ? opt["--api-base"] : std::string(kDefaultBaseUrl);
    std::string token;
    if (opt.count("--token-file")) {
        std::string err;
        if (!readSecretFile(opt["--token-file"], token, err))
            return fail("token", err);
    } else if (const char *env = std::getenv("CLOUDFLARE_API_TOKEN"); env && *env) {
        token = env;
    }
    if (flag("--print-body")) {
        std::printf("%s\n", req.body ? bodyText(req, flag("--reveal")).c_str() : "");
        return 0;
    }
    if (flag("--dry-run")) {
        std::printf("%s\n", curlCommand(req, base, token, flag("--reveal")).c_str());
        return 0;
    }
    if (token.empty()) {
        std::fprintf(stderr, "auditlens-cli logpush: no API token: set CLOUDFLARE_API_TOKEN or use --token-file FILE\n");
        return 2;
    }
    Client client;
    client.setBaseUrl(base);
    client.setToken(token);
    if (opt.count("--timeout")) {
        int64_t s = 0;
        if (!parseInt(opt["--timeout"], s) || s < 1)
            return fail("timeout", "a number of seconds, 1 or more");
        client.setTimeoutMs(int(s * 1000));
    }
    const ApiResult r = client.sendAndWait(req);
    if (!r.ok) {
        std::fprintf(stderr, "auditlens-cli logpush: %s\n", r.message.c_str());
        return 1;
    }
    if (isJobList && r.result.is_array())
        printJobs(r.result);
    else
        std::printf("%s\n", r.result.dump(2).c_str());
    return 0;
}

} // namespace auditlens::cli
