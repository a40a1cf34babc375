// SPDX-License-Identifier: MIT
// The ClickHouse trail: the HTTP client's error handling (against stand-in servers on
// loopback), the TabSeparated rows, and, when AUDITLENS_CLICKHOUSE_URL names a running
// ClickHouse (.ci/steps/40-clickhouse.sh starts two), init, ship and stats against a single
// node table and a Distributed table, compared with the embedded store's counts.
// Without the URL the server tests skip and say so; with AUDITLENS_REQUIRE_CLICKHOUSE=1 they fail.
#include "clickhousefixture.h"
#include "clickhouse/client.h"
#include "clickhouse/kqlsql.h"
#include "clickhouse/remotetrail.h"
#include "clickhouse/shipper.h"
#include "clickhouse/trail.h"
#include "query/flatfields.h"
#include "samplestore.h"
#include "store/embeddedtrail.h"
#include "store/eventstore.h"

#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QScopeGuard>
#include <QTest>
#include <QUuid>

#include <algorithm>
#include <cstring>
#include <iterator>
#include <map>
#include <set>

using namespace auditlens;
using namespace auditlens::clickhouse;
using namespace auditlens::clickhouse::testing;

namespace {

const char *const kSamples = AUDITLENS_TEST_DATA "/../../resources/samples/cloudflare-audit-logs.ndjson";

/// What stats prints, from the embedded store, with every value of the top lists.
TrailStats embeddedStats(const Snapshot &snap)
{
    TrailStats s;
    s.records = snap.size();
    s.from = INT64_MAX;
    s.to = INT64_MIN;
    for (size_t r = 0; r < snap.size(); ++r) {
        const int64_t t = snap.time(r);
        if (t == kNoTime)
            ++s.noTime;
        else {
            s.from = std::min(s.from, t);
            s.to = std::max(s.to, t);
        }
        ++s.schemas[size_t(snap.schema(r)) % 3];
        ++s.results[size_t(snap.result(r)) % 3];
    }
    const std::vector<Column> cols = {Column::Actor, Column::Action, Column::ResourceType};
    const auto ev = EventStore::evaluate(snap, Filter{}, cols);
    for (size_t k = 0; k < 3; ++k)
        for (auto [id, n] : EventStore::top(ev.counts[k], 0))
            s.top[k].emplace_back(snap.dict(cols[k]).at(id), n);
    return s;
}

std::map<std::string, uint64_t> asMap(const std::vector<std::pair<std::string, uint64_t>> &v)
{
    return {v.begin(), v.end()};
}

/// The server's stats of `t`, or fails the test.
bool serverStats(Client &c, const TrailTable &t, TrailStats &s)
{
    Reply r = runBlockingCliOnly(c, statsSummarySql(t));
    std::string error;
    if (!r.ok() || !parseStatsSummary(r.body, s, error)) {
        qWarning("stats: %s", r.ok() ? error.c_str() : r.error.c_str());
        return false;
    }
    for (int k = 0; k < 3; ++k) {
        r = runBlockingCliOnly(c, statsTopSql(t, k, 0));
        if (!r.ok() || !parseStatsTop(r.body, s.top[size_t(k)], error)) {
            qWarning("top: %s", r.ok() ? error.c_str() : r.error.c_str());
            return false;
        }
    }
    return true;
}

void compareStats(const TrailStats &got, const TrailStats &want)
{
    QCOMPARE(got.records, want.records);
    QCOMPARE(got.noTime, want.noTime);
    if (want.records > want.noTime) {
        QCOMPARE(got.from, want.from);
        QCOMPARE(got.to, want.to);
    }
    QCOMPARE(got.schemas, want.schemas);
    QCOMPARE(got.results, want.results);
    for (size_t k = 0; k < 3; ++k) {
        QCOMPARE(got.top[k].size(), want.top[k].size());
        QVERIFY(asMap(got.top[k]) == asMap(want.top[k]));
        // ordered by count, ties by value
        for (size_t i = 1; i < got.top[k].size(); ++i)
            QVERIFY(got.top[k][i - 1].second > got.top[k][i].second
                    || (got.top[k][i - 1].second == got.top[k][i].second && got.top[k][i - 1].first < got.top[k][i].first));
    }
}


/// A server that accepts connections and never answers.
struct SilentServer
{
    QTcpServer server;
    std::vector<QTcpSocket *> sockets;
    SilentServer()
    {
        server.listen(QHostAddress::LocalHost, 0);
        QObject::connect(&server, &QTcpServer::newConnection, &server, [this] {
            while (QTcpSocket *s = server.nextPendingConnection())
                sockets.push_back(s);
        });
    }
    QUrl url() const { return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(server.serverPort())); }
};

} // namespace

class TestClickhouse : public QObject
{
    Q_OBJECT
private slots:
    void classifiesServerErrors_data();
    void classifiesServerErrors();
    void endpointRefusesPasswordInUrl();
    void endpointReadsPasswordFile();
    void rowsRoundTrip();
    void rowBinaryHoldsTheSameRows();
    void fieldKeysAreTheStoredOnes();
    void fieldsPresentNamesTheAbsentOnes();
    void trailIdsAreTheIndexPasses();
    void unreachableIsPlainAndTransient();
    void timeoutGivesUp();
    void cancelAbortsAndEndsOnce();
    void shipperRetriesThenGivesUp();

    void serverErrors();
    void serverCancelStopsQuery();
    void singleNodeInitShipStats();
    void distributedInitShipStats();
};

void TestClickhouse::classifiesServerErrors_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("kind");
    QTest::addColumn<QString>("says");
    // 18.16's texts, then current releases'
    QTest::newRow("wrong password 18.16") << 401 << QByteArray("Code: 193, e.displayText() = DB::Exception: Wrong password for user x, e.what() = DB::Exception\n")
                                          << int(ErrorKind::Auth) << QStringLiteral("refused the credentials of user bob");
    QTest::newRow("auth current") << 516 << QByteArray("Code: 516. DB::Exception: bob: Authentication failed: password is incorrect, or there is no user with such name. (AUTHENTICATION_FAILED) (version 24.8.4.13 (official build))\n")
                                  << int(ErrorKind::Auth) << QStringLiteral("refused the credentials of user bob");
    QTest::newRow("missing table 18.16") << 404 << QByteArray("Code: 60, e.displayText() = DB::Exception: Table default.nosuch doesn't exist., e.what() = DB::Exception\n")
                                         << int(ErrorKind::MissingTable) << QStringLiteral("Table default.nosuch doesn't exist.");
    QTest::newRow("missing database current") << 404 << QByteArray("Code: 81. DB::Exception: Database nodb does not exist. (UNKNOWN_DATABASE) (version 24.8.4.13 (official build))\n")
                                              << int(ErrorKind::MissingTable) << QStringLiteral("Database nodb does not exist. (UNKNOWN_DATABASE) (create it");
    QTest::newRow("syntax") << 400 << QByteArray("Code: 62, e.displayText() = DB::Exception: Syntax error: failed at position 1: SELEC 1., e.what() = DB::Exception\n")
                            << int(ErrorKind::Syntax) << QStringLiteral("could not parse the query: Syntax error: failed at position 1");
    QTest::newRow("older trail table 18.16") << 500 << QByteArray("Code: 16, e.displayText() = DB::Exception: No such column resource_id in table oldt, e.what() = DB::Exception\n")
                                             << int(ErrorKind::Server) << QStringLiteral("No such column resource_id in table oldt (a trail table made by an older Auditlens lacks a column: 'auditlens-cli clickhouse init'");
    QTest::newRow("older trail table current") << 404 << QByteArray("Code: 47. DB::Exception: Missing columns: 'field_path' while processing query: 'SELECT 1', required columns: 'field_path'. (UNKNOWN_IDENTIFIER) (version 24.8.4.13 (official build))\n")
                                               << int(ErrorKind::Server) << QStringLiteral("clickhouse init' with the same --database and --table adds it");
    QTest::newRow("query too long") << 400 << QByteArray("Code: 62, e.displayText() = DB::Exception: Syntax error: failed at position 262145: x. Max query size exceeded: 'x', e.what() = DB::Exception\n")
                                    << int(ErrorKind::Syntax) << QStringLiteral("refused the query as too long (over its max_query_size");
    QTest::newRow("proxy 502") << 502 << QByteArray("<html>bad gateway</html>") << int(ErrorKind::Server) << QStringLiteral("answered HTTP 502");
}

void TestClickhouse::classifiesServerErrors()
{
    QFETCH(int, status);
    QFETCH(QByteArray, body);
    QFETCH(int, kind);
    QFETCH(QString, says);
    Endpoint ep;
    ep.url = QUrl(QStringLiteral("http://127.0.0.1:8123"));
    ep.user = QStringLiteral("bob");
    ep.password = QStringLiteral("hunter2-secret");
    const Reply r = classify(status, body, 0, {}, ep);
    QCOMPARE(int(r.kind), kind);
    QVERIFY2(QString::fromStdString(r.error).contains(says), r.error.c_str());
    QVERIFY(QString::fromStdString(r.error).contains(QLatin1String("ClickHouse at http://127.0.0.1:8123")));
    QVERIFY(!QString::fromStdString(r.error).contains(QLatin1String("hunter2")));
    QCOMPARE(r.transient(), status == 502);
}

void TestClickhouse::endpointRefusesPasswordInUrl()
{
    Endpoint ep;
    std::string error;
    QVERIFY(!makeEndpoint("http://bob:hunter2-secret@127.0.0.1:8123", {}, ep, error));
    QVERIFY(error.find("must not hold a password") != std::string::npos);
    QVERIFY(error.find("hunter2") == std::string::npos);
    QVERIFY(!makeEndpoint("ftp://127.0.0.1", {}, ep, error));
    QVERIFY(makeEndpoint("https://ch.example.com:8443", {}, ep, error));
    QCOMPARE(ep.url.scheme(), QStringLiteral("https"));
}

void TestClickhouse::endpointReadsPasswordFile()
{
    QTemporaryDir dir;
    QFile f(dir.filePath(QStringLiteral("pw")));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("s3cret with spaces\r\nsecond line\n");
    f.close();
    const QByteArray saved = qgetenv("CLICKHOUSE_PASSWORD");
    const bool had = qEnvironmentVariableIsSet("CLICKHOUSE_PASSWORD");
    qputenv("CLICKHOUSE_PASSWORD", "from-env");
    Endpoint ep;
    std::string error;
    QVERIFY(makeEndpoint("http://127.0.0.1:8123", f.fileName().toStdString(), ep, error));
    QCOMPARE(ep.password, QStringLiteral("s3cret with spaces"));
    QVERIFY(makeEndpoint("http://127.0.0.1:8123", {}, ep, error));
    QCOMPARE(ep.password, QStringLiteral("from-env"));
    if (had)
        qputenv("CLICKHOUSE_PASSWORD", saved);
    else
        qunsetenv("CLICKHOUSE_PASSWORD");
    QVERIFY(!makeEndpoint("http://127.0.0.1:8123", dir.filePath(QStringLiteral("missing")).toStdString(), ep, error));
}

void TestClickhouse::rowsRoundTrip()
{
    // pretty-printed (newlines, a tab) with backslashes and no ID, then one with an ID
    const std::string text = "{\n\t\"ActionType\": \"a\\\\b\",\n  \"ActorEmail\": \"x\\ty@e.test\",\n  \"When\": \"2023-02-20T00:00:00Z\"\n}\n"
                             "{\"ID\":\"id-2\",\"ActionType\":\"login\",\"ActionResult\":true,\"When\":\"2023-03-01T00:00:01.5Z\","
                             "\"ResourceID\":\"zone\\t7\"}\n";
    EventStore store;
    store.load(SourceSpec::memory("mem", text), {});
    const Snapshot snap = store.snapshot();
    QCOMPARE(snap.size(), size_t(2));
    QByteArray tsv;
    std::string error;
    QVERIFY(rowsTsv(snap, 0, 2, tsv, error));
    const QList<QByteArray> lines = tsv.split('\n');
    QCOMPARE(lines.size(), 3); // two rows and the end
    QVERIFY(lines[2].isEmpty());
    for (int r = 0; r < 2; ++r) {
        const QList<QByteArray> f = lines[r].split('\t');
        QCOMPARE(f.size(), 24);
        QCOMPARE(f[0].toLongLong(), snap.time(size_t(r)));
        QCOMPARE(f[1].toLongLong(), snap.time(size_t(r)) / 1000000000);
        QCOMPARE(unescapeTsv(f[5].toStdString()), snap.value(size_t(r), Column::Actor));
        QCOMPARE(unescapeTsv(f[6].toStdString()), snap.value(size_t(r), Column::Action));
        QCOMPARE(unescapeTsv(f[13].toStdString()), resourceIdOf(snap.raw(size_t(r))));
        QCOMPARE(unescapeTsv(f[14].toStdString()), snap.raw(size_t(r)));
        QCOMPARE(f[15], QByteArray::number(kFieldsShipped)); // fields shipped, as this release does
        const QByteArray first = QByteArray::number(qulonglong(fieldKey(r ? "ID" : "ActionType"))); // their paths' keys
        QVERIFY2(f[16].startsWith(QByteArray("[" + first + ",")), f[16].constData());
    }
    // the second record's fields as TabSeparated arrays: a tab escaped inside a quoted value
    QCOMPARE(lines[1].split('\t')[18].count("zone\\t7"), 1);
    QCOMPARE(unescapeTsv(lines[0].split('\t')[13].toStdString()), std::string()); // none
    QCOMPARE(unescapeTsv(lines[1].split('\t')[13].toStdString()), std::string("zone\t7"));
    QVERIFY(lines[0].split('\t')[2].startsWith("raw:"));
    QCOMPARE(lines[1].split('\t')[2], QByteArray("v1:id-2"));
    QCOMPARE(lines[1].split('\t')[4], QByteArray("1")); // success
    // the paths named: each by the first row of the batch that has it
    QCOMPARE(lines[0].split('\t')[23], QByteArray("['ActionType','ActorEmail','When']"));
    QCOMPARE(lines[1].split('\t')[23], QByteArray("['ID','ActionResult','ResourceID']"));
}

void TestClickhouse::fieldsPresentNamesTheAbsentOnes()
{
    // one flag per path, tested as `path:*` is; an answer of another shape is an error, never "all absent"
    const std::vector<std::string> paths{"ActorEmail", "Metadata.zone_nme", "x"};
    const QByteArray sql = fieldsPresentSql("`d`.`t`", paths);
    const QByteArray head = "SELECT max(" + fieldExistsSql("ActorEmail") + "), max(" + fieldExistsSql("Metadata.zone_nme") + "), max(";
    QVERIFY2(sql.startsWith(head), sql.constData());
    QVERIFY(sql.contains(" FROM `d`.`t` "));
    QVERIFY(fieldExistsSql("ActorEmail").contains(QByteArray::number(qulonglong(fieldKey("ActorEmail")))));
    std::vector<std::string> absent;
    std::string error;
    QVERIFY(parseFieldsPresent("1\t0\t0\n", paths, absent, error));
    QCOMPARE(absent, (std::vector<std::string>{"Metadata.zone_nme", "x"}));
    QVERIFY(parseFieldsPresent("1\t1\t1\n", paths, absent, error));
    QVERIFY(absent.empty());
    for (const QByteArray &bad : {QByteArray("1\t0\n"), QByteArray(""), QByteArray("1\t2\t0\n"), QByteArray("Code: 60. DB::Exception")}) {
        error.clear();
        QVERIFY(!parseFieldsPresent(bad, paths, absent, error));
        QVERIFY2(error.find("unexpected answer") != std::string::npos, error.c_str());
    }
}

void TestClickhouse::fieldKeysAreTheStoredOnes()
{
    // the keys the trail tables hold: the first 8 bytes of the path's SHA-256, little-endian, as
    // python3 computes them (int.from_bytes(hashlib.sha256(path).digest()[:8], 'little')); a
    // change would make every query by field miss the rows shipped before it
    QCOMPARE(fieldKey("ActionType"), 862597953829185145ull);
    QCOMPARE(fieldKey("NewValue.conditions.expression.==.rhs.ip"), 4322994382971420184ull);
    QVERIFY(fieldKey("") != fieldKey("ActionType"));
    // remembered: the same keys, seen before or not, in the order seen before or not
    FieldKeys keys;
    for (const char *path : {"ActionType", "ID", "ActionType", "ID", "NewValue", "ActionType", "", "ID", "NewValue.enabled",
                             "ActionType", "ID", "NewValue", "ID", "ID", "NewValue"})
        QCOMPARE(keys(path), fieldKey(path));
}

void TestClickhouse::trailIdsAreTheIndexPasses()
{
    // the ID read from the flattened fields (the record parsed once) is the one the index pass
    // reads, on the bundled samples and on records made to tell them apart
    SampleStore samples;
    QVERIFY(samples.load());
    std::vector<std::string> records;
    for (size_t r = 0; r < samples.snap.size(); ++r)
        records.push_back(samples.snap.raw(r));
    for (const char *odd : {R"({"ID":["a"]})", R"({"ID":"a","ID":5})", R"({"ID":5,"ID":"b"})", R"({"AuditLogID":"x","ID":"y"})",
                            R"({"ID":"y","AuditLogID":"x"})", R"({"X":{"ID":"n"}})", R"({"ID":{"a":"1"}})", R"({"ID":null})",
                            R"({"ID":"a\"b\u00e9\n"})", R"({"id":"lower","Id":"mixed"})", R"({"":{"ID":"e"}})", R"({"ID.x":"d"})",
                            R"({"ID":""})", R"({"AuditLogID":["a","b"],"ID":true})", R"({"ID":"a","X":[{"ID":"b"}]})"})
        records.push_back(odd);
    for (const std::string &raw : records) {
        const std::string padded = raw + std::string(64, '\0');
        const std::string_view rec(padded.data(), raw.size());
        std::vector<query::FlatField> fields;
        const bool flat = query::flattenFields(rec, padded.size(), fields);
        QVERIFY2(flat, raw.c_str());
        const std::string own = indexRecord(rec, padded.size(), 1024).id;
        const std::string want = own.empty() ? trailRecordId(rec, padded.size(), {}, false) : own;
        QCOMPARE(trailRecordId(rec, padded.size(), fields, true), want);
        QCOMPARE(want.rfind(own.empty() ? "raw:" : "v", 0), size_t(0));
    }
}

void TestClickhouse::rowBinaryHoldsTheSameRows()
{
    // what ship sends (RowBinary) decodes to the TabSeparated rows field by field: tabs,
    // newlines and backslashes as they are, a string longer than 127 bytes (two-byte length),
    // an empty actor, a record without time
    const std::string longValue(300, 'x');
    const std::string text = "{\n\t\"ActionType\": \"a\\\\b\",\n  \"ActorEmail\": \"x\\ty@e.test\",\n  \"When\": \"2023-02-20T00:00:00Z\"\n}\n"
                             "{\"ID\":\"id-2\",\"ActionType\":\"" + longValue + "\",\"ActionResult\":true,\"N\":[1700000000,2.5]}\n";
    EventStore store;
    store.load(SourceSpec::memory("mem", text), {});
    const Snapshot snap = store.snapshot();
    QCOMPARE(snap.size(), size_t(2));
    QByteArray tsv, bin;
    std::string error;
    QVERIFY(rowsTsv(snap, 0, 2, tsv, error));
    QVERIFY(rowsRowBinary(snap, 0, 2, bin, error));
    QVERIFY(insertSql(TrailTable{}).endsWith("FORMAT RowBinary"));
    QVERIFY(insertSql(TrailTable{}, InsertFormat::TabSeparated).endsWith("FORMAT TabSeparated"));
    const QList<QByteArray> lines = tsv.split('\n');
    qsizetype at = 0;
    auto le = [&](int bytes) {
        uint64_t v = 0;
        for (int i = 0; i < bytes; ++i)
            v |= uint64_t(uint8_t(bin.at(at + i))) << (8 * i);
        at += bytes;
        return v;
    };
    auto varint = [&] {
        uint64_t n = 0;
        for (int shift = 0;; shift += 7) {
            const uint8_t b = uint8_t(bin.at(at++));
            n |= uint64_t(b & 0x7f) << shift;
            if (!(b & 0x80))
                break;
        }
        return n;
    };
    auto str = [&] {
        const uint64_t n = varint();
        const std::string v(bin.constData() + at, size_t(n));
        at += qsizetype(n);
        return v;
    };
    std::vector<std::string> seen; // the paths of the rows before
    for (int r = 0; r < 2; ++r) {
        const QList<QByteArray> f = lines[r].split('\t');
        QCOMPARE(f.size(), 24);
        QCOMPARE(qlonglong(le(8)), f[0].toLongLong()); // time_ns
        QCOMPARE(qulonglong(le(4)), f[1].toULongLong()); // time
        QCOMPARE(str(), unescapeTsv(f[2].toStdString())); // id
        QCOMPARE(qulonglong(le(1)), f[3].toULongLong());  // schema
        QCOMPARE(qulonglong(le(1)), f[4].toULongLong());  // result
        for (int k = 5; k < 15; ++k) // eight columns, the resource ID, the raw record
            QCOMPARE(str(), unescapeTsv(f[k].toStdString()));
        QCOMPARE(qulonglong(le(1)), qulonglong(kFieldsShipped));
        QCOMPARE(f[15].toInt(), kFieldsShipped);
        // the field arrays: a length, then the elements, as flattenFields lists them: every
        // value's path key, type and text, then the numbers' keys and values, then the times'
        std::vector<query::FlatField> want;
        const std::string raw = snap.raw(size_t(r));
        std::string padded = raw + std::string(64, '\0');
        QVERIFY(query::flattenFields(std::string_view(padded.data(), raw.size()), padded.size(), want));
        QVERIFY(want.size() >= 3);
        std::vector<const query::FlatField *> numbers, times;
        for (const query::FlatField &w : want) {
            if (w.type == query::ValueType::Number)
                numbers.push_back(&w);
            if (w.hasTime)
                times.push_back(&w);
        }
        QCOMPARE(numbers.size(), size_t(r == 0 ? 0 : 2));
        QCOMPARE(times.size(), size_t(r == 0 ? 1 : 2)); // When; the epoch number and 2.5 s after 1970
        for (int column = 0; column < 3; ++column) {
            QCOMPARE(varint(), uint64_t(want.size()));
            for (const query::FlatField &w : want) {
                switch (column) {
                case 0: QCOMPARE(le(8), fieldKey(w.path)); break;
                case 1: QCOMPARE(le(1), uint64_t(w.type)); break;
                case 2: QCOMPARE(str(), w.text); break;
                }
            }
        }
        QCOMPARE(varint(), uint64_t(numbers.size()));
        for (const query::FlatField *w : numbers)
            QCOMPARE(le(8), fieldKey(w->path));
        QCOMPARE(varint(), uint64_t(numbers.size()));
        for (const query::FlatField *w : numbers) {
            const uint64_t bits = le(8);
            double d = 0;
            std::memcpy(&d, &bits, sizeof d);
            QCOMPARE(d, w->number);
        }
        QCOMPARE(varint(), uint64_t(times.size()));
        for (const query::FlatField *w : times)
            QCOMPARE(le(8), fieldKey(w->path));
        QCOMPARE(varint(), uint64_t(times.size()));
        for (const query::FlatField *w : times)
            QCOMPARE(qlonglong(le(8)), qlonglong(w->time));
        // the paths this row is the first of the batch to have, each once, in the record's order
        std::vector<std::string> names;
        for (const query::FlatField &w : want)
            if (std::find(names.begin(), names.end(), w.path) == names.end()
                && (r == 0 || std::none_of(seen.begin(), seen.end(), [&](const std::string &p) { return p == w.path; })))
                names.push_back(w.path);
        QCOMPARE(varint(), uint64_t(names.size()));
        for (const std::string &n : names)
            QCOMPARE(str(), n);
        for (const query::FlatField &w : want)
            seen.push_back(w.path);
        if (r == 1) { // the TabSeparated rows say the same
            const QByteArray n = QByteArray::number(qulonglong(fieldKey("N")));
            QCOMPARE(f[19], "[" + n + "," + n + "]");
            QCOMPARE(f[20], QByteArray("[1.7e+09,2.5]")); // (the shortest text that reads back)
            QCOMPARE(f[21], "[" + n + "," + n + "]");
            QCOMPARE(f[22], QByteArray("[1700000000000000000,2500000000]"));
        }
    }
    QCOMPARE(at, bin.size()); // nothing else
    QCOMPARE(snap.time(1), kNoTime);
    QCOMPARE(snap.value(1, Column::Action), longValue);
}

void TestClickhouse::unreachableIsPlainAndTransient()
{
    QTcpServer probe; // a port nobody listens on: bind, then close
    QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
    const quint16 port = probe.serverPort();
    probe.close();
    Endpoint ep;
    ep.url = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port));
    Client c(ep);
    const Reply r = runBlockingCliOnly(c, "SELECT 1");
    QCOMPARE(int(r.kind), int(ErrorKind::Unreachable));
    QVERIFY2(r.error.find("is unreachable") != std::string::npos, r.error.c_str());
    QVERIFY(r.transient());
}

void TestClickhouse::timeoutGivesUp()
{
    SilentServer silent;
    Endpoint ep;
    ep.url = silent.url();
    ep.timeoutMs = 300;
    Client c(ep);
    const Reply r = runBlockingCliOnly(c, "SELECT 1");
    QCOMPARE(int(r.kind), int(ErrorKind::Timeout));
    QVERIFY2(r.error.find("did not answer") != std::string::npos, r.error.c_str());
    QVERIFY(r.transient());
}

void TestClickhouse::cancelAbortsAndEndsOnce()
{
    SilentServer silent;
    Endpoint ep;
    ep.url = silent.url();
    Client c(ep);
    QSignalSpy spy(&c, &Client::finished);
    const QString id = c.query("SELECT count() FROM system.numbers");
    QTRY_VERIFY(!silent.sockets.empty());
    c.cancel(id);
    QTRY_COMPARE(spy.size(), 1);
    const Reply r = spy.at(0).at(0).value<Reply>();
    QCOMPARE(r.queryId, id);
    QCOMPARE(int(r.kind), int(ErrorKind::Cancelled));
    QVERIFY(!r.transient());
    // the KILL QUERY request went out too (to the same silent server)
    QTRY_VERIFY(silent.sockets.size() >= 2 || silent.server.hasPendingConnections());
    // replacing a query of the same id ends the first one, once
    const QString again = c.query("SELECT 1", {.queryId = QStringLiteral("q1")});
    c.query("SELECT 2", {.queryId = again, .replace = true});
    QTRY_COMPARE(spy.size(), 2);
    QCOMPARE(spy.at(1).at(0).value<Reply>().queryId, QStringLiteral("q1"));
    QCOMPARE(int(spy.at(1).at(0).value<Reply>().kind), int(ErrorKind::Cancelled));
    QCOMPARE(c.pending(), 1);
}

void TestClickhouse::shipperRetriesThenGivesUp()
{
    SilentServer silent;
    Endpoint ep;
    ep.url = silent.url();
    ep.timeoutMs = 200;
    Client c(ep);
    EventStore store;
    store.load(SourceSpec::file(kSamples), {});
    ShipOptions o;
    o.backoffMs = 50;
    o.retryForMs = 1200;
    Shipper s(&c, TrailTable{}, store.snapshot(), o);
    QSignalSpy retries(&s, &Shipper::retrying);
    QSignalSpy done(&s, &Shipper::finished);
    s.start();
    QVERIFY(done.wait(10000));
    QCOMPARE(done.at(0).at(0).toBool(), false);
    QVERIFY(retries.size() >= 2);
    QVERIFY2(s.outcome().error.find("gave up after 1 s") != std::string::npos, s.outcome().error.c_str());
    QCOMPARE(s.outcome().rows, uint64_t(0));
}

void TestClickhouse::serverErrors()
{
    REQUIRE_CLICKHOUSE();
    Endpoint ep = serverEndpoint();
    Client c(ep);
    Reply r = runBlockingCliOnly(c, "SELECT version()");
    QVERIFY2(r.ok(), r.error.c_str());
    r = runBlockingCliOnly(c, "SELEC 1");
    QCOMPARE(int(r.kind), int(ErrorKind::Syntax));
    r = runBlockingCliOnly(c, "SELECT * FROM no_such_table_here");
    QCOMPARE(int(r.kind), int(ErrorKind::MissingTable));
    QVERIFY2(r.error.find("no_such_table_here") != std::string::npos, r.error.c_str());
    Endpoint bad = ep;
    bad.user = ep.user.isEmpty() ? QStringLiteral("default") : ep.user;
    bad.password = QStringLiteral("wrong-password-for-test");
    Client cb(bad);
    r = runBlockingCliOnly(cb, "SELECT 1");
    QCOMPARE(int(r.kind), int(ErrorKind::Auth));
    QVERIFY(r.error.find("wrong-password") == std::string::npos);
    // the server's own time limit
    r = runBlockingCliOnly(c, "SELECT count() FROM system.numbers", {.maxExecutionSeconds = 1});
    QCOMPARE(int(r.kind), int(ErrorKind::Timeout));
}

void TestClickhouse::serverCancelStopsQuery()
{
    REQUIRE_CLICKHOUSE();
    Client c(serverEndpoint());
    Client watcher(serverEndpoint());
    QSignalSpy spy(&c, &Client::finished);
    const QString id = QStringLiteral("tst-cancel-") + QUuid::createUuid().toString(QUuid::Id128);
    const QByteArray running = "SELECT count() FROM system.processes WHERE query_id = '" + id.toUtf8() + "' FORMAT TSV";
    c.query("SELECT count() FROM system.numbers", {.queryId = id, .maxExecutionSeconds = 60});
    QTRY_COMPARE_WITH_TIMEOUT(runBlockingCliOnly(watcher, running).body.trimmed(), QByteArray("1"), 10000);
    // a query of the same id with replace_running_query stops the first on the server
    c.query("SELECT count() FROM system.numbers", {.queryId = id, .replace = true, .maxExecutionSeconds = 60});
    QTRY_COMPARE(spy.size(), 1); // the first, cancelled
    QCOMPARE(int(spy.at(0).at(0).value<Reply>().kind), int(ErrorKind::Cancelled));
    // Not asserted: that the server has stopped the replaced one by now. On 18.16 under load it
    // was still listed in system.processes 10-30 s later in 2 of 8 runs; cancel() below, which
    // sends KILL QUERY, is asserted instead.
    // cancel: the request is aborted and KILL QUERY stops it on the server
    c.cancel(id);
    QTRY_COMPARE(spy.size(), 2);
    QCOMPARE(int(spy.at(1).at(0).value<Reply>().kind), int(ErrorKind::Cancelled));
    QTRY_COMPARE_WITH_TIMEOUT(runBlockingCliOnly(watcher, running).body.trimmed(), QByteArray("0"), 10000);
}

void TestClickhouse::singleNodeInitShipStats()
{
    REQUIRE_CLICKHOUSE();
    Client c(serverEndpoint());
    TrailTable t;
    t.table = freshTable();
    for (const QByteArray &sql : initStatements(t, false)) {
        const Reply r = runBlockingCliOnly(c, sql);
        QVERIFY2(r.ok(), r.error.c_str());
    }
    for (const QByteArray &sql : initStatements(t, false)) // idempotent
        QVERIFY(runBlockingCliOnly(c, sql).ok());
    EventStore store;
    store.load(SourceSpec::file(kSamples), {});
    const Snapshot snap = store.snapshot();
    QVERIFY(snap.size() > 400);
    const TrailStats want = embeddedStats(snap);
    ShipOutcome o;
    QVERIFY(ship(c, t, snap, 64, &o)); // several batches
    QCOMPARE(o.rows, uint64_t(snap.size()));
    QCOMPARE(o.batches, uint64_t((snap.size() + 63) / 64));
    TrailStats got;
    QVERIFY(serverStats(c, t, got));
    compareStats(got, want);
    // twice: the copies collapse in the counts (before and after ClickHouse merges them)
    QVERIFY(ship(c, t, snap, 1000));
    QVERIFY(serverStats(c, t, got));
    compareStats(got, want);
    // ClickHouse merges the copies away (here at once): the table's key collapses them
    QVERIFY(runBlockingCliOnly(c, "OPTIMIZE TABLE " + t.qualified() + " FINAL").ok());
    const Reply rows = runBlockingCliOnly(c, "SELECT count() FROM " + t.qualified() + " FORMAT TSV");
    QCOMPARE(rows.body.trimmed().toULongLong(), uint64_t(snap.size()));
    QVERIFY(serverStats(c, t, got));
    compareStats(got, want);
    QVERIFY(runBlockingCliOnly(c, "DROP TABLE " + t.qualified()).ok());
}

void TestClickhouse::distributedInitShipStats()
{
    REQUIRE_CLICKHOUSE();
    REQUIRE_CLUSTER();
    TrailTable t;
    const std::vector<std::unique_ptr<Client>> nodes = clusterTrail(t);
    QVERIFY(nodes.size() >= 2);
    EventStore store;
    store.load(SourceSpec::file(kSamples), {});
    const Snapshot snap = store.snapshot();
    const TrailStats want = embeddedStats(snap);
    QVERIFY(ship(*nodes[0], t, snap, 100));
    QVERIFY(ship(*nodes[1], t, snap, 100)); // again, through the other node
    for (auto &n : nodes) { // the same answer from either node, the copies not merged yet
        TrailStats got;
        QVERIFY(serverStats(*n, t, got));
        compareStats(got, want);
    }
    // the rows are spread over both shards, every copy of an ID on the same one
    uint64_t total = 0;
    for (auto &n : nodes) {
        QVERIFY(runBlockingCliOnly(*n, "OPTIMIZE TABLE " + t.qualifiedLocal() + " FINAL").ok());
        const Reply r = runBlockingCliOnly(*n, "SELECT count(), uniqExact(id) FROM " + t.qualifiedLocal() + " FORMAT TSV");
        QVERIFY2(r.ok(), r.error.c_str());
        const QList<QByteArray> f = r.body.trimmed().split('\t');
        QCOMPARE(f.size(), 2);
        QVERIFY(f[1].toULongLong() > 0 && f[1].toULongLong() < snap.size());
        QCOMPARE(f[0].toULongLong(), f[1].toULongLong()); // the copies met on one shard and merged
        total += f[1].toULongLong();
    }
    QCOMPARE(total, uint64_t(snap.size()));
    for (auto &n : nodes) { // the same answer from either node
        TrailStats got;
        QVERIFY(serverStats(*n, t, got));
        compareStats(got, want);
    }
    for (auto &n : nodes) {
        QVERIFY(runBlockingCliOnly(*n, "DROP TABLE " + t.qualified()).ok());
        QVERIFY(runBlockingCliOnly(*n, "DROP TABLE " + t.qualifiedLocal()).ok());
    }
}

QTEST_GUILESS_MAIN(TestClickhouse)
#include "tst_clickhouse.moc"
