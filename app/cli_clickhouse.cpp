// SPDX-License-Identifier: MIT
// auditlens-cli clickhouse init, ship --clickhouse, stats --clickhouse: the trail in ClickHouse.
#include "cli_args.h"
#include "cli_commands.h"
#include "cli_forward.h"

#include "clickhouse/client.h"
#include "clickhouse/forwarder.h"
#include "clickhouse/kqlsql.h"
#include "clickhouse/shipper.h"
#include "clickhouse/trail.h"
#include "query/eval.h"
#include "source/timestamp.h"
#include "store/eventstore.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QThread>
#include <QTimer>

#include <nlohmann/json.hpp>

#include <cstdio>

namespace auditlens::cli {

namespace ch = auditlens::clickhouse;

namespace {

const char *const kConnectionHelp =
    "Connection:\n"
    "  --database D            the database (default: default)\n"
    "  --table T               the trail table (default: auditlens_trail)\n"
    "  --password-file F       the password, first line of F (else CLICKHOUSE_PASSWORD);\n"
    "                          the user is CLICKHOUSE_USER (default: ClickHouse's default).\n"
    "                          Never on the command line; never printed.\n"
    "  --timeout S             give up a request after S seconds without an answer (default 30)\n";

const char *const kInitHelp =
    "Usage: auditlens-cli clickhouse init --url URL [--database D] [--table T]\n"
    "                                     [--cluster NAME [--shard-urls URL,URL,...]]\n"
    "\n"
    "Creates the trail table (if it does not exist): the store's columns plus the raw record,\n"
    "a ReplacingMergeTree partitioned by month (toYYYYMM), ordered by (account, time_ns, id),\n"
    "so copies of a record collapse. With --cluster NAME (a cluster of the server's\n"
    "remote_servers): TABLE_local on every shard and TABLE, a Distributed table over them\n"
    "sharded by the record ID. The tables are created with ON CLUSTER (ClickHouse's\n"
    "distributed DDL, which needs ZooKeeper or Keeper) unless --shard-urls lists the HTTP\n"
    "URL of every node, where they are then created one by one.\n"
    "URL is http://HOST:PORT or https://HOST:PORT (ClickHouse's HTTP interface, 8123).\n"
    "\n";

const char *const kShipHelp =
    "Usage: auditlens-cli ship --clickhouse URL [--database D] [--table T]\n"
    "                          [--batch-records N] [--retry-for S] [--threads N]\n"
    "                          [--insert-format rowbinary|tabseparated] INPUT...\n"
    "\n"
    "Reads the inputs (files, folders, receiver journals, '-') into the event store and\n"
    "inserts every record into the ClickHouse trail (see 'clickhouse init'), in batches, at\n"
    "least once: while ClickHouse is down or restarting a batch is retried with back-off;\n"
    "the trail collapses copies of a record by its ID, so shipping twice counts once.\n"
    "\n"
    "Options:\n"
    "  --batch-records N       records per INSERT (default 20000)\n"
    "  --retry-for S           give up after ClickHouse failed S seconds in a row (default 300)\n"
    "  --threads N             loading threads (default: one per core)\n"
    "  --insert-format F       rowbinary (default: nothing for the server to parse as text) or\n"
    "                          tabseparated (readable; the same rows)\n";

const char *const kStatsChHelp =
    "Usage: auditlens-cli stats --clickhouse URL [--database D] [--table T] [--json] [--top N]\n"
    "\n"
    "The stats of the ClickHouse trail, computed by the server on the records deduplicated\n"
    "by ID: records, time range, records per schema and result, top actors, actions and\n"
    "resource types with exact counts (GROUP BY). Ties are listed by value.\n"
    "\n"
    "Options:\n"
    "  --json       machine-readable output\n"
    "  --top N      how many top values to list per column (default 10; 0 = all)\n";

const char *const kExitHelp =
    "\n"
    "Exit status: 0 done; 1 some input records were rejected (the others were shipped);\n"
    "2 usage error, no input could be read, or ClickHouse refused or stayed unreachable.\n";

std::string helpOf(const char *what)
{
    return std::string(what) + kConnectionHelp + kExitHelp;
}

const std::vector<std::string> kConnectionOptions = {"--database", "--table", "--password-file", "--timeout"};

std::vector<std::string> with(std::vector<std::string> v, std::initializer_list<const char *> more)
{
    v.insert(v.end(), more.begin(), more.end());
    return v;
}

/// The endpoint and table of the command line; false after printing why.
bool connection(const Args &c, const char *cmd, const std::string &urlOption, ch::Endpoint &ep, ch::TrailTable &t)
{
    std::string error;
    uint64_t timeout = 30;
    if (!numberOption(c, "--timeout", timeout, 1, 86400))
        error = "--timeout needs a number of seconds (1-86400)";
    else
        ch::makeEndpoint(c.value(urlOption), c.value("--password-file"), ep, error); // says why in `error`
    if (!error.empty()) {
        std::fprintf(stderr, "auditlens-cli %s: %s\n", cmd, error.c_str());
        return false;
    }
    ep.timeoutMs = int(timeout * 1000);
    if (c.has("--database"))
        t.database = QString::fromStdString(c.value("--database"));
    if (c.has("--table"))
        t.table = QString::fromStdString(c.value("--table"));
    if (t.database.isEmpty() || t.table.isEmpty()) {
        std::fprintf(stderr, "auditlens-cli %s: --database and --table must not be empty\n", cmd);
        return false;
    }
    return true;
}

int runInit(const std::vector<std::string> &args)
{
    const std::string help = helpOf(kInitHelp);
    Args c = parseArgs(args, with(kConnectionOptions, {"--url", "--cluster", "--shard-urls"}));
    if (c.error.empty() && !c.help && !c.has("--url"))
        c.error = "--url is required";
    if (c.error.empty() && c.has("--shard-urls") && !c.has("--cluster"))
        c.error = "--shard-urls needs --cluster";
    if (const auto exit = usageExit(c, {.command = "clickhouse init", .help = help.c_str(), .maxWords = 0}))
        return *exit;
    ch::Endpoint ep;
    ch::TrailTable t;
    if (!connection(c, "clickhouse init", "--url", ep, t))
        return 2;
    t.cluster = QString::fromStdString(c.value("--cluster"));
    std::vector<ch::Endpoint> nodes;
    if (c.has("--shard-urls")) {
        for (const std::string &u : splitComma(c.value("--shard-urls"))) {
            ch::Endpoint n = ep;
            std::string error;
            if (!ch::makeEndpoint(u, c.value("--password-file"), n, error)) {
                std::fprintf(stderr, "auditlens-cli clickhouse init: --shard-urls: %s\n", error.c_str());
                return 2;
            }
            n.timeoutMs = ep.timeoutMs;
            nodes.push_back(n);
        }
    } else {
        nodes.push_back(ep);
    }
    const bool onCluster = !t.cluster.isEmpty() && !c.has("--shard-urls");
    for (const ch::Endpoint &n : nodes) {
        ch::Client client(n);
        for (const QByteArray &sql : ch::initStatements(t, onCluster)) {
            const ch::Reply r = ch::runBlockingCliOnly(client, sql);
            if (!r.ok()) {
                std::fprintf(stderr, "auditlens-cli clickhouse init: %s\n", r.error.c_str());
                if (onCluster && r.code != 0)
                    std::fprintf(stderr, "  (ON CLUSTER needs ClickHouse's distributed DDL; or give every node with --shard-urls)\n");
                return 2;
            }
        }
        // an existing table of another kind is not the trail init was asked for
        const QByteArray want = t.cluster.isEmpty() ? "ReplacingMergeTree" : "Distributed";
        const ch::Reply e = ch::runBlockingCliOnly(
            client, "SELECT engine FROM system.tables WHERE database = " + ch::quoteString(t.database.toStdString())
                        + " AND name = " + ch::quoteString(t.table.toStdString()) + " FORMAT TabSeparated");
        if (!e.ok() || e.body.trimmed() != want) {
            std::fprintf(stderr, "auditlens-cli clickhouse init: %s: %s exists already as a %s table, not %s%s\n",
                         ch::displayUrl(n.url).toUtf8().constData(), t.qualified().constData(),
                         e.ok() ? e.body.trimmed().constData() : "?", want.constData(),
                         t.cluster.isEmpty() ? "" : " (choose another --table for the cluster's trail)");
            return 2;
        }
        // a trail made before some columns gets them (its rows read them as their defaults)
        const QByteArray tables[] = {t.localTable().toUtf8(), t.table.toUtf8()};
        for (size_t k = 0; k < (t.cluster.isEmpty() ? 1u : 2u); ++k) {
            const QByteArray &table = tables[k];
            const ch::Reply has = ch::runBlockingCliOnly(client, ch::tableColumnsSql(t, table));
            if (!has.ok()) {
                std::fprintf(stderr, "auditlens-cli clickhouse init: reading the columns of %s: %s\n", table.constData(),
                             has.error.c_str());
                return 2;
            }
            std::vector<std::string> present;
            for (const QByteArray &name : has.body.split('\n'))
                if (!name.isEmpty())
                    present.push_back(ch::unescapeTsv(name.toStdString()));
            const std::vector<QByteArray> alters = ch::upgradeStatements(t, table, present, onCluster);
            for (const QByteArray &sql : alters) {
                const ch::Reply r = ch::runBlockingCliOnly(client, sql);
                if (!r.ok()) {
                    std::fprintf(stderr, "auditlens-cli clickhouse init: adding a column to %s: %s\n", table.constData(),
                                 r.error.c_str());
                    return 2;
                }
            }
            if (!alters.empty())
                std::printf("%s: %s.%s: %zu column(s) added; rows shipped before have no fields for KQL queries until "
                            "they are shipped again\n",
                            ch::displayUrl(n.url).toUtf8().constData(), ch::quoteIdent(t.database).constData(),
                            ch::quoteIdent(QString::fromUtf8(table)).constData(), alters.size());
        }
        const QByteArray over = t.cluster.isEmpty()
            ? QByteArray()
            : QByteArray(" (Distributed over " + t.qualifiedLocal() + " on cluster " + t.cluster.toUtf8() + ")");
        std::printf("%s: %s%s ready\n", ch::displayUrl(n.url).toUtf8().constData(), t.qualified().constData(), over.constData());
    }
    return 0;
}

} // namespace

int runClickhouse(const std::vector<std::string> &args)
{
    if (!args.empty() && args.front() == "init")
        return runInit(std::vector<std::string>(args.begin() + 1, args.end()));
    const bool help = !args.empty() && (args.front() == "--help" || args.front() == "-h");
    std::fputs("Usage: auditlens-cli clickhouse init --url URL [--database D] [--table T] [--cluster NAME]\n"
               "(see 'auditlens-cli clickhouse init --help', 'ship --help', 'stats --help')\n",
               help ? stdout : stderr);
    return help ? 0 : 2;
}

int runShip(const std::vector<std::string> &args)
{
    const std::string help = helpOf(kShipHelp);
    Args c = parseArgs(args, with(kConnectionOptions, {"--clickhouse", "--batch-records", "--retry-for", "--threads", "--insert-format"}));
    uint64_t batch = 20000, retryFor = 300, threads = 0;
    if (c.error.empty() && !c.help && !c.has("--clickhouse"))
        c.error = "--clickhouse URL is required";
    if (c.error.empty() && !numberOption(c, "--batch-records", batch, 1, 10000000))
        c.error = "--batch-records needs a number (1-10000000)";
    if (c.error.empty() && !numberOption(c, "--retry-for", retryFor, 0, 86400 * 7))
        c.error = "--retry-for needs a number of seconds";
    if (c.error.empty() && !numberOption(c, "--threads", threads, 0, 1024))
        c.error = "--threads needs a number";
    const std::string format = c.value("--insert-format", "rowbinary");
    if (c.error.empty() && format != "rowbinary" && format != "tabseparated")
        c.error = "--insert-format is rowbinary or tabseparated";
    if (const auto exit = usageExit(c, {.command = "ship", .help = help.c_str(), .minWords = 1}))
        return *exit;
    ch::Endpoint ep;
    ch::TrailTable t;
    if (!connection(c, "ship", "--clickhouse", ep, t))
        return 2;
    QElapsedTimer loadClock;
    loadClock.start();
    EventStore store;
    if (!loadInputs(store, c.inputs, unsigned(threads)))
        return 2;
    const Snapshot snap = store.snapshot();
    const double loadSeconds = double(loadClock.nsecsElapsed()) / 1e9;

    ch::Client client(ep);
    ch::ShipOptions so;
    so.batchRows = batch;
    so.retryForMs = int(std::min<uint64_t>(retryFor * 1000, INT32_MAX));
    so.format = format == "tabseparated" ? ch::InsertFormat::TabSeparated : ch::InsertFormat::RowBinary;
    ch::Shipper shipper(&client, t, snap, so);
    QEventLoop loop; // the CLI's own loop: the shipper itself never waits
    QObject::connect(&shipper, &ch::Shipper::finished, &loop, &QEventLoop::quit);
    QObject::connect(&shipper, &ch::Shipper::retrying, &loop, [](const QString &error, int delayMs) {
        std::fprintf(stderr, "auditlens-cli ship: %s; retrying in %.1f s\n", error.toUtf8().constData(), delayMs / 1000.0);
    });
    QMetaObject::invokeMethod(&shipper, &ch::Shipper::start, Qt::QueuedConnection);
    loop.exec();
    const ch::ShipOutcome &o = shipper.outcome();
    if (!o.ok) {
        std::fprintf(stderr, "auditlens-cli ship: %s\n", o.error.c_str());
        std::fprintf(stderr, "auditlens-cli ship: %llu of %zu records shipped before the error (shipping again is safe)\n",
                     static_cast<unsigned long long>(o.rows), snap.size());
        return 2;
    }
    std::printf("shipped %llu records to %s on %s in %llu batches (%llu retries): read %.2f s, shipped in %.2f s (%.0f records/s)\n",
                static_cast<unsigned long long>(o.rows), t.qualified().constData(),
                ch::displayUrl(ep.url).toUtf8().constData(), static_cast<unsigned long long>(o.batches),
                static_cast<unsigned long long>(o.retries), loadSeconds, o.seconds,
                o.seconds > 0 ? double(o.rows) / o.seconds : 0.0);
    return store.rejectedCount() ? 1 : 0;
}

bool clickhouseRequested(const std::vector<std::string> &args)
{
    for (const std::string &a : args) {
        if (a == "--")
            return false;
        if (a == "--clickhouse" || a.rfind("--clickhouse=", 0) == 0)
            return true;
    }
    return false;
}

int runStatsClickhouse(const std::vector<std::string> &args)
{
    const std::string help = helpOf(kStatsChHelp);
    Args c = parseArgs(args, with(kConnectionOptions, {"--clickhouse", "--top"}), {"--json"});
    uint64_t top = 10;
    if (c.error.empty() && !numberOption(c, "--top", top, 0, UINT64_MAX >> 1))
        c.error = "--top needs a number";
    if (const auto exit = usageExit(c, {.command = "stats", .help = help.c_str(), .maxWords = 0,
                                        .tooMany = "no INPUT with --clickhouse (the records are on the server)"}))
        return *exit;
    ch::Endpoint ep;
    ch::TrailTable t;
    if (!connection(c, "stats", "--clickhouse", ep, t))
        return 2;
    ch::Client client(ep);
    ch::TrailStats s;
    std::string error;
    ch::Reply r = ch::runBlockingCliOnly(client, ch::statsSummarySql(t));
    if (!r.ok() || !ch::parseStatsSummary(r.body, s, error)) {
        std::fprintf(stderr, "auditlens-cli stats: %s\n", r.ok() ? error.c_str() : r.error.c_str());
        return 2;
    }
    for (int k = 0; k < 3; ++k) {
        r = ch::runBlockingCliOnly(client, ch::statsTopSql(t, k, top));
        if (!r.ok() || !ch::parseStatsTop(r.body, s.top[size_t(k)], error)) {
            std::fprintf(stderr, "auditlens-cli stats: %s\n", r.ok() ? error.c_str() : r.error.c_str());
            return 2;
        }
    }
    const bool hasTime = s.records > s.noTime;
    const char *keys[] = {"actor", "action", "resource_type"};
    if (c.has("--json")) {
        nlohmann::ordered_json o = nlohmann::ordered_json::object();
        o["records"] = s.records;
        o["time_range"] = hasTime ? nlohmann::ordered_json({{"from", formatRfc3339(s.from, FractionMode::Nano)},
                                                            {"to", formatRfc3339(s.to, FractionMode::Nano)}})
                                  : nlohmann::ordered_json();
        o["records_without_time"] = s.noTime;
        o["schema"] = {{"audit_logs", s.schemas[1]}, {"audit_logs_v2", s.schemas[2]}, {"unknown", s.schemas[0]}};
        o["result"] = {{"success", s.results[1]}, {"failure", s.results[2]}, {"unknown", s.results[0]}};
        for (size_t k = 0; k < 3; ++k) {
            nlohmann::ordered_json arr = nlohmann::ordered_json::array();
            for (const auto &[v, n] : s.top[k])
                arr.push_back({{"value", v}, {"count", n}});
            o["top"][keys[k]] = arr;
        }
        std::printf("%s\n", o.dump(2).c_str());
        return 0;
    }
    std::printf("records:   %llu\n", static_cast<unsigned long long>(s.records));
    if (hasTime)
        std::printf("time:      %s .. %s\n", formatRfc3339(s.from, FractionMode::Nano).c_str(),
                    formatRfc3339(s.to, FractionMode::Nano).c_str());
    else
        std::printf("time:      (none)\n");
    if (s.noTime)
        std::printf("no time:   %llu\n", static_cast<unsigned long long>(s.noTime));
    std::printf("schema:    audit_logs %llu, audit_logs_v2 %llu, unknown %llu\n",
                static_cast<unsigned long long>(s.schemas[1]), static_cast<unsigned long long>(s.schemas[2]),
                static_cast<unsigned long long>(s.schemas[0]));
    std::printf("result:    success %llu, failure %llu, not given %llu\n",
                static_cast<unsigned long long>(s.results[1]), static_cast<unsigned long long>(s.results[2]),
                static_cast<unsigned long long>(s.results[0]));
    const char *titles[] = {"Top actors", "Top actions", "Top resource types"};
    for (size_t k = 0; k < 3; ++k) {
        std::printf("\n%s:\n", titles[k]);
        for (const auto &[v, n] : s.top[k])
            std::printf("  %10llu  %s\n", static_cast<unsigned long long>(n), v.empty() ? "(none)" : v.c_str());
    }
    return 0;
}

} // namespace auditlens::cli

namespace auditlens::cli {

namespace {

const char *const kSearchChHelp =
    "Usage: auditlens-cli search --clickhouse URL [--database D] [--table T] [--count]\n"
    "                            [--actor V] [--action V] [--resource-type V] [--actor-type V]\n"
    "                            [--interface V] [--source-ip V] [--account V]\n"
    "                            [--result success|failure] [--from TIME] [--to TIME]\n"
    "                            [--limit N] [QUERY]\n"
    "\n"
    "The records of the ClickHouse trail (one per ID) that match QUERY (KQL, as the embedded\n"
    "'search': a bare word is searched case-insensitively in the raw record, field:value is\n"
    "exact) and have every given column value (exact), as raw NDJSON in time order. The search\n"
    "runs on the server. Fields of the ECS record (ecs.…) are not on the server.\n"
    "\n"
    "Options:\n"
    "  --count          print only the number of matching records\n"
    "  --from/--to TIME RFC 3339 times, inclusive\n"
    "  --limit N        at most N records\n";

} // namespace

int runSearchClickhouse(const std::vector<std::string> &args)
{
    const std::string help = helpOf(kSearchChHelp);
    static const std::pair<const char *, const char *> columns[] = {
        {"--actor", "actor"},         {"--action", "action"},       {"--resource-type", "resource_type"},
        {"--actor-type", "actor_type"}, {"--interface", "interface"}, {"--source-ip", "source_ip"},
        {"--account", "account"}};
    std::vector<std::string> valued = with(kConnectionOptions, {"--clickhouse", "--result", "--from", "--to", "--limit"});
    for (const auto &[opt, col] : columns)
        valued.push_back(opt);
    Args c = parseArgs(args, valued, {"--count"});
    ch::TrailQuery q;
    if (c.error.empty() && !numberOption(c, "--limit", q.limit, 0, UINT64_MAX >> 1))
        c.error = "--limit needs a number";
    if (c.error.empty() && c.has("--result")) {
        const std::string r = c.value("--result");
        if (r == "success")
            q.result = int(Result::Success);
        else if (r == "failure")
            q.result = int(Result::Failure);
        else
            c.error = "--result is success or failure";
    }
    for (const char *opt : {"--from", "--to"}) {
        if (!c.error.empty() || !c.has(opt))
            continue;
        const auto t = parseTimestampNs(c.value(opt));
        if (!t)
            c.error = std::string(opt) + " needs an RFC 3339 time";
        else
            (std::string(opt) == "--from" ? q.from : q.to) = *t;
    }
    if (const auto exit = usageExit(c, {.command = "search", .help = help.c_str(), .maxWords = 1,
                                        .tooMany = "one TEXT at most with --clickhouse (see --help)"}))
        return *exit;
    ch::Endpoint ep;
    ch::TrailTable t;
    if (!connection(c, "search", "--clickhouse", ep, t))
        return 2;
    if (!c.inputs.empty())
        q.kql = c.inputs.front();
    for (const auto &[opt, col] : columns)
        if (c.has(opt))
            q.equals.emplace_back(col, c.value(opt));
    const ch::KqlSql k = ch::kqlToSql(q.kql);
    if (!k.ok()) {
        std::fprintf(stderr, "auditlens-cli search: %s\n", k.error.c_str());
        return 2;
    }
    ch::Client client(ep);
    if (k.readsFields) {
        // a query by field needs every row shipped with its fields
        const ch::Reply probe = ch::runBlockingCliOnly(client, ch::trailEngineSql(t));
        ch::TrailProbe table;
        if (!probe.ok() || !ch::parseTrailProbe(probe.body, table)) {
            std::fprintf(stderr, "auditlens-cli search: %s\n",
                         probe.ok() ? ("no trail table " + t.qualified().toStdString()).c_str() : probe.error.c_str());
            return 2;
        }
        uint64_t missing = 0;
        if (table.fields) {
            const ch::Reply m = ch::runBlockingCliOnly(client, ch::fieldsMissingSql(t));
            if (!m.ok()) {
                std::fprintf(stderr, "auditlens-cli search: %s\n", m.error.c_str());
                return 2;
            }
            missing = m.body.trimmed().toULongLong();
        }
        if (const std::string why = ch::fieldsRefusal(t.qualified(), table.fields, missing); !why.empty()) {
            std::fprintf(stderr, "auditlens-cli search: %s\n", why.c_str());
            return 2;
        }
    }
    const bool count = c.has("--count");
    const ch::Reply r = ch::runBlockingCliOnly(client, count ? ch::countSql(t, q) : ch::searchSql(t, q));
    if (!r.ok()) {
        std::fprintf(stderr, "auditlens-cli search: %s\n", r.error.c_str());
        return 2;
    }
    if (k.readsFields && (count ? r.body.trimmed() == "0" : r.body.isEmpty())) {
        // nothing matched: say which of the query's fields no record has (not an error)
        const auto parsed = query::Query::parse(q.kql);
        std::vector<std::string> absent;
        std::string why;
        const ch::Reply p = ch::runBlockingCliOnly(client, ch::fieldsPresentSql(t.qualified(), parsed->fields()));
        if (p.ok() && ch::parseFieldsPresent(p.body, parsed->fields(), absent, why))
            noteAbsentFields("search", absent);
    }
    if (count) {
        std::printf("%s\n", r.body.trimmed().constData());
        return 0;
    }
    std::string_view all(r.body.constData(), size_t(r.body.size()));
    while (!all.empty()) {
        const size_t nl = all.find('\n');
        std::string rec = ch::unescapeTsv(all.substr(0, nl));
        all.remove_prefix(nl == std::string_view::npos ? all.size() : nl + 1);
        // one record a line: a pretty-printed record's line ends become spaces (JSON whitespace)
        for (char &ch : rec)
            if (ch == '\n' || ch == '\r')
                ch = ' ';
        std::fwrite(rec.data(), 1, rec.size(), stdout);
        std::fputc('\n', stdout);
    }
    return 0;
}

} // namespace auditlens::cli

// --- forwarding for receive and fetch ------------------------------------------------------

namespace auditlens::cli {

struct ClickhouseForwarding::Impl
{
    std::string cmd;
    ch::Endpoint ep;
    ch::TrailTable table;
    std::unique_ptr<ch::JournalTail> tail;
    std::unique_ptr<ch::PageQueue> pages;
    std::unique_ptr<ch::Forwarder> fwd;
    QThread thread;
    QObject context; ///< on the main thread: the log lines are printed here
    bool started = false, finished = false, aborted = false;
    QEventLoop *waiting = nullptr; ///< finish()'s loop, while it waits
    std::function<void(const std::string &)> gaveUp;

    ~Impl()
    {
        if (fwd && started) {
            fwd->stop();
            thread.quit();
            thread.wait();
        }
        fwd.reset();
    }
};

ClickhouseForwarding::ClickhouseForwarding() : d(std::make_unique<Impl>()) {}
ClickhouseForwarding::~ClickhouseForwarding() = default;

std::vector<std::string> ClickhouseForwarding::options(const std::string &urlOption)
{
    return {urlOption, "--database", "--table", "--password-file"};
}

const char *ClickhouseForwarding::help()
{
    return "  --database D            the trail's database (default: default)\n"
           "  --table T               the trail table (default: auditlens_trail; see 'clickhouse init')\n"
           "  --password-file F       ClickHouse's password, first line of F (else CLICKHOUSE_PASSWORD);\n"
           "                          the user is CLICKHOUSE_USER. Never on the command line; never printed.\n";
}

bool ClickhouseForwarding::enabled() const { return d->fwd != nullptr; }

bool ClickhouseForwarding::setup(const Args &a, const std::string &cmd, const std::string &urlOption,
                                 const std::string &journalDir, bool fetchMode, uint64_t retryForSeconds)
{
    d->cmd = cmd;
    if (!a.has(urlOption)) {
        for (const char *o : {"--database", "--table", "--password-file"})
            if (a.has(o)) {
                std::fprintf(stderr, "auditlens-cli %s: %s goes with %s URL (see --help)\n", cmd.c_str(), o, urlOption.c_str());
                return false;
            }
        return true;
    }
    std::string error;
    if (!ch::makeEndpoint(a.value(urlOption), a.value("--password-file"), d->ep, error)) {
        std::fprintf(stderr, "auditlens-cli %s: %s: %s\n", cmd.c_str(), urlOption.c_str(), error.c_str());
        return false;
    }
    if (a.has("--database"))
        d->table.database = QString::fromStdString(a.value("--database"));
    if (a.has("--table"))
        d->table.table = QString::fromStdString(a.value("--table"));
    if (d->table.database.isEmpty() || d->table.table.isEmpty()) {
        std::fprintf(stderr, "auditlens-cli %s: --database and --table must not be empty\n", cmd.c_str());
        return false;
    }
    const std::string destination = ch::displayUrl(d->ep.url).toStdString() + " " + d->table.qualified().toStdString();
    ch::ForwardSource *source = nullptr;
    if (!journalDir.empty()) {
        if (!QDir().mkpath(QString::fromStdString(journalDir))) {
            std::fprintf(stderr, "auditlens-cli %s: %s: cannot create the journal directory\n", cmd.c_str(), journalDir.c_str());
            return false;
        }
        d->tail = std::make_unique<ch::JournalTail>(journalDir, destination);
        if (!d->tail->open(error)) {
            std::fprintf(stderr, "auditlens-cli %s: %s\n", cmd.c_str(), error.c_str());
            return false;
        }
        source = d->tail.get();
    } else {
        d->pages = std::make_unique<ch::PageQueue>();
        source = d->pages.get();
    }
    ch::ForwardOptions o;
    if (fetchMode) {
        o.giveUpOnRefusal = true;
        o.retryForMs = int(std::min<uint64_t>(std::max<uint64_t>(retryForSeconds, 1) * 1000, INT32_MAX));
    }
    d->fwd = std::make_unique<ch::Forwarder>(d->ep, d->table, source, o);
    d->fwd->moveToThread(&d->thread);
    const std::string pfx = "auditlens-cli " + cmd + ": clickhouse: ";
    QObject::connect(d->fwd.get(), &ch::Forwarder::retrying, &d->context, [pfx](const QString &e, int ms) {
        std::fprintf(stderr, "%s%s; retrying in %.1f s\n", pfx.c_str(), e.toUtf8().constData(), ms / 1000.0);
    });
    QObject::connect(d->fwd.get(), &ch::Forwarder::problem, &d->context, [pfx](const QString &e) {
        std::fprintf(stderr, "%s%s\n", pfx.c_str(), e.toUtf8().constData());
    });
    QObject::connect(d->fwd.get(), &ch::Forwarder::drained, &d->context, [this](bool ok) {
        if (!ok && !d->finished && d->gaveUp)
            d->gaveUp(d->fwd->stats().lastError);
    });
    if (d->tail) {
        const ch::ForwardCheckpoint &cp = d->tail->checkpoint();
        std::fprintf(stderr, "%sforwarding %s to %s%s\n", pfx.c_str(), journalDir.c_str(), d->fwd->destination().toUtf8().constData(),
                     cp.file.empty() ? " from its start" : (" from its checkpoint (" + cp.file + " at byte " + std::to_string(cp.offset) + ")").c_str());
    }
    return true;
}

void ClickhouseForwarding::onGaveUp(std::function<void(const std::string &)> f) { d->gaveUp = std::move(f); }

void ClickhouseForwarding::start()
{
    if (!d->fwd || d->started)
        return;
    d->started = true;
    d->thread.setObjectName(QStringLiteral("clickhouse-forward"));
    d->thread.start();
    QMetaObject::invokeMethod(d->fwd.get(), &ch::Forwarder::start, Qt::QueuedConnection);
}

void ClickhouseForwarding::journalSynced(const std::string &file, int64_t bytes)
{
    if (!d->tail)
        return;
    d->tail->setDurable(file, bytes);
    d->fwd->poke();
}

void ClickhouseForwarding::journalSettled()
{
    if (!d->tail)
        return;
    d->tail->markAllDurable();
    d->fwd->poke();
}

void ClickhouseForwarding::add(std::string label, std::string ndjson, uint64_t records)
{
    if (!d->pages)
        return;
    d->pages->add(std::move(label), std::move(ndjson), records);
    d->fwd->poke();
}

void ClickhouseForwarding::abort()
{
    d->aborted = true;
    if (d->waiting)
        d->waiting->quit();
}

void ClickhouseForwarding::printStatus() const
{
    if (!d->fwd)
        return;
    const ch::ForwardStats s = d->fwd->stats();
    std::string extra;
    if (s.rejected)
        extra += ", " + std::to_string(s.rejected) + " not valid records left out";
    if (s.failing)
        extra += "; failing: " + s.lastError;
    std::fprintf(stderr, "auditlens-cli %s: clickhouse: forwarded %llu records to %s in %llu inserts (%llu retries), behind by %llu%s\n",
                 d->cmd.c_str(), static_cast<unsigned long long>(s.forwarded), d->fwd->destination().toUtf8().constData(),
                 static_cast<unsigned long long>(s.runs), static_cast<unsigned long long>(s.retries),
                 static_cast<unsigned long long>(s.behind), extra.c_str());
}

bool ClickhouseForwarding::finish(int waitMs)
{
    if (!d->fwd || d->finished)
        return true;
    d->finished = true;
    QEventLoop loop;
    bool ok = false;
    QObject::connect(d->fwd.get(), &ch::Forwarder::drained, &loop, [&](bool drained) {
        ok = drained;
        loop.quit();
    });
    QTimer limit;
    limit.setSingleShot(true);
    QObject::connect(&limit, &QTimer::timeout, &loop, &QEventLoop::quit);
    if (waitMs > 0)
        limit.start(waitMs);
    d->fwd->drain();
    d->waiting = &loop;
    if (!d->aborted)
        loop.exec();
    d->waiting = nullptr;
    d->fwd->stop();
    d->thread.quit();
    d->thread.wait();
    printStatus();
    return ok && d->fwd->stats().behind == 0;
}

} // namespace auditlens::cli
