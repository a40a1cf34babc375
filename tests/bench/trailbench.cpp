// SPDX-License-Identifier: MIT
// The trail interface's requests timed on either back end, for the README's figures:
//   auditlens-trailbench --file FILE                       the embedded store over FILE
//   auditlens-trailbench --clickhouse URL [--table T]      a ClickHouse trail table
// Each request is made, and its answer waited for on the event loop, --runs times (default 3);
// the line gives the fastest and slowest wall time from request to answer.
#include "clickhouse/remotetrail.h"
#include "query/history.h"
#include "store/embeddedtrail.h"
#include "store/eventstore.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>

#include <cstdio>
#include <cstring>
#include <string>

using namespace auditlens;

namespace {

template <typename T, typename Ask>
bool timed(const std::string &what, int runs, Ask ask, T *keep = nullptr)
{
    double lo = 1e18, hi = 0;
    for (int i = 0; i < runs; ++i) {
        QEventLoop loop;
        TrailError err;
        T got{};
        QElapsedTimer clock;
        clock.start();
        ask(&loop, [&](T v, TrailError e) {
            got = std::move(v);
            err = std::move(e);
            loop.quit();
        });
        loop.exec();
        const double ms = double(clock.nsecsElapsed()) / 1e6;
        if (!err.ok()) {
            std::fprintf(stderr, "%s: %s\n", what.c_str(), err.message.c_str());
            return false;
        }
        lo = std::min(lo, ms);
        hi = std::max(hi, ms);
        if (keep)
            *keep = std::move(got);
    }
    std::printf("%-58s %9.1f ms  (slowest %.1f)\n", what.c_str(), lo, hi);
    return true;
}

/// A history read as HistoryDialog reads it: records() in pages of historyPageRows(), up to
/// kHistoryMaxRecords, each row made a step (its changes) and added to an actor tally.
bool history(TrailSource &src, const std::string &what, const std::string &query)
{
    TrailFilter f;
    f.query = query;
    TrailKey after;
    size_t read = 0;
    int pages = 0;
    query::ActorTally tally;
    QElapsedTimer clock;
    clock.start();
    for (;;) {
        QEventLoop loop;
        TrailPage page;
        TrailError err;
        src.records(f, after, std::min(query::historyPageRows(read), query::kHistoryMaxRecords - read), &loop, [&](TrailPage p, TrailError e) {
            page = std::move(p);
            err = std::move(e);
            loop.quit();
        });
        loop.exec();
        if (!err.ok()) {
            std::fprintf(stderr, "%s: %s\n", what.c_str(), err.message.c_str());
            return false;
        }
        for (const TrailRow &row : page.rows) {
            (void)query::historyStep(row);
            tally.add(row.raw);
        }
        read += page.rows.size();
        ++pages;
        if (!page.more || page.rows.empty() || read >= query::kHistoryMaxRecords)
            break;
        after = TrailKey::after(page.rows.back());
    }
    std::printf("%-58s %9.1f ms  (%zu records in %d pages)\n", what.c_str(), double(clock.nsecsElapsed()) / 1e6, read, pages);
    return true;
}

int usage()
{
    std::fprintf(stderr, "usage: auditlens-trailbench (--file FILE | --clickhouse URL [--table T]) [--runs N]\n");
    return 2;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    std::string file, url, table = "auditlens_trail";
    int runs = 3;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--file"))
            file = argv[i + 1];
        else if (!std::strcmp(argv[i], "--clickhouse"))
            url = argv[i + 1];
        else if (!std::strcmp(argv[i], "--table"))
            table = argv[i + 1];
        else if (!std::strcmp(argv[i], "--runs"))
            runs = std::max(1, std::atoi(argv[i + 1]));
        else
            return usage();
    }
    if (file.empty() == url.empty())
        return usage();

    EventStore store;
    std::unique_ptr<TrailSource> src;
    if (!file.empty()) {
        QElapsedTimer clock;
        clock.start();
        EventStore::LoadOptions opts;
        opts.mapFiles = true; // as the GUI loads: text searches read the page cache in place
        const ReadSummary s = store.load(SourceSpec::file(file), opts, [](const Diagnostic &) {});
        if (!s.opened)
            return std::fprintf(stderr, "cannot read %s\n", file.c_str()), 2;
        std::printf("%-58s %9.1f ms\n", "load", double(clock.nsecsElapsed()) / 1e6);
        src = std::make_unique<EmbeddedTrail>(store.snapshot(), file);
    } else {
        clickhouse::Endpoint ep;
        std::string error;
        if (!clickhouse::makeEndpoint(url, "", ep, error))
            return std::fprintf(stderr, "%s\n", error.c_str()), 2;
        clickhouse::TrailTable t;
        t.table = QString::fromStdString(table);
        src = clickhouse::openRemoteTrail(ep, t);
    }
    std::printf("%s, %d runs each\n", src->label().c_str(), runs);

    const std::vector<Column> facets{Column::Actor, Column::Action, Column::ResourceType};
    TrailCounts all;
    TrailFilter none;
    if (!timed<TrailCounts>("counts + 3 facets, no filter", runs,
                            [&](QObject *ctx, auto done) { src->counts(none, facets, 50, ctx, done); }, &all))
        return 1;
    std::printf("  %llu records\n", static_cast<unsigned long long>(all.total));
    if (all.top.empty() || all.top[0].empty())
        return std::fprintf(stderr, "no actors\n"), 1;
    TrailFilter actor;
    actor.include[size_t(Column::Actor)] = {all.top[0][0].first};
    TrailFilter text;
    text.text = "terraform";
    // KQL over raw fields: a wildcard on a top-level field, a range over a nested one
    TrailFilter kqlField, kqlRange;
    kqlField.query = "ActorEmail:alice*";
    kqlRange.query = "NewValue.precedence >= 10000 and not ActionResult:true";
    TrailFilter both = actor;
    both.exclude[size_t(Column::ResourceType)] = {all.top[2].empty() ? std::string() : all.top[2][0].first};
    const bool ok = timed<TrailCounts>("counts + 3 facets, one actor", runs,
                                       [&](QObject *ctx, auto done) { src->counts(actor, facets, 50, ctx, done); })
        && timed<TrailCounts>("counts + 3 facets, one actor, a resource type excluded", runs,
                              [&](QObject *ctx, auto done) { src->counts(both, facets, 50, ctx, done); })
        && timed<TrailCounts>("counts + 3 facets, text \"terraform\"", runs,
                              [&](QObject *ctx, auto done) { src->counts(text, facets, 50, ctx, done); })
        && timed<TrailCounts>("counts + 3 facets, KQL \"" + kqlField.query + "\"", runs,
                              [&](QObject *ctx, auto done) { src->counts(kqlField, facets, 50, ctx, done); })
        && timed<TrailCounts>("counts + 3 facets, KQL \"" + kqlRange.query + "\"", runs,
                              [&](QObject *ctx, auto done) { src->counts(kqlRange, facets, 50, ctx, done); })
        && timed<TrailBuckets>("100 time buckets, no filter", runs,
                               [&](QObject *ctx, auto done) { src->buckets(none, INT64_MIN, INT64_MAX, 100, ctx, done); });
    TrailPage oldest, newest;
    if (!ok || !timed<TrailPage>("first page of 500 rows, no filter", runs,
                                 [&](QObject *ctx, auto done) { src->page(none, {}, 500, false, ctx, done); }, &oldest)
        || !timed<TrailPage>("first page of 500 rows, newest first", runs,
                             [&](QObject *ctx, auto done) { src->page(none, {}, 500, true, ctx, done); }, &newest)
        || !timed<TrailPage>("first page of 500 rows, one actor", runs,
                             [&](QObject *ctx, auto done) { src->page(actor, {}, 500, false, ctx, done); }))
        return 1;
    if (oldest.rows.empty() || newest.rows.empty())
        return std::fprintf(stderr, "no rows\n"), 1;
    // a page from the middle of the trail: keyset paging costs there what it costs at the start
    const int64_t mid = oldest.rows.front().time / 2 + newest.rows.front().time / 2;
    TrailPage middle;
    if (!timed<TrailPage>("a page of 500 rows from the middle of the trail", runs,
                          [&](QObject *ctx, auto done) { src->page(none, TrailKey{true, mid, {}, {}}, 500, false, ctx, done); },
                          &middle)
        || !timed<TrailPage>("the page after that one", runs, [&](QObject *ctx, auto done) {
               src->page(none, TrailKey::after(middle.rows.empty() ? oldest.rows.back() : middle.rows.back()), 500,
                         false, ctx, done);
           }))
        return 1;
    // ordered by a column's value (a click on the Actor column), then the next page of it
    TrailPage actorPage;
    const TrailOrder actorOrder{int(Column::Actor), false};
    if (!timed<TrailPage>("first page of 500 rows by actor", runs,
                          [&](QObject *ctx, auto done) { src->pageBy(none, actorOrder, {}, 500, ctx, done); }, &actorPage)
        || actorPage.rows.empty()
        || !timed<TrailPage>("the page after that one", runs, [&](QObject *ctx, auto done) {
               src->pageBy(none, actorOrder, TrailKey::after(actorPage.rows.back(), int(Column::Actor)), 500, ctx, done);
           }))
        return 1;
    // the Fields panel: the field list, a field's top values with no filter and under one actor
    TrailFields fields;
    if (!timed<TrailFields>("field list (every path, records, types)", runs,
                            [&](QObject *ctx, auto done) { src->fields(ctx, done); }, &fields)
        || !timed<TrailValues>("top 50 values of ActionType, no filter", runs,
                               [&](QObject *ctx, auto done) { src->fieldValues(none, "ActionType", 50, ctx, done); })
        || !timed<TrailValues>("top 50 values of NewValue.precedence, one actor", runs,
                               [&](QObject *ctx, auto done) { src->fieldValues(actor, "NewValue.precedence", 50, ctx, done); }))
        return 1;
    std::printf("  %zu fields (%llu unnamed)\n", fields.fields.size(), static_cast<unsigned long long>(fields.unnamed));
    const TrailRow &r = middle.rows.empty() ? oldest.rows.front() : middle.rows.front();
    std::string raw;
    if (!timed<std::string>("one record's raw bytes", runs,
                            [&](QObject *ctx, auto done) { src->raw(r.id, r.time, ctx, done); }, &raw))
        return 1;
    // the histories of that record (its resource, its actor), read whole from a sibling source
    const auto rec = nlohmann::ordered_json::parse(raw, nullptr, false);
    const auto byResource = rec.is_object() ? query::resourceHistoryQuery(rec) : std::nullopt;
    const auto byActor = rec.is_object() ? query::actorHistoryQuery(rec) : std::nullopt;
    const auto sibling = src->sibling();
    if ((byResource && !history(*sibling, "history of a resource: " + *byResource, *byResource))
        || (byActor && !history(*sibling, "history of an actor: " + *byActor, *byActor)))
        return 1;
    return 0;
}

