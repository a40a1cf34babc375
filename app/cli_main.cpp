// SPDX-License-Identifier: MIT
// auditlens-cli: the command-line front end over the core.
#include "cli_commands.h"

#include <QCoreApplication>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

using namespace auditlens::cli;

namespace {

void usage(FILE *out)
{
    std::fputs("Usage: auditlens-cli COMMAND [OPTIONS] [INPUT...]\n"
               "\n"
               "Cloudflare audit logs on the command line (Auditlens " AUDITLENS_VERSION ").\n"
               "\n"
               "Commands:\n"
               "  normalize   one ECS record per input record, as NDJSON on stdout\n"
               "  stats       record counts, time range and top actors/actions/resource types\n"
               "  validate    check the ECS output against the ECS schema and the parser's fields\n"
               "  test-intake run Sekoia.io intake tests (tests/*.json) through the engine\n"
               "  logpush     create, list, change and delete Logpush jobs (Cloudflare API)\n"
               "  receive     run the Logpush HTTP destination (journal on disk)\n"
               "  push        send records to a Logpush HTTP destination as Logpush does\n"
               "  fetch       fetch audit logs from the Cloudflare Audit Logs API (v1, v2)\n"
               "  search      the records a query matches (KQL: field:value, and/or/not, ranges)\n"
               "  clickhouse  create the trail table in ClickHouse (clickhouse init)\n"
               "  ship        insert records into the ClickHouse trail (stats --clickhouse reads it)\n"
               "\n"
               "INPUT is a file (NDJSON, JSON array, concatenated objects, API responses, Sekoia\n"
               "test files; gzip or not) or '-' for stdin. Run 'auditlens-cli COMMAND --help'.\n",
               out);
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("auditlens-cli"));
    QCoreApplication::setOrganizationName(QStringLiteral("Auditlens"));
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty()) {
        usage(stderr);
        return 2;
    }
    const std::string cmd = args.front();
    args.erase(args.begin());
    if (cmd == "--help" || cmd == "-h" || cmd == "help") {
        usage(stdout);
        return 0;
    }
    if (cmd == "--version") {
        std::puts("auditlens-cli " AUDITLENS_VERSION);
        return 0;
    }
    static const std::pair<const char *, int (*)(const std::vector<std::string> &)> commands[] = {
        {"normalize", runNormalize}, {"stats", runStats},     {"validate", runValidate}, {"test-intake", runTestIntake},
        {"logpush", runLogpush},     {"receive", runReceive}, {"push", runPush},
        {"fetch", runFetch}, {"search", runSearch}, {"clickhouse", runClickhouse}, {"ship", runShip}};
    if (cmd == "stats" && clickhouseRequested(args))
        return runStatsClickhouse(args);
    if (cmd == "search" && clickhouseRequested(args))
        return runSearchClickhouse(args);
    for (const auto &[name, run] : commands)
        if (cmd == name)
            return run(args);
    std::fprintf(stderr, "auditlens-cli: unknown command '%s'\n\n", cmd.c_str());
    usage(stderr);
    return 2;
}
