// SPDX-License-Identifier: MIT
// The query language: grammar and errors, evaluation against a row-by-row reading of the
// records (written here, over nlohmann::json), extracted columns against the raw JSON, export.
#include "query/eval.h"
#include "query/export.h"
#include "query/flatfields.h"
#include "query/history.h"
#include "source/timestamp.h"
#include "store/eventstore.h"
#include "util/ascii.h"

#include "testutil.h"

#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

#include <cmath>
#include <random>
#include <set>
#include <regex>

using namespace auditlens;
using namespace auditlens::query;
using J = nlohmann::ordered_json;

namespace {

// ------------------------------------------------------------------------------------------
// The reference: a direct reading of one record for one node.

void leaves(const J &v, const std::vector<std::string> &segs, size_t k, std::vector<const J *> &out)
{
    if (v.is_array()) {
        for (const J &e : v)
            leaves(e, segs, k, out);
        return;
    }
    if (k == segs.size()) {
        out.push_back(&v);
        return;
    }
    if (v.is_object())
        if (auto it = v.find(segs[k]); it != v.end())
            leaves(*it, segs, k + 1, out);
}

std::vector<std::string> split(const std::string &p)
{
    std::vector<std::string> out;
    size_t b = 0;
    while (true) {
        size_t e = p.find('.', b);
        out.push_back(p.substr(b, e == std::string::npos ? std::string::npos : e - b));
        if (e == std::string::npos)
            return out;
        b = e + 1;
    }
}

std::regex wildcardRegex(const Node &n)
{
    std::string re;
    for (char c : n.pattern) {
        if (c == '\x01')
            re += ".*";
        else if (c == '\x02')
            re += ".";
        else if (std::isalnum(static_cast<unsigned char>(c)))
            re += c;
        else {
            re += '\\';
            re += c;
        }
    }
    return std::regex(re);
}

std::string scalarText(const J &v)
{
    if (v.is_string())
        return v.get<std::string>();
    if (v.is_boolean())
        return v.get<bool>() ? "true" : "false";
    return v.dump();
}

bool refMatch(const Node &n, const J &record, const std::string &raw)
{
    switch (n.kind) {
    case Node::Kind::And:
        for (const auto &k : n.kids)
            if (!refMatch(*k, record, raw))
                return false;
        return true;
    case Node::Kind::Or:
        for (const auto &k : n.kids)
            if (refMatch(*k, record, raw))
                return true;
        return false;
    case Node::Kind::Not: return !refMatch(*n.kids[0], record, raw);
    case Node::Kind::Text: return asciiLower(raw).find(asciiLower(n.value)) != std::string::npos;
    default: break;
    }
    std::vector<const J *> vals;
    leaves(record, split(n.field), 0, vals);
    for (const J *v : vals) {
        if (n.kind == Node::Kind::Exists) {
            if (!v->is_null())
                return true;
            continue;
        }
        if (v->is_null() || v->is_object())
            continue;
        if (n.kind == Node::Kind::Match) {
            if (n.quoted) {
                if (scalarText(*v) == n.value)
                    return true;
            } else if (n.wildcard) {
                if (std::regex_match(scalarText(*v), wildcardRegex(n)))
                    return true;
            } else if (v->is_number()) {
                char *end = nullptr;
                const double d = std::strtod(n.value.c_str(), &end);
                if (scalarText(*v) == n.value || (end && *end == 0 && !n.value.empty() && d == v->get<double>()))
                    return true;
            } else if (scalarText(*v) == n.value) {
                return true;
            }
            continue;
        }
        // Range
        const auto cmp = [&](auto a, auto b) {
            switch (n.op) {
            case Node::Op::Lt: return a < b;
            case Node::Op::Le: return a <= b;
            case Node::Op::Gt: return a > b;
            case Node::Op::Ge: return a >= b;
            }
            return false;
        };
        char *end = nullptr;
        const double d = std::strtod(n.value.c_str(), &end);
        if (end && *end == 0) {
            if (v->is_number() && cmp(v->get<double>(), d))
                return true;
        } else if (auto t = parseTimestampNs(n.value)) {
            if (v->is_string())
                if (auto vt = parseTimestampNs(v->get<std::string>()); vt && cmp(*vt, *t))
                    return true;
        } else if (v->is_string() && cmp(v->get<std::string>(), n.value)) {
            return true;
        }
    }
    return false;
}

// ------------------------------------------------------------------------------------------
// Random records and queries

const char *const kActions[] = {"create", "update", "delete", "Update", "login"};
const char *const kEmails[] = {"alice@example.com", "bob@example.org", "Alice@Example.com", "carol@corp.example.net"};
const char *const kZones[] = {"example.com", "shop.example.com", "a,b \"quoted\"", "zone\nwith newline"};

std::string makeRecord(std::mt19937 &rng, int i)
{
    J r = J::object();
    r["ID"] = "id-" + std::to_string(i);
    r["ActionType"] = kActions[rng() % 5];
    if (rng() % 5)
        r["ActorEmail"] = kEmails[rng() % 4];
    r["When"] = formatRfc3339(int64_t(1677000000 + int64_t(rng() % 2000000)) * 1000000000LL);
    r["ActionResult"] = bool(rng() % 2);
    if (rng() % 3)
        r["Metadata"] = {{"zone_name", kZones[rng() % 4]}, {"count", int(rng() % 10)}, {"ratio", (rng() % 4) * 0.5}};
    if (rng() % 2) {
        J settings = J::array();
        const int n = int(rng() % 4);
        for (int k = 0; k < n; ++k)
            settings.push_back({{"id", "s" + std::to_string(rng() % 6)}, {"enabled", bool(rng() % 2)}});
        r["NewValue"] = {{"settings", settings}, {"enabled", rng() % 3 == 0 ? J(nullptr) : J(bool(rng() % 2))}};
    }
    if (rng() % 4 == 0)
        r["Tags"] = J::array({"red", "blue", rng() % 2 ? "green" : "Red"});
    return r.dump();
}

std::string randomLeaf(std::mt19937 &rng)
{
    switch (rng() % 14) {
    case 0: return std::string("ActionType:") + kActions[rng() % 5];
    case 1: return std::string("ActorEmail:\"") + kEmails[rng() % 4] + "\"";
    case 2: return "ActorEmail:*@example.com";
    case 3: return "ActorEmail:?lice@*";
    case 4: return "Metadata.zone_name:*";
    case 5: return "Metadata.count >= " + std::to_string(rng() % 10);
    case 6: return "Metadata.ratio < 1";
    case 7: return "Metadata.count:" + std::to_string(rng() % 10);
    case 8: return "NewValue.settings.id:s" + std::to_string(rng() % 6);
    case 9: return rng() % 2 ? "NewValue.enabled:false" : "NewValue.settings.enabled:true";
    case 10: return "When > 2023-02-" + std::to_string(21 + rng() % 9);
    case 11: return "ActionType:(create or delete)";
    case 12: return "Tags:red";
    default: return rng() % 2 ? "example.org" : "\"shop.example\"";
    }
}

std::string randomQuery(std::mt19937 &rng, int depth)
{
    if (depth == 0 || rng() % 3 == 0)
        return (rng() % 5 == 0 ? "not " : "") + randomLeaf(rng);
    const char *op = rng() % 2 ? " and " : " or ";
    return "(" + randomQuery(rng, depth - 1) + op + randomQuery(rng, depth - 1) + ")";
}

} // namespace

class TestQuery : public QObject
{
    Q_OBJECT

private slots:
    void flatFieldsAreTheColumnsValues()
    {
        // what a ClickHouse trail stores to run queries by field (flattenFields) lists, under
        // each path, exactly the values the store's FieldColumn reads for that path: nesting,
        // arrays of objects, keys with dots, nulls, empty objects and arrays, repeated keys,
        // numbers as written, escapes; then on random records
        std::string bytes =
            "{\"a\":{\"b\":[{\"c\":1},{\"c\":2.50}],\"d\":null},\"a.b\":{\"c\":\"x\"},\"e\":{},\"f\":[],\"g\":[[1,[true]]]}\n"
            "{\"k\":\"v1\",\"k\":\"v2\",\"m.n.o\":{\"p\":\"q\\n\\u00e9\"},\"m\":{\"n.o\":{\"p\":false}},\"t\":\"2023-02-24T16:32:38Z\",\"u\":1e400,\"\":{\"p\":\"e\",\"\":[{\"\":0}]}}\n";
        std::mt19937 rng(7);
        for (int i = 0; i < 300; ++i)
            bytes += makeRecord(rng, i) + "\n";
        EventStore store;
        store.load(SourceSpec::memory("mem", bytes), {});
        const Snapshot snap = store.snapshot();
        QCOMPARE(snap.size(), size_t(302));
        // every path flattenFields names, on any row, and some no row has
        std::vector<std::vector<FlatField>> flat(snap.size());
        std::set<std::string> paths{"a", "a.b", "a.b.c", "a.d", "e", "f", "g", "k", "m.n.o.p", "m.n", "m.n.o", "t", "u", "nope", "", ".p", "..", ".", "p"};
        for (size_t r = 0; r < snap.size(); ++r) {
            const std::string raw = snap.raw(r);
            std::string padded = raw + std::string(64, '\0');
            QVERIFY(flattenFields(std::string_view(padded.data(), raw.size()), padded.size(), flat[r]));
            for (const FlatField &f : flat[r]) {
                QVERIFY(f.type != ValueType::Null);
                paths.insert(f.path);
            }
        }
        FieldCache cache;
        const std::vector<std::string> all(paths.begin(), paths.end());
        const auto cols = cache.columns(snap, all);
        QCOMPARE(cols.size(), all.size());
        for (size_t k = 0; k < all.size(); ++k)
            for (size_t r = 0; r < snap.size(); ++r) {
                std::vector<std::string> want, got;
                for (uint32_t i = cols[k]->start[r]; i < cols[k]->start[r + 1]; ++i) {
                    const FieldValue &v = cols[k]->values[cols[k]->ids[i]];
                    if (v.type != ValueType::Null) // (a null matches nothing, and exists not)
                        want.push_back(std::to_string(int(v.type)) + (v.type == ValueType::Object ? "" : v.text));
                }
                for (const FlatField &f : flat[r])
                    if (f.path == all[k])
                        got.push_back(std::to_string(int(f.type)) + f.text);
                std::sort(want.begin(), want.end());
                std::sort(got.begin(), got.end());
                QVERIFY2(got == want, (all[k] + " on row " + std::to_string(r)).c_str());
            }
        // numbers keep their text and value; a time reads from a string and from a number
        const auto at = [&](size_t r, const std::string &path) {
            for (const FlatField &f : flat[r])
                if (f.path == path)
                    return f;
            return FlatField{};
        };
        QCOMPARE(at(0, "a.b.c").text, std::string("1"));
        QVERIFY(at(0, "a.b.c").hasTime);
        QCOMPARE(at(1, "t").time, *parseTimestampNs("2023-02-24T16:32:38Z"));
        QCOMPARE(at(1, "u").text, std::string("1e400"));
        QVERIFY(std::isinf(at(1, "u").number));
        QCOMPARE(at(1, "m.n.o.p").type, ValueType::String); // a dotted key and nesting, both
    }

    void grammar_data()
    {
        QTest::addColumn<QString>("query");
        QTest::addColumn<QString>("written");
        QTest::newRow("field") << "ActionType:update" << "ActionType:update";
        QTest::newRow("keywords any case") << "a:1 AND b:2 Or NOT c:3" << "a:1 and b:2 or not c:3";
        QTest::newRow("precedence") << "a:1 or b:2 and c:3" << "a:1 or b:2 and c:3";
        QTest::newRow("parens") << "(a:1 or b:2) and c:3" << "(a:1 or b:2) and c:3";
        QTest::newRow("value list") << "ActionType:(create or delete)" << "ActionType:create or ActionType:delete";
        QTest::newRow("phrase") << "Metadata.zone_name:\"a b\"" << "Metadata.zone_name:\"a b\"";
        QTest::newRow("exists") << "ResourceID:*" << "ResourceID:*";
        QTest::newRow("wildcard") << "ActorEmail:*@example.com" << "ActorEmail:*@example.com";
        QTest::newRow("escaped star") << "a:x\\*y" << "a:x\\*y";
        QTest::newRow("range") << "When >= 2023-02-01" << "When >= \"2023-02-01\"";
        QTest::newRow("text with spaces") << "quick brown fox" << "quick brown fox";
        QTest::newRow("value with spaces") << "a:hello world and b:1" << "a:hello world and b:1";
        QTest::newRow("not keyword inside word") << "order:notice" << "order:notice";
        QTest::newRow("nested not") << "not not a:1" << "not not a:1";
    }
    void grammar()
    {
        QFETCH(QString, query);
        QFETCH(QString, written);
        const ParsedQuery p = parseKql(query.toStdString());
        QVERIFY2(p.ok(), p.error.c_str());
        QCOMPARE(QString::fromStdString(toString(p.root.get())), written);
    }

    void errors_data()
    {
        QTest::addColumn<QString>("query");
        QTest::addColumn<int>("pos");
        QTest::addColumn<QString>("says");
        QTest::newRow("unclosed paren") << "(a:1 or b:2" << 0 << "not closed";
        QTest::newRow("unclosed quote") << "a:\"abc" << 2 << "not closed";
        QTest::newRow("missing value") << "a:" << 2 << "value is missing";
        QTest::newRow("dangling or") << "a:1 or" << 6 << "missing";
        QTest::newRow("stray paren") << "a:1)" << 3 << "without its '('";
        QTest::newRow("two terms") << "a:1 b:2" << 5 << "expected 'and', 'or'";
        QTest::newRow("range wildcard") << "a > 1*" << 4 << "wildcards";
        QTest::newRow("space in field") << "my field:1" << 0 << "spaces";
        QTest::newRow("trailing backslash") << "abc\\" << 3 << "escapes nothing";
    }
    void errors()
    {
        QFETCH(QString, query);
        QFETCH(int, pos);
        QFETCH(QString, says);
        const ParsedQuery p = parseKql(query.toStdString());
        QVERIFY(!p.ok());
        QVERIFY2(QString::fromStdString(p.error).contains(says), p.error.c_str());
        QCOMPARE(int(p.errorPos), pos);
    }

    void deepNestingIsAnError()
    {
        const std::string q = std::string(5000, '(') + "a:1" + std::string(5000, ')');
        const ParsedQuery p = parseKql(q);
        QVERIFY(!p.ok());
        QVERIFY(p.error.find("nested too deeply") != std::string::npos);
        std::string nots;
        for (int i = 0; i < 5000; ++i)
            nots += "not ";
        const ParsedQuery n = parseKql(nots + "a:1");
        QVERIFY(!n.ok());
    }

    void wildcards()
    {
        const auto pat = [](const char *q) { return parseKql(q).root->pattern; };
        QVERIFY(wildcardMatch(pat("a:*@example.com"), "alice@example.com"));
        QVERIFY(!wildcardMatch(pat("a:*@example.com"), "alice@example.org"));
        QVERIFY(wildcardMatch(pat("a:a?c"), "abc"));
        QVERIFY(wildcardMatch(pat("a:a?c"), "a\xc3\xa9" "c")); // ? is one UTF-8 character
        QVERIFY(!wildcardMatch(pat("a:a?c"), "ac"));
        QVERIFY(wildcardMatch(pat("a:*a*b*"), "xxaxxbxx"));
        QVERIFY(!wildcardMatch(pat("a:*a*b"), "xxaxxbxxc"));
    }

    /// The columns hold exactly what a direct reading of each raw record finds.
    void columnsMatchTheRawJson()
    {
        std::mt19937 rng(7);
        std::string bytes;
        std::vector<J> recs;
        for (int i = 0; i < 3000; ++i) {
            const std::string r = makeRecord(rng, i);
            recs.push_back(J::parse(r));
            bytes += r + "\n";
        }
        EventStore store;
        store.load(SourceSpec::memory("mem", bytes), {});
        const Snapshot snap = store.snapshot();
        QCOMPARE(snap.size(), recs.size());
        FieldCache cache;
        for (const std::string path : {"ActionType", "Metadata.count", "NewValue.settings.id", "NewValue.enabled", "Tags", "Metadata"}) {
            auto col = cache.column(snap, path);
            QVERIFY(col);
            QCOMPARE(col->rows, recs.size());
            for (size_t r = 0; r < recs.size(); ++r) {
                std::vector<const J *> want;
                leaves(recs[r], split(path), 0, want);
                QCOMPARE(size_t(col->start[r + 1] - col->start[r]), want.size());
                for (size_t k = 0; k < want.size(); ++k) {
                    const FieldValue &v = col->values[col->ids[col->start[r] + k]];
                    const J &w = *want[k];
                    if (w.is_object())
                        QVERIFY(J::parse(v.text) == w);
                    else
                        QCOMPARE(QString::fromStdString(v.text), QString::fromStdString(scalarText(w)));
                }
            }
        }
    }

    /// Random queries over random records: the evaluation equals the row-by-row reading.
    void evaluationEqualsRowByRowReading()
    {
        std::mt19937 rng(11);
        std::string bytes;
        std::vector<std::string> raws;
        std::vector<J> recs;
        for (int i = 0; i < 2500; ++i) {
            raws.push_back(makeRecord(rng, i));
            recs.push_back(J::parse(raws.back()));
            bytes += raws.back() + "\n";
        }
        EventStore store;
        store.load(SourceSpec::memory("mem", bytes), {});
        const Snapshot snap = store.snapshot();
        FieldCache cache;
        int nonTrivial = 0;
        for (int t = 0; t < 150; ++t) {
            const std::string text = randomQuery(rng, 3);
            const auto q = Query::parse(text);
            QVERIFY2(q->ok(), (text + ": " + q->error()).c_str());
            const auto hits = evaluateQuery(*q, snap, cache);
            QVERIFY(hits);
            size_t n = 0;
            for (size_t r = 0; r < recs.size(); ++r) {
                const bool want = refMatch(*q->root(), recs[r], raws[r]);
                if ((*hits)[r] != uint8_t(want))
                    QFAIL(("query " + text + " differs at record " + std::to_string(r) + ": " + raws[r]).c_str());
                n += want;
            }
            nonTrivial += n > 0 && n < recs.size();
        }
        QVERIFY(nonTrivial > 100); // the queries select something, not all or nothing
    }

    void specificSemantics()
    {
        const std::string bytes =
            R"({"a":"Update","n":5,"b":true,"arr":[1,2,3],"o":{"k":"v"},"big":18446744073709551616,"When":"2023-02-25T10:00:00Z"})" "\n"
            R"({"a":"update","n":5.0,"b":"true","arr":[],"o":null,"big":-5,"When":"2023-02-26T10:00:00Z"})" "\n"
            R"({"a":"x","n":"5","When":1677319200})" "\n";
        EventStore store;
        store.load(SourceSpec::memory("mem", bytes), {});
        const Snapshot snap = store.snapshot();
        FieldCache cache;
        const auto rows = [&](const char *q) {
            const auto parsed = Query::parse(q);
            auto h = evaluateQuery(*parsed, snap, cache);
            std::string s;
            for (size_t r = 0; h && r < h->size(); ++r)
                if ((*h)[r])
                    s += char('0' + r);
            return s;
        };
        QCOMPARE(QString::fromStdString(rows("a:update")), QStringLiteral("1"));   // case-sensitive
        QCOMPARE(QString::fromStdString(rows("n:5")), QStringLiteral("012"));       // numerically, and the string "5"
        QCOMPARE(QString::fromStdString(rows("b:true")), QStringLiteral("01"));     // the boolean and the string
        QCOMPARE(QString::fromStdString(rows("arr:2")), QStringLiteral("0"));       // any element
        QCOMPARE(QString::fromStdString(rows("arr:*")), QStringLiteral("0"));       // an empty array has no value
        QCOMPARE(QString::fromStdString(rows("o:*")), QStringLiteral("0"));         // null is not there
        QCOMPARE(QString::fromStdString(rows("o.k:v")), QStringLiteral("0"));
        QCOMPARE(QString::fromStdString(rows("big:18446744073709551616")), QStringLiteral("0")); // exact text beyond 64 bits
        QCOMPARE(QString::fromStdString(rows("big > 1e19")), QStringLiteral("0"));
        QCOMPARE(QString::fromStdString(rows("big < 0")), QStringLiteral("1"));
        QCOMPARE(QString::fromStdString(rows("When >= 2023-02-26")), QStringLiteral("1"));
        QCOMPARE(QString::fromStdString(rows("When < 2023-02-26")), QStringLiteral("02")); // epoch numbers are times too
        QCOMPARE(QString::fromStdString(rows("not a:x")), QStringLiteral("01"));
        QCOMPARE(QString::fromStdString(rows("missing:*")), QStringLiteral(""));
        QCOMPARE(QString::fromStdString(rows("not missing:1")), QStringLiteral("012"));
        QCOMPARE(QString::fromStdString(rows("UPDATE")), QStringLiteral("01"));     // free text: case-insensitive
        QCOMPARE(QString::fromStdString(rows("")), QStringLiteral("012"));
    }

    void appendedRowsAreReadOnce()
    {
        EventStore store;
        store.load(SourceSpec::memory("a", "{\"k\":1}\n{\"k\":2}\n"), {});
        FieldCache cache;
        auto c1 = cache.column(store.snapshot(), "k");
        QCOMPARE(c1->rows, size_t(2));
        store.load(SourceSpec::memory("b", "{\"k\":3}\n"), {});
        auto c2 = cache.column(store.snapshot(), "k");
        QCOMPARE(c2->rows, size_t(3));
        QCOMPARE(QString::fromStdString(c2->values[c2->ids[2]].text), QStringLiteral("3"));
        // a store cleared and loaded anew is read again, not taken from the old columns
        store.clear();
        store.load(SourceSpec::memory("c", "{\"k\":7}\n{\"k\":8}\n{\"k\":9}\n{\"k\":10}\n"), {});
        auto c3 = cache.column(store.snapshot(), "k");
        QCOMPARE(c3->rows, size_t(4));
        QCOMPARE(QString::fromStdString(c3->values[c3->ids[0]].text), QStringLiteral("7"));
    }

    void queryMaskFiltersTheStore()
    {
        EventStore store;
        store.load(SourceSpec::memory("m", "{\"ActionType\":\"a\",\"x\":1}\n{\"ActionType\":\"b\",\"x\":2}\n{\"ActionType\":\"a\",\"x\":3}\n"), {});
        const Snapshot snap = store.snapshot();
        FieldCache cache;
        Filter f;
        f.rowMask = evaluateQuery(*Query::parse("x >= 2"), snap, cache);
        const auto ev = EventStore::evaluate(snap, f, {Column::Action});
        QCOMPARE(ev.rows, (std::vector<uint32_t>{1, 2}));
        const uint32_t a = *snap.dict(Column::Action).find("a");
        QCOMPARE(ev.counts[0][a], uint64_t(1)); // facet counts are under the query
    }

    void exportRoundTrips()
    {
        std::mt19937 rng(3);
        std::string bytes;
        for (int i = 0; i < 500; ++i)
            bytes += makeRecord(rng, i) + "\n";
        // one pretty-printed record too: exported on one line
        bytes += "{\n  \"ActionType\": \"pretty\",\n  \"ID\": \"p\"\n}\n";
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("in.ndjson")).toStdString();
        {
            QFile f(QString::fromStdString(path));
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(bytes.data(), qint64(bytes.size()));
        }
        EventStore store;
        store.load(SourceSpec::file(path), {});
        const Snapshot snap = store.snapshot();
        FieldCache cache;
        auto hits = evaluateQuery(*Query::parse("ActionType:(update or pretty)"), snap, cache);
        std::vector<uint32_t> rows;
        for (size_t r = 0; r < hits->size(); ++r)
            if ((*hits)[r])
                rows.push_back(uint32_t(r));
        QVERIFY(rows.size() > 50);
        std::string out;
        ExportOptions opts;
        const ExportResult res = exportRows(snap, rows, opts, [&](std::string_view b) {
            out += b;
            return true;
        });
        QVERIFY(res.ok);
        QCOMPARE(res.written, rows.size());
        EventStore again;
        again.load(SourceSpec::memory("out", out), {});
        const Snapshot s2 = again.snapshot();
        QCOMPARE(s2.size(), rows.size());
        for (size_t i = 0; i < rows.size(); ++i)
            QVERIFY(J::parse(s2.raw(i)) == J::parse(snap.raw(rows[i])));
        QCOMPARE(std::count(out.begin(), out.end(), '\n'), long(rows.size()));
    }

    void csvIsRfc4180()
    {
        std::string out;
        appendCsvField(out, "plain");
        out += ',';
        appendCsvField(out, "a,b \"q\"\nline");
        QCOMPARE(QString::fromStdString(out), QStringLiteral("plain,\"a,b \"\"q\"\"\nline\""));
        QVERIFY(exportFormatForName("x.ECS.ndjson") == ExportFormat::EcsNdjson);
        QVERIFY(exportFormatForName("x.ndjson") == ExportFormat::RawNdjson);
        QVERIFY(exportFormatForName("x.csv") == ExportFormat::Csv);
        QVERIFY(!exportFormatForName("x.txt"));
    }

    void catalogCountsRecordsAndTypes()
    {
        EventStore store;
        store.load(SourceSpec::memory("m", "{\"a\":1,\"o\":{\"k\":[1,2]}}\n{\"a\":\"x\",\"o\":{\"k\":3}}\n{\"b\":null}\n"), {});
        const auto cat = fieldCatalog(store.snapshot());
        std::map<std::string, FieldStat> m;
        for (const auto &f : cat)
            m[f.path] = f;
        QCOMPARE(m["a"].records, uint64_t(2));
        QCOMPARE(int(m["a"].types), (1 << int(ValueType::Number)) | (1 << int(ValueType::String)));
        QCOMPARE(m["o.k"].records, uint64_t(2)); // an array counts its record once
        QCOMPARE(m["o"].records, uint64_t(2));
        QCOMPARE(m["b"].records, uint64_t(1));
    }

    void catalogNamesEmptyKeysAsQueriesDo()
    {
        // a key "" is a field of its own, and what is under it starts with a dot: as the query
        // language (and flattenFields, what ClickHouse holds) names them
        EventStore store;
        store.load(SourceSpec::memory("m", "{\"\":\"top\"}\n{\"\":{\"x\":1},\"a\":{\"\":2}}\n"), {});
        std::set<std::string> paths;
        for (const auto &f : fieldCatalog(store.snapshot()))
            paths.insert(f.path);
        QCOMPARE(paths, (std::set<std::string>{"", ".x", "a", "a."}));
        const auto q = Query::parse(fieldName(".x") + ":1");
        QVERIFY(q->ok());
        FieldCache cache;
        const auto hits = evaluateQuery(*q, store.snapshot(), cache);
        QVERIFY(hits && hits->size() == 2 && !(*hits)[0] && (*hits)[1]);
    }

    void fieldNamesAreWrittenSoThatTheQueryReadsThemBack()
    {
        for (const std::string path : {"ActionType", "Metadata.q\"uote", "Metadata.back\\slash", "a:b", "a(b)c", "x<y>z", "st*r?",
                                       "not", "AND", "Or", ".x", "a.", "é.ünï", "\xf0\x9f\x98\x80"}) {
            const std::string name = fieldName(path);
            QVERIFY2(!name.empty(), path.c_str());
            const auto q = Query::parse(name + ":*");
            QVERIFY2(q->ok(), (name + ": " + q->error()).c_str());
            QCOMPARE(q->fields(), std::vector<std::string>{path});
            const auto v = Query::parse("not " + name + ":\"v\" and b:1");
            QVERIFY2(v->ok() && v->fields().front() == path, name.c_str());
        }
        for (const std::string path : {"", "has space", "tab\there", "new\nline"})
            QVERIFY2(fieldName(path).empty(), path.c_str()); // (no query can name these)
    }

    void resourceHistory()
    {
        // three steps of one resource (out of order in the file), one other resource, one v2
        // record of the same ID in another scope
        const std::string bytes =
            R"({"ID":"c","When":"2023-03-01T00:00:03Z","ActionType":"update","ActorEmail":"bob@x","ResourceID":"r1","ResourceType":"rule","OldValue":{"enabled":true},"NewValue":{"enabled":false}})" "\n"
            R"({"ID":"a","When":"2023-03-01T00:00:01Z","ActionType":"create","ActorEmail":"alice@x","ResourceID":"r1","ResourceType":"rule","NewValue":{"enabled":true}})" "\n"
            R"({"ID":"x","When":"2023-03-01T00:00:02Z","ActionType":"create","ActorEmail":"alice@x","ResourceID":"r2","ResourceType":"rule"})" "\n"
            R"({"ID":"b","When":"2023-03-01T00:00:02Z","ActionType":"update","ActorEmail":"alice@x","ResourceID":"r1","ResourceType":"rule","OldValue":{"enabled":true,"n":1},"NewValue":{"enabled":true,"n":2}})" "\n"
            R"({"AuditLogID":"v","ActionTimestamp":"2023-03-01T00:00:04Z","ActionType":"update","ActorEmail":"alice@x","ActorIPAddress":"10.0.0.1","ActorContext":"api_token","ResourceID":"r1","ResourceType":"rule","ResourceScope":"zones","Raw":{"user_agent":"curl/8"}})" "\n";
        EventStore store;
        store.load(SourceSpec::memory("m", bytes), {});
        const Snapshot snap = store.snapshot();
        const auto q = resourceHistoryQuery(J::parse(snap.raw(0)));
        QVERIFY(q);
        QCOMPARE(QString::fromStdString(*q), QStringLiteral("ResourceID:\"r1\" and ResourceType:\"rule\""));
        FieldCache cache;
        const auto hits = evaluateQuery(*Query::parse(*q), snap, cache);
        std::vector<uint32_t> rows;
        for (size_t r = 0; r < hits->size(); ++r)
            if ((*hits)[r])
                rows.push_back(uint32_t(r));
        QCOMPARE(rows, (std::vector<uint32_t>{0, 1, 3, 4})); // the v1 query does not look at the scope
        // the rows as a trail source's records() gives them, in store order
        const auto rowOf = [&snap](uint32_t r) {
            TrailRow t;
            t.id = "row:" + std::to_string(r);
            t.time = snap.time(r);
            t.values[size_t(Column::Actor)] = snap.value(r, Column::Actor);
            t.values[size_t(Column::Action)] = snap.value(r, Column::Action);
            t.result = snap.result(r);
            t.raw = snap.raw(r);
            return t;
        };
        std::vector<HistoryStep> steps;
        for (uint32_t r : rows)
            steps.push_back(historyStep(rowOf(r)));
        orderHistory(steps);
        QCOMPARE(steps.size(), size_t(4));
        QCOMPARE(steps[0].id, std::string("row:1")); // oldest first
        QCOMPARE(steps[1].id, std::string("row:3"));
        QCOMPARE(steps[2].id, std::string("row:0"));
        QCOMPARE(steps[0].action, std::string("create"));
        QCOMPARE(steps[0].time, snap.time(1));
        QCOMPARE(steps[1].changes.size(), size_t(1));
        QCOMPARE(QString::fromStdString(steps[1].changes[0].path), QStringLiteral("n"));
        QCOMPARE(QString::fromStdString(steps[2].changes[0].path), QStringLiteral("enabled"));
        // a v2 record's history includes its scope
        const auto q2 = resourceHistoryQuery(J::parse(snap.raw(4)));
        QVERIFY(q2 && q2->find("ResourceScope:\"zones\"") != std::string::npos);
        const auto h2 = evaluateQuery(*Query::parse(*q2), snap, cache);
        QCOMPARE(int(std::count(h2->begin(), h2->end(), 1)), 1);

        const auto aq = actorHistoryQuery(J::parse(snap.raw(1)));
        QCOMPARE(QString::fromStdString(*aq), QStringLiteral("ActorEmail:\"alice@x\""));
        const auto ah = evaluateQuery(*Query::parse(*aq), snap, cache);
        std::vector<uint32_t> arows;
        for (size_t r = 0; r < ah->size(); ++r)
            if ((*ah)[r])
                arows.push_back(uint32_t(r));
        QCOMPARE(arows.size(), size_t(4));
        ActorTally tally;
        for (uint32_t r : arows)
            tally.add(snap.raw(r));
        const ActorSummary sum = tally.summary();
        QCOMPARE(sum.ips.size(), size_t(1));
        QCOMPARE(QString::fromStdString(sum.ips[0].first), QStringLiteral("10.0.0.1"));
        QCOMPARE(QString::fromStdString(sum.userAgents[0].first), QStringLiteral("curl/8"));
        QCOMPARE(QString::fromStdString(sum.actions[0].first), QStringLiteral("create"));
        QCOMPARE(sum.actions[0].second, uint64_t(2));
        QCOMPARE(sum.interfaces.size(), size_t(1)); // Interface, else ActorContext
        QCOMPARE(QString::fromStdString(sum.interfaces[0].first), QStringLiteral("api_token"));
        QCOMPARE(sum.resourceTypes, (std::vector<std::pair<std::string, uint64_t>>{{"rule", 4}}));
    }

    void historyOrderAndUnreadableSteps()
    {
        // records without a time come last, in the order they came; a step with no raw record
        // (a file's bytes not read back) or a malformed one says so and is kept
        std::vector<HistoryStep> steps;
        const auto add = [&steps](std::string id, int64_t time, std::string raw) {
            TrailRow r;
            r.id = std::move(id);
            r.time = time;
            r.raw = std::move(raw);
            steps.push_back(historyStep(r));
        };
        add("u1", kNoTime, R"({"OldValue":{"a":1},"NewValue":{"a":2}})");
        add("t2", 2000, "{}");
        add("u2", kNoTime, "");
        add("t1", 1000, "{\"broken\":");
        orderHistory(steps);
        QStringList ids;
        for (const auto &s : steps)
            ids << QString::fromStdString(s.id);
        QCOMPARE(ids, (QStringList{QStringLiteral("t1"), QStringLiteral("t2"), QStringLiteral("u1"), QStringLiteral("u2")}));
        QVERIFY(!steps[0].error.empty());
        QVERIFY(steps[1].error.empty());
        QCOMPARE(steps[2].changes.size(), size_t(1));
        QVERIFY(QString::fromStdString(steps[3].error).contains(QLatin1String("could not be read back")));
        // the actor tally skips what is not a record, and counts a record's first path only
        ActorTally tally;
        tally.add("not json");
        tally.add(R"({"ActorIP":"1.1.1.1","ActorIPAddress":"2.2.2.2"})");
        tally.add(R"({"ActorIPAddress":"2.2.2.2"})");
        tally.add(R"({"ActorIP":["3.3.3.3","1.1.1.1"]})");
        const auto ips = tally.summary().ips;
        QCOMPARE(ips, (std::vector<std::pair<std::string, uint64_t>>{{"1.1.1.1", 2}, {"2.2.2.2", 1}, {"3.3.3.3", 1}}));
    }
};

QTEST_GUILESS_MAIN(TestQuery)
#include "tst_query.moc"
