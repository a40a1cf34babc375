// SPDX-License-Identifier: MIT
// The trail table through the views' interface (clickhouse::openRemoteTrail) against the
// embedded store's on the same records, on one node and on a Distributed table over two
// shards: counts, facets, buckets, KQL, paging by key, raw bytes, refusals. Needs a running
// ClickHouse (clickhousefixture.h), and the cluster of CI's 40-clickhouse step for the
// Distributed rows.
#include "clickhousefixture.h"
#include "clickhouse/client.h"
#include "clickhouse/kqlsql.h"
#include "clickhouse/remotetrail.h"
#include "clickhouse/trail.h"
#include "query/history.h"
#include "samplestore.h"
#include "store/embeddedtrail.h"
#include "store/eventstore.h"

#include <QScopeGuard>
#include <QTest>

#include <algorithm>
#include <iterator>
#include <map>
#include <set>

using namespace auditlens;
using namespace auditlens::clickhouse;
using namespace auditlens::clickhouse::testing;

class TestClickhouseTrail : public QObject
{
    Q_OBJECT
private slots:
    void remoteTrailAnswersAsTheEmbeddedOne_data();
    void remoteTrailAnswersAsTheEmbeddedOne();
    void pagesThroughTiesAndUntimedRecords_data() { remoteTrailAnswersAsTheEmbeddedOne_data(); }
    void pagesThroughTiesAndUntimedRecords();
    void queriesByFieldNeedEveryRowsFields();
};

void TestClickhouseTrail::queriesByFieldNeedEveryRowsFields()
{
    // a trail table made before the field columns: a query by field is refused (free text is
    // not); `clickhouse init`'s upgrade adds them, and the rows shipped before still refuse it,
    // saying how many, until they are shipped again and merged
    REQUIRE_CLICKHOUSE();
    TrailTable t;
    t.table = freshTable();
    Client c(serverEndpoint());
    for (const QByteArray &sql : initStatements(t, false))
        QVERIFY(runBlockingCliOnly(c, sql).ok());
    const auto drop = qScopeGuard([&] { runBlockingCliOnly(c, "DROP TABLE IF EXISTS " + t.qualified()); });
    SampleStore samples;
    QVERIFY(samples.load());
    QVERIFY(ship(c, t, samples.snap, 1000));
    // made before the names of the field paths: the fields are counted, none is named
    QVERIFY(runBlockingCliOnly(c, "ALTER TABLE " + t.qualified() + " DROP COLUMN field_names").ok());
    {
        const auto remote = openRemoteTrail(serverEndpoint(), t);
        EmbeddedTrail local(samples.snap, "samples");
        Waited<TrailFields> got, want;
        remote->fields(this, into(got));
        local.fields(this, into(want));
        QVERIFY(wait(got) && wait(want));
        QVERIFY2(got.error.ok(), got.error.message.c_str());
        QVERIFY(got.value->fields.empty());
        QCOMPARE(got.value->unnamed, uint64_t(want.value->fields.size()));
    }
    const Reply old = runBlockingCliOnly(c, "ALTER TABLE " + t.qualified() + " DROP COLUMN time_value, DROP COLUMN time_key, "
                                            "DROP COLUMN number_value, DROP COLUMN number_key, DROP COLUMN field_text, "
                                            "DROP COLUMN field_type, DROP COLUMN field_key, DROP COLUMN fields_shipped");
    QVERIFY2(old.ok(), old.error.c_str());
    TrailFilter byField, byText;
    byField.query = "ActionType:gateway_*";
    byText.query = "gateway";
    auto countsOf = [&](const TrailFilter &f) {
        const auto remote = openRemoteTrail(serverEndpoint(), t);
        Waited<TrailCounts> w;
        remote->counts(f, {Column::Actor}, 5, this, into(w));
        return wait(w) ? w : Waited<TrailCounts>{};
    };
    Waited<TrailCounts> w = countsOf(byField);
    QCOMPARE(int(w.error.kind), int(TrailErrorKind::Query));
    QVERIFY2(w.error.message.find("clickhouse init") != std::string::npos, w.error.message.c_str());
    w = countsOf(byText);
    QVERIFY2(w.error.ok(), w.error.message.c_str());
    QVERIFY(w.value->matched > 0);
    { // no field columns: no field list, saying why
        const auto remote = openRemoteTrail(serverEndpoint(), t);
        Waited<TrailFields> f;
        remote->fields(this, into(f));
        QVERIFY(wait(f));
        QCOMPARE(int(f.error.kind), int(TrailErrorKind::Query));
        QVERIFY2(f.error.message.find("clickhouse init") != std::string::npos, f.error.message.c_str());
    }

    const Reply columns = runBlockingCliOnly(c, tableColumnsSql(t, t.table.toUtf8()));
    QVERIFY(columns.ok());
    std::vector<std::string> present;
    for (const QByteArray &n : columns.body.split('\n'))
        if (!n.isEmpty())
            present.push_back(n.toStdString());
    const std::vector<QByteArray> alters = upgradeStatements(t, t.table.toUtf8(), present, false);
    QCOMPARE(alters.size(), size_t(9));
    for (const QByteArray &sql : alters)
        QVERIFY2(runBlockingCliOnly(c, sql).ok(), sql.constData());
    w = countsOf(byField);
    QCOMPARE(int(w.error.kind), int(TrailErrorKind::Query));
    QVERIFY2(w.error.message.find(std::to_string(samples.snap.size()) + " rows") != std::string::npos, w.error.message.c_str());

    // shipped again and merged: answered as the embedded store does
    QVERIFY(ship(c, t, samples.snap, 1000));
    QVERIFY(runBlockingCliOnly(c, "OPTIMIZE TABLE " + t.qualified() + " FINAL").ok());
    w = countsOf(byField);
    QVERIFY2(w.error.ok(), w.error.message.c_str());
    EmbeddedTrail local(samples.snap, "samples");
    Waited<TrailCounts> want;
    local.counts(byField, {Column::Actor}, 5, this, into(want));
    QVERIFY(wait(want));
    QCOMPARE(w.value->matched, want.value->matched);
    QCOMPARE(w.value->top, want.value->top);

    // a row as the release before this one wrote it (fields_shipped 1: a number and a time for
    // every value, in columns this release no longer has): refused the same way
    QByteArray tsv;
    std::string error;
    QVERIFY(rowsTsv(samples.snap, 0, 1, tsv, error));
    QList<QByteArray> row = tsv.trimmed().split('\t');
    QCOMPARE(row.size(), 24);
    QCOMPARE(row[15].toInt(), kFieldsShipped);
    row[15] = "1";
    Client::Options o;
    o.data = row.join('\t') + '\n';
    const Reply earlier = runBlockingCliOnly(c, insertSql(t, InsertFormat::TabSeparated), o);
    QVERIFY2(earlier.ok(), earlier.error.c_str());
    w = countsOf(byField);
    QCOMPARE(int(w.error.kind), int(TrailErrorKind::Query));
    QVERIFY2(w.error.message.find("1 rows") != std::string::npos && w.error.message.find("earlier release") != std::string::npos,
             w.error.message.c_str());
}

void TestClickhouseTrail::remoteTrailAnswersAsTheEmbeddedOne_data()
{
    QTest::addColumn<bool>("sharded");
    QTest::newRow("one node") << false;
    QTest::newRow("Distributed table over two shards") << true;
}

void TestClickhouseTrail::remoteTrailAnswersAsTheEmbeddedOne()
{
    // the views' interface over the trail table, against the embedded store's on the same
    // records shipped twice (the copies collapse)
    FRESH_TRAIL(sharded, t, nodes);
    Client &c = *nodes[0];
    SampleStore samples;
    QVERIFY(samples.load());
    const Snapshot &snap = samples.snap;
    // merges stopped, so that every record really has a copy not merged yet while this runs
    for (auto &n : nodes)
        QVERIFY(runBlockingCliOnly(*n, "SYSTEM STOP MERGES").ok());
    QVERIFY(ship(c, t, snap, 100));
    QVERIFY(ship(c, t, snap, 1000));
    const Reply rows = runBlockingCliOnly(c, "SELECT count() FROM " + t.qualified());
    QVERIFY2(rows.ok(), rows.error.c_str());
    QCOMPARE(rows.body.trimmed().toULongLong(), 2 * snap.size());
    // opened by name, as a user does: whether it is a Distributed table is found out
    TrailTable byName = t;
    byName.cluster.clear();
    const auto remote = openRemoteTrail(serverEndpoint(), byName);
    EmbeddedTrail local(snap, "samples");
    QVERIFY(QString::fromStdString(remote->label()).contains(QLatin1String("127.0.0.1")));

    const std::vector<Column> facets{Column::Actor, Column::Action, Column::ResourceType, Column::SourceIp};
    // KQL over raw fields (tested on the field arrays written by ship): wildcards, numbers,
    // booleans, existence, arrays of objects, keys with odd characters, quoted values, ranges of
    // numbers, times and strings, free text, and all of them with column constraints
    static const char *const kql[] = {
        "ActionType:gateway_*",
        "NewValue.precedence >= 14000 and not NewValue.precedence > 20000",
        "NewValue.enabled:true and not Metadata.zone_name:*",
        "NewValue.conditions.expression.==.rhs.ip:\"104.244.42.65\" or OldValue.filters:l4",
        "ActorEmail:?o*e* and gateway",
        "NewValue.precedence:14000.0 or NewValue.version:1",
        "ResourceType < gateway.rule",
        "NewValue.created_at >= \"2023-02-24T16:32:38Z\" and NewValue.created_at < \"2023-03-01\"",
        "Metadata:* and not (ActionResult:true or ActionResult:false)",
        "NewValue.rule_settings.l4override.ip:145.239.192.* and not OldValue:*",
    };
    constexpr int kFilters = 9, kQueries = int(std::size(kql));
    for (int which = 0; which < kFilters + kQueries; ++which) {
        TrailFilter f;
        if (which >= kFilters) {
            f.query = kql[which - kFilters];
            if ((which - kFilters) % 3 == 1) // (every third query, an actor excluded too)
                f.exclude[size_t(Column::Actor)] = {snap.value(0, Column::Actor)};
        }
        switch (which) {
        case 1: f.include[size_t(Column::Actor)] = {snap.value(0, Column::Actor)}; break;
        case 2: f.exclude[size_t(Column::Action)] = {snap.value(1, Column::Action)}; break;
        case 3: f.text = "GATEWAY"; break;
        case 4: f.from = snap.time(3); f.to = snap.time(3) + 3 * 86400000000000LL; f.result = Result::Failure; break;
        case 5: f.text = "no record holds this text"; break;
        case 6: // constraints on two facets and on a column that is not one
            f.include[size_t(Column::Actor)] = {snap.value(0, Column::Actor), snap.value(5, Column::Actor)};
            f.exclude[size_t(Column::ResourceType)] = {snap.value(2, Column::ResourceType)};
            f.exclude[size_t(Column::Interface)] = {"UI"};
            break;
        case 7: f.include[size_t(Column::Action)] = {snap.value(1, Column::Action)}; f.text = "a"; break;
        case 8: f.withoutResult = true; f.exclude[size_t(Column::Action)] = {snap.value(1, Column::Action)}; break;
        }
        // a top-N cut on every other filter: ties ordered by value on both sides
        const size_t topN = which % 2 ? 3 : 0;
        Waited<TrailCounts> got, want;
        remote->counts(f, facets, topN, this, into(got));
        local.counts(f, facets, topN, this, into(want));
        QVERIFY(wait(got) && wait(want));
        QVERIFY2(got.error.ok(), (f.query + ": " + got.error.message).c_str());
        QVERIFY2(want.error.ok(), want.error.message.c_str());
        if (which >= kFilters && which != kFilters + 6) // (a string range may match every record)
            QVERIFY2(want.value->matched > 0 && want.value->matched < want.value->total, f.query.c_str());
        QCOMPARE(got.value->total, want.value->total);
        QVERIFY2(got.value->matched == want.value->matched,
                 (f.query + ": " + std::to_string(got.value->matched) + " against " + std::to_string(want.value->matched)).c_str());
        QCOMPARE(got.value->first, want.value->first);
        QCOMPARE(got.value->last, want.value->last);
        QCOMPARE(got.value->top, want.value->top);
        QCOMPARE(got.value->absentFields, want.value->absentFields);

        Waited<TrailBuckets> gb, wb;
        remote->buckets(f, snap.time(0) - 86400000000000LL * 10, snap.time(0) + 86400000000000LL * 10, 24, this, into(gb));
        local.buckets(f, snap.time(0) - 86400000000000LL * 10, snap.time(0) + 86400000000000LL * 10, 24, this, into(wb));
        QVERIFY(wait(gb) && wait(wb));
        QVERIFY2(gb.error.ok(), gb.error.message.c_str());
        QCOMPARE(gb.value->counts, wb.value->counts);
        QCOMPARE(gb.value->noTime, wb.value->noTime);
    }

    // a query that matches nothing names the fields no record has, as the embedded store does;
    // one that matches something (or misses on a value) names none
    static const char *const nothing[] = {"ActorEmial:* or NoSuch.path:1 or ActorEmail:\"nobody\"",
                                          "gateway and Metadata.zone_nme:x", "ActorEmail:\"nobody\"",
                                          "ActorEmial:x or ActionType:gateway_*"};
    for (const char *q : nothing) {
        TrailFilter f;
        f.query = q;
        Waited<TrailCounts> got, want;
        remote->counts(f, facets, 3, this, into(got));
        local.counts(f, facets, 3, this, into(want));
        QVERIFY(wait(got) && wait(want));
        QVERIFY2(got.error.ok(), (f.query + ": " + got.error.message).c_str());
        QCOMPARE(got.value->matched, want.value->matched);
        QCOMPARE(got.value->total, want.value->total);
        QCOMPARE(got.value->top, want.value->top);
        QCOMPARE(got.value->absentFields, want.value->absentFields);
    }
    TrailFilter misspelt;
    misspelt.query = nothing[0];
    Waited<TrailCounts> named;
    remote->counts(misspelt, facets, 3, this, into(named));
    QVERIFY(wait(named));
    QCOMPARE(named.value->absentFields, (std::vector<std::string>{"ActorEmial", "NoSuch.path"}));

    // paging through the whole trail by key: every record once, in time order, with its columns
    std::multiset<std::string> pagedRows, storeRows;
    for (size_t r = 0; r < snap.size(); ++r)
        storeRows.insert(std::to_string(snap.time(r)) + '|' + snap.value(r, Column::Actor) + '|' + snap.value(r, Column::Action)
                         + '|' + resourceIdOf(snap.raw(r)));
    TrailKey after;
    std::set<std::string> ids;
    int64_t last = INT64_MIN;
    std::vector<TrailRow> firstRows;
    for (int pages = 0; pages < 100; ++pages) {
        Waited<TrailPage> p;
        remote->page({}, after, 64, false, this, into(p));
        QVERIFY(wait(p));
        QVERIFY2(p.error.ok(), p.error.message.c_str());
        for (const TrailRow &r : p.value->rows) {
            QVERIFY(r.time >= last);
            last = r.time;
            QVERIFY2(ids.insert(r.id).second, r.id.c_str());
            pagedRows.insert(std::to_string(r.time) + '|' + r.values[size_t(Column::Actor)] + '|' + r.values[size_t(Column::Action)]
                             + '|' + r.resourceId);
            if (firstRows.size() < 3)
                firstRows.push_back(r);
        }
        if (!p.value->more)
            break;
        after = TrailKey::after(p.value->rows.back());
    }
    QCOMPARE(pagedRows, storeRows);

    // a record's raw bytes by its ID: the bytes that were shipped
    std::set<std::string> raws;
    for (size_t r = 0; r < snap.size(); ++r)
        raws.insert(snap.raw(r));
    for (const TrailRow &r : firstRows) {
        Waited<std::string> raw;
        remote->raw(r.id, r.time, this, into(raw));
        QVERIFY(wait(raw));
        QVERIFY2(raw.error.ok(), raw.error.message.c_str());
        QVERIFY(raws.count(*raw.value));
    }

    // a history's records (TrailSource::records): the records the embedded store gives, each
    // once with its raw bytes (every record has a copy not merged yet), oldest first; from a
    // sibling source too, while the first one pages its table
    {
        const auto sibling = remote->sibling();
        std::map<std::string, size_t> byActor; // the actor with the most records
        for (size_t r = 0; r < snap.size(); ++r)
            if (const auto rec = nlohmann::ordered_json::parse(snap.raw(r)); rec.contains("ActorEmail"))
                ++byActor[rec["ActorEmail"].get<std::string>()];
        const auto most = std::max_element(byActor.begin(), byActor.end(), [](const auto &a, const auto &b) { return a.second < b.second; });
        QVERIFY(most != byActor.end());
        std::vector<TrailFilter> histories(2);
        histories[0].query = "ActorEmail:" + query::quoteValue(most->first);
        histories[1].query = "ActionType:gateway_*";
        for (const TrailFilter &f : histories) {
            std::vector<std::multiset<std::string>> got(2);
            for (TrailSource *side : {sibling.get(), static_cast<TrailSource *>(&local)}) {
                const size_t k = side == &local;
                TrailKey from;
                int64_t lastTime = INT64_MIN;
                for (int pages = 0; pages < 1000; ++pages) {
                    Waited<TrailPage> p, table;
                    if (k == 0)
                        remote->page({}, {}, 5, true, this, into(table)); // (its own kind, another source)
                    side->records(f, from, 7, this, into(p));
                    QVERIFY(wait(p));
                    QVERIFY2(p.error.ok(), (f.query + ": " + p.error.message).c_str());
                    if (k == 0) {
                        QVERIFY(wait(table));
                        QVERIFY2(table.error.ok(), table.error.message.c_str());
                    }
                    QVERIFY(p.value->rows.size() <= 7);
                    for (const TrailRow &r : p.value->rows) {
                        QVERIFY(r.time >= lastTime);
                        lastTime = r.time;
                        got[k].insert(std::to_string(r.time) + '|' + r.raw);
                    }
                    if (!p.value->more)
                        break;
                    from = TrailKey::after(p.value->rows.back());
                }
            }
            QVERIFY2(got[1].size() > 7, f.query.c_str()); // (several pages of 7)
            QCOMPARE(got[0], got[1]);
        }
        // a page over the reply's bound is refused by the server and asked again for fewer
        // rows: the same records, in pages that fit
        RemoteTrailOptions small;
        small.recordsReplyBytes = 30000;
        const auto bounded = openRemoteTrail(serverEndpoint(), byName, small);
        std::multiset<std::string> got;
        std::multiset<std::string> want;
        for (size_t r = 0; r < snap.size(); ++r)
            if (const auto rec = nlohmann::ordered_json::parse(snap.raw(r)); rec.value("ActorEmail", std::string()) == most->first)
                want.insert(std::to_string(snap.time(r)) + '|' + snap.raw(r));
        TrailKey from;
        size_t longest = 0;
        for (int pages = 0; pages < 1000; ++pages) {
            Waited<TrailPage> p;
            bounded->records(histories[0], from, 50, this, into(p));
            QVERIFY(wait(p));
            QVERIFY2(p.error.ok(), p.error.message.c_str());
            longest = std::max(longest, p.value->rows.size());
            for (const TrailRow &r : p.value->rows)
                got.insert(std::to_string(r.time) + '|' + r.raw);
            if (!p.value->more)
                break;
            from = TrailKey::after(p.value->rows.back());
        }
        QCOMPARE(got, want);
        QVERIFY2(longest < 50 && longest > 0, std::to_string(longest).c_str());
    }

    // pages ordered by a column's value, then time: the same rows in the same order as the
    // embedded store's (ties of value and time aside, ordered by ID there and by row here),
    // each record once, under no filter, under a column constraint (by resource type: a value's
    // rows run on over several pages) and under a text search
    for (const int which : {0, 1, 2})
        for (const bool descending : {false, true}) {
            const int column = which == 0 ? int(Column::Actor) : int(Column::ResourceType);
            TrailFilter f;
            if (which == 1)
                f.exclude[size_t(Column::Actor)] = {snap.value(0, Column::Actor)};
            if (which == 2)
                f.text = "gateway";
            std::vector<std::pair<std::string, int64_t>> got[2];
            for (TrailSource *side : {remote.get(), static_cast<TrailSource *>(&local)}) {
                const size_t k = side == &local;
                std::set<std::string> seen;
                TrailKey from;
                for (int pages = 0; pages < 1000; ++pages) {
                    Waited<TrailPage> p;
                    side->pageBy(f, TrailOrder{column, descending}, from, 23, this, into(p));
                    QVERIFY(wait(p));
                    QVERIFY2(p.error.ok(), p.error.message.c_str());
                    for (const TrailRow &r : p.value->rows) {
                        QVERIFY2(seen.insert(r.id).second, r.id.c_str());
                        got[k].emplace_back(r.values[size_t(column)], r.time);
                    }
                    if (!p.value->more)
                        break;
                    from = TrailKey::after(p.value->rows.back(), column);
                }
            }
            QVERIFY(got[1].size() > 23);
            QCOMPARE(got[0], got[1]);
        }

    // the field list, and a field's top values under filters (a query and column constraints
    // among them), as the embedded store gives them: the copies not merged yet counted once
    {
        Waited<TrailFields> got, want;
        remote->fields(this, into(got));
        local.fields(this, into(want));
        QVERIFY(wait(got) && wait(want));
        QVERIFY2(got.error.ok(), got.error.message.c_str());
        QCOMPARE(got.value->unnamed, uint64_t(0));
        QVERIFY(want.value->fields.size() > 20);
        QCOMPARE(got.value->fields.size(), want.value->fields.size());
        for (size_t i = 0; i < want.value->fields.size(); ++i)
            QVERIFY2(got.value->fields[i] == want.value->fields[i], want.value->fields[i].path.c_str());
        TrailFilter byActor, byQuery, byText;
        byActor.include[size_t(Column::Actor)] = {snap.value(0, Column::Actor)};
        byQuery.query = kql[1];
        byQuery.exclude[size_t(Column::Actor)] = {snap.value(0, Column::Actor)};
        byText.text = "gateway";
        byText.result = Result::Success;
        for (const TrailFilter &f : {TrailFilter{}, byActor, byQuery, byText})
            for (const char *path : {"ActionType", "ActorEmail", "NewValue.precedence", "NewValue.enabled", "Metadata.zone_name",
                                     "NewValue.conditions.expression.==.rhs.ip", "no.such.field"})
                for (size_t n : {size_t(0), size_t(3)}) {
                    Waited<TrailValues> gv, wv;
                    remote->fieldValues(f, path, n, this, into(gv));
                    local.fieldValues(f, path, n, this, into(wv));
                    QVERIFY(wait(gv) && wait(wv));
                    QVERIFY2(gv.error.ok(), gv.error.message.c_str());
                    QVERIFY2(gv.value->top == wv.value->top, (f.query + " / " + f.text + ": " + path).c_str());
                    QCOMPARE(gv.value->path, std::string(path));
                }
        // ECS fields are made here, not stored there: refused, plainly
        Waited<TrailValues> ecs;
        remote->fieldValues({}, "ecs.user.email", 5, this, into(ecs));
        QVERIFY(wait(ecs));
        QCOMPARE(int(ecs.error.kind), int(TrailErrorKind::Query));
        QVERIFY2(ecs.error.message.find("ECS") != std::string::npos, ecs.error.message.c_str());
    }

    // a superseded request ends Cancelled, the newer one answers
    Waited<TrailCounts> first, second;
    remote->counts({}, facets, 10, this, into(first));
    TrailFilter text;
    text.text = "terraform";
    remote->counts(text, facets, 10, this, into(second));
    QVERIFY(wait(second) && wait(first));
    QCOMPARE(int(first.error.kind), int(TrailErrorKind::Cancelled));
    QVERIFY2(second.error.ok(), second.error.message.c_str());

    // a page under a query: the records the embedded store matches, once each
    {
        TrailFilter f;
        f.query = kql[1];
        Waited<TrailCounts> want;
        local.counts(f, facets, 0, this, into(want));
        QVERIFY(wait(want));
        std::set<std::string> seen;
        TrailKey from;
        for (int pages = 0; pages < 100; ++pages) {
            Waited<TrailPage> p;
            remote->page(f, from, 16, true, this, into(p));
            QVERIFY(wait(p));
            QVERIFY2(p.error.ok(), p.error.message.c_str());
            for (const TrailRow &r : p.value->rows)
                QVERIFY(seen.insert(r.id).second);
            if (!p.value->more)
                break;
            from = TrailKey::after(p.value->rows.back());
        }
        QCOMPARE(seen.size(), size_t(want.value->matched));
    }

    // what the server cannot answer as the store would is refused, saying why and where
    for (const char *q : {"ecs.user.email:john.doe@example.org", "ActionType:(a or"}) {
        TrailFilter f;
        f.query = q;
        Waited<TrailCounts> refused;
        remote->counts(f, facets, 10, this, into(refused));
        QVERIFY(wait(refused));
        QCOMPARE(int(refused.error.kind), int(TrailErrorKind::Query));
        QVERIFY2(refused.error.message.find("character") != std::string::npos, refused.error.message.c_str());
    }

    // no such table: said as such
    TrailTable missing = t;
    missing.table = QStringLiteral("no_such_trail_table");
    const auto none = openRemoteTrail(serverEndpoint(), missing);
    Waited<TrailCounts> m;
    none->counts({}, facets, 10, this, into(m));
    QVERIFY(wait(m));
    QCOMPARE(int(m.error.kind), int(TrailErrorKind::MissingTable));
}

void TestClickhouseTrail::pagesThroughTiesAndUntimedRecords()
{
    // Keyset paging where many records share a time and some have none, with pages much
    // shorter than a run of equal times, in both orders, under no filter and under column
    // constraints: the page's query bounds its window by time first, and a run of equal times
    // or the records without one must still come whole, once each, in the embedded store's order.
    FRESH_TRAIL(sharded, t, nodes);
    std::string text;
    static const char *const when[] = {"1969-12-31T23:59:58Z", "2023-03-01T10:00:00Z", "2023-03-01T10:00:01Z",
                                       "2023-04-15T00:00:00Z", "2023-04-15T00:00:00.5Z"};
    for (int i = 0; i < 90; ++i) {
        text += "{\"ID\":\"rec-" + std::to_string(i * 7919 % 1000) + "\",";
        if (i % 5 != 2) // every fifth record names no actor
            text += "\"ActorEmail\":\"" + std::string(1, "abc"[i % 3]) + "@x.test\",";
        text += "\"ActionType\":\"act" + std::to_string(i % 4) + "\"";
        if (i % 9 != 4) // every ninth record has no time
            text += std::string(",\"When\":\"") + when[(i * 3) % std::size(when)] + "\"";
        text += "}\n";
    }
    EventStore store;
    store.load(SourceSpec::memory("mem", text), {});
    const Snapshot snap = store.snapshot();
    QCOMPARE(snap.size(), size_t(90));
    for (const auto &n : nodes)
        QVERIFY(runBlockingCliOnly(*n, "SYSTEM STOP MERGES").ok());
    QVERIFY(ship(*nodes[0], t, snap, 40));
    QVERIFY(ship(*nodes[0], t, snap, 1000)); // every record twice, not merged
    TrailTable byName = t;
    byName.cluster.clear();
    const auto remote = openRemoteTrail(serverEndpoint(), byName);
    EmbeddedTrail local(snap, "mem");

    // every page of a source, one after another: "time|actor|action" per row, in order
    auto pageAll = [&](TrailSource &src, const TrailFilter &f, size_t n, bool descending, std::vector<std::string> &out) {
        out.clear();
        std::set<std::string> ids;
        TrailKey after;
        for (int pages = 0; pages < 200; ++pages) {
            Waited<TrailPage> p;
            src.page(f, after, n, descending, this, into(p));
            if (!wait(p) || !p.error.ok()) {
                qWarning("page: %s", p.error.message.c_str());
                return false;
            }
            for (const TrailRow &r : p.value->rows) {
                if (!ids.insert(r.id).second) {
                    qWarning("row %s twice", r.id.c_str());
                    return false;
                }
                out.push_back(std::to_string(r.time) + '|' + r.values[size_t(Column::Actor)] + '|'
                              + r.values[size_t(Column::Action)]);
            }
            if (!p.value->more)
                return true;
            if (p.value->rows.empty())
                return false; // more rows said to follow an empty page: it would never end
            after = TrailKey::after(p.value->rows.back());
        }
        return false;
    };
    for (int which = 0; which < 4; ++which) {
        TrailFilter f;
        if (which == 1)
            f.include[size_t(Column::Actor)] = {"b@x.test"};
        if (which == 2)
            f.exclude[size_t(Column::Action)] = {"act1"};
        if (which == 3)
            f.include[size_t(Column::Actor)] = {""}; // the records that name none
        // the facets count the records with no value too, under "" (the main window's "(none)")
        Waited<TrailCounts> gc, wc;
        remote->counts(f, {Column::Actor, Column::Action}, 0, this, into(gc));
        local.counts(f, {Column::Actor, Column::Action}, 0, this, into(wc));
        QVERIFY(wait(gc) && wait(wc));
        QVERIFY2(gc.error.ok(), gc.error.message.c_str());
        QCOMPARE(gc.value->matched, wc.value->matched);
        QCOMPARE(gc.value->top, wc.value->top);
        QVERIFY(std::any_of(wc.value->top[0].begin(), wc.value->top[0].end(), [](const auto &p) { return p.first.empty(); }));
        for (const bool descending : {false, true})
            for (const size_t n : {size_t(1), size_t(4), size_t(25)}) {
                std::vector<std::string> got, want;
                QVERIFY(pageAll(*remote, f, n, descending, got));
                QVERIFY(pageAll(local, f, n, descending, want));
                QVERIFY(!want.empty());
                // the same times in the same order; rows of one time in their own IDs' order
                auto timeOf = [](const std::string &row) { return row.substr(0, row.find('|')); };
                std::vector<std::string> gotTimes, wantTimes;
                std::transform(got.begin(), got.end(), std::back_inserter(gotTimes), timeOf);
                std::transform(want.begin(), want.end(), std::back_inserter(wantTimes), timeOf);
                QCOMPARE(gotTimes, wantTimes);
                QCOMPARE(std::multiset<std::string>(got.begin(), got.end()), std::multiset<std::string>(want.begin(), want.end()));
            }
    }
}

QTEST_GUILESS_MAIN(TestClickhouseTrail)
#include "tst_clickhouse_trail.moc"
