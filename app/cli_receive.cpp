// SPDX-License-Identifier: MIT
// auditlens-cli receive / push: the Logpush HTTP destination headless, and a batch sender.
#include "cli_commands.h"

#include "cli_args.h"
#include "cli_forward.h"

#include "receiver/receiver.h"
#include "receiver/sender.h"
#include "source/reader.h"

#include <QCoreApplication>
#include <QFile>
#include <QTimer>

#include <atomic>
#include <cctype>
#include <csignal>
#include <cstdio>

namespace auditlens::cli {

namespace {

std::atomic<int> g_signal{0};
void onSignal(int sig) { g_signal = sig; }

/// The C escapes a framing option may hold (\n, \r, \t, \\, \xHH), as the job's JSON has them.
std::string unescape(const std::string &in)
{
    std::string out;
    for (size_t i = 0; i < in.size(); ++i) {
        if (in[i] != '\\' || i + 1 == in.size()) {
            out += in[i];
            continue;
        }
        const char c = in[++i];
        if (c == 'n')
            out += '\n';
        else if (c == 'r')
            out += '\r';
        else if (c == 't')
            out += '\t';
        else if (c == 'x' && i + 2 < in.size() && std::isxdigit(static_cast<unsigned char>(in[i + 1]))
                 && std::isxdigit(static_cast<unsigned char>(in[i + 2]))) {
            out += char(std::stoi(in.substr(i + 1, 2), nullptr, 16));
            i += 2;
        } else
            out += c;
    }
    return out;
}

void printStats(const receiver::Stats &s)
{
    std::string rejected;
    for (const auto &[k, n] : s.rejected)
        rejected += (rejected.empty() ? "" : ", ") + k + " " + std::to_string(n);
    std::fprintf(stderr,
                 "requests %llu, batches %llu, records %llu, duplicates %llu, tests %llu, bad lines %llu, unsplit batches %llu, "
                 "%.1f records/s%s%s%s%s\n",
                 static_cast<unsigned long long>(s.requests), static_cast<unsigned long long>(s.batches),
                 static_cast<unsigned long long>(s.records), static_cast<unsigned long long>(s.duplicates),
                 static_cast<unsigned long long>(s.tests), static_cast<unsigned long long>(s.badLines),
                 static_cast<unsigned long long>(s.unsplit), s.recordsPerSecond,
                 rejected.empty() ? "" : ", rejected: ", rejected.c_str(), s.lastError.empty() ? "" : "; last error: ",
                 s.lastError.c_str());
    if (s.journalFailing)
        std::fprintf(stderr, "the journal cannot be written (%s): batches are answered 503 with Retry-After until it can\n",
                     s.journalError.c_str());
}

} // namespace

const char *const kReceiveHelp =
    "Usage: auditlens-cli receive --listen HOST:PORT --journal DIR [--secret-header NAME]\n"
    "                             (--secret VALUE | --secret-file FILE) [--tls-cert F --tls-key F]\n"
    "                             [--max-body BYTES] [--max-decompressed BYTES] [--max-memory BYTES]\n"
    "                             [--batch-prefix S] [--batch-suffix S] [--record-prefix S]\n"
    "                             [--record-suffix S] [--record-delimiter S] [--stats-every SECONDS]\n"
    "                             [--forward-clickhouse URL [--database D] [--table T] [--password-file F]]\n"
    "\n"
    "Runs the Logpush HTTP destination headless. Each batch is written to the journal\n"
    "directory and flushed to disk before it is acknowledged; the directory is an input\n"
    "like a file (normalize DIR, stats DIR, the GUI's Open). Test uploads are answered and\n"
    "counted, not stored. Duplicate records (same ID / AuditLogID) go to duplicates-*.ndjson.\n"
    "Use 0.0.0.0:PORT to listen on every interface (default 127.0.0.1:8787). Statistics\n"
    "go to stderr; SIGINT/SIGTERM stop cleanly.\n"
    "\n"
    "Batches are split as NDJSON, a JSON array or JSON objects one after another; give the\n"
    "job's output_options framing with --batch-prefix … --record-delimiter (C escapes such as\n"
    "\\n and \\x1e are understood) when it is another one. A batch no framing splits is\n"
    "acknowledged and kept as it came in unsplit-*.txt. Limits: --max-body (compressed, default\n"
    "100 MiB, 413), --max-decompressed (per request, default 2 GiB, 413), --max-memory (what the\n"
    "batches being decoded hold together, default 256 MiB: 413 for one that needs more, 503 with\n"
    "Retry-After while others hold it). A journal that cannot be written gets 503 with\n"
    "Retry-After and is cut back to its last whole record.\n"
    "\n"
    "The destination_conf for the Logpush job is printed at start (secret masked).\n"
    "\n"
    "--forward-clickhouse URL forwards what the journal holds into the ClickHouse trail (see\n"
    "'clickhouse init'), from a checkpoint kept in the journal directory (.clickhouse-*.checkpoint),\n"
    "at least once (the trail collapses copies by ID), in batches, retrying with back-off (up\n"
    "to 30 s) while ClickHouse is down or refuses. Batches are acknowledged once they are in the\n"
    "journal, whether or not ClickHouse is up; after a restart forwarding goes on from the\n"
    "checkpoint. The statistics lines say how many records were forwarded and how many are behind.\n"
    "At SIGINT/SIGTERM it waits up to 5 s for what is left; the rest goes at the next start.\n"
    "Forwarding options:\n"
    "  --forward-clickhouse URL  http(s)://HOST:PORT of ClickHouse's HTTP interface\n";

int runReceive(const std::vector<std::string> &args)
{
    std::vector<std::string> valued = {"--listen", "--journal", "--secret-header", "--secret", "--secret-file", "--tls-cert",
                                       "--tls-key", "--max-body", "--max-decompressed", "--max-memory", "--stats-every",
                                       "--batch-prefix", "--batch-suffix", "--record-prefix", "--record-suffix", "--record-delimiter"};
    for (const std::string &f : ClickhouseForwarding::options("--forward-clickhouse"))
        valued.push_back(f);
    const Args parsed = parseArgs(args, valued, {"--quiet"});
    auto o = parsed.opts;
    std::string err = parsed.error;
    const std::string help = std::string(kReceiveHelp) + ClickhouseForwarding::help();
    if (const auto exit = usageExit(parsed, {.command = "receive", .help = help.c_str(), .maxWords = 0}))
        return *exit;
    receiver::Config cfg;
    const std::string listen = o.count("--listen") ? o["--listen"] : "127.0.0.1:8787";
    const size_t colon = listen.rfind(':');
    if (colon == std::string::npos || !cfg.address.setAddress(QString::fromStdString(listen.substr(0, colon)))) {
        std::fprintf(stderr, "auditlens-cli receive: --listen wants HOST:PORT with an IP address (e.g. 127.0.0.1:8787)\n");
        return 2;
    }
    cfg.port = quint16(std::atoi(listen.c_str() + colon + 1));
    if (!o.count("--journal")) {
        std::fprintf(stderr, "auditlens-cli receive: --journal DIR is required\n");
        return 2;
    }
    cfg.journalDir = o["--journal"];
    if (o.count("--secret-header"))
        cfg.secretHeader = o["--secret-header"];
    if (o.count("--secret-file")) {
        if (!readSecretFile(o["--secret-file"], cfg.secret, err)) {
            std::fprintf(stderr, "auditlens-cli receive: %s\n", err.c_str());
            return 2;
        }
    } else if (o.count("--secret"))
        cfg.secret = o["--secret"];
    if (cfg.secret.size() < 8) {
        std::fprintf(stderr, "auditlens-cli receive: a shared secret of at least 8 characters is required (--secret or --secret-file)\n");
        return 2;
    }
    cfg.tlsCert = o.count("--tls-cert") ? o["--tls-cert"] : std::string();
    cfg.tlsKey = o.count("--tls-key") ? o["--tls-key"] : std::string();
    if (cfg.tlsCert.empty() != cfg.tlsKey.empty()) {
        std::fprintf(stderr, "auditlens-cli receive: give both --tls-cert and --tls-key\n");
        return 2;
    }
    if (o.count("--max-body"))
        cfg.maxBodyBytes = std::atoll(o["--max-body"].c_str());
    if (o.count("--max-decompressed"))
        cfg.maxDecompressedBytes = std::atoll(o["--max-decompressed"].c_str());
    if (o.count("--max-memory"))
        cfg.maxMemoryBytes = std::atoll(o["--max-memory"].c_str());
    for (const auto &[opt, field] : {std::pair{"--batch-prefix", &cfg.framing.batchPrefix}, std::pair{"--batch-suffix", &cfg.framing.batchSuffix},
                                     std::pair{"--record-prefix", &cfg.framing.recordPrefix}, std::pair{"--record-suffix", &cfg.framing.recordSuffix},
                                     std::pair{"--record-delimiter", &cfg.framing.recordDelimiter}})
        if (o.count(opt))
            *field = unescape(o[opt]);
    for (const auto &[opt, value] : {std::pair{"--max-body", cfg.maxBodyBytes}, std::pair{"--max-decompressed", cfg.maxDecompressedBytes},
                                     std::pair{"--max-memory", cfg.maxMemoryBytes}})
        if (value <= 0) {
            std::fprintf(stderr, "auditlens-cli receive: %s wants a positive number of bytes\n", opt);
            return 2;
        }
    ClickhouseForwarding forward;
    if (!forward.setup(parsed, "receive", "--forward-clickhouse", cfg.journalDir, false))
        return 2;
    if (forward.enabled()) // the journal thread says how far the journal is on disk; it never waits for ClickHouse
        cfg.journalSynced = [&forward](const std::string &file, qint64 bytes) { forward.journalSynced(file, bytes); };
    receiver::Receiver rx(cfg);
    if (!rx.start(err)) {
        std::fprintf(stderr, "auditlens-cli receive: %s\n", err.c_str());
        return 2;
    }
    forward.start();
    const std::string scheme = cfg.tlsCert.empty() ? "http" : "https";
    std::fprintf(stderr, "listening on %s://%s:%u, journal %s\n", scheme.c_str(), cfg.address.toString().toStdString().c_str(),
                 rx.port(), cfg.journalDir.c_str());
    std::fprintf(stderr, "destination_conf for the Logpush job: https://<your public host>/?header_%s=***\n", cfg.secretHeader.c_str());
    std::signal(SIGINT, onSignal);
    std::signal(SIGTERM, onSignal);
    QTimer poll;
    QObject::connect(&poll, &QTimer::timeout, &rx, [] {
        if (g_signal)
            QCoreApplication::quit();
    });
    poll.start(100);
    QTimer statsTimer;
    const int every = o.count("--stats-every") ? std::atoi(o["--stats-every"].c_str()) : 10;
    QObject::connect(&statsTimer, &QTimer::timeout, &rx, [&rx, &forward] {
        printStats(rx.stats());
        forward.printStatus();
    });
    if (every > 0 && !o.count("--quiet"))
        statsTimer.start(every * 1000);
    QCoreApplication::exec();
    poll.stop(); // the wait for the forwarder below has its own bound
    statsTimer.stop();
    rx.stop();
    std::fprintf(stderr, "stopped (signal %d); ", int(g_signal));
    printStats(rx.stats());
    // a few seconds for what is left; the rest goes from the checkpoint at the next start
    if (forward.enabled() && !forward.finish(5000))
        std::fprintf(stderr, "auditlens-cli receive: clickhouse: the records behind stay in the journal and are forwarded at the next start\n");
    return 0;
}

const char *const kPushHelp =
    "Usage: auditlens-cli push URL [--secret-header NAME] (--secret V | --secret-file F)\n"
    "                          [--batch-records N] [--concurrency C] [--no-gzip] [--ack-log FILE] INPUT...\n"
    "\n"
    "Sends the records of INPUT to a Logpush HTTP destination as Logpush does: POST, gzip,\n"
    "NDJSON batches of N records (default 1000), C requests at a time (default 4).\n"
    "--ack-log FILE writes one line per acknowledged batch: its first and last record line.\n"
    "Exit status: 0 every batch acknowledged; 1 some were not; 2 usage error.\n";

int runPush(const std::vector<std::string> &args)
{
    const Args parsed = parseArgs(args, {"--secret-header", "--secret", "--secret-file", "--batch-records", "--concurrency", "--ack-log"},
                                  {"--no-gzip"});
    auto o = parsed.opts;
    const std::vector<std::string> &words = parsed.inputs;
    if (const auto exit = usageExit(parsed, {.command = "push", .help = kPushHelp, .minWords = 2, .tooFew = "URL and INPUT are required (see --help)"}))
        return *exit;
    receiver::Sender::Options so;
    so.url = words[0];
    if (o.count("--secret-header"))
        so.secretHeader = o["--secret-header"];
    if (o.count("--secret-file")) {
        std::string why;
        if (!readSecretFile(o["--secret-file"], so.secret, why)) {
            std::fprintf(stderr, "auditlens-cli push: %s\n", why.c_str());
            return 2;
        }
    } else if (o.count("--secret"))
        so.secret = o["--secret"];
    so.gzip = !o.count("--no-gzip");
    so.concurrency = o.count("--concurrency") ? std::max(1, std::atoi(o["--concurrency"].c_str())) : 4;
    const size_t perBatch = o.count("--batch-records") ? size_t(std::max(1, std::atoi(o["--batch-records"].c_str()))) : 1000;
    receiver::Sender sender(so);
    std::vector<std::pair<std::string, std::string>> ranges; // first/last record of each batch
    std::string batch;
    size_t inBatch = 0;
    std::string first, last;
    SourceReader reader;
    for (size_t i = 1; i < words.size(); ++i) {
        reader.read(
            words[i] == "-" ? SourceSpec::stdinSource() : SourceSpec::file(words[i]),
            [&](Block &&b) {
                for (const RecordSpan &sp : b.spans) {
                    const std::string rec = compactJson(std::string_view(b.data->data() + sp.pos, sp.len));
                    if (inBatch == 0)
                        first = rec;
                    last = rec;
                    batch += rec;
                    batch += '\n';
                    if (++inBatch == perBatch) {
                        sender.add(std::move(batch));
                        ranges.emplace_back(first, last);
                        batch.clear();
                        inBatch = 0;
                    }
                }
            },
            [](Diagnostic &&d) { std::fprintf(stderr, "%s\n", d.toString().c_str()); });
    }
    if (inBatch) {
        sender.add(std::move(batch));
        ranges.emplace_back(first, last);
    }
    FILE *ack = o.count("--ack-log") ? std::fopen(o["--ack-log"].c_str(), "w") : nullptr;
    size_t ok = 0, failed = 0;
    const size_t lastBatchRecords = inBatch ? inBatch : perBatch;
    const auto outcomes = sender.run([&](const receiver::Sender::Outcome &r) {
        if (r.status >= 200 && r.status < 300) {
            ++ok;
            if (ack) {
                std::fprintf(ack, "%s\t%s\n", ranges[r.batch].first.c_str(), ranges[r.batch].second.c_str());
                std::fflush(ack);
            }
        } else {
            ++failed;
            std::fprintf(stderr, "batch %zu: HTTP %d %s\n", r.batch + 1, r.status, r.answer.c_str());
        }
    });
    if (ack)
        std::fclose(ack);
    size_t records = 0;
    for (const auto &r : outcomes)
        if (r.status >= 200 && r.status < 300)
            records += r.batch + 1 < ranges.size() ? perBatch : lastBatchRecords;
    std::fprintf(stderr, "%zu batches acknowledged, %zu not; %zu records acknowledged in %.2f s of sending (%.0f records/s)\n", ok,
                 failed, records, sender.sendSeconds(), sender.sendSeconds() > 0 ? double(records) / sender.sendSeconds() : 0.0);
    return failed ? 1 : 0;
}

} // namespace auditlens::cli
