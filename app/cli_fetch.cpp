// SPDX-License-Identifier: MIT
// auditlens-cli fetch: audit logs from Cloudflare's Audit Logs API (v1 or v2), once or following.
#include "cli_commands.h"

#include "cli_args.h"
#include "cli_forward.h"

#include "fetch/fetcher.h"
#include "source/timestamp.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QTimer>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <unistd.h>

namespace auditlens::cli {

namespace {

std::atomic<int> g_fetchSignals{0};
void onFetchSignal(int) { ++g_fetchSignals; }

std::string when(int64_t ns) { return ns == INT64_MIN ? std::string("-") : formatRfc3339(ns, FractionMode::IfNonZero); }

} // namespace

const char *const kFetchHelp =
    "Usage: auditlens-cli fetch --account ID --since T [--api v1|v2] [--before T]\n"
    "                           [--api-base URL] [--token-file F] [--journal DIR]\n"
    "                           [--follow [--interval S]] [--per-page N] [--timeout S] [filters...]\n"
    "                           [--clickhouse URL [--database D] [--table T] [--password-file F]\n"
    "                            [--retry-for S]]\n"
    "\n"
    "Fetches audit logs from Cloudflare's Audit Logs API (v2: /accounts/ID/logs/audit, the\n"
    "default; v1: /accounts/ID/audit_logs) and writes them oldest first as NDJSON with the\n"
    "Logpush field names (v2 records are audit_logs_v2 records) on stdout, or with --journal\n"
    "into a journal directory like the receiver's (an INPUT for every command and GUI Open).\n"
    "T is a date (YYYY-MM-DD, UTC) or an RFC 3339 time; --before defaults to now. Every record\n"
    "comes out once: records at the range's start are recognised by ID, and with --journal a\n"
    "checkpoint lets a rerun (or --follow) go on where an interrupted run stopped.\n"
    "\n"
    "The token (permission: Account Settings Read) comes from CLOUDFLARE_API_TOKEN or\n"
    "--token-file and is never printed.\n"
    "\n"
    "Options:\n"
    "  --account ID          the account (32 hexadecimal characters)\n"
    "  --api v1|v2           which API (default v2)\n"
    "  --since T, --before T the range: since inclusive, before exclusive\n"
    "  --journal DIR         write to a journal directory instead of stdout\n"
    "  --follow              after the range, poll for new records until SIGINT\n"
    "  --interval S          seconds between polls (default 60)\n"
    "  --per-page N          records per page, 1..1000 (default 1000)\n"
    "  --timeout S           give a request up after S seconds without an answer (default 30;\n"
    "                        retried like a 5xx, 5 times)\n"
    "  --api-base URL        default https://api.cloudflare.com/client/v4\n"
    "Filters (the API's own; a value starting with '!' excludes, v2 only):\n"
    "  --actor-email E  --action-type T  --actor-ip IP  --zone-name Z  --id ID\n"
    "  --result success|failure (v2)  --resource-type T (v2)\n"
    "  --filter NAME=VALUE | NAME!=VALUE   any filter in the API's names (repeatable), e.g.\n"
    "                        v1 actor.email, action.type, actor.ip, zone.name, hide_user_logs;\n"
    "                        v2 actor_email, action_type, actor_context, resource_product, ...\n"
    "\n"
    "ClickHouse (see 'clickhouse init'):\n"
    "  --clickhouse URL      the fetched records go into the ClickHouse trail instead of stdout\n"
    "                        (with --journal: into the journal and from it, with a checkpoint\n"
    "                        there, into ClickHouse, so a rerun forwards what an interrupted\n"
    "                        one left), in batches, retried with back-off; at the end the\n"
    "                        command waits until ClickHouse has every record\n"
    "  --retry-for S         give up after ClickHouse failed S seconds in a row (default 300)\n"
    "@CLICKHOUSE@"
    "\n"
    "Progress (pages, records, rate) goes to stderr when it is a terminal; a summary always.\n"
    "SIGINT ends after the page being fetched (a second one at once, also while waiting for\n"
    "ClickHouse).\n"
    "Exit status: 0 the range was fetched (or --follow ended by SIGINT); 1 partial: an error\n"
    "or an interruption (what was fetched is kept, and said); 2 usage error.\n";

int runFetch(const std::vector<std::string> &argsIn)
{
    static const char *const friendly[] = {"actor-email", "action-type", "actor-ip", "zone-name", "id", "result", "resource-type"};
    // --filter may be repeated: taken out before the common parser (which keeps one value an option)
    std::vector<std::string> args, rawFilters;
    for (size_t i = 0; i < argsIn.size(); ++i) {
        const std::string &a = argsIn[i];
        if (a == "--filter" && i + 1 < argsIn.size())
            rawFilters.push_back(argsIn[++i]);
        else if (a.rfind("--filter=", 0) == 0)
            rawFilters.push_back(a.substr(9));
        else
            args.push_back(a);
    }
    std::vector<std::string> valued = {"--account", "--api",      "--since",    "--before",  "--api-base", "--token-file",
                                       "--journal", "--interval", "--per-page", "--timeout", "--filter"};
    for (const char *f : friendly)
        valued.push_back(std::string("--") + f);
    for (const std::string &f : ClickhouseForwarding::options("--clickhouse"))
        valued.push_back(f);
    valued.push_back("--retry-for");
    const Args a = parseArgs(args, valued, {"--follow"});
    std::string help = kFetchHelp;
    help.replace(help.find("@CLICKHOUSE@"), 12, ClickhouseForwarding::help());
    if (const auto exit = usageExit(a, {.command = "fetch", .help = help.c_str(), .maxWords = 0}))
        return *exit;
    auto usage = [](const std::string &why) {
        std::fprintf(stderr, "auditlens-cli fetch: %s (see --help)\n", why.c_str());
        return 2;
    };
    fetch::FetchOptions o;
    fetch::Query &q = o.query;
    const std::string api = a.value("--api", "v2");
    if (api != "v1" && api != "v2")
        return usage("--api is v1 or v2, not '" + api + "'");
    q.api = api == "v1" ? fetch::ApiVersion::V1 : fetch::ApiVersion::V2;
    if (!a.has("--account"))
        return usage("--account ID is required");
    q.account = a.value("--account");
    if (!a.has("--since"))
        return usage("--since T is required (a date YYYY-MM-DD or an RFC 3339 time)");
    const auto since = fetch::parseTimeArg(a.value("--since"));
    if (!since)
        return usage("--since '" + a.value("--since") + "' is neither a date (YYYY-MM-DD) nor an RFC 3339 time");
    q.sinceNs = *since;
    q.beforeNs = QDateTime::currentMSecsSinceEpoch() * 1'000'000LL;
    if (a.has("--before")) {
        const auto before = fetch::parseTimeArg(a.value("--before"));
        if (!before)
            return usage("--before '" + a.value("--before") + "' is neither a date (YYYY-MM-DD) nor an RFC 3339 time");
        q.beforeNs = *before;
    }
    if (a.has("--api-base"))
        q.baseUrl = a.value("--api-base");
    uint64_t n = 1000;
    if (!numberOption(a, "--per-page", n, 1, 1000))
        return usage("--per-page is a number from 1 to 1000");
    q.perPage = int(n);
    n = 60;
    if (!numberOption(a, "--interval", n, 1, 86400))
        return usage("--interval is a number of seconds from 1 to 86400");
    o.intervalMs = int(n * 1000);
    n = 30;
    if (!numberOption(a, "--timeout", n, 1, 3600))
        return usage("--timeout is a number of seconds from 1 to 3600");
    o.timeoutMs = int(n * 1000);
    o.follow = a.has("--follow");
    if (a.has("--interval") && !o.follow)
        return usage("--interval goes with --follow");
    o.journalDir = a.value("--journal");
    for (const char *f : friendly) {
        const std::string opt = std::string("--") + f;
        if (!a.has(opt))
            continue;
        const std::string name = fetch::apiFilterName(q.api, f);
        if (name.empty())
            return usage("the " + api + " API has no " + opt + " filter (v2 has it)");
        std::string value = a.value(opt);
        const bool negated = !value.empty() && value[0] == '!';
        rawFilters.push_back(name + (negated ? "!=" : "=") + (negated ? value.substr(1) : value));
    }
    for (const std::string &text : rawFilters) {
        fetch::ApiFilter f;
        std::string why;
        if (!fetch::parseFilter(q.api, text, f, why))
            return usage(why);
        q.filters.push_back(f);
    }
    if (const std::string why = q.problem(); !why.empty())
        return usage(why);
    if (a.has("--token-file")) {
        std::string why;
        if (!readSecretFile(a.value("--token-file"), o.token, why))
            return usage(why);
    } else {
        o.token = qEnvironmentVariable("CLOUDFLARE_API_TOKEN").trimmed().toStdString();
    }
    if (o.token.empty())
        return usage("no API token: set CLOUDFLARE_API_TOKEN or use --token-file FILE");
    uint64_t retryFor = 300;
    if (!numberOption(a, "--retry-for", retryFor, 1, 86400 * 7))
        return usage("--retry-for is a number of seconds");
    if (a.has("--retry-for") && !a.has("--clickhouse"))
        return usage("--retry-for goes with --clickhouse");
    ClickhouseForwarding forward;
    if (!forward.setup(a, "fetch", "--clickhouse", o.journalDir, true, retryFor))
        return 2;

    const bool tty = ::isatty(2);
    fetch::Fetcher fetcher(o);
    FILE *out = stdout;
    const std::string pageLabel = "cloudflare-api:" + q.account;
    QObject::connect(&fetcher, &fetch::Fetcher::pageFetched, &fetcher, [&](const std::shared_ptr<const fetch::FetchedPage> &p) {
        if (forward.enabled()) {
            // the page is on disk (with a journal) or only here: either way on to ClickHouse
            if (o.journalDir.empty())
                forward.add(pageLabel, std::string(p->block.data->data(), p->block.dataLen), p->records.size());
            else
                forward.journalSettled();
            return;
        }
        if (!o.journalDir.empty())
            return;
        std::fwrite(p->block.data->data(), 1, p->block.dataLen, out);
        std::fflush(out);
    });
    bool progressShown = false;
    qint64 lastShown = 0;
    QString waitingFor;
    auto show = [&](const fetch::FetchStats &s, bool force) {
        if (!tty)
            return;
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        if (!force && now - lastShown < 250)
            return;
        lastShown = now;
        std::fprintf(stderr, "\r\033[Kpage %d, %llu records (%llu already fetched), %.0f records/s, up to %s%s%s", s.pages,
                     static_cast<unsigned long long>(s.records), static_cast<unsigned long long>(s.duplicates), s.recordsPerSecond,
                     when(s.lastNs).c_str(), waitingFor.isEmpty() ? "" : "; ", waitingFor.toUtf8().constData());
        progressShown = true;
    };
    auto endLine = [&] {
        if (progressShown)
            std::fputs("\n", stderr);
        progressShown = false;
    };
    fetch::FetchStats last;
    QObject::connect(&fetcher, &fetch::Fetcher::progress, &fetcher, [&](const fetch::FetchStats &s) {
        last = s;
        waitingFor.clear();
        show(s, false);
    });
    QObject::connect(&fetcher, &fetch::Fetcher::waiting, &fetcher, [&](int ms, const QString &why) {
        forward.journalSettled(); // between pages: what the journal holds is on disk
        waitingFor = QStringLiteral("waiting %1 s (%2)").arg(ms / 1000.0, 0, 'f', 1).arg(why);
        show(last, true);
    });
    QObject::connect(&fetcher, &fetch::Fetcher::warning, &fetcher, [&](const QString &m) {
        endLine();
        std::fprintf(stderr, "auditlens-cli fetch: warning: %s\n", m.toUtf8().constData());
    });
    fetch::FetchOutcome outcome;
    QObject::connect(&fetcher, &fetch::Fetcher::finished, &fetcher, [&](const fetch::FetchOutcome &r) {
        outcome = r;
        QCoreApplication::quit();
    });
    std::signal(SIGINT, onFetchSignal);
    std::signal(SIGTERM, onFetchSignal);
    int handled = 0;
    bool waitingForClickhouse = false; // the fetch is over; finish() below waits for the forwarder
    QTimer poll;
    QObject::connect(&poll, &QTimer::timeout, &fetcher, [&] {
        const int got = g_fetchSignals;
        if (got == handled)
            return;
        if (handled == 0 && waitingForClickhouse) {
            std::fputs("\nauditlens-cli fetch: waiting for ClickHouse to have every record (a second SIGINT stops at once)\n", stderr);
        } else if (handled == 0) {
            fetcher.stop();
            endLine();
            std::fputs("auditlens-cli fetch: stopping after the page being fetched (a second SIGINT stops at once)\n", stderr);
        }
        if (got >= 2) {
            fetcher.abort();
            forward.abort(); // no more waiting for ClickHouse either
        }
        handled = got;
    });
    poll.start(50);
    std::string forwardError;
    forward.onGaveUp([&](const std::string &error) {
        forwardError = error;
        endLine();
        std::fprintf(stderr, "auditlens-cli fetch: clickhouse: %s; stopping the fetch\n", error.c_str());
        fetcher.stop();
    });
    forward.journalSettled(); // what an earlier run left in the journal goes first
    forward.start();
    fetcher.start();
    QCoreApplication::exec();
    waitingForClickhouse = true;
    forward.journalSettled();
    endLine();

    const fetch::FetchStats &s = outcome.stats;
    const std::string where = o.journalDir.empty() ? std::string() : " into " + o.journalDir;
    std::fprintf(stderr, "auditlens-cli fetch: %llu new records in %d pages%s (%llu already fetched%s), %.0f records/s, %llu requests (%llu retried); newest %s\n",
                 static_cast<unsigned long long>(s.records), s.pages, where.c_str(), static_cast<unsigned long long>(s.duplicates),
                 s.rejected ? (", " + std::to_string(s.rejected) + " rejected").c_str() : "", s.recordsPerSecond,
                 static_cast<unsigned long long>(s.requests), static_cast<unsigned long long>(s.retries), when(s.lastNs).c_str());
    const std::string resume = o.journalDir.empty() ? " (give --journal DIR to be able to resume)" : "; run the same command again to go on";
    // every record into ClickHouse before the end (bounded: the forwarder gives up after
    // --retry-for; a second SIGINT stops the wait)
    const bool forwardedAll = !forward.enabled() || (forward.finish(0) && forwardError.empty());
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
    if (forward.enabled()) {
        if (!forwardedAll) {
            std::fprintf(stderr, "auditlens-cli fetch: clickhouse: not every record reached ClickHouse%s\n",
                         o.journalDir.empty() ? " (the others were not kept: give --journal DIR to keep them for a rerun)"
                                              : "; they are in the journal: run the same command again to forward them");
            return 1;
        }
    }
    if (!outcome.error.empty()) {
        std::fprintf(stderr, "auditlens-cli fetch: error: %s\nauditlens-cli fetch: partial: what was fetched is kept%s\n",
                     outcome.error.c_str(), resume.c_str());
        return 1;
    }
    if (!outcome.complete) {
        std::fprintf(stderr, "auditlens-cli fetch: interrupted before the end of the range: what was fetched is kept%s\n", resume.c_str());
        return 1;
    }
    return s.rejected ? 1 : 0;
}

} // namespace auditlens::cli
