// SPDX-License-Identifier: MIT
#include "cli_commands.h"

#include "cli_args.h"

#include "ecs/validator.h"
#include "intake/conformance.h"
#include "receiver/receiver.h"
#include "intake/engine.h"
#include "intake/jsonout.h"
#include "intake/normalizer.h"
#include "source/reader.h"
#include "source/timestamp.h"
#include "store/eventstore.h"

#include <nlohmann/json.hpp>

#include <QDirIterator>
#include <QFileInfo>

#include <cstdio>
#include <deque>
#include <future>
#include <thread>

namespace auditlens::cli {

namespace {

using intake::Json;

void printDiag(const Diagnostic &d) { std::fprintf(stderr, "%s\n", d.toString().c_str()); }

/// The event as compact JSON, byte-identical to nlohmann::json::dump (see intake::appendJson).
void appendEventJson(std::string &out, Json &event)
{
    intake::appendJson(out, event);
}

} // namespace

std::vector<std::string> expandInputs(const std::vector<std::string> &inputs)
{
    std::vector<std::string> out;
    for (const std::string &in : inputs) {
        QFileInfo fi(QString::fromStdString(in));
        if (in == "-" || !fi.isDir()) {
            out.push_back(in);
            continue;
        }
        // a receiver journal (duplicates left out) or a folder of log files
        const auto files = receiver::journalFiles(in);
        if (!files.empty()) {
            out.insert(out.end(), files.begin(), files.end());
            continue;
        }
        QDirIterator it(fi.absoluteFilePath(), QDir::Files, QDirIterator::Subdirectories);
        std::vector<std::string> found;
        while (it.hasNext())
            found.push_back(it.next().toStdString());
        std::sort(found.begin(), found.end());
        out.insert(out.end(), found.begin(), found.end());
    }
    return out;
}

namespace {

SourceSpec specFor(const std::string &input)
{
    return input == "-" ? SourceSpec::stdinSource() : SourceSpec::file(input);
}

/// (id, count) most first, ties by the value's text, at most n (0: all): as `stats --clickhouse`
/// orders them, so that a cut through a tie keeps the same values from a file and from the server.
std::vector<std::pair<uint32_t, uint64_t>> topByValue(const std::vector<uint64_t> &counts, const StringDict &dict, size_t n)
{
    auto all = EventStore::top(counts, 0);
    std::stable_sort(all.begin(), all.end(), [&dict](const auto &a, const auto &b) {
        return a.second != b.second ? a.second > b.second : dict.at(a.first) < dict.at(b.first);
    });
    if (n && all.size() > n)
        all.resize(n);
    return all;
}

} // namespace

bool loadInputs(EventStore &store, const std::vector<std::string> &inputs, unsigned threads, uint64_t *bytes, bool columns)
{
    EventStore::LoadOptions opts;
    opts.threads = threads;
    opts.columns = columns;
    bool anyOpened = false;
    for (const std::string &input : expandInputs(inputs)) {
        const ReadSummary s = store.load(specFor(input), opts, [](const Diagnostic &d) { printDiag(d); });
        anyOpened = anyOpened || s.opened;
        if (bytes)
            *bytes += s.bytesRead;
    }
    return anyOpened;
}

// ------------------------------------------------------------------------------------------
// normalize

const char *const kNormalizeHelp =
    "Usage: auditlens-cli normalize [--parser PATH] [--explain] [INPUT...]\n"
    "\n"
    "Writes one ECS record per input record as NDJSON on stdout, in input order. Each\n"
    "record includes `message`, the raw record as compact JSON. Without INPUT, or with\n"
    "'-', reads stdin. Diagnostics go to stderr as SOURCE:LINE: error: MESSAGE.\n"
    "\n"
    "Options:\n"
    "  --parser PATH           an intake directory or parser.yml (default: the built-in\n"
    "                          Cloudflare audit-log parser)\n"
    "  --explain               instead of NDJSON, print for each record one line per\n"
    "                          output field: value, the stage and action that set it,\n"
    "                          the source paths it read, and what typing changed\n"
    "  --threads N             worker threads (default: one per core)\n"
    "  --max-record-bytes N    longer records are rejected (default 67108864)\n"
    "  --max-depth N           deeper nesting is rejected (default 128)\n"
    "\n"
    "Exit status: 0 every record normalized; 1 some records rejected (the others are\n"
    "still written); 2 usage error or no input could be read.\n";

int runNormalize(const std::vector<std::string> &args)
{
    ReaderLimits limits;
    Args c = parseArgs(args, {"--parser", "--threads", "--max-record-bytes", "--max-depth"}, {"--explain"});
    uint64_t threads = 0, maxBytes = limits.maxRecordBytes, maxDepth = uint64_t(limits.maxDepth);
    if (c.error.empty() && !numberOption(c, "--threads", threads, 0, 1024))
        c.error = "--threads needs a number";
    if (c.error.empty() && !numberOption(c, "--max-record-bytes", maxBytes, 1, UINT64_MAX >> 1))
        c.error = "--max-record-bytes needs a positive number";
    if (c.error.empty() && !numberOption(c, "--max-depth", maxDepth, 1, 100000))
        c.error = "--max-depth needs a number from 1 to 100000";
    limits.maxRecordBytes = maxBytes;
    limits.maxDepth = int(maxDepth);
    const std::string parserPath = c.value("--parser");
    const bool explain = c.has("--explain");
    if (const auto exit = usageExit(c, {.command = "normalize", .help = kNormalizeHelp}))
        return *exit;
    if (c.inputs.empty())
        c.inputs.push_back("-");
    c.inputs = expandInputs(c.inputs);
    const auto parser = loadParser(parserPath, "normalize");
    if (!parser)
        return 2;

    const unsigned nThreads = threads ? unsigned(threads) : std::max(1u, std::thread::hardware_concurrency());
    uint64_t rejected = 0, written = 0;
    bool anyOpened = false;
    SourceReader reader(limits);
    for (const std::string &input : c.inputs) {
        const SourceSpec spec = specFor(input);
        struct Out
        {
            std::string text;
            std::vector<Diagnostic> diags;
            uint64_t ok = 0;
        };
        std::deque<std::future<Out>> inflight;
        auto flush = [&](Out &&o) {
            for (const Diagnostic &d : o.diags)
                printDiag(d);
            rejected += o.diags.size();
            written += o.ok;
            std::fwrite(o.text.data(), 1, o.text.size(), stdout);
        };
        auto work = [&, label = spec.label](Block b) -> Out {
            Out o;
            o.text.reserve(b.dataLen * 2);
            for (const RecordSpan &sp : b.spans) {
                const std::string_view raw(b.data->data() + sp.pos, sp.len);
                intake::NormalizedRecord r = intake::normalizeRecordPadded(*parser, raw, b.data->size() - sp.pos,
                                                                            limits.maxDepth, explain);
                if (!r.ok) {
                    o.diags.push_back(Diagnostic{Diagnostic::Severity::Error, label, sp.line,
                                                 b.streamOffset + sp.pos + r.errorAt, r.error + "; skipped"});
                    continue;
                }
                ++o.ok;
                if (!explain) {
                    appendEventJson(o.text, r.result.event);
                    o.text += '\n';
                    continue;
                }
                o.text += "# " + label + ":" + std::to_string(sp.line) + "\n";
                for (const intake::FieldProvenance &p : r.result.provenance) {
                    const Json *v = intake::findPath(r.result.event, p.field);
                    std::string value = v ? v->dump(-1, ' ', false, Json::error_handler_t::replace) : std::string("?");
                    if (p.field == "message" && value.size() > 60)
                        value = value.substr(0, 57) + "...";
                    o.text += p.field + " = " + value + "  <- " + intake::describeProvenance(p);
                    o.text += "\n";
                }
                for (const intake::RunIssue &is : r.result.issues)
                    o.text += "! " + is.stage + (is.action >= 0 ? "[" + std::to_string(is.action + 1) + "]" : std::string())
                              + (is.field.empty() ? std::string() : " " + is.field) + ": " + is.message + "\n";
            }
            return o;
        };
        auto blockSink = [&](Block &&b) {
            inflight.push_back(std::async(std::launch::async, work, std::move(b)));
            while (inflight.size() > nThreads) {
                flush(inflight.front().get());
                inflight.pop_front();
            }
        };
        auto diagSink = [&](Diagnostic &&d) {
            // reader diagnostics belong before the records that follow them: drain first
            while (!inflight.empty()) {
                flush(inflight.front().get());
                inflight.pop_front();
            }
            printDiag(d);
            if (d.severity == Diagnostic::Severity::Error) // a record, or damage such as a corrupt gzip stream
                ++rejected;
        };
        const ReadSummary s = reader.read(spec, blockSink, diagSink);
        while (!inflight.empty()) {
            flush(inflight.front().get());
            inflight.pop_front();
        }
        anyOpened = anyOpened || s.opened;
        if (!s.opened)
            ++rejected;
    }
    std::fflush(stdout);
    if (!anyOpened)
        return 2;
    return rejected ? 1 : 0;
}

// ------------------------------------------------------------------------------------------
// stats

const char *const kStatsHelp =
    "Usage: auditlens-cli stats [--json] [--top N] INPUT...\n"
    "\n"
    "Loads the inputs into the event store and prints: records, rejected records, the\n"
    "time range, records per schema (audit_logs / audit_logs_v2) and result, and the\n"
    "top values with exact counts for actor, action and resource type.\n"
    "\n"
    "Options:\n"
    "  --json       machine-readable output\n"
    "  --top N      how many top values to list per column (default 10; 0 = all)\n"
    "  --threads N  indexing threads (default: one per core)\n"
    "\n"
    "Exit status: 0 no record rejected; 1 some rejected; 2 usage error or no input\n"
    "could be read.\n";

int runStats(const std::vector<std::string> &args)
{
    Args c = parseArgs(args, {"--top", "--threads"}, {"--json"});
    uint64_t top = 10, threads = 0;
    if (c.error.empty() && !numberOption(c, "--top", top, 0, UINT64_MAX >> 1))
        c.error = "--top needs a number";
    if (c.error.empty() && !numberOption(c, "--threads", threads, 0, 1024))
        c.error = "--threads needs a number";
    const bool json = c.has("--json");
    if (const auto exit = usageExit(c, {.command = "stats", .help = kStatsHelp, .minWords = 1}))
        return *exit;
    EventStore store;
    uint64_t bytes = 0;
    if (!loadInputs(store, c.inputs, unsigned(threads), &bytes))
        return 2;
    const Snapshot snap = store.snapshot();
    int64_t tmin = INT64_MAX, tmax = INT64_MIN;
    uint64_t noTime = 0;
    uint64_t schemas[3] = {0, 0, 0}, results[3] = {0, 0, 0};
    for (const auto &seg : snap.segments()) {
        for (size_t i = 0; i < seg->size(); ++i) {
            const int64_t t = seg->time[i];
            if (t == kNoTime)
                ++noTime;
            else {
                tmin = std::min(tmin, t);
                tmax = std::max(tmax, t);
            }
            ++schemas[seg->schema[i] % 3];
            ++results[seg->result[i] % 3];
        }
    }
    const std::vector<Column> cols = {Column::Actor, Column::Action, Column::ResourceType};
    const EventStore::Evaluation all = EventStore::evaluate(snap, Filter{}, cols);
    const char *keys[] = {"actor", "action", "resource_type"};
    const size_t rejected = store.rejectedCount();
    if (json) {
        Json o = Json::object();
        o["records"] = snap.size();
        o["rejected"] = rejected;
        o["bytes"] = bytes;
        o["time_range"] = tmin == INT64_MAX ? Json() : Json({{"from", formatRfc3339(tmin, FractionMode::Nano)}, {"to", formatRfc3339(tmax, FractionMode::Nano)}});
        o["records_without_time"] = noTime;
        o["schema"] = {{"audit_logs", schemas[1]}, {"audit_logs_v2", schemas[2]}, {"unknown", schemas[0]}};
        o["result"] = {{"success", results[1]}, {"failure", results[2]}, {"unknown", results[0]}};
        for (size_t k = 0; k < 3; ++k) {
            Json arr = Json::array();
            for (auto [id, n] : topByValue(all.counts[k], snap.dict(cols[k]), top))
                arr.push_back({{"value", id ? snap.dict(cols[k]).at(id) : std::string()}, {"count", n}});
            o["top"][keys[k]] = arr;
        }
        std::printf("%s\n", o.dump(2).c_str());
    } else {
        std::printf("records:   %zu\n", snap.size());
        std::printf("rejected:  %zu\n", rejected);
        if (tmin != INT64_MAX)
            std::printf("time:      %s .. %s\n", formatRfc3339(tmin, FractionMode::Nano).c_str(),
                        formatRfc3339(tmax, FractionMode::Nano).c_str());
        else
            std::printf("time:      (none)\n");
        if (noTime)
            std::printf("no time:   %llu\n", static_cast<unsigned long long>(noTime));
        std::printf("schema:    audit_logs %llu, audit_logs_v2 %llu, unknown %llu\n",
                    static_cast<unsigned long long>(schemas[1]), static_cast<unsigned long long>(schemas[2]),
                    static_cast<unsigned long long>(schemas[0]));
        std::printf("result:    success %llu, failure %llu, not given %llu\n",
                    static_cast<unsigned long long>(results[1]), static_cast<unsigned long long>(results[2]),
                    static_cast<unsigned long long>(results[0]));
        const char *titles[] = {"Top actors", "Top actions", "Top resource types"};
        for (size_t k = 0; k < 3; ++k) {
            std::printf("\n%s:\n", titles[k]);
            for (auto [id, n] : topByValue(all.counts[k], snap.dict(cols[k]), top))
                std::printf("  %10llu  %s\n", static_cast<unsigned long long>(n),
                            id ? snap.dict(cols[k]).at(id).c_str() : "(none)");
        }
    }
    return rejected ? 1 : 0;
}

// ------------------------------------------------------------------------------------------
// validate

const char *const kValidateHelp =
    "Usage: auditlens-cli validate [--parser PATH] [--errors-only] INPUT...\n"
    "\n"
    "Normalizes every record and checks the ECS output against the ECS schema and the\n"
    "parser's fields.yml: unknown fields and list/single-value mismatches (warnings),\n"
    "values of the wrong type and values outside ECS allowed values (errors).\n"
    "One line per problem: SOURCE:LINE: error|warning: FIELD: MESSAGE.\n"
    "\n"
    "Exit status: 0 no error; 1 some error (or rejected record); 2 usage error or no\n"
    "input could be read.\n";

int runValidate(const std::vector<std::string> &args)
{
    const Args c = parseArgs(args, {"--parser"}, {"--errors-only"});
    const bool warnings = !c.has("--errors-only");
    if (const auto exit = usageExit(c, {.command = "validate", .help = kValidateHelp, .minWords = 1}))
        return *exit;
    const auto parser = loadParser(c.value("--parser"), "validate");
    if (!parser)
        return 2;
    const std::vector<std::string> inputs = expandInputs(c.inputs);
    uint64_t errors = 0, warns = 0, records = 0;
    bool anyOpened = false;
    SourceReader reader;
    for (const std::string &input : inputs) {
        const SourceSpec spec = specFor(input);
        const ReadSummary s = reader.read(
            spec,
            [&](Block &&b) {
                for (const RecordSpan &sp : b.spans) {
                    const std::string_view raw(b.data->data() + sp.pos, sp.len);
                    auto r = intake::normalizeRecordPadded(*parser, raw, b.data->size() - sp.pos);
                    const std::string where = spec.label + ":" + std::to_string(sp.line);
                    if (!r.ok) {
                        std::printf("%s: error: %s; skipped\n", where.c_str(), r.error.c_str());
                        ++errors;
                        continue;
                    }
                    ++records;
                    for (const ecs::Problem &p : ecs::validate(r.result.event, parser->taxonomy())) {
                        const bool isErr = p.severity == ecs::Problem::Severity::Error;
                        (isErr ? errors : warns) += 1;
                        if (isErr || warnings)
                            std::printf("%s: %s: %s: %s\n", where.c_str(), isErr ? "error" : "warning", p.field.c_str(),
                                        p.message.c_str());
                    }
                }
            },
            [&](Diagnostic &&d) {
                std::printf("%s\n", d.toString().c_str());
                if (d.severity == Diagnostic::Severity::Error)
                    ++errors;
            });
        anyOpened = anyOpened || s.opened;
    }
    std::fprintf(stderr, "%llu records checked: %llu errors, %llu warnings\n", static_cast<unsigned long long>(records),
                 static_cast<unsigned long long>(errors), static_cast<unsigned long long>(warns));
    if (!anyOpened)
        return 2;
    return errors ? 1 : 0;
}

// ------------------------------------------------------------------------------------------
// test-intake

const char *const kTestIntakeHelp =
    "Usage: auditlens-cli test-intake [--verbose] [--explain] DIR...\n"
    "\n"
    "Runs the tests of Sekoia.io intakes (DIR/**/ingest/parser.yml with tests/*.json, each\n"
    "input.message -> expected) through Auditlens' engine with the intake's own parser.\n"
    "Lists are sorted before comparing (scalars by value, dicts by their key sets) and\n"
    "`message` is not compared, as in the corpus harness. Prints each failure with the differences as a JSON patch, then\n"
    "'N passed, M failed'. --explain adds, under each failure, the parser's load warnings\n"
    "and the problems met while running the test.\n"
    "\n"
    "Exit status: 0 all passed; 1 some failed; 2 usage error or no intake found.\n";

int runTestIntake(const std::vector<std::string> &args)
{
    const Args c = parseArgs(args, {}, {"--verbose", "-v", "--explain"});
    const bool verbose = c.has("--verbose") || c.has("-v");
    const bool explain = c.has("--explain");
    if (const auto exit = usageExit(c, {.command = "test-intake", .help = kTestIntakeHelp, .minWords = 1, .tooFew = "no DIR given (see --help)"}))
        return *exit;
    size_t passed = 0, failed = 0;
    for (const std::string &dir : c.inputs) {
        std::vector<intake::IntakeTestResult> results;
        std::string err;
        if (!intake::runIntakeTests(dir, results, err, explain)) {
            std::fprintf(stderr, "auditlens-cli test-intake: %s\n", err.c_str());
            return 2;
        }
        for (const auto &r : results) {
            if (r.passed) {
                ++passed;
                if (verbose)
                    std::printf("PASS %s/%s\n", r.intake.c_str(), r.test.c_str());
            } else {
                ++failed;
                std::printf("FAIL %s/%s: %s\n", r.intake.c_str(), r.test.c_str(), r.problem.c_str());
                for (const std::string &i : r.issues)
                    std::printf("  ! %s\n", i.c_str());
            }
        }
    }
    std::printf("%zu passed, %zu failed\n", passed, failed);
    return failed ? 1 : 0;
}

} // namespace auditlens::cli
