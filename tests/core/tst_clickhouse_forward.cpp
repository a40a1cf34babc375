// SPDX-License-Identifier: MIT
// Forwarding into the ClickHouse trail (receive --forward-clickhouse, fetch --clickhouse): the
// checkpoint, the journal tail (only what the writer has synced, whole records, in write
// order), batching and back-off against a scripted stand-in for ClickHouse, the receiver's
// acks while ClickHouse does not answer; and, when AUDITLENS_CLICKHOUSE_URL names a running
// ClickHouse (.ci/steps/40-clickhouse.sh), the CLI end to end: receive with forwarding across a
// restart of the receiver (the checkpoint is honoured), fetch from the fetch mock into the trail.
#include "clickhousefixture.h"
#include "clickhouse/forwarder.h"
#include "receiver/receiver.h"

#include "fakeauditapi.h"
#include "fakehttp.h"
#include "testutil.h"
#include "tst_receiver_util.h"

#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QUrlQuery>
#include <QUuid>

#include <csignal>

using namespace auditlens::clickhouse;

namespace {

void writeFile(const QString &path, const std::string &text, bool append = false)
{
    QFile f(path);
    QVERIFY(f.open(append ? QIODevice::Append : QIODevice::WriteOnly));
    f.write(text.data(), qint64(text.size()));
}

/// The record IDs in the INSERT bodies a stand-in ClickHouse received (RowBinary: time_ns,
/// time, id, schema, result, ten strings, fields_shipped, then the field arrays: of eight-byte
/// keys, bytes, strings, then four of eight-byte keys and numbers, then the paths named).
std::multiset<std::string> insertedIds(const QList<ReceivedRequest> &reqs)
{
    std::multiset<std::string> ids;
    for (const ReceivedRequest &r : reqs) {
        if (!r.path.contains("INSERT") || !r.path.contains("RowBinary"))
            continue;
        const QByteArray &b = r.body;
        qsizetype at = 0;
        auto varint = [&] {
            uint64_t n = 0;
            for (int shift = 0; at < b.size(); shift += 7) {
                const uint8_t c = uint8_t(b.at(at++));
                n |= uint64_t(c & 0x7f) << shift;
                if (!(c & 0x80))
                    break;
            }
            return n;
        };
        auto str = [&] {
            const uint64_t n = varint();
            std::string v(b.constData() + at, size_t(std::min<qsizetype>(qsizetype(n), b.size() - at)));
            at += qsizetype(n);
            return v;
        };
        while (at < b.size()) {
            at += 8 + 4; // time_ns, time
            ids.insert(str());
            at += 2; // schema, result
            for (int k = 0; k < 10; ++k) // eight columns, resource ID, raw
                str();
            at += 1; // fields_shipped
            // key, type, text; the numbers' keys and values; the times' keys and values
            for (int column = 0; column < 8; ++column) {
                const uint64_t n = varint();
                for (uint64_t e = 0; e < n && at < b.size(); ++e)
                    column == 1 ? void(at += 1) : column == 2 || column == 7 ? void(str()) : void(at += 8);
            }
        }
    }
    return ids;
}

Endpoint endpointOf(const QUrl &url, int timeoutMs = 5000)
{
    Endpoint ep;
    ep.url = url;
    ep.timeoutMs = timeoutMs;
    return ep;
}

QUrl fakeUrl(const QTcpServer &s) { return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(s.serverPort())); }

} // namespace

class TestClickhouseForward : public QObject
{
    Q_OBJECT
private slots:
    void checkpointRoundTripAndDamage();
    void tailReadsOnlyWhatIsOnDisk();
    void tailResumesFromCheckpoint();
    void pageQueueBatchesWholePages();
    void forwarderBacksOffThenDelivers();
    void forwarderRefusal();
    void receiverAcksWhileClickHouseHangs();
    void cliReceiveForwardsBeforeItEnds();

    void cliReceiveForwardsAcrossRestart();
    void cliFetchIntoClickhouse();
};

void TestClickhouseForward::checkpointRoundTripAndDamage()
{
    QTemporaryDir dir;
    const std::string path = forwardCheckpointPath(dir.path().toStdString(), "http://h:8123 `db`.`t`");
    QVERIFY(QFileInfo(QString::fromStdString(path)).fileName().startsWith(QLatin1String(".clickhouse-"))); // hidden: readers skip it
    QVERIFY(path != forwardCheckpointPath(dir.path().toStdString(), "http://h:8123 `db`.`other`"));
    ForwardCheckpoint cp;
    std::string error;
    QVERIFY(loadForwardCheckpoint(path, cp, error)); // absent: from the start
    QVERIFY(cp.file.empty());
    cp.destination = "http://h:8123 `db`.`t`";
    cp.file = "journal-1-000002.ndjson";
    cp.offset = 12345;
    cp.forwarded = 77;
    QVERIFY2(saveForwardCheckpoint(path, cp, error), error.c_str());
    ForwardCheckpoint back;
    QVERIFY2(loadForwardCheckpoint(path, back, error), error.c_str());
    QCOMPARE(back.file, cp.file);
    QCOMPARE(back.offset, cp.offset);
    QCOMPARE(back.forwarded, cp.forwarded);
    writeFile(QString::fromStdString(path), "auditlens clickhouse forward checkpoint 1\nfile=journal-1-000002.ndjson\noffset=12x\n");
    QVERIFY(!loadForwardCheckpoint(path, back, error));
    QVERIFY2(error.find(path + ":3: unreadable") != std::string::npos, error.c_str());
    writeFile(QString::fromStdString(path), "garbage");
    QVERIFY(!loadForwardCheckpoint(path, back, error));
    QVERIFY2(error.find("not a forwarding checkpoint") != std::string::npos, error.c_str());
}

void TestClickhouseForward::tailReadsOnlyWhatIsOnDisk()
{
    QTemporaryDir dir;
    const QString d = dir.path();
    const std::string a = rxtest::batch(0, 5), b = rxtest::batch(5, 3);
    writeFile(d + QStringLiteral("/journal-0000000000001-000001.ndjson"), a);
    writeFile(d + QStringLiteral("/journal-0000000000002-000002.ndjson"), b + "{\"ID\":\"torn");
    writeFile(d + QStringLiteral("/duplicates-0000000000001-000001.ndjson"), rxtest::batch(0, 2));
    writeFile(d + QStringLiteral("/unsplit-0000000000001-000003.txt"), "not records\n");
    JournalTail tail(d.toStdString(), "dest");
    std::string error;
    QVERIFY(tail.open(error));
    ForwardChunk c;
    QVERIFY(tail.next(100, 1 << 20, c, error));
    QCOMPARE(c.records, uint64_t(0)); // nothing said to be on disk yet
    QCOMPARE(tail.behind(), uint64_t(0));
    // on disk: the first file and two records of the second; the rest may still be cut back
    const qint64 twoOfB = qint64(rxtest::rec(5).size() + rxtest::rec(6).size() + 2);
    tail.setDurable(d.toStdString() + "/journal-0000000000002-000002.ndjson", twoOfB + 10);
    QCOMPARE(tail.behind(), uint64_t(7));
    QVERIFY(tail.next(3, 1 << 20, c, error)); // at most 3 records
    QCOMPARE(c.records, uint64_t(3));
    QCOMPARE(c.text, rxtest::batch(0, 3));
    QCOMPARE(c.file, std::string("journal-0000000000001-000001.ndjson"));
    QVERIFY(tail.commit(c, error));
    QCOMPARE(tail.behind(), uint64_t(4));
    QVERIFY(tail.next(100, 1 << 20, c, error)); // a run stays in one file
    QCOMPARE(c.text, rxtest::batch(3, 2));
    QVERIFY(tail.commit(c, error));
    QVERIFY(tail.next(100, 1 << 20, c, error));
    QCOMPARE(c.text, rxtest::batch(5, 2)); // up to the last whole record before the mark
    QCOMPARE(c.end, twoOfB);
    QVERIFY(tail.commit(c, error));
    QVERIFY(tail.next(100, 1 << 20, c, error));
    QCOMPARE(c.records, uint64_t(0));
    // everything now: the torn record at the end stays out until it is whole
    tail.markAllDurable();
    QVERIFY(tail.next(100, 1 << 20, c, error));
    QCOMPARE(c.text, rxtest::batch(7, 1));
    QVERIFY(tail.commit(c, error));
    QCOMPARE(tail.behind(), uint64_t(0));
    QVERIFY(tail.next(100, 1 << 20, c, error));
    QCOMPARE(c.records, uint64_t(0));
    // a byte limit: runs end at a record; a record larger than the limit goes alone
    writeFile(d + QStringLiteral("/journal-0000000000003-000004.ndjson"), rxtest::batch(8, 4));
    tail.markAllDurable();
    QVERIFY(tail.next(100, rxtest::rec(8).size() + 5, c, error));
    QCOMPARE(c.text, rxtest::batch(8, 1));
    QVERIFY(tail.commit(c, error));
    QVERIFY(tail.next(100, 3, c, error));
    QCOMPARE(c.text, rxtest::batch(9, 1));
}

void TestClickhouseForward::tailResumesFromCheckpoint()
{
    QTemporaryDir dir;
    const QString d = dir.path();
    writeFile(d + QStringLiteral("/journal-0000000000001-000001.ndjson"), rxtest::batch(0, 4));
    std::string error;
    ForwardChunk c;
    {
        JournalTail tail(d.toStdString(), "dest");
        QVERIFY(tail.open(error));
        tail.markAllDurable();
        QVERIFY(tail.next(2, 1 << 20, c, error));
        QVERIFY(tail.commit(c, error));
        QVERIFY(tail.next(2, 1 << 20, c, error)); // read, never committed (ClickHouse did not acknowledge it)
    }
    writeFile(d + QStringLiteral("/journal-0000000000002-000002.ndjson"), rxtest::batch(4, 2));
    JournalTail again(d.toStdString(), "dest");
    QVERIFY(again.open(error));
    QCOMPARE(again.checkpoint().forwarded, uint64_t(2));
    again.markAllDurable();
    QCOMPARE(again.behind(), uint64_t(4));
    QVERIFY(again.next(100, 1 << 20, c, error));
    QCOMPARE(c.text, rxtest::batch(2, 2)); // from the checkpoint: the uncommitted run again
    QVERIFY(again.commit(c, error));
    QVERIFY(again.next(100, 1 << 20, c, error));
    QCOMPARE(c.text, rxtest::batch(4, 2));
    // another destination has its own checkpoint
    JournalTail other(d.toStdString(), "other dest");
    QVERIFY(other.open(error));
    other.markAllDurable();
    QCOMPARE(other.behind(), uint64_t(6));
}

void TestClickhouseForward::pageQueueBatchesWholePages()
{
    PageQueue q;
    q.add("api", rxtest::batch(0, 3), 3);
    q.add("api", rxtest::batch(3, 3), 3);
    q.add("api", rxtest::batch(6, 3), 3);
    QCOMPARE(q.behind(), uint64_t(9));
    ForwardChunk c;
    std::string error;
    QVERIFY(q.next(6, 1 << 20, c, error));
    QCOMPARE(c.text, rxtest::batch(0, 6));
    QVERIFY(q.next(6, 1 << 20, c, error)); // not committed: the same again
    QCOMPARE(c.records, uint64_t(6));
    QVERIFY(q.commit(c, error));
    QCOMPARE(q.behind(), uint64_t(3));
    QVERIFY(q.next(1, 1 << 20, c, error)); // a page larger than the limit goes alone, whole
    QCOMPARE(c.text, rxtest::batch(6, 3));
}

void TestClickhouseForward::forwarderBacksOffThenDelivers()
{
    QTemporaryDir dir;
    const QString d = dir.path();
    writeFile(d + QStringLiteral("/journal-0000000000001-000001.ndjson"), rxtest::batch(0, 25));
    FakeHttpServer ch;
    int failures = 3;
    ch.handler = [&](const ReceivedRequest &) {
        if (failures > 0) {
            --failures;
            return FakeResponse{503, "Service Unavailable"}; // a proxy in front of a server that is down
        }
        return FakeResponse{200, ""};
    };
    JournalTail tail(d.toStdString(), "dest");
    std::string error;
    QVERIFY(tail.open(error));
    tail.markAllDurable();
    ForwardOptions o;
    o.batchRows = 10;
    o.backoffMs = 40;
    o.maxBackoffMs = 100;
    o.lingerMs = 0;
    Forwarder f(endpointOf(fakeUrl(ch)), TrailTable{}, &tail, o);
    QSignalSpy retries(&f, &Forwarder::retrying);
    QSignalSpy forwarded(&f, &Forwarder::forwarded);
    f.start();
    QTRY_COMPARE_WITH_TIMEOUT(f.stats().forwarded, uint64_t(25), 10000);
    // three failures, each waited out with a doubling delay up to the cap
    QCOMPARE(retries.size(), 3);
    QCOMPARE(retries.at(0).at(1).toInt(), 40);
    QCOMPARE(retries.at(1).at(1).toInt(), 80);
    QCOMPARE(retries.at(2).at(1).toInt(), 100);
    QVERIFY(retries.at(0).at(0).toString().contains(QLatin1String("503")));
    // in batches of 10, each record once (nothing was acknowledged twice)
    QCOMPARE(forwarded.size(), 3);
    const auto ids = insertedIds(ch.received);
    QCOMPARE(ids.size(), size_t(25 + 10 * 3)); // the first batch was sent four times
    QCOMPARE(ids.count("v1:id-0"), size_t(4));
    QCOMPARE(ids.count("v1:id-24"), size_t(1));
    QCOMPARE(f.stats().behind, uint64_t(0));
    QCOMPARE(tail.checkpoint().forwarded, uint64_t(25));
    QVERIFY(ch.received.first().path.contains("INSERT"));
    // drained: nothing behind
    QSignalSpy drained(&f, &Forwarder::drained);
    f.drain();
    QVERIFY(drained.wait(5000));
    QCOMPARE(drained.at(0).at(0).toBool(), true);
}

void TestClickhouseForward::forwarderRefusal()
{
    FakeHttpServer ch;
    ch.handler = [](const ReceivedRequest &) {
        return FakeResponse{516, "Code: 516. DB::Exception: bob: Authentication failed: password is incorrect. (AUTHENTICATION_FAILED)\n"};
    };
    for (const bool giveUp : {false, true}) {
        PageQueue q;
        q.add("api", rxtest::batch(0, 3), 3);
        ForwardOptions o;
        o.maxBackoffMs = 50;
        o.lingerMs = 0;
        o.giveUpOnRefusal = giveUp;
        Endpoint ep = endpointOf(fakeUrl(ch));
        ep.user = QStringLiteral("bob");
        ep.password = QStringLiteral("hunter2-secret");
        Forwarder f(ep, TrailTable{}, &q, o);
        QSignalSpy retries(&f, &Forwarder::retrying);
        QSignalSpy drained(&f, &Forwarder::drained);
        f.start();
        if (giveUp) { // fetch: a refusal ends the forwarding at once, with a plain message
            QVERIFY(drained.wait(5000));
            QCOMPARE(drained.at(0).at(0).toBool(), false);
            QVERIFY2(f.stats().lastError.find("refused the credentials of user bob") != std::string::npos, f.stats().lastError.c_str());
            QCOMPARE(q.behind(), uint64_t(3));
        } else { // receive: tried again every maxBackoffMs; the records stay where they are
            QTRY_VERIFY_WITH_TIMEOUT(retries.size() >= 3, 5000);
            QCOMPARE(drained.size(), 0);
            QCOMPARE(f.stats().forwarded, uint64_t(0));
            QVERIFY(f.stats().failing);
        }
        QVERIFY(f.stats().lastError.find("hunter2") == std::string::npos);
        for (const auto &r : retries)
            QVERIFY(!r.at(0).toString().contains(QLatin1String("hunter2")));
        f.stop();
    }
}

void TestClickhouseForward::receiverAcksWhileClickHouseHangs()
{
    // ClickHouse accepts connections and never answers: the receiver answers every batch all
    // the same, and once ClickHouse answers, what the journal holds arrives
    QTcpServer silent;
    QVERIFY(silent.listen(QHostAddress::LocalHost, 0));
    std::vector<QTcpSocket *> held;
    connect(&silent, &QTcpServer::newConnection, &silent, [&] {
        while (QTcpSocket *s = silent.nextPendingConnection())
            held.push_back(s);
    });
    QTemporaryDir dir;
    const std::string journal = dir.path().toStdString() + "/journal";
    JournalTail tail(journal, "dest");
    std::string error;
    QVERIFY(tail.open(error));
    ForwardOptions o;
    o.lingerMs = 0;
    o.backoffMs = 50;
    o.maxBackoffMs = 100;
    Forwarder f(endpointOf(fakeUrl(silent), 60000), TrailTable{}, &tail, o);
    QThread worker; // as the CLI runs it: off the receiver's thread
    f.moveToThread(&worker);
    worker.start();
    receiver::Config c;
    c.port = 0;
    c.secret = rxtest::kSecret;
    c.journalDir = journal;
    c.journalSynced = [&](const std::string &file, qint64 bytes) {
        tail.setDurable(file, bytes);
        f.poke();
    };
    receiver::Receiver rx(c);
    QVERIFY(rx.start(error));
    QMetaObject::invokeMethod(&f, &Forwarder::start, Qt::QueuedConnection);
    for (int i = 0; i < 4; ++i) {
        const rxtest::Answer a = rxtest::post(rx.port(), QByteArray::fromStdString(rxtest::batch(i * 10, 10)),
                                              QByteArray::fromStdString(rxtest::kSecret));
        QCOMPARE(a.status, 200);
    }
    QTRY_VERIFY(!held.empty()); // an INSERT is waiting for ClickHouse meanwhile
    QCOMPARE(f.stats().forwarded, uint64_t(0));
    QTRY_COMPARE(f.stats().behind, uint64_t(40));
    rx.stop();
    f.stop();
    worker.quit();
    worker.wait();
    // nothing was committed: a forwarder started later (ClickHouse answering now) sends all
    FakeHttpServer ch;
    ch.handler = [](const ReceivedRequest &) { return FakeResponse{200, ""}; };
    JournalTail later(journal, "dest");
    QVERIFY(later.open(error));
    later.markAllDurable();
    o.batchRows = 1000;
    Forwarder g(endpointOf(fakeUrl(ch)), TrailTable{}, &later, o);
    g.start();
    QTRY_COMPARE(g.stats().forwarded, uint64_t(40));
    const auto ids = insertedIds(ch.received);
    QCOMPARE(ids.size(), size_t(40));
    QCOMPARE(std::set<std::string>(ids.begin(), ids.end()).size(), size_t(40));
}

namespace {

struct Cli
{
    QProcess p;
    explicit Cli(const QStringList &args, const QProcessEnvironment &env)
    {
        p.setProcessEnvironment(env);
        p.start(QStringLiteral(AUDITLENS_CLI), args);
        p.waitForStarted();
    }
};

QProcessEnvironment serverEnv()
{
    return QProcessEnvironment::systemEnvironment(); // CLICKHOUSE_USER / CLICKHOUSE_PASSWORD as the step sets them
}

using testing::serverEndpoint;

/// count() and uniqExact(id) of the table, as they are (copies not merged away).
std::pair<uint64_t, uint64_t> counts(Client &c, const TrailTable &t, bool final = false)
{
    const Reply r = runBlockingCliOnly(c, "SELECT count(), uniqExact(id) FROM " + t.qualified() + (final ? " FINAL" : "") + " FORMAT TSV");
    const QList<QByteArray> f = r.body.trimmed().split('\t');
    if (!r.ok() || f.size() != 2)
        return {UINT64_MAX, UINT64_MAX};
    return {f[0].toULongLong(), f[1].toULongLong()};
}

TrailTable freshTrail(Client &c)
{
    TrailTable t;
    t.table = QStringLiteral("tst_fwd_") + QUuid::createUuid().toString(QUuid::Id128).left(12);
    for (const QByteArray &sql : initStatements(t, false)) {
        const Reply r = runBlockingCliOnly(c, sql);
        if (!r.ok())
            qWarning("init: %s", r.error.c_str());
    }
    return t;
}

quint16 freePort()
{
    QTcpServer s;
    s.listen(QHostAddress::LocalHost, 0);
    return s.serverPort();
}

} // namespace

namespace {

/// A stand-in ClickHouse that answers every request 200, `delayMs` after it has come in whole.
struct SlowClickhouse : QTcpServer
{
    int delayMs = 1500;
    int inserts = 0, answered = 0;
    SlowClickhouse()
    {
        listen(QHostAddress::LocalHost, 0);
        connect(this, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *s = nextPendingConnection()) {
                auto buf = std::make_shared<QByteArray>();
                connect(s, &QTcpSocket::readyRead, s, [this, s, buf] {
                    buf->append(s->readAll());
                    const int end = buf->indexOf("\r\n\r\n");
                    if (end < 0)
                        return;
                    const QByteArray head = buf->left(end).toLower();
                    const int cl = head.indexOf("content-length:");
                    const int len = cl < 0 ? 0 : head.mid(cl + 15, head.indexOf('\n', cl) - cl - 15).trimmed().toInt();
                    if (buf->size() < end + 4 + len)
                        return;
                    if (head.contains("insert"))
                        ++inserts;
                    buf->remove(0, end + 4 + len);
                    QTimer::singleShot(delayMs, s, [this, s] {
                        s->write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
                        ++answered;
                    });
                });
            }
        });
    }
};

} // namespace

void TestClickhouseForward::cliReceiveForwardsBeforeItEnds()
{
    // SIGTERM while an INSERT is waiting for ClickHouse: the receiver stops taking batches and
    // waits (up to 5 s) for what it has journaled to be forwarded before it ends
    SlowClickhouse ch;
    QTemporaryDir dir;
    writeFile(dir.filePath(QStringLiteral("secret")), rxtest::kSecret + "\n");
    const quint16 port = freePort();
    QProcess p;
    QSignalSpy finished(&p, &QProcess::finished);
    p.start(QStringLiteral(AUDITLENS_CLI),
            {QStringLiteral("receive"), QStringLiteral("--listen"), QStringLiteral("127.0.0.1:%1").arg(port), QStringLiteral("--journal"),
             dir.filePath(QStringLiteral("journal")), QStringLiteral("--secret-file"), dir.filePath(QStringLiteral("secret")),
             QStringLiteral("--forward-clickhouse"), fakeUrl(ch).toString()});
    QVERIFY(p.waitForStarted());
    rxtest::Answer a;
    for (int tries = 0; tries < 100 && a.status != 200; ++tries) { // until the receiver listens
        a = rxtest::post(port, QByteArray::fromStdString(rxtest::batch(0, 10)), QByteArray::fromStdString(rxtest::kSecret));
        if (a.status != 200)
            QTest::qWait(50);
    }
    QCOMPARE(a.status, 200);
    QTRY_COMPARE(ch.inserts, 1); // sent; the answer comes 1.5 s later
    p.terminate();
    QVERIFY(finished.wait(20000)); // runs this thread's loop: the stand-in answers meanwhile
    const QByteArray err = p.readAllStandardError();
    QCOMPARE(ch.answered, 1);
    QVERIFY2(err.contains("clickhouse: forwarded 10 records"), err.constData());
    QVERIFY2(err.contains("behind by 0"), err.constData());
    QVERIFY2(!err.contains("stay in the journal"), err.constData());
}

void TestClickhouseForward::cliReceiveForwardsAcrossRestart()
{
    REQUIRE_CLICKHOUSE();
    Client c(serverEndpoint());
    const TrailTable t = freshTrail(c);
    QTemporaryDir dir;
    const QString journal = dir.filePath(QStringLiteral("journal"));
    writeFile(dir.filePath(QStringLiteral("secret")), rxtest::kSecret + "\n");
    const quint16 port = freePort();
    const QStringList args = {QStringLiteral("receive"), QStringLiteral("--listen"), QStringLiteral("127.0.0.1:%1").arg(port),
                              QStringLiteral("--journal"), journal, QStringLiteral("--secret-file"), dir.filePath(QStringLiteral("secret")),
                              QStringLiteral("--stats-every"), QStringLiteral("1"), QStringLiteral("--forward-clickhouse"),
                              qEnvironmentVariable("AUDITLENS_CLICKHOUSE_URL"), QStringLiteral("--table"), t.table};
    auto pushAll = [&](int from, int n) {
        for (int i = from; i < from + n; i += 100) {
            rxtest::Answer a;
            for (int tries = 0; tries < 100 && a.status != 200; ++tries) { // until the receiver listens
                a = rxtest::post(port, QByteArray::fromStdString(rxtest::batch(i, 100)), QByteArray::fromStdString(rxtest::kSecret));
                if (a.status != 200)
                    QTest::qWait(50);
            }
            QCOMPARE(a.status, 200);
        }
    };
    {
        Cli rx(args, serverEnv());
        pushAll(0, 1500);
        // SIGTERM at once: the receiver stops, and forwards what it has journaled before it
        // ends (up to 5 s); the checkpoint is where ClickHouse is
        rx.p.terminate();
        QVERIFY(rx.p.waitForFinished(20000));
        QCOMPARE(counts(c, t).second, uint64_t(1500));
        const QByteArray err = rx.p.readAllStandardError();
        QVERIFY2(err.contains("clickhouse: forwarded 1500 records"), err.constData());
        QVERIFY2(err.contains("behind by 0"), err.constData());
        QVERIFY(!err.contains(QByteArray::fromStdString(rxtest::kSecret)));
    }
    {
        Cli rx(args, serverEnv());
        pushAll(1500, 1000);
        QTRY_COMPARE_WITH_TIMEOUT(counts(c, t).second, uint64_t(2500), 20000);
        rx.p.terminate();
        QVERIFY(rx.p.waitForFinished(20000));
        // none doubled: the restarted receiver went on from the checkpoint
        QCOMPARE(counts(c, t), std::make_pair(uint64_t(2500), uint64_t(2500)));
        const QByteArray err = rx.p.readAllStandardError();
        QVERIFY2(err.contains("from its checkpoint"), err.constData());
        QVERIFY2(err.contains("forwarded 1000 records"), err.constData()); // only the new ones
    }
    QCOMPARE(counts(c, t, true), std::make_pair(uint64_t(2500), uint64_t(2500)));
    QVERIFY(runBlockingCliOnly(c, "DROP TABLE " + t.qualified()).ok());
}

void TestClickhouseForward::cliFetchIntoClickhouse()
{
    REQUIRE_CLICKHOUSE();
    Client c(serverEndpoint());
    const TrailTable t = freshTrail(c);
    FakeAuditApi api;
    const int64_t start = 1764500000LL * 1000000000LL;
    api.generate(1200, start + 1000000000LL, 1000000000LL);
    QTemporaryDir dir;
    QProcessEnvironment env = serverEnv();
    env.insert(QStringLiteral("CLOUDFLARE_API_TOKEN"), QStringLiteral("cli-secret-token-42"));
    auto fetch = [&](const QStringList &more, const QString &table) {
        QProcess p;
        p.setProcessEnvironment(env);
        QSignalSpy finished(&p, &QProcess::finished);
        p.start(QStringLiteral(AUDITLENS_CLI),
                QStringList{QStringLiteral("fetch"), QStringLiteral("--account"), QStringLiteral("0123456789abcdef0123456789abcdef"),
                            QStringLiteral("--api-base"), api.baseUrl(), QStringLiteral("--since"), QStringLiteral("2025-11-30T10:53:20Z"),
                            QStringLiteral("--before"), QStringLiteral("2026-01-01"), QStringLiteral("--per-page"), QStringLiteral("500"),
                            QStringLiteral("--clickhouse"), qEnvironmentVariable("AUDITLENS_CLICKHOUSE_URL"), QStringLiteral("--table"), table}
                    + more);
        finished.wait(60000); // the API mock answers on this thread
        return std::tuple<int, QByteArray, QByteArray>{p.exitCode(), p.readAllStandardOutput(), p.readAllStandardError()};
    };
    {
        auto [code, out, err] = fetch({}, t.table);
        QVERIFY2(code == 0, err.constData());
        QVERIFY(out.isEmpty()); // into ClickHouse, not stdout
        QVERIFY2(err.contains("forwarded 1200 records"), err.constData());
        QVERIFY(!err.contains("cli-secret-token-42"));
        QCOMPARE(counts(c, t).second, uint64_t(1200));
    }
    {
        // with a journal: into it and from it; a second run fetches nothing new and forwards nothing again
        const QStringList j = {QStringLiteral("--journal"), dir.filePath(QStringLiteral("j"))};
        auto [code, out, err] = fetch(j, t.table);
        QVERIFY2(code == 0, err.constData());
        QVERIFY2(err.contains("forwarded 1200 records"), err.constData());
        for (int i = 0; i < 300; ++i)
            api.records.push_back({"more-" + std::to_string(i), api.records.back().timeNs + 1000000000LL, "x@example.com", "update"});
        auto [code2, out2, err2] = fetch(j, t.table);
        QVERIFY2(code2 == 0, err2.constData());
        QVERIFY2(err2.contains("forwarded 300 records"), err2.constData());
    }
    QCOMPARE(counts(c, t, true), std::make_pair(uint64_t(1500), uint64_t(1500)));
    // a missing table is a plain error, at once
    auto [code, out, err] = fetch({}, QStringLiteral("no_such_trail_table"));
    QCOMPARE(code, 1);
    QVERIFY2(err.contains("no_such_trail_table"), err.constData());
    QVERIFY2(err.contains("not every record reached ClickHouse"), err.constData());
    QVERIFY(runBlockingCliOnly(c, "DROP TABLE " + t.qualified()).ok());
}

QTEST_GUILESS_MAIN(TestClickhouseForward)
#include "tst_clickhouse_forward.moc"
