// SPDX-License-Identifier: MIT
// auditlens-cli search: the records a KQL query matches, as raw NDJSON, ECS NDJSON or CSV.
#include "cli_args.h"
#include "cli_commands.h"

#include "query/eval.h"
#include "query/export.h"
#include "source/timestamp.h"
#include "store/eventstore.h"

#include <cstdio>

namespace auditlens::cli {

namespace {

const char *const kSearchHelp =
    "Usage: auditlens-cli search [--count] [--format raw|ecs|csv] [--fields A,B,...]\n"
    "                            [--parser PATH] [--threads N] QUERY [INPUT...]\n"
    "\n"
    "Prints the records QUERY matches, in input order. QUERY uses the Kibana Query Language:\n"
    "  ActionType:update                  a field's value, exact and case-sensitive\n"
    "  Metadata.zone_name:\"example.com\"   a nested field; a quoted value is literal\n"
    "  ActorEmail:*@example.com           wildcards * and ? in unquoted values\n"
    "  NewValue.enabled:false             booleans and numbers match JSON values\n"
    "  ResourceID:*                       the field exists\n"
    "  ActionType:(create or delete)      several values of one field\n"
    "  When >= 2023-02-01 and When < 2023-03-01\n"
    "                                     ranges on numbers and times (> >= < <=)\n"
    "  not ActionResult:true              not, and, or, parentheses\n"
    "  terraform                          a term without a field: case-insensitive text\n"
    "                                     search over the raw record\n"
    "  ecs.user.email:alice@example.com   a field of the ECS record the parser makes\n"
    "Arrays match when any element does. Without INPUT, or with '-', reads stdin.\n"
    "\n"
    "Options:\n"
    "  --count                 print only the number of matching records\n"
    "  --format raw|ecs|csv    raw: each record as compact JSON (default); ecs: the ECS\n"
    "                          record of each; csv: one row per record (RFC 4180)\n"
    "  --fields A,B,...        csv columns: raw or ecs. field paths (default: time, actor,\n"
    "                          action, resource type, actor type, interface, result,\n"
    "                          source IP, account); several values are written as a JSON array\n"
    "  --parser PATH           the intake parser for ecs. fields and --format ecs\n"
    "                          (default: the built-in Cloudflare audit-log parser)\n"
    "  --threads N             loading threads (default: one per core)\n"
    "\n"
    "Exit status: 0 the search ran (whatever it matched); 1 some input records were\n"
    "rejected (the others were searched); 2 usage error, malformed query, or no input\n"
    "could be read.\n";

/// A cell of a column's values for one row: one value as is, several as a JSON array.
std::string cellOf(const query::FieldColumn &col, size_t row)
{
    if (row >= col.rows)
        return {};
    const uint32_t b = col.start[row], e = col.start[row + 1];
    if (e == b)
        return {};
    if (e == b + 1) {
        const query::FieldValue &v = col.values[col.ids[b]];
        return v.type == query::ValueType::Null ? std::string() : v.text;
    }
    intake::Json arr = intake::Json::array();
    for (uint32_t k = b; k < e; ++k) {
        const query::FieldValue &v = col.values[col.ids[k]];
        switch (v.type) {
        case query::ValueType::String: arr.push_back(v.text); break;
        case query::ValueType::Null: arr.push_back(nullptr); break;
        default: arr.push_back(intake::Json::parse(v.text, nullptr, false)); break;
        }
    }
    return arr.dump(-1, ' ', false, intake::Json::error_handler_t::replace);
}

} // namespace

int runSearch(const std::vector<std::string> &args)
{
    Args c = parseArgs(args, {"--format", "--fields", "--parser", "--threads"}, {"--count"});
    uint64_t threads = 0;
    if (c.error.empty() && !numberOption(c, "--threads", threads, 0, 1024))
        c.error = "--threads needs a number";
    const std::string format = c.value("--format", "raw");
    if (c.error.empty() && format != "raw" && format != "ecs" && format != "csv")
        c.error = "--format is raw, ecs or csv";
    if (c.error.empty() && c.has("--fields") && format != "csv")
        c.error = "--fields needs --format csv";
    if (const auto exit = usageExit(c, {.command = "search", .help = kSearchHelp, .minWords = 1,
                                        .tooFew = "no QUERY given (see --help)"}))
        return *exit;
    const auto q = query::Query::parse(c.inputs.front());
    if (!q->ok()) {
        std::fprintf(stderr, "auditlens-cli search: %s\n", q->describeError().c_str());
        return 2;
    }
    std::vector<std::string> inputs(c.inputs.begin() + 1, c.inputs.end());
    if (inputs.empty())
        inputs.push_back("-");
    const std::vector<std::string> fields = splitComma(c.value("--fields"));
    bool needParser = format == "ecs";
    for (const std::string &f : q->fields())
        needParser = needParser || query::isEcsPath(f);
    for (const std::string &f : fields)
        needParser = needParser || query::isEcsPath(f);
    std::shared_ptr<const intake::IntakeParser> parser;
    if (needParser && !(parser = loadParser(c.value("--parser"), "search")))
        return 2;

    // the store's columns only feed the default CSV columns: queries read fields through the
    // FieldCache and text through the raw records
    const bool columns = format == "csv" && fields.empty() && !c.has("--count");
    EventStore store;
    if (!loadInputs(store, inputs, unsigned(threads), nullptr, columns))
        return 2;
    const int status = store.rejectedCount() ? 1 : 0;
    const Snapshot snap = store.snapshot();
    query::FieldCache cache(parser);
    const auto hits = query::evaluateQuery(*q, snap, cache);
    std::vector<uint32_t> rows;
    for (size_t r = 0; hits && r < hits->size(); ++r)
        if ((*hits)[r])
            rows.push_back(uint32_t(r));
    if (rows.empty())
        noteAbsentFields("search", query::absentFields(*q, snap, cache));
    if (c.has("--count")) {
        std::printf("%zu\n", rows.size());
        return status;
    }

    query::ExportOptions opts;
    opts.parser = parser.get();
    opts.format = format == "ecs" ? query::ExportFormat::EcsNdjson
                  : format == "csv" ? query::ExportFormat::Csv
                                    : query::ExportFormat::RawNdjson;
    std::vector<std::shared_ptr<const query::FieldColumn>> cols;
    if (opts.format == query::ExportFormat::Csv) {
        if (!fields.empty()) {
            opts.header = fields;
            cols = cache.columns(snap, fields);
            opts.cells = [&cols](uint32_t row, std::string_view) {
                std::vector<std::string> out;
                for (const auto &col : cols)
                    out.push_back(cellOf(*col, row));
                return out;
            };
        } else {
            opts.header = {"Time", "Actor", "Action", "Resource type", "Actor type", "Interface", "Result", "Source IP", "Account"};
            opts.cells = [&snap](uint32_t row, std::string_view) {
                const int64_t t = snap.time(row);
                const Result r = snap.result(row);
                return std::vector<std::string>{
                    t == kNoTime ? std::string() : formatRfc3339(t, FractionMode::Nano),
                    snap.value(row, Column::Actor),
                    snap.value(row, Column::Action),
                    snap.value(row, Column::ResourceType),
                    snap.value(row, Column::ActorType),
                    snap.value(row, Column::Interface),
                    r == Result::Success ? "success" : r == Result::Failure ? "failure" : "",
                    snap.value(row, Column::SourceIp),
                    snap.value(row, Column::Account)};
            };
        }
    }
    const query::ExportResult res = query::exportRows(snap, rows, opts, [](std::string_view bytes) {
        return std::fwrite(bytes.data(), 1, bytes.size(), stdout) == bytes.size();
    });
    for (const std::string &e : res.errors)
        std::fprintf(stderr, "auditlens-cli search: %s\n", e.c_str());
    if (!res.ok)
        return 2;
    return res.unreadable ? 1 : status;
}

} // namespace auditlens::cli
