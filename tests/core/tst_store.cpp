// SPDX-License-Identifier: MIT
#include "store/eventstore.h"
#include "store/textsearch.h"
#include "testutil.h"

#include <QTemporaryDir>

#include <cstdlib>

#include <random>
#include <unistd.h>
#include <random>
#include <thread>

using namespace auditlens;

namespace {

std::string v1(const std::string &id, const std::string &email, const std::string &actorId, const std::string &action,
               const std::string &rtype, const std::string &when, bool ok = true)
{
    std::string r = "{\"ActionResult\":" + std::string(ok ? "true" : "false") + ",\"ActionType\":\"" + action + "\",";
    if (!email.empty())
        r += "\"ActorEmail\":\"" + email + "\",";
    r += "\"ActorID\":\"" + actorId + "\",\"ActorIP\":\"::ffff:10.0.0.1\",\"ActorType\":\"user\",\"ID\":\"" + id
         + "\",\"Interface\":\"UI\",\"Metadata\":{},\"NewValue\":{\"a\":1},\"OldValue\":null,\"OwnerID\":\"own1\",\"ResourceID\":\"r\",\"ResourceType\":\""
         + rtype + "\",\"When\":" + when + "}";
    return r;
}

std::string v2(const std::string &id, const std::string &email, const std::string &action, const std::string &result,
               const std::string &ts)
{
    return "{\"AccountID\":\"acc2\",\"ActionResult\":\"" + result + "\",\"ActionTimestamp\":" + ts + ",\"ActionType\":\"" + action
           + "\",\"ActorContext\":\"api_token\",\"ActorEmail\":\"" + email + "\",\"ActorIPAddress\":\"2001:db8::7\",\"ActorType\":\"user\",\"AuditLogID\":\""
           + id + "\",\"ResourceType\":\"member\"}";
}

struct Loaded
{
    std::unique_ptr<EventStore> store = std::make_unique<EventStore>();
    std::vector<Diagnostic> diags;
    ReadSummary summary;
};

Loaded load(const std::string &text, unsigned threads = 2, size_t blockBytes = 8u << 20)
{
    Loaded l;
    EventStore::LoadOptions o;
    o.threads = threads;
    o.limits.blockBytes = blockBytes;
    l.summary = l.store->load(SourceSpec::memory("mem", text), o, [&](const Diagnostic &d) { l.diags.push_back(d); });
    return l;
}

/// What a filter means, worked out row by row from the snapshot's accessors and raw records:
/// the reference evaluate() is checked against.
EventStore::Evaluation rowByRow(const Snapshot &s, const Filter &f, const std::vector<Column> &facets)
{
    const auto lower = [](std::string t) {
        for (char &ch : t)
            ch = char(std::tolower(static_cast<unsigned char>(ch)));
        return t;
    };
    const std::string needle = lower(f.text);
    const auto has = [](const std::vector<uint32_t> &v, uint32_t id) { return std::find(v.begin(), v.end(), id) != v.end(); };
    EventStore::Evaluation e;
    for (Column c : facets)
        e.counts.emplace_back(s.dict(c).size() + 1, 0);
    for (size_t r = 0; r < s.size(); ++r) {
        const int64_t t = s.time(r);
        if ((f.from != INT64_MIN || f.to != INT64_MAX) && (t == kNoTime || t < f.from || t > f.to))
            continue;
        if (f.result != Result::Unknown && s.result(r) != f.result)
            continue;
        if (!needle.empty() && lower(s.raw(r)).find(needle) == std::string::npos)
            continue;
        std::vector<size_t> missed;
        for (size_t c = 0; c < kColumnCount; ++c) {
            const uint32_t id = s.id(r, Column(c));
            if ((!f.include[c].empty() && !has(f.include[c], id)) || has(f.exclude[c], id))
                missed.push_back(c);
        }
        if (missed.empty()) {
            e.rows.push_back(uint32_t(r));
            e.times.push_back(t);
        }
        for (size_t k = 0; k < facets.size(); ++k)
            if (missed.empty() || (missed.size() == 1 && missed[0] == size_t(facets[k])))
                ++e.counts[k][s.id(r, facets[k])];
    }
    return e;
}

std::vector<uint32_t> filteredRows(const Snapshot &s, const Filter &f) { return EventStore::evaluate(s, f, {}).rows; }

std::vector<uint64_t> facetCounts(const Snapshot &s, const Filter &f, Column c) { return EventStore::evaluate(s, f, {c}).counts[0]; }

std::shared_ptr<const std::vector<uint8_t>> textHits(const Snapshot &s, const std::string &text)
{
    Filter f;
    f.text = text;
    return EventStore::evaluate(s, f, {}).textHits;
}

std::vector<std::string> values(const Snapshot &s, Column c)
{
    std::vector<std::string> out;
    for (size_t i = 0; i < s.size(); ++i)
        out.push_back(s.value(i, c));
    return out;
}

} // namespace

class TstStore : public QObject
{
    Q_OBJECT
private slots:
    void textSearchAgreesWithPlainSearch()
    {
        // random records of letters in both cases, punctuation and bytes that only differ from
        // letters by bit 0x20 ('@' / '`', '[' / '{'), separated by newlines, in a buffer that
        // starts at a non-zero origin; needles taken from the data (with their case changed)
        // and made up; compared with a plain lower-case find record by record
        std::mt19937 rng(7);
        const std::string alphabet = "abcxyzABCXYZ@`[{\":,. 0123\xc3\xa9";
        for (int round = 0; round < 300; ++round) {
            const uint64_t origin = rng() % 5000;
            std::string bytes;
            std::vector<uint32_t> pos, len;
            const int records = 1 + int(rng() % 40);
            for (int r = 0; r < records; ++r) {
                bytes.append(rng() % 3, '\n');
                pos.push_back(uint32_t(origin + bytes.size()));
                const size_t n = rng() % 120;
                for (size_t i = 0; i < n; ++i)
                    bytes.push_back(alphabet[rng() % alphabet.size()]);
                len.push_back(uint32_t(n));
            }
            for (int q = 0; q < 20; ++q) {
                std::string needle;
                if (q % 2 == 0 && bytes.size() > 4) {
                    const size_t at = rng() % (bytes.size() - 1);
                    needle = bytes.substr(at, 1 + rng() % std::min<size_t>(40, bytes.size() - at));
                    for (char &c : needle)
                        if (rng() % 2)
                            c = char(std::toupper(static_cast<unsigned char>(c)));
                } else {
                    for (size_t i = 0, n = 1 + rng() % 3; i < n; ++i)
                        needle.push_back(alphabet[rng() % alphabet.size()]);
                }
                std::string lower = needle;
                for (char &c : lower)
                    c = char(std::tolower(static_cast<unsigned char>(c)));
                std::vector<uint8_t> got(pos.size(), 0), want(pos.size(), 0);
                markRecordsContaining(bytes, origin, pos.data(), len.data(), pos.size(), lower, got.data());
                for (size_t r = 0; r < pos.size(); ++r) {
                    std::string rec = bytes.substr(pos[r] - origin, len[r]);
                    for (char &c : rec)
                        c = char(std::tolower(static_cast<unsigned char>(c)));
                    want[r] = rec.find(lower) != std::string::npos;
                }
                QVERIFY2(got == want, ("needle \"" + needle + "\" in round " + std::to_string(round)).c_str());
            }
        }
        // a match across the end of one record and the start of the next does not count
        const std::string two = "{\"a\":\"xy\"}\n{\"b\":1}";
        const uint32_t p2[] = {0, 11}, l2[] = {10, 7};
        std::vector<uint8_t> hit(2, 0);
        markRecordsContaining(two, 0, p2, l2, 2, "}\n{", hit.data());
        QVERIFY(hit == std::vector<uint8_t>({0, 0}));
        markRecordsContaining(two, 0, p2, l2, 2, "\"xy\"}", hit.data());
        QVERIFY(hit == std::vector<uint8_t>({1, 0}));
    }

    void evaluateAgreesWithRowByRowMeaning()
    {
        // enough records for the parallel path; random combinations of every filter kind
        std::mt19937 rng(11);
        const char *actors[] = {"alice@x.io", "bob@x.io", "carol@x.io", ""};
        const char *actions[] = {"login", "delete", "update", "create"};
        const char *types[] = {"zone", "account", "dns", "member"};
        std::string text;
        for (int i = 0; i < 60000; ++i)
            text += v1(std::to_string(i), actors[rng() % 4], "u" + std::to_string(rng() % 9), actions[rng() % 4], types[rng() % 4],
                       std::to_string(1600000000 + i), rng() % 10 != 0)
                    + "\n";
        auto l = load(text, 2, 1u << 20);
        const Snapshot s = l.store->snapshot();
        QCOMPARE(s.size(), size_t(60000));
        const std::vector<Column> facets = {Column::Actor, Column::Action, Column::ResourceType};
        for (int round = 0; round < 25; ++round) {
            Filter f;
            for (Column c : facets) {
                const uint32_t values = uint32_t(s.dict(c).size());
                switch (rng() % 4) {
                case 0: f.include[size_t(c)] = {uint32_t(rng() % values)}; break;
                case 1: f.exclude[size_t(c)] = {uint32_t(rng() % values)}; break;
                default: break;
                }
            }
            if (rng() % 3 == 0) {
                f.from = int64_t(1600000000 + rng() % 30000) * 1000000000;
                f.to = f.from + int64_t(rng() % 30000) * 1000000000;
            }
            if (rng() % 3 == 0)
                f.result = rng() % 2 ? Result::Success : Result::Failure;
            if (rng() % 3 == 0)
                f.text = rng() % 2 ? "ALICE" : "\"ID\":\"1";
            const EventStore::Evaluation e = EventStore::evaluate(s, f, facets);
            const EventStore::Evaluation ref = rowByRow(s, f, facets);
            QVERIFY2(e.rows == ref.rows, std::to_string(round).c_str());
            QVERIFY(e.times == ref.times);
            for (size_t k = 0; k < facets.size(); ++k) {
                std::vector<uint64_t> want = ref.counts[k], got = e.counts[k];
                want.resize(std::max(want.size(), got.size()), 0);
                got.resize(want.size(), 0);
                QVERIFY2(got == want, (std::to_string(round) + " facet " + columnName(facets[k])).c_str());
            }
        }
    }

    void columnsFromV1AndV2()
    {
        const std::string text = v1("1", "a@x.io", "u1", "login", "account", "\"2023-02-24T16:32:38Z\"") + "\n"
                                  + v1("2", "", "u2", "logout", "zone", "1677256358") + "\n"
                                  + v2("3", "b@x.io", "create", "failure", "1717236000000000000") + "\n"
                                  + v2("4", "b@x.io", "update", "success", "\"2024-06-01T10:00:00.123456789Z\"") + "\n";
        auto l = load(text);
        QVERIFY(l.diags.empty());
        const Snapshot s = l.store->snapshot();
        QCOMPARE(s.size(), size_t(4));
        QCOMPARE(values(s, Column::Actor), (std::vector<std::string>{"a@x.io", "u2", "b@x.io", "b@x.io"}));
        QCOMPARE(values(s, Column::Action), (std::vector<std::string>{"login", "logout", "create", "update"}));
        QCOMPARE(values(s, Column::Account), (std::vector<std::string>{"own1", "own1", "acc2", "acc2"}));
        QCOMPARE(values(s, Column::SourceIp), (std::vector<std::string>{"::ffff:10.0.0.1", "::ffff:10.0.0.1", "2001:db8::7", "2001:db8::7"}));
        QCOMPARE(values(s, Column::Interface), (std::vector<std::string>{"UI", "UI", "api_token", "api_token"}));
        QCOMPARE(s.schema(0), Schema::V1);
        QCOMPARE(s.schema(2), Schema::V2);
        QCOMPARE(s.result(0), Result::Success);
        QCOMPARE(s.result(2), Result::Failure);
        QCOMPARE(s.result(3), Result::Success);
        QCOMPARE(s.time(0), int64_t(1677256358) * 1000000000);
        QCOMPARE(s.time(1), int64_t(1677256358) * 1000000000);
        QCOMPARE(s.time(2), int64_t(1717236000) * 1000000000);
        QCOMPARE(s.time(3), int64_t(1717236000) * 1000000000 + 123456789);
        QCOMPARE(s.dict(Column::Actor).size(), size_t(4)); // "", a@x.io, u2, b@x.io
    }

    void badRecordsRejectedWithLines()
    {
        const std::string good = v1("1", "a@x.io", "u1", "login", "account", "1677256358");
        const std::string text = good + "\n" + "{\"ID\":\"x\",\"When\":" + "\n" + good + "\n" + "[1,2]\n" + "{\"a\":1}}garbage"
                                 + "\n" + good + "\n" + "{\"When\":\"not a time\",\"ID\":\"z\"}" + "\n";
        auto l = load(text);
        const Snapshot s = l.store->snapshot();
        QCOMPARE(s.size(), size_t(4)); // three good + the one with an unreadable time (kept, warned)
        std::vector<uint64_t> errLines, warnLines;
        for (const auto &d : l.diags)
            (d.severity == Diagnostic::Severity::Error ? errLines : warnLines).push_back(d.line);
        QCOMPARE(errLines, (std::vector<uint64_t>{2, 4, 5}));
        QCOMPARE(warnLines, (std::vector<uint64_t>{7}));
        QCOMPARE(l.store->rejectedCount(), size_t(3));
        QVERIFY(l.diags[1].message.find("expected an object") != std::string::npos);
        QCOMPARE(s.time(3), kNoTime);
    }

    void depthLimit()
    {
        std::string deep = "{\"ID\":\"d\",\"X\":";
        for (int i = 0; i < 300; ++i)
            deep += "[";
        for (int i = 0; i < 300; ++i)
            deep += "]";
        deep += "}";
        auto l = load(deep + "\n" + v1("1", "a", "u", "x", "t", "1") + "\n");
        QCOMPARE(l.store->snapshot().size(), size_t(1));
        QCOMPARE(l.diags.size(), size_t(1));
        QVERIFY(l.diags[0].message.find("deeper than the limit of 128") != std::string::npos);
    }

    /// indexRecord decides most records with simdjson's DOM and leaves the rest to the
    /// on-demand walk: both ways give the same answer, field for field, on every kind of record.
    void longDecimalsAreReadByEveryWay()
    {
        // simdjson 3.0.1's on-demand get_number() reads a double of 19+ significant digits as
        // 0: the walk, and the on-demand parse of records with a huge number, read the text again
        const std::string rec = R"({"When":1677184467.477256358123,"n":123456789012345678901234567890,"x":1.2345678901234567891})";
        std::string padded = rec;
        padded.append(kRecordPadding, '\0');
        const std::string_view json(padded.data(), rec.size());
        const IndexedRecord walk = indexRecordWalk(json, padded.size(), 128);
        QVERIFY(walk.ok);
        QVERIFY2(walk.time != kNoTime && std::llabs(walk.time - 1677184467477256358LL) < 1000, std::to_string(walk.time).c_str());
        QVERIFY(walk.timeWarning.empty());
        nlohmann::ordered_json out;
        std::string error;
        size_t at = 0;
        QVERIFY(parseRecordJson(json, padded.size(), 128, out, error, at)); // on demand: the DOM refuses n
        QCOMPARE(out["x"].get<double>(), 1.2345678901234567891);
        QCOMPARE(out["When"].get<double>(), 1677184467.477256358123);
    }
    void indexPassWaysAgree()
    {
        std::vector<std::string> recs = {
            v1("1", "a@x.io", "u1", "login", "zone", "1600000000"),
            v1("2", "", "u2", "delete", "account", "\"2023-02-01T10:00:00Z\"", false),
            v2("3", "b@x.io", "create", "success", "\"2023-02-01T10:00:00.123456789Z\""),
            v2("4", "b@x.io", "create", "FAILURE", "1675245600.5"),
            R"({"ActorContext":"api","Interface":"UI","ActorEmail":5,"ActorID":"id9","ActionResult":"maybe"})",
            R"({"Interface":"UI","ActorContext":"api","ActionResult":true,"ActionResult":"nope"})",
            R"({"\u0041ctorEmail":"esc@x.io","ID":{"a":[1,2]},"AuditLogID":"z","When":null})",
            R"({"When":"yesterday","ActionTimestamp":[1]})",
            R"({"When":99999999999999999999,"ID":"huge"})",
            R"({"When":1e300,"ID":"far"})",
            R"({"When":-1e18,"ID":"early"})",
            R"({"When":18446744073709551615})",
            R"({"ActorIP":"1.2.3.4","ActorIPAddress":"::1","OwnerID":"o","AccountID":"a","ResourceType":"r","ActorType":"user"})",
            R"({"ActionType":"x","ActionType":"y","ActorEmail":"","ActorID":"fallback"})",
            R"({"n":123456789012345678901234567890,"ActionType":"bignum"})",
            R"({"When":1677184467.477256358123,"ID":"long decimal"})", R"({"ActionTimestamp":-1.2345678901234567891e9})",
            R"({"s":"\ud800"})", R"({"s":"\x"})", R"({"a":1,})", R"({"a":1} {"b":2})", R"({"a":tru})", R"([{"a":1}])",
            R"("text")", R"(12)", R"({"a":"ok"} trailing)", "{}", "{\"a\":\"\x01\"}", "{\"a\":\"\xff\"}", "",
        };
        for (int depth : {1, 2, 3, 4, 5}) // the walk's limit at 3, below and above it, with every kind of leaf
            for (const char *leaf : {"1", "{}", "[]", "[1]", "{\"k\":[]}"}) {
                std::string r = "{\"ActionType\":\"deep\",\"d\":";
                for (int i = 1; i < depth; ++i)
                    r += i % 2 ? "[" : "{\"k\":";
                r += leaf;
                for (int i = depth - 1; i >= 1; --i)
                    r += i % 2 ? "]" : "}";
                recs.push_back(r + "}");
            }
        for (const std::string &rec : recs)
            for (int maxDepth : {3, 128}) {
                std::string padded = rec;
                padded.append(kRecordPadding, '\0');
                const std::string_view json(padded.data(), rec.size());
                const IndexedRecord a = indexRecord(json, padded.size(), maxDepth);
                const IndexedRecord b = indexRecordWalk(json, padded.size(), maxDepth);
                const QByteArray what = QByteArray::fromStdString(rec + " at depth limit " + std::to_string(maxDepth));
                QVERIFY2(a.ok == b.ok, what);
                QVERIFY2(a.error == b.error && a.errorAt == b.errorAt, what);
                QVERIFY2(a.schema == b.schema && a.time == b.time && a.result == b.result, what);
                QVERIFY2(a.timeWarning == b.timeWarning && a.id == b.id && a.values == b.values, what);
            }
        // the depth rule itself: a leaf at depth d (the record's own fields are at depth 1) is
        // accepted up to the limit, never past it
        for (int depth : {2, 3, 4})
            for (const char *leaf : {"1", "{}", "[]"}) {
                std::string r = "{\"d\":";
                for (int i = 1; i < depth; ++i)
                    r += "[";
                r += leaf;
                r += std::string(size_t(depth - 1), ']') + "}";
                std::string padded = r;
                padded.append(kRecordPadding, '\0');
                const IndexedRecord x = indexRecord(std::string_view(padded.data(), r.size()), padded.size(), 3);
                QVERIFY2(x.ok == (depth <= 3), r.c_str());
            }
    }

    /// A load without the dictionary columns (search) keeps every record, its time, result,
    /// line and raw bytes; the columns read as absent.
    void loadWithoutColumns()
    {
        std::string text;
        for (int i = 0; i < 40; ++i)
            text += (i % 4 ? v1(std::to_string(i), "a@x.io", "u", "login", "zone", std::to_string(1600000000 + i), i % 3)
                           : v2(std::to_string(i), "b@x.io", "create", "failure", std::to_string(1600000000 + i)))
                    + "\n";
        text += "{broken\n";
        const Loaded full = load(text, 2, 600);
        Loaded bare;
        EventStore::LoadOptions o;
        o.threads = 2;
        o.limits.blockBytes = 600;
        o.columns = false;
        bare.summary = bare.store->load(SourceSpec::memory("mem", text), o, [&](const Diagnostic &d) { bare.diags.push_back(d); });
        const Snapshot a = full.store->snapshot(), b = bare.store->snapshot();
        QCOMPARE(b.size(), a.size());
        QCOMPARE(bare.diags.size(), full.diags.size());
        QVERIFY(a.segments().size() > 3);
        for (size_t r = 0; r < a.size(); ++r) {
            QCOMPARE(b.time(r), a.time(r));
            QCOMPARE(b.result(r), a.result(r));
            QCOMPARE(b.schema(r), a.schema(r));
            QCOMPARE(b.line(r), a.line(r));
            QCOMPARE(b.raw(r), a.raw(r));
            QVERIFY(!a.value(r, Column::Actor).empty());
            QCOMPARE(b.value(r, Column::Actor), std::string());
            QCOMPARE(b.value(r, Column::Source), std::string("mem"));
        }
        Filter f;
        f.text = "b@x.io";
        QCOMPARE(filteredRows(b, f), filteredRows(a, f));
    }

    void filters()
    {
        std::string text;
        for (int i = 0; i < 30; ++i)
            text += v1(std::to_string(i), i % 3 == 0 ? "alice@x.io" : "bob@x.io", "u", i % 2 ? "login" : "delete",
                       i % 5 == 0 ? "zone" : "account", std::to_string(1600000000 + i), i != 7)
                    + "\n";
        auto l = load(text, 2, 300); // many small segments
        const Snapshot s = l.store->snapshot();
        QCOMPARE(s.size(), size_t(30));
        QVERIFY(s.segments().size() > 3);
        const uint32_t alice = *s.dict(Column::Actor).find("alice@x.io");
        const uint32_t login = *s.dict(Column::Action).find("login");
        const uint32_t zone = *s.dict(Column::ResourceType).find("zone");

        Filter f;
        f.include[size_t(Column::Actor)] = {alice};
        QCOMPARE(filteredRows(s, f).size(), size_t(10));
        f.include[size_t(Column::Action)] = {login};
        auto rows = filteredRows(s, f);
        for (uint32_t r : rows) {
            QCOMPARE(s.value(r, Column::Actor), std::string("alice@x.io"));
            QCOMPARE(s.value(r, Column::Action), std::string("login"));
        }
        QCOMPARE(rows.size(), size_t(5)); // i in {3,9,15,21,27}
        f.exclude[size_t(Column::ResourceType)] = {zone};
        QCOMPARE(filteredRows(s, f).size(), size_t(4)); // minus 15
        // facet counts ignore the column's own constraint and honour the others
        auto actorCounts = facetCounts(s, f, Column::Actor);
        const uint32_t bob = *s.dict(Column::Actor).find("bob@x.io");
        QCOMPARE(actorCounts[alice], uint64_t(4));
        uint64_t expectBob = 0;
        for (int i = 0; i < 30; ++i)
            expectBob += (i % 3 != 0 && i % 2 == 1 && i % 5 != 0) ? 1 : 0;
        QCOMPARE(expectBob, uint64_t(8));
        QCOMPARE(actorCounts[bob], expectBob);

        Filter t;
        t.from = int64_t(1600000010) * 1000000000;
        t.to = int64_t(1600000019) * 1000000000;
        QCOMPARE(filteredRows(s, t).size(), size_t(10));
        Filter r;
        r.result = Result::Failure;
        auto failed = filteredRows(s, r);
        QCOMPARE(failed.size(), size_t(1));
        QCOMPARE(s.line(failed[0]), uint64_t(8));
        Filter txt;
        txt.text = "ALICE@X";
        QCOMPARE(filteredRows(s, txt).size(), size_t(10));
        txt.text = "\"ID\":\"17\"";
        QCOMPARE(filteredRows(s, txt).size(), size_t(1));
        txt.text = "BoB"; // letters only: both cases are searched
        QCOMPARE(filteredRows(s, txt).size(), size_t(20));
        txt.text = "login";
        QCOMPARE(filteredRows(s, txt).size(), size_t(15));
        txt.text = "\"ID\":\"17\"";
        // precomputed text matches give the same rows and facet counts
        Filter cachedTxt = txt;
        cachedTxt.textHits = textHits(s, txt.text);
        QCOMPARE(filteredRows(s, cachedTxt), filteredRows(s, txt));
        QCOMPARE(facetCounts(s, cachedTxt, Column::Actor), facetCounts(s, txt, Column::Actor));

        auto top = EventStore::top(facetCounts(s, Filter{}, Column::Actor), 1);
        QCOMPARE(top.size(), size_t(1));
        QCOMPARE(top[0].first, bob);
        QCOMPARE(top[0].second, uint64_t(20));
    }

    void fileBackedRawIsReReadFromFile()
    {
        QTemporaryDir dir;
        const QString p = dir.filePath(QStringLiteral("a.log"));
        QFile f(p);
        QVERIFY(f.open(QIODevice::WriteOnly));
        const std::string r1 = v1("1", "a@x.io", "u1", "login", "account", "1");
        const std::string r2 = v1("2", "b@x.io", "u1", "login", "account", "2");
        const std::string text = r1 + "\n\n" + r2 + "\n";
        f.write(text.data(), qint64(text.size()));
        f.close();
        EventStore store;
        const auto sum = store.load(SourceSpec::file(p.toStdString()), {});
        QVERIFY(sum.fileBacked);
        const Snapshot s = store.snapshot();
        QCOMPARE(s.size(), size_t(2));
        QVERIFY(s.segments()[0]->fileBacked);
        QVERIFY(!s.segments()[0]->memory); // raw bytes are not kept in memory
        QCOMPARE(s.raw(0), r1);
        QCOMPARE(s.raw(1), r2);
        QCOMPARE(s.line(1), uint64_t(3));
        QCOMPARE(s.value(1, Column::Source), p.toStdString());
        Filter t;
        t.text = "b@x.io";
        QCOMPARE(filteredRows(s, t), (std::vector<uint32_t>{1}));
    }

    void mappedFileSearchSurvivesTruncation()
    {
        // a file loaded for the GUI is searched through a mapping of the page cache; if another
        // program cuts the file short, the lost pages raise SIGBUS: the search must go on (no
        // crash), find what is still there and nothing of what is gone
        QTemporaryDir dir;
        const QString p = dir.filePath(QStringLiteral("big.log"));
        std::string text;
        for (int i = 0; i < 4000; ++i)
            text += v1(std::to_string(i), "needle@x.io", "u1", "login", "account", std::to_string(1600000000 + i)) + "\n";
        {
            QFile f(p);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(text.data(), qint64(text.size()));
        }
        EventStore store;
        EventStore::LoadOptions o;
        o.mapFiles = true;
        o.limits.blockBytes = 64u << 10; // many segments
        QVERIFY(store.load(SourceSpec::file(p.toStdString()), o).fileBacked);
        const Snapshot s = store.snapshot();
        QCOMPARE(s.size(), size_t(4000));
        QVERIFY(s.source(0).mapped);
        auto all = textHits(s, "NEEDLE@");
        QCOMPARE(size_t(std::count(all->begin(), all->end(), 1)), size_t(4000));
        // cut the file at a page boundary near its middle
        const off_t cut = off_t(text.size() / 2) & ~off_t(4095);
        QVERIFY(::truncate(p.toLocal8Bit().constData(), cut) == 0);
        auto left = textHits(s, "NEEDLE@");
        size_t found = 0, beyond = 0;
        for (size_t row = 0; row < s.size(); ++row) {
            const auto [seg, i] = s.locate(row);
            const uint64_t end = seg->streamOffset + seg->pos[i] + seg->len[i];
            found += (*left)[row];
            if ((*left)[row] && end > uint64_t(cut))
                ++beyond;
        }
        QCOMPARE(beyond, size_t(0));
        QVERIFY2(found > 1000, std::to_string(found).c_str()); // the segments before the cut
    }

    void snapshotsStayConsistentWhileAppending()
    {
        EventStore store;
        std::string batch;
        for (int i = 0; i < 200; ++i)
            batch += v1(std::to_string(i), "a@x.io", "u", "login", "account", std::to_string(1600000000 + i)) + "\n";
        std::atomic<bool> done{false};
        std::thread writer([&] {
            for (int k = 0; k < 50; ++k)
                store.load(SourceSpec::memory("live", batch), {});
            done = true;
        });
        size_t lastSize = 0;
        int checks = 0;
        while (!done || checks == 0) {
            const Snapshot s = store.snapshot();
            QVERIFY(s.size() >= lastSize);
            QCOMPARE(s.size() % 200, size_t(0)); // whole batches only... per segment, batches are one block
            const auto rows = filteredRows(s, Filter{});
            QCOMPARE(rows.size(), s.size());
            for (size_t i = 0; i < s.size(); i += 97)
                QCOMPARE(s.value(i, Column::Action), std::string("login"));
            lastSize = s.size();
            ++checks;
        }
        writer.join();
        QCOMPARE(store.snapshot().size(), size_t(200 * 50));
    }

    void threadsGiveSameResult()
    {
        std::string text;
        for (int i = 0; i < 5000; ++i)
            text += v1(std::to_string(i), "user" + std::to_string(i % 37) + "@x.io", "u", "act" + std::to_string(i % 11), "t",
                       std::to_string(1600000000 + i))
                    + "\n";
        auto a = load(text, 1, 4096);
        auto b = load(text, 4, 4096);
        const Snapshot sa = a.store->snapshot(), sb = b.store->snapshot();
        QCOMPARE(sa.size(), sb.size());
        for (size_t i = 0; i < sa.size(); i += 13) {
            QCOMPARE(sa.value(i, Column::Actor), sb.value(i, Column::Actor));
            QCOMPARE(sa.time(i), sb.time(i));
            QCOMPARE(sa.line(i), uint64_t(i + 1));
        }
    }
};

QTEST_APPLESS_MAIN(TstStore)
#include "tst_store.moc"
