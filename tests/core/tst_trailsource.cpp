// SPDX-License-Identifier: MIT
// The embedded store as a TrailSource: counts, facets, buckets and pages against a plain
// row-by-row reading of the same snapshot; answers delivered later, once; superseded requests
// cancelled; query errors with their position.
#include "query/eval.h"
#include "store/embeddedtrail.h"
#include "samplestore.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QTest>

#include <nlohmann/json.hpp>

#include <map>
#include <set>
#include <numeric>
#include <optional>
#include <tuple>

using namespace auditlens;

namespace {

/// Whether a row passes `f`, read value by value (no evaluate(), no dictionary ids).
bool passes(const Snapshot &snap, size_t row, const TrailFilter &f, int skipColumn)
{
    for (size_t c = 0; c < kColumnCount; ++c) {
        if (int(c) == skipColumn)
            continue;
        const std::string v = snap.value(row, Column(c));
        if (!f.include[c].empty() && std::find(f.include[c].begin(), f.include[c].end(), v) == f.include[c].end())
            return false;
        if (std::find(f.exclude[c].begin(), f.exclude[c].end(), v) != f.exclude[c].end())
            return false;
    }
    const int64_t t = snap.time(row);
    if ((f.from != INT64_MIN || f.to != INT64_MAX) && (t == kNoTime || t < f.from || t > f.to))
        return false;
    if (f.result != Result::Unknown && snap.result(row) != f.result)
        return false;
    if (!f.text.empty()) {
        std::string raw = snap.raw(row), needle = f.text;
        for (auto *s : {&raw, &needle})
            for (char &ch : *s)
                ch = char(std::tolower(static_cast<unsigned char>(ch)));
        if (raw.find(needle) == std::string::npos)
            return false;
    }
    return true;
}

/// A value's place in a reading by nlohmann (not the store's reader): its type, and its text
/// (a number's value written back, so that "1.50" and 1.5 are one number).
using ValueKey = std::pair<int, std::string>;
ValueKey valueKey(query::ValueType type, const std::string &text)
{
    if (type != query::ValueType::Number)
        return {int(type), text};
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", std::strtod(text.c_str(), nullptr));
    return {int(type), buf};
}

/// Every path of a JSON value (dotted keys, arrays looked into) with its values but nulls.
void walk(const nlohmann::json &v, const std::string &path, const std::function<void(const std::string &, const nlohmann::json &)> &fn,
          int depth = 0)
{
    if (v.is_array()) {
        for (const auto &e : v)
            walk(e, path, fn, depth);
        return;
    }
    if (depth > 0 && !v.is_null()) // (the root is no field; a key may be "")
        fn(path, v);
    if (v.is_object())
        for (const auto &[k, e] : v.items())
            walk(e, depth == 0 ? k : path + "." + k, fn, depth + 1);
}

query::ValueType typeOf(const nlohmann::json &v)
{
    using query::ValueType;
    return v.is_object() ? ValueType::Object : v.is_string() ? ValueType::String : v.is_boolean() ? ValueType::Bool : ValueType::Number;
}

} // namespace

class TstTrailSource : public QObject
{
    Q_OBJECT
    SampleStore m_samples;
    const Snapshot &m_snap = m_samples.snap;

private slots:
    void initTestCase()
    {
        QVERIFY2(m_samples.load(), "the bundled samples are missing");
    }

    void countsAndFacetsAgreeWithARowByRowReading_data()
    {
        QTest::addColumn<int>("which");
        for (int i = 0; i < 6; ++i)
            QTest::newRow(QByteArray::number(i).constData()) << i;
    }
    void countsAndFacetsAgreeWithARowByRowReading()
    {
        QFETCH(int, which);
        // values taken from the data, so the filters select something
        const std::string actor = m_snap.value(0, Column::Actor), action = m_snap.value(1, Column::Action);
        TrailFilter f;
        switch (which) {
        case 0: break;
        case 1: f.include[size_t(Column::Actor)] = {actor}; break;
        case 2: f.exclude[size_t(Column::Action)] = {action}; f.include[size_t(Column::Actor)] = {actor, "nobody@x"}; break;
        case 3: f.from = m_snap.time(5); f.to = m_snap.time(5) + 86400000000000LL * 30; f.result = Result::Success; break;
        case 4: f.text = "GATEWAY"; break;
        case 5: f.include[size_t(Column::ResourceType)] = {"no such type"}; break;
        }
        const std::vector<Column> facets{Column::Actor, Column::Action, Column::ResourceType};
        EmbeddedTrail trail(m_snap, "samples");
        Waited<TrailCounts> w;
        trail.counts(f, facets, 0, this, into(w));
        QCOMPARE(w.calls, 0); // never answered from inside the call
        QVERIFY(wait(w));
        QVERIFY2(w.error.ok(), w.error.message.c_str());

        uint64_t matched = 0;
        int64_t first = kNoTime, last = kNoTime; // the matched records' time extent
        std::vector<std::map<std::string, uint64_t>> want(facets.size());
        for (size_t r = 0; r < m_snap.size(); ++r) {
            const bool in = passes(m_snap, r, f, -1);
            matched += in;
            if (const int64_t t = m_snap.time(r); in && t != kNoTime) {
                if (first == kNoTime || t < first)
                    first = t;
                if (last == kNoTime || t > last)
                    last = t;
            }
            for (size_t k = 0; k < facets.size(); ++k)
                if (passes(m_snap, r, f, int(facets[k])))
                    ++want[k][m_snap.value(r, facets[k])]; // (no value: "")
        }
        QCOMPARE(w.value->total, uint64_t(m_snap.size()));
        QCOMPARE(w.value->matched, matched);
        if (which == 5)
            QCOMPARE(matched, uint64_t(0));
        else
            QVERIFY(matched > 0 && first != kNoTime && first <= last);
        QCOMPARE(w.value->first, first);
        QCOMPARE(w.value->last, last);
        QCOMPARE(w.value->top.size(), facets.size());
        QCOMPARE(w.value->distinct.size(), facets.size());
        for (size_t k = 0; k < facets.size(); ++k) {
            std::map<std::string, uint64_t> got(w.value->top[k].begin(), w.value->top[k].end());
            QCOMPARE(got, want[k]);
            QCOMPARE(w.value->distinct[k], uint64_t(want[k].size()));
            // ordered by count desc, then value
            const auto &top = w.value->top[k];
            for (size_t i = 1; i < top.size(); ++i)
                QVERIFY(top[i - 1].second > top[i].second
                        || (top[i - 1].second == top[i].second && top[i - 1].first < top[i].first));
        }
    }

    void aQueryFiltersAsTheStoreEvaluatesIt()
    {
        EmbeddedTrail trail(m_snap, "samples");
        TrailFilter f;
        f.query = "ActionType:gateway_* and not Interface:UI";
        Waited<TrailCounts> w;
        trail.counts(f, {}, 0, this, into(w));
        QVERIFY(wait(w));
        QVERIFY2(w.error.ok(), w.error.message.c_str());
        query::FieldCache cache;
        const auto q = query::Query::parse(f.query);
        const auto hits = query::evaluateQuery(*q, m_snap, cache);
        QVERIFY(hits);
        const auto want = uint64_t(std::count(hits->begin(), hits->end(), uint8_t(1)));
        QVERIFY(want > 0 && want < m_snap.size());
        QCOMPARE(w.value->matched, want);
    }

    void aQueryMatchingNothingNamesTheFieldsNoRecordHas()
    {
        // a misspelt field is told apart from a value no record has: the names no raw record
        // holds as a key (read here as text) come back, in the query's order, only when nothing matched
        auto holdsKey = [this](const std::string &key) {
            for (size_t r = 0; r < m_snap.size(); ++r)
                if (m_snap.raw(r).find('"' + key + "\":") != std::string::npos)
                    return true;
            return false;
        };
        QVERIFY(holdsKey("ActorEmail") && holdsKey("ActionType"));
        QVERIFY(!holdsKey("ActorEmial") && !holdsKey("Actiontype"));
        EmbeddedTrail trail(m_snap, "samples");
        struct Case
        {
            const char *query;
            std::vector<std::string> absent;
        };
        const Case cases[] = {
            {"ActorEmial:* or ActorEmail:\"nobody@nowhere\" or Actiontype:gateway_create", {"ActorEmial", "Actiontype"}},
            {"ActorEmail:\"nobody@nowhere\"", {}},                 // a value no record has: no field to name
            {"ActorEmial:x or ActionType:gateway_*", {}},           // something matched: nothing to explain
            {"ecs.user.emial:* and ActorEmail:*", {"ecs.user.emial"}}, // the ECS record's fields too
            {"gateway and ActorEmial:x", {"ActorEmial"}},
        };
        for (const Case &c : cases) {
            TrailFilter f;
            f.query = c.query;
            Waited<TrailCounts> w;
            trail.counts(f, {Column::Actor}, 5, this, into(w));
            QVERIFY(wait(w));
            QVERIFY2(w.error.ok(), w.error.message.c_str());
            QCOMPARE(w.value->matched == 0, !c.absent.empty() || std::string(c.query).find("nobody") != std::string::npos);
            QVERIFY2(w.value->absentFields == c.absent, c.query);
        }
    }

    void aBadQueryIsAnErrorWithItsPosition()
    {
        EmbeddedTrail trail(m_snap, "samples");
        TrailFilter f;
        f.query = "ActorEmail:(alice or";
        Waited<TrailCounts> w;
        trail.counts(f, {}, 0, this, into(w));
        QVERIFY(wait(w));
        QCOMPARE(int(w.error.kind), int(TrailErrorKind::Query));
        QVERIFY2(w.error.message.find("at character") != std::string::npos, w.error.message.c_str());
    }

    void pagingByAColumnGivesEveryRowOnceInItsOrder_data()
    {
        QTest::addColumn<int>("column"); // -1: by time
        QTest::addColumn<bool>("descending");
        QTest::addColumn<bool>("filtered");
        QTest::newRow("time") << -1 << false << false;
        QTest::newRow("time, descending") << -1 << true << false;
        QTest::newRow("time, filtered") << -1 << false << true;
        QTest::newRow("actor") << int(Column::Actor) << false << false;
        QTest::newRow("actor, descending") << int(Column::Actor) << true << false;
        QTest::newRow("resource type, filtered") << int(Column::ResourceType) << false << true;
        QTest::newRow("source IP, descending, filtered") << int(Column::SourceIp) << true << true;
    }
    void pagingByAColumnGivesEveryRowOnceInItsOrder()
    {
        // by the column's value (byte order; none by time), then time, then row; pages of 37 by key
        QFETCH(int, column);
        QFETCH(bool, descending);
        QFETCH(bool, filtered);
        EmbeddedTrail trail(m_snap, "samples");
        TrailFilter f;
        if (filtered)
            f.text = "gateway";
        using Key = std::tuple<std::string, int64_t, size_t>;
        std::vector<Key> want;
        for (size_t r = 0; r < m_snap.size(); ++r)
            if (passes(m_snap, r, f, -1))
                want.emplace_back(column < 0 ? std::string() : m_snap.value(r, Column(column)), m_snap.time(r), r);
        std::sort(want.begin(), want.end());
        if (descending)
            std::reverse(want.begin(), want.end());
        QVERIFY(want.size() > 37);
        std::vector<Key> got;
        TrailKey after;
        for (int pages = 0; pages < 1000; ++pages) {
            Waited<TrailPage> w;
            trail.pageBy(f, TrailOrder{column, descending}, after, 37, this, into(w));
            QVERIFY(wait(w));
            QVERIFY2(w.error.ok(), w.error.message.c_str());
            for (const TrailRow &r : w.value->rows) {
                const size_t row = std::stoul(r.id.substr(4));
                QCOMPARE(r.time, m_snap.time(row));
                QCOMPARE(r.values[size_t(Column::Actor)], m_snap.value(row, Column::Actor));
                QCOMPARE(int(r.result), int(m_snap.result(row)));
                got.emplace_back(column < 0 ? std::string() : r.values[size_t(column)], r.time, row);
            }
            if (!w.value->more)
                break;
            QVERIFY(!w.value->rows.empty());
            after = TrailKey::after(w.value->rows.back(), column);
        }
        QCOMPARE(got, want);
        if (column < 0)
            return;
        // a key whose value the column does not hold: the rows past it in that order
        TrailKey between{true, 0, "row:0", std::get<0>(want[want.size() / 2]) + '\x01'};
        Waited<TrailPage> w;
        trail.pageBy(f, TrailOrder{column, descending}, between, 1, this, into(w));
        QVERIFY(wait(w));
        QVERIFY2(w.error.ok(), w.error.message.c_str());
        const auto past = std::find_if(want.begin(), want.end(), [&](const Key &k) {
            return descending ? std::get<0>(k) < between.value : std::get<0>(k) > between.value;
        });
        QVERIFY(past != want.end());
        QCOMPARE(w.value->rows.size(), size_t(1));
        QCOMPARE(w.value->rows[0].id, "row:" + std::to_string(std::get<2>(*past)));
    }

    void bucketsCountTheMatchedTimes()
    {
        EmbeddedTrail trail(m_snap, "samples");
        TrailFilter f;
        f.include[size_t(Column::Actor)] = {m_snap.value(0, Column::Actor)};
        int64_t lo = INT64_MAX, hi = INT64_MIN;
        for (size_t r = 0; r < m_snap.size(); ++r)
            if (m_snap.time(r) != kNoTime)
                lo = std::min(lo, m_snap.time(r)), hi = std::max(hi, m_snap.time(r));
        Waited<TrailBuckets> w;
        trail.buckets(f, lo, hi, 7, this, into(w));
        QVERIFY(wait(w));
        QVERIFY2(w.error.ok(), w.error.message.c_str());
        QCOMPARE(w.value->counts.size(), size_t(7));
        std::vector<uint64_t> want(7, 0);
        for (size_t r = 0; r < m_snap.size(); ++r)
            if (passes(m_snap, r, f, -1) && m_snap.time(r) != kNoTime)
                ++want[size_t((m_snap.time(r) - lo) / w.value->width)];
        QCOMPARE(w.value->counts, want);
        QVERIFY(w.value->from + 7 * w.value->width > hi);
    }

    void bucketsOverAnyRangeStayInBounds()
    {
        // the whole int64 range, a reversed range, no buckets: no count lands outside its vector
        EmbeddedTrail trail(m_snap, "samples");
        uint64_t timed = 0;
        for (size_t r = 0; r < m_snap.size(); ++r)
            timed += m_snap.time(r) != kNoTime;
        const struct { int64_t from, to; int n; uint64_t want; } cases[] = {
            {INT64_MIN, INT64_MAX, 5, timed}, {INT64_MIN + 1, INT64_MAX, 3, timed}, {10, 0, 4, 0}, {INT64_MIN, INT64_MAX, 0, timed}};
        for (const auto &c : cases) {
            Waited<TrailBuckets> w;
            trail.buckets({}, c.from, c.to, c.n, this, into(w));
            QVERIFY(wait(w));
            QVERIFY2(w.error.ok(), w.error.message.c_str());
            QCOMPARE(w.value->counts.size(), size_t(std::max(1, c.n)));
            QCOMPARE(std::accumulate(w.value->counts.begin(), w.value->counts.end(), uint64_t(0)), c.want);
            QCOMPARE(w.value->width, trailBucketWidth(c.from, c.to, c.n));
        }
    }

    void aSupersededRequestEndsCancelledAndTheNewOneAnswers()
    {
        EmbeddedTrail trail(m_snap, "samples");
        TrailFilter f;
        Waited<TrailCounts> first, second;
        trail.counts(f, {Column::Actor}, 5, this, into(first));
        f.text = "gateway";
        trail.counts(f, {Column::Actor}, 5, this, into(second));
        QVERIFY(wait(second));
        QVERIFY(wait(first));
        QCOMPARE(int(first.error.kind), int(TrailErrorKind::Cancelled));
        QVERIFY(!first.value->matched);
        QVERIFY2(second.error.ok(), second.error.message.c_str());
        QVERIFY(second.value->matched > 0 && second.value->matched < m_snap.size());
        // another kind is not superseded by counts
        Waited<TrailPage> page;
        Waited<TrailCounts> third;
        trail.page(f, {}, 3, false, this, into(page));
        trail.counts(f, {}, 0, this, into(third));
        QVERIFY(wait(page));
        QVERIFY(page.error.ok());
        QCOMPARE(page.value->rows.size(), size_t(3));
        QVERIFY(wait(third));
        // cancelAll ends what is pending
        Waited<TrailCounts> fourth;
        trail.counts(f, {}, 0, this, into(fourth));
        trail.cancelAll();
        QVERIFY(wait(fourth));
        QCOMPARE(int(fourth.error.kind), int(TrailErrorKind::Cancelled));
    }

    void rawGivesTheRecordsBytes()
    {
        EmbeddedTrail trail(m_snap, "samples");
        Waited<TrailPage> page;
        trail.page({}, {}, 2, false, this, into(page));
        QVERIFY(wait(page));
        const TrailRow row = page.value->rows.at(1);
        Waited<std::string> w;
        trail.raw(row.id, row.time, this, into(w));
        QVERIFY(wait(w));
        QVERIFY(w.error.ok());
        QCOMPARE(*w.value, m_snap.raw(std::stoul(row.id.substr(4))));
        QVERIFY(w.value->front() == '{');
        Waited<std::string> bad;
        trail.raw("row:999999", 0, this, into(bad));
        QVERIFY(wait(bad));
        QVERIFY(!bad.error.ok());
        QVERIFY(bad.value->empty());
    }

    void recordsGiveEveryMatchingRowOnceOldestFirstWithItsBytes()
    {
        // a history's reading: every record of one actor, with its raw bytes, a page at a time,
        // read again by a sibling source while the first one's table pages (neither supersedes)
        EmbeddedTrail trail(m_snap, "samples");
        const std::unique_ptr<TrailSource> sibling = trail.sibling();
        // the actor with the most records
        std::map<std::string, size_t> byActor;
        for (size_t r = 0; r < m_snap.size(); ++r)
            ++byActor[m_snap.value(r, Column::Actor)];
        byActor.erase(std::string());
        const auto most = std::max_element(byActor.begin(), byActor.end(), [](const auto &a, const auto &b) { return a.second < b.second; });
        QVERIFY(most != byActor.end());
        TrailFilter f;
        f.include[size_t(Column::Actor)] = {most->first};
        std::vector<std::pair<int64_t, size_t>> want;
        for (size_t r = 0; r < m_snap.size(); ++r)
            if (passes(m_snap, r, f, -1))
                want.emplace_back(m_snap.time(r), r);
        std::sort(want.begin(), want.end());
        QVERIFY(want.size() > 5); // (several pages of 4)
        for (TrailSource *source : {static_cast<TrailSource *>(&trail), sibling.get()}) {
            std::vector<std::pair<int64_t, size_t>> got;
            TrailKey after;
            for (int pages = 0; pages < 1000; ++pages) {
                Waited<TrailPage> w, table;
                trail.page({}, {}, 3, true, this, into(table)); // the window's table, meanwhile
                source->records(f, after, 4, this, into(w));
                QVERIFY(wait(w));
                QVERIFY2(w.error.ok(), w.error.message.c_str());
                QVERIFY(wait(table));
                QVERIFY2(table.error.ok(), table.error.message.c_str());
                QCOMPARE(table.value->rows.size(), size_t(3));
                QVERIFY(table.value->rows[0].raw.empty()); // a page carries no raw bytes
                QVERIFY(w.value->rows.size() <= 4);
                for (const TrailRow &r : w.value->rows) {
                    const size_t row = std::stoul(r.id.substr(4));
                    QCOMPARE(r.raw, m_snap.raw(row));
                    QCOMPARE(r.values[size_t(Column::Action)], m_snap.value(row, Column::Action));
                    got.emplace_back(r.time, row);
                }
                if (!w.value->more)
                    break;
                after = TrailKey::after(w.value->rows.back());
            }
            QCOMPARE(got, want);
        }
        // the raw bytes of a page bounded: shorter pages, more following, every row once
        EmbeddedTrail bounded(m_snap, "samples");
        bounded.setRecordsPageBytes(2500);
        std::vector<std::pair<int64_t, size_t>> got;
        TrailKey from;
        size_t longest = 0;
        for (int pages = 0; pages < 1000; ++pages) {
            Waited<TrailPage> w;
            bounded.records(f, from, 50, this, into(w));
            QVERIFY(wait(w));
            QVERIFY2(w.error.ok(), w.error.message.c_str());
            size_t bytes = 0;
            for (const TrailRow &r : w.value->rows) {
                bytes += r.raw.size();
                got.emplace_back(r.time, std::stoul(r.id.substr(4)));
            }
            QVERIFY(bytes <= 2500 || w.value->rows.size() == 1);
            longest = std::max(longest, w.value->rows.size());
            if (!w.value->more)
                break;
            QVERIFY(!w.value->rows.empty());
            from = TrailKey::after(w.value->rows.back());
        }
        QCOMPARE(got, want);
        QVERIFY(longest < want.size()); // (the bound did cut the pages)

        // a sibling's requests are its own: cancelling one source leaves the other's answer
        Waited<TrailPage> mine, theirs;
        trail.records(f, {}, 2, this, into(mine));
        sibling->records(f, {}, 2, this, into(theirs));
        trail.cancelAll();
        QVERIFY(wait(mine));
        QVERIFY(wait(theirs));
        QCOMPARE(int(mine.error.kind), int(TrailErrorKind::Cancelled));
        QVERIFY2(theirs.error.ok(), theirs.error.message.c_str());
        QCOMPARE(theirs.value->rows.size(), size_t(2));
    }

    /// One source asked under the same text with other constraints, then another text, then the
    /// first again: each answer is the row-by-row reading's (the matches of a text, kept for
    /// the next requests, are never those of another text).
    void aTextSearchedOnceServesTheNextFilters()
    {
        EmbeddedTrail trail(m_snap, "samples");
        const std::string actor = m_snap.value(0, Column::Actor);
        std::vector<TrailFilter> filters(6);
        filters[0].text = "zone";
        filters[1].text = "zone";
        filters[1].include[size_t(Column::Actor)] = {actor};
        filters[2].text = "ZONE";
        filters[2].result = Result::Success;
        filters[3].text = "gateway";
        filters[4].text = "zone";
        filters[4].exclude[size_t(Column::Actor)] = {actor};
        filters[5].text = "gateway";
        filters[5].include[size_t(Column::Actor)] = {actor};
        for (const TrailFilter &f : filters) {
            uint64_t want = 0;
            for (size_t r = 0; r < m_snap.size(); ++r)
                want += passes(m_snap, r, f, -1);
            Waited<TrailCounts> c;
            trail.counts(f, {Column::Actor}, 0, this, into(c));
            QVERIFY(wait(c));
            QVERIFY2(c.value->matched == want, (f.text + " " + std::to_string(want)).c_str());
            Waited<TrailBuckets> b; // (another kind of request under the same text)
            trail.buckets(f, INT64_MIN, INT64_MAX, 3, this, into(b));
            QVERIFY(wait(b));
            QCOMPARE(std::accumulate(b.value->counts.begin(), b.value->counts.end(), b.value->noTime), want);
        }
    }

    /// The field list against a reading of every record by nlohmann: each path, how many
    /// records have a value there (null is none), its types.
    void fieldsAreEveryPathOfTheRecords()
    {
        struct Want
        {
            uint64_t records = 0;
            uint8_t types = 0;
        };
        std::map<std::string, Want> want;
        for (size_t r = 0; r < m_snap.size(); ++r) {
            const auto rec = nlohmann::json::parse(m_snap.raw(r), nullptr, false);
            QVERIFY(!rec.is_discarded());
            std::set<std::string> seen;
            walk(rec, {}, [&](const std::string &p, const nlohmann::json &v) {
                if (seen.insert(p).second)
                    ++want[p].records;
                want[p].types |= uint8_t(1u << unsigned(typeOf(v)));
            });
        }
        EmbeddedTrail trail(m_snap, "samples");
        Waited<TrailFields> w;
        trail.fields(this, into(w));
        QCOMPARE(w.calls, 0);
        QVERIFY(wait(w));
        QVERIFY2(w.error.ok(), w.error.message.c_str());
        QCOMPARE(w.value->unnamed, uint64_t(0));
        std::map<std::string, Want> got;
        std::string before;
        for (const TrailField &f : w.value->fields) {
            QVERIFY2(before.empty() || before < f.path, f.path.c_str()); // by path
            before = f.path;
            got[f.path] = {f.records, f.types};
        }
        QCOMPARE(got.size(), want.size());
        QVERIFY(want.size() > 20);
        for (const auto &[p, wv] : want) {
            QVERIFY2(got.count(p), p.c_str());
            QVERIFY2(got[p].records == wv.records && got[p].types == wv.types, p.c_str());
        }
    }

    void fieldValuesAreCountedUnderTheFilter_data()
    {
        QTest::addColumn<int>("which");
        QTest::addColumn<QString>("path");
        const char *paths[] = {"ActionType", "ActorEmail", "Metadata.zone_name", "NewValue.enabled", "ActionResult"};
        for (int i = 0; i < 4; ++i)
            for (const char *p : paths)
                QTest::newRow(QByteArray(QByteArray::number(i) + " " + p).constData()) << i << QString::fromLatin1(p);
    }
    /// A field's top values under a filter against the same reading, on the rows that pass it.
    void fieldValuesAreCountedUnderTheFilter()
    {
        QFETCH(int, which);
        QFETCH(QString, path);
        TrailFilter f;
        switch (which) {
        case 0: break;
        case 1: f.include[size_t(Column::Actor)] = {m_snap.value(0, Column::Actor)}; break;
        case 2: f.text = "zone"; break;
        case 3: f.result = Result::Success; f.exclude[size_t(Column::Action)] = {m_snap.value(1, Column::Action)}; break;
        }
        std::map<ValueKey, uint64_t> want;
        for (size_t r = 0; r < m_snap.size(); ++r) {
            if (!passes(m_snap, r, f, -1))
                continue;
            const auto rec = nlohmann::json::parse(m_snap.raw(r), nullptr, false);
            walk(rec, {}, [&](const std::string &p, const nlohmann::json &v) {
                if (p != path.toStdString() || v.is_object())
                    return;
                ++want[valueKey(typeOf(v), v.is_string() ? v.get<std::string>() : v.is_boolean() ? (v.get<bool>() ? "true" : "false")
                                                                                                   : v.dump())];
            });
        }
        EmbeddedTrail trail(m_snap, "samples");
        Waited<TrailValues> w;
        trail.fieldValues(f, path.toStdString(), 0, this, into(w));
        QVERIFY(wait(w));
        QVERIFY2(w.error.ok(), w.error.message.c_str());
        QCOMPARE(w.value->path, path.toStdString());
        std::map<ValueKey, uint64_t> got;
        for (const TrailValue &v : w.value->top)
            got[valueKey(v.type, v.text)] += v.count;
        QCOMPARE(got, want);
        if (which == 0 && path != QLatin1String("NewValue.enabled"))
            QVERIFY(!want.empty());
        // by count desc, then text; at most n of them when asked for n
        const auto &top = w.value->top;
        for (size_t i = 1; i < top.size(); ++i)
            QVERIFY(top[i - 1].count > top[i].count || (top[i - 1].count == top[i].count && top[i - 1].text <= top[i].text));
        if (top.size() > 1) {
            Waited<TrailValues> two;
            trail.fieldValues(f, path.toStdString(), 2, this, into(two));
            QVERIFY(wait(two));
            QCOMPARE(two.value->top, std::vector<TrailValue>(top.begin(), top.begin() + 2));
        }
    }

    void aSourceGoneFirstAnswersNobody()
    {
        Waited<TrailCounts> w;
        {
            EmbeddedTrail trail(m_snap, "samples");
            trail.counts({}, {Column::Actor}, 0, this, into(w));
        }
        QVERIFY(!wait(w, 500));
        QCOMPARE(w.calls, 0);
    }
};

QTEST_GUILESS_MAIN(TstTrailSource)
#include "tst_trailsource.moc"
