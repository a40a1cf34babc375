// SPDX-License-Identifier: MIT
// The Logpush HTTP destination over real HTTP on loopback: auth, gzip, test uploads, limits,
// bad lines, duplicates, journal durability (including a SIGKILL in the middle of a load).
#include "receiver/receiver.h"
#include "receiver/sender.h"
#include "testutil.h"

#include <QEventLoop>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QTcpServer>
#include <QTemporaryDir>

#include <QElapsedTimer>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <sys/mount.h>
#include <unistd.h>
#include <set>
#include <sys/socket.h>

using namespace auditlens;
using namespace auditlens::receiver;

namespace {
const std::string kSecret = "correct-horse-battery-staple";

std::string rec(int i, bool v2 = false)
{
    if (v2)
        return "{\"ActionResult\":\"success\",\"ActionTimestamp\":\"2024-06-01T10:00:00Z\",\"ActionType\":\"create\",\"AuditLogID\":\"v2-"
               + std::to_string(i) + "\"}";
    return "{\"ActionResult\":true,\"ActionType\":\"login\",\"ActorEmail\":\"u" + std::to_string(i % 7)
           + "@x.io\",\"ID\":\"id-" + std::to_string(i) + "\",\"When\":\"2023-02-24T16:32:38Z\"}";
}

std::string batch(int from, int n)
{
    std::string s;
    for (int i = from; i < from + n; ++i)
        s += rec(i) + "\n";
    return s;
}

struct Answer
{
    int status = 0;
    QByteArray body;
};

Answer post(quint16 port, const QByteArray &body, const QByteArray &secret, const QByteArray &query = {},
            const QByteArray &header = "X-Auditlens-Secret", const QByteArray &contentType = "text/plain")
{
    QNetworkAccessManager nam;
    QNetworkRequest req(QUrl(QStringLiteral("http://127.0.0.1:%1/ingest%2").arg(port).arg(QString::fromLatin1(query))));
    req.setHeader(QNetworkRequest::ContentTypeHeader, QString::fromLatin1(contentType));
    if (!secret.isEmpty())
        req.setRawHeader(header, secret);
    QNetworkReply *r = nam.post(req, body);
    QEventLoop loop;
    QObject::connect(r, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    loop.exec();
    Answer a{r->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), r->readAll()};
    r->deleteLater();
    return a;
}

std::string journalText(const std::string &dir, bool dups = false)
{
    std::string all;
    for (const auto &f : journalFiles(dir, dups))
        if (!dups || f.find("duplicates-") != std::string::npos)
            all += testutil::readFile(QString::fromStdString(f));
    return all;
}

/// The ID (v1 `ID`, v2 `AuditLogID`) of a record, or empty.
std::string recordId(std::string_view json)
{
    std::string padded(json);
    padded.append(kRecordPadding, '\0');
    return indexRecord(std::string_view(padded.data(), json.size()), padded.size(), ReaderLimits{}.maxDepth).id;
}

/// Writes `parts` to a new connection one after the other (a pause between them, so that they
/// arrive as separate segments) and returns what came back within `waitMs` (until the answer is
/// complete or the connection closed). `halfClose`: shut the sending side after the last part.
QByteArray exchange(quint16 port, const QList<QByteArray> &parts, int waitMs = 3000, bool halfClose = false)
{
    QTcpSocket s;
    s.connectToHost(QHostAddress::LocalHost, port);
    if (!s.waitForConnected(2000))
        return "no connection";
    for (const QByteArray &p : parts) {
        s.write(p);
        s.flush();
        QTest::qWait(15);
    }
    if (halfClose)
        ::shutdown(int(s.socketDescriptor()), SHUT_WR);
    QByteArray got;
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < waitMs) {
        QTest::qWait(20);
        got += s.readAll();
        if (s.state() != QAbstractSocket::ConnectedState || (got.contains("\r\n\r\n") && got.endsWith("}\n")))
            break;
    }
    return got + s.readAll();
}

int statusOf(const QByteArray &answer) { return answer.startsWith("HTTP/1.1 ") ? answer.mid(9, 3).toInt() : 0; }

size_t lines(const std::string &s) { return size_t(std::count(s.begin(), s.end(), '\n')); }

struct Fixture
{
    QTemporaryDir dir;
    std::shared_ptr<EventStore> store = std::make_shared<EventStore>();
    std::unique_ptr<Receiver> rx;
    explicit Fixture(qint64 maxBody = 1 << 20, qint64 maxDecompressed = 8 << 20, JournalFault fault = {})
    {
        Config c;
        c.port = 0;
        c.secret = kSecret;
        c.journalDir = dir.path().toStdString() + "/journal";
        c.maxBodyBytes = maxBody;
        c.maxDecompressedBytes = maxDecompressed;
        c.readTimeoutMs = 500;
        c.journalFault = std::move(fault);
        rx = std::make_unique<Receiver>(c, store);
        std::string err;
        if (!rx->start(err))
            qFatal("receiver did not start: %s", err.c_str());
    }
    quint16 port() const { return rx->port(); }
    std::string journal() const { return dir.path().toStdString() + "/journal"; }
};
} // namespace

class TstReceiver : public QObject
{
    Q_OBJECT
private slots:
    void goodBatchesGzipAndPlain()
    {
        Fixture f;
        const std::string b = batch(0, 50);
        Answer a = post(f.port(), QByteArray::fromStdString(gzipBytes(b)), QByteArray::fromStdString(kSecret));
        QCOMPARE(a.status, 200);
        QVERIFY(a.body.contains("stored 50 records"));
        a = post(f.port(), QByteArray::fromStdString(batch(50, 30)), QByteArray::fromStdString(kSecret), {}, "X-Auditlens-Secret",
                 "application/x-ndjson");
        QCOMPARE(a.status, 200);
        QCOMPARE(lines(journalText(f.journal())), size_t(80));
        QCOMPARE(f.store->snapshot().size(), size_t(80));
        QCOMPARE(f.rx->stats().records, quint64(80));
        QCOMPARE(f.rx->stats().batches, quint64(2));
        // the secret as a query parameter works too
        a = post(f.port(), QByteArray::fromStdString(batch(80, 5)), {}, "?secret=" + QByteArray::fromStdString(kSecret));
        QCOMPARE(a.status, 200);
        // the journal directory is a source like a file
        EventStore again;
        for (const auto &file : journalFiles(f.journal()))
            again.load(SourceSpec::file(file), {});
        QCOMPARE(again.snapshot().size(), size_t(85));
    }

    void wrongOrMissingSecret()
    {
        Fixture f;
        Answer a = post(f.port(), QByteArray::fromStdString(batch(0, 5)), "not-the-secret");
        QCOMPARE(a.status, 401);
        QVERIFY(a.body.contains("wrong"));
        a = post(f.port(), QByteArray::fromStdString(batch(0, 5)), {});
        QCOMPARE(a.status, 401);
        QVERIFY(a.body.contains("missing"));
        QCOMPARE(lines(journalText(f.journal())), size_t(0));
        QCOMPARE(f.store->snapshot().size(), size_t(0));
        QCOMPARE(f.rx->stats().rejected["unauthorized"], quint64(2));
    }

    void testUploads()
    {
        Fixture f;
        const QByteArray s = QByteArray::fromStdString(kSecret);
        for (const std::string &body : {std::string("{\"content\":\"tests\"}"), std::string("{\"content\":\"test\",\"filename\":\"test.txt\"}"),
                                        std::string("test")}) {
            QCOMPARE(post(f.port(), QByteArray::fromStdString(gzipBytes(body)), s).status, 200);
            QCOMPARE(post(f.port(), QByteArray::fromStdString(body), s).status, 200);
        }
        QCOMPARE(f.rx->stats().tests, quint64(6));
        QCOMPARE(f.rx->stats().records, quint64(0));
        QCOMPARE(lines(journalText(f.journal())), size_t(0));
    }

    void corruptGzipKeepsGoodRecords()
    {
        Fixture f;
        std::string gz = gzipBytes(batch(0, 2000), 1);
        gz.resize(gz.size() * 2 / 3);
        const Answer a = post(f.port(), QByteArray::fromStdString(gz), QByteArray::fromStdString(kSecret));
        QCOMPARE(a.status, 400);
        QVERIFY2(a.body.contains("gzip") && a.body.contains("complete records before it were stored"), a.body.constData());
        const size_t kept = lines(journalText(f.journal()));
        QVERIFY(kept > 100 && kept < 2000);
        QCOMPARE(f.store->snapshot().size(), kept);
    }

    void nonJsonLines()
    {
        Fixture f;
        const std::string body = rec(1) + "\nnot json\n" + rec(2) + "\n{\"ID\":\n";
        Answer a = post(f.port(), QByteArray::fromStdString(gzipBytes(body)), QByteArray::fromStdString(kSecret));
        QCOMPARE(a.status, 200);
        QVERIFY2(a.body.contains("stored 2 records") && a.body.contains("2 lines that are not JSON records"), a.body.constData());
        QCOMPARE(lines(journalText(f.journal())), size_t(4)); // bad lines are kept
        QCOMPARE(f.store->snapshot().size(), size_t(2));
        QCOMPARE(f.store->rejectedCount(), size_t(2)); // and reported
        a = post(f.port(), "just some text\nmore text\n", QByteArray::fromStdString(kSecret));
        QCOMPARE(a.status, 422);
    }

    void limits()
    {
        Fixture f(64 * 1024, 512 * 1024);
        std::string big(100 * 1024, 'x');
        Answer a = post(f.port(), QByteArray::fromStdString(big), QByteArray::fromStdString(kSecret));
        QCOMPARE(a.status, 413);
        QVERIFY(a.body.contains("larger than the limit"));
        // a decompression bomb: 1 MB of zeros in a few KB
        const std::string bomb = gzipBytes(std::string(1 << 20, '\0'), 9);
        QVERIFY(bomb.size() < 64 * 1024);
        a = post(f.port(), QByteArray::fromStdString(bomb), QByteArray::fromStdString(kSecret));
        QCOMPARE(a.status, 413);
        QVERIFY(a.body.contains("decompressed"));
        QCOMPARE(lines(journalText(f.journal())), size_t(0));
        // still serving after both
        QCOMPARE(post(f.port(), QByteArray::fromStdString(batch(0, 3)), QByteArray::fromStdString(kSecret)).status, 200);
    }

    void pipelinedRequestsAreAnsweredInOrder()
    {
        // three requests written at once: Content-Length, chunked (two chunks), then a wrong
        // secret; the guard follows each one's framing and the answers come back in order
        Fixture f;
        const QByteArray secret = QByteArray::fromStdString(kSecret);
        const QByteArray one = QByteArray::fromStdString(batch(0, 4));
        const QByteArray two = QByteArray::fromStdString(batch(10, 3));
        const QByteArray wire =
            "POST / HTTP/1.1\r\nHost: x\r\nX-Auditlens-Secret: " + secret + "\r\nContent-Length: " + QByteArray::number(one.size())
            + "\r\n\r\n" + one + "POST / HTTP/1.1\r\nHost: x\r\nX-Auditlens-Secret: " + secret
            + "\r\nTransfer-Encoding: chunked\r\n\r\n" + QByteArray::number(20, 16) + "\r\n" + two.left(20) + "\r\n"
            + QByteArray::number(two.size() - 20, 16) + "\r\n" + two.mid(20) + "\r\n0\r\n\r\n"
            + "POST / HTTP/1.1\r\nHost: x\r\nX-Auditlens-Secret: wrong-secret-value\r\nContent-Length: 2\r\n\r\n{}";
        QTcpSocket s;
        s.connectToHost(QHostAddress::LocalHost, f.port());
        QVERIFY(s.waitForConnected(2000));
        s.write(wire);
        QByteArray got;
        QTRY_VERIFY_WITH_TIMEOUT((got += s.readAll()).count("HTTP/1.1 ") >= 3 || s.state() != QAbstractSocket::ConnectedState, 5000);
        got += s.readAll();
        const qsizetype a = got.indexOf("stored 4 records"), b = got.indexOf("stored 3 records"), c = got.indexOf("HTTP/1.1 401");
        QVERIFY2(a > 0 && b > a && c > b, got.constData());
        QCOMPARE(lines(journalText(f.journal())), size_t(7));
        QCOMPARE(f.rx->stats().requests, quint64(3));
    }

    // ---- one reading of each request: what the guard and Qt's parser could read differently
    // is refused before anything is stored

    void bareLfIsRefused()
    {
        Fixture f;
        const QByteArray body = QByteArray::fromStdString(batch(0, 5));
        const QList<QByteArray> secretLines = {QByteArray(), QByteArray("X-Auditlens-Secret: wrong-secret-value\n"),
                                               "X-Auditlens-Secret: " + QByteArray::fromStdString(kSecret) + "\n"};
        for (const QByteArray &secretLine : secretLines) {
            const QByteArray a = exchange(f.port(), {"POST / HTTP/1.1\nHost: x\n" + secretLine + "Content-Length: "
                                                     + QByteArray::number(body.size()) + "\n\n" + body});
            QCOMPARE(statusOf(a), 400);
            QVERIFY2(a.contains("bare LF"), a.constData());
        }
        // a bare LF in one header line among CRLF lines
        const QByteArray a = exchange(f.port(), {"POST / HTTP/1.1\r\nHost: x\nX-Auditlens-Secret: " + QByteArray::fromStdString(kSecret)
                                                 + "\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body});
        QCOMPARE(statusOf(a), 400);
        QCOMPARE(lines(journalText(f.journal())), size_t(0));
        QCOMPARE(f.store->snapshot().size(), size_t(0));
    }

    void ambiguousLengthsAreRefused()
    {
        Fixture f;
        const QByteArray secret = "X-Auditlens-Secret: " + QByteArray::fromStdString(kSecret) + "\r\n";
        const QByteArray body = QByteArray::fromStdString(batch(0, 5));
        const QByteArray n = QByteArray::number(body.size());
        const QList<QByteArray> heads = {
            "Content-Length: 10\r\nContent-Length: " + n + "\r\n",             // conflicting
            "Content-Length: " + n + "\r\nContent-Length: 10\r\n",             // conflicting, the other way
            "Content-Length: " + n + "\r\nContent-Length: " + n + "\r\n",      // duplicate
            "Content-Length: " + n + "\r\nTransfer-Encoding: chunked\r\n",     // both
            "Transfer-Encoding: chunked\r\nContent-Length: " + n + "\r\n",     // both, the other way
            "Content-Length: " + n + "abc\r\n",                                // not a number
            "Content-Length: +" + n + "\r\n",
            "Content-Length: 0x" + QByteArray::number(body.size(), 16) + "\r\n",
            "Content-Length: " + n + ", " + n + "\r\n",
            "Content-Length: 99999999999999999999999\r\n",
            "Transfer-Encoding: gzip, chunked\r\n",
            "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
        };
        for (const QByteArray &h : heads) {
            const QByteArray a = exchange(f.port(), {"POST / HTTP/1.1\r\nHost: x\r\n" + secret + h + "\r\n" + body});
            QVERIFY2(statusOf(a) == 400, QByteArray(h + " -> " + a).constData());
        }
        QCOMPARE(lines(journalText(f.journal())), size_t(0));
        QCOMPARE(f.store->snapshot().size(), size_t(0));
    }

    void oversizedHeadersInAnySegmentation()
    {
        Fixture f;
        const QByteArray big = "X-Padding: " + QByteArray(70 * 1024, 'a') + "\r\n";
        const QByteArray head = "POST / HTTP/1.1\r\nHost: x\r\nX-Auditlens-Secret: " + QByteArray::fromStdString(kSecret) + "\r\n";
        const QByteArray tail = "Content-Length: 2\r\n\r\n{}";
        // one segment
        QByteArray a = exchange(f.port(), {head + big + tail});
        QCOMPARE(statusOf(a), 431);
        // in 4 KiB pieces
        QList<QByteArray> parts;
        const QByteArray whole = head + big + tail;
        for (qsizetype i = 0; i < whole.size(); i += 4096)
            parts << whole.mid(i, 4096);
        a = exchange(f.port(), parts);
        QCOMPARE(statusOf(a), 431);
        // many small header lines adding up
        QByteArray many = head;
        for (int i = 0; i < 90; ++i)
            many += "X-H" + QByteArray::number(i) + ": " + QByteArray(800, 'b') + "\r\n";
        a = exchange(f.port(), {many + tail});
        QCOMPARE(statusOf(a), 431);
        QCOMPARE(lines(journalText(f.journal())), size_t(0));
        QCOMPARE(f.rx->stats().rejected["headers too large"], quint64(3));
    }

    void chunkSizeOverflowIsRefused()
    {
        Fixture f;
        const QByteArray head = "POST / HTTP/1.1\r\nHost: x\r\nX-Auditlens-Secret: " + QByteArray::fromStdString(kSecret)
                                + "\r\nTransfer-Encoding: chunked\r\n\r\n";
        const QByteArray one = QByteArray::fromStdString(batch(0, 2));
        const QByteArray first = QByteArray::number(one.size(), 16) + "\r\n" + one + "\r\n";
        for (const QByteArray &size : {QByteArray("7fffffffffffffff"), QByteArray("ffffffffffffffff"), QByteArray("10000000000000000"),
                                       QByteArray("fffffffffffffffffffffffff")}) {
            QElapsedTimer t;
            t.start();
            const QByteArray a = exchange(f.port(), {head + first + size + "\r\n" + QByteArray(1000, 'x')});
            QVERIFY2(statusOf(a) == 413 || statusOf(a) == 400, QByteArray(size + " -> " + a).constData());
            QVERIFY(t.elapsed() < 2500); // answered at once, not at the read timeout
        }
        // a malformed size, and a chunk not ended by CRLF
        QCOMPARE(statusOf(exchange(f.port(), {head + "zz\r\n"})), 400);
        QCOMPARE(statusOf(exchange(f.port(), {head + "2\r\n{}XX0\r\n\r\n"})), 400);
        QCOMPARE(lines(journalText(f.journal())), size_t(0));
        QCOMPARE(f.store->snapshot().size(), size_t(0));
    }

    void bodyShorterThanContentLengthIsNotStored()
    {
        Fixture f;
        const QByteArray body = QByteArray::fromStdString(batch(0, 5));
        QByteArray head = "POST / HTTP/1.1\r\nHost: x\r\nX-Auditlens-Secret: " + QByteArray::fromStdString(kSecret)
                          + "\r\nContent-Length: " + QByteArray::number(body.size() + 500) + "\r\n\r\n";
        // the client stops sending: 408 at the read timeout
        QByteArray a = exchange(f.port(), {head + body});
        QCOMPARE(statusOf(a), 408);
        // the client shuts its side: nothing stored either
        a = exchange(f.port(), {head + body}, 3000, true);
        QVERIFY2(statusOf(a) == 408 || statusOf(a) == 400 || a.isEmpty(), a.constData());
        QTest::qWait(200);
        QCOMPARE(lines(journalText(f.journal())), size_t(0));
        QCOMPARE(f.store->snapshot().size(), size_t(0));
        QCOMPARE(f.rx->stats().records, quint64(0));
        // and a well-formed request on the same receiver still works
        QCOMPARE(statusOf(exchange(f.port(), {head.replace(QByteArray::number(body.size() + 500), QByteArray::number(body.size())) + body})), 200);
    }

    void strictRequestsStillWork()
    {
        // what the guard accepts: chunk extensions, blanks around values, secret in the query,
        // several requests on one connection
        Fixture f;
        const QByteArray one = QByteArray::fromStdString(batch(0, 3));
        QByteArray a = exchange(f.port(), {"POST /?secret=" + QByteArray::fromStdString(kSecret) + " HTTP/1.1\r\nHost: x\r\nContent-Length:  "
                                           + QByteArray::number(one.size()) + " \r\n\r\n" + one});
        QCOMPARE(statusOf(a), 200);
        a = exchange(f.port(), {"POST / HTTP/1.1\r\nHost: x\r\nX-Auditlens-Secret:\t" + QByteArray::fromStdString(kSecret)
                                + "\r\nTransfer-Encoding: Chunked\r\n\r\n" + QByteArray::number(one.size(), 16) + ";name=value\r\n",
                                one + "\r\n0\r\n\r\n"});
        QCOMPARE(statusOf(a), 200);
        QVERIFY2(a.contains("3 duplicates"), a.constData());
    }

    // ---- durable before seen: a batch that could not be written is not remembered

    void writeFailureIsRetriedAsNewRecords()
    {
        // the journal writer's fault-injection seam: the first write is cut short halfway,
        // the next fails with ENOSPC (as a full disk does), until the fault is lifted
        std::atomic<bool> full{true};
        std::atomic<int> writes{0};
        Fixture f(1 << 20, 8 << 20, [&](std::string_view op, size_t &bytes) {
            if (op != "write" || !full)
                return 0;
            if (writes++ == 0) {
                bytes /= 2;
                return 0;
            }
            return ENOSPC;
        });
        const QByteArray s = QByteArray::fromStdString(kSecret);
        full = false;
        QCOMPARE(post(f.port(), QByteArray::fromStdString(batch(0, 10)), s).status, 200);
        full = true;
        const QByteArray body = QByteArray::fromStdString(gzipBytes(batch(10, 20)));
        QByteArray answer = exchange(f.port(), {"POST / HTTP/1.1\r\nHost: x\r\nX-Auditlens-Secret: " + s + "\r\nContent-Length: "
                                                + QByteArray::number(body.size()) + "\r\n\r\n" + body});
        QCOMPARE(statusOf(answer), 503);
        QVERIFY2(answer.contains("\r\nRetry-After: "), answer.constData());
        QVERIFY(writes >= 2);
        // the journal holds the first batch's whole records, nothing of the failed one
        std::string j = journalText(f.journal());
        QCOMPARE(lines(j), size_t(10));
        QVERIFY(!j.empty() && j.back() == '\n');
        QVERIFY(f.rx->stats().journalFailing);
        QVERIFY(f.rx->stats().journalError.find("No space left") != std::string::npos);
        QCOMPARE(f.store->snapshot().size(), size_t(10));
        // space returns: Logpush's retry of the same batch is stored, as new records
        full = false;
        const Answer a = post(f.port(), body, s);
        QCOMPARE(a.status, 200);
        QVERIFY2(a.body.contains("stored 20 records") && !a.body.contains("duplicates"), a.body.constData());
        QVERIFY(!f.rx->stats().journalFailing);
        QCOMPARE(f.rx->stats().journalFailures, quint64(1));
        j = journalText(f.journal());
        QCOMPARE(lines(j), size_t(30));
        std::set<std::string> ids;
        for (size_t start = 0; start < j.size();) {
            const size_t nl = j.find('\n', start);
            ids.insert(recordId(std::string_view(j).substr(start, nl - start)));
            start = nl + 1;
        }
        QCOMPARE(ids.size(), size_t(30)); // every record whole and once
        QCOMPARE(lines(journalText(f.journal(), true)), size_t(0));
        QCOMPARE(f.store->snapshot().size(), size_t(30));
    }

    void syncFailureIsRetriedAsNewRecords()
    {
        std::atomic<bool> failing{false};
        Fixture f(1 << 20, 8 << 20, [&](std::string_view op, size_t &) { return op == "sync" && failing ? EIO : 0; });
        const QByteArray s = QByteArray::fromStdString(kSecret);
        failing = true;
        QCOMPARE(post(f.port(), QByteArray::fromStdString(batch(0, 10)), s).status, 503);
        QCOMPARE(lines(journalText(f.journal())), size_t(0)); // cut back
        failing = false;
        const Answer a = post(f.port(), QByteArray::fromStdString(batch(0, 10)), s);
        QVERIFY2(a.status == 200 && a.body.contains("stored 10 records") && !a.body.contains("duplicates"), a.body.constData());
        QCOMPARE(lines(journalText(f.journal())), size_t(10));
    }

    void fullDiskOnTmpfs()
    {
        // a real full file system: a 256 KiB tmpfs (needs root; CI runs as root)
        if (::geteuid() != 0)
            QSKIP("needs root to mount a tmpfs (CI runs as root)");
        QTemporaryDir mnt;
        const QByteArray where = mnt.path().toLocal8Bit();
        if (::mount("tmpfs", where.constData(), "tmpfs", 0, "size=256k") != 0)
            QSKIP(qPrintable(QStringLiteral("cannot mount a tmpfs on %1: %2").arg(mnt.path(), QString::fromLocal8Bit(std::strerror(errno)))));
        struct Unmount
        {
            QByteArray at;
            ~Unmount() { ::umount2(at.constData(), MNT_DETACH); }
        } unmount{where};
        // most of it taken by another file
        const QString filler = mnt.filePath(QStringLiteral("filler"));
        {
            QFile fill(filler);
            QVERIFY(fill.open(QIODevice::WriteOnly));
            fill.write(QByteArray(150 * 1024, 'x'));
        }
        Config c;
        c.port = 0;
        c.secret = kSecret;
        c.journalDir = mnt.filePath(QStringLiteral("journal")).toStdString();
        auto store = std::make_shared<EventStore>();
        auto rx = std::make_unique<Receiver>(c, store);
        std::string err;
        QVERIFY2(rx->start(err), err.c_str());
        const QByteArray s = QByteArray::fromStdString(kSecret);
        int stored = 0, failedAt = -1;
        for (int b = 0; b < 40 && failedAt < 0; ++b) {
            const Answer a = post(rx->port(), QByteArray::fromStdString(batch(b * 40, 40)), s);
            if (a.status == 200)
                stored += 40;
            else if (a.status == 503)
                failedAt = b;
            else
                QFAIL(a.body.constData());
        }
        QVERIFY2(failedAt > 0, "the file system never filled up");
        QVERIFY(rx->stats().journalFailing);
        std::string j = journalText(c.journalDir);
        QCOMPARE(lines(j), size_t(stored));
        QVERIFY(j.back() == '\n'); // no partial record left by ENOSPC
        // still serving while full: the next batch gets 503 too, with no crash
        QCOMPARE(post(rx->port(), QByteArray::fromStdString(batch(failedAt * 40, 40)), s).status, 503);
        // space returns: the retried batch is stored as new records
        QVERIFY(QFile::remove(filler));
        const Answer a = post(rx->port(), QByteArray::fromStdString(batch(failedAt * 40, 40)), s);
        QCOMPARE(a.status, 200);
        QVERIFY2(a.body.contains("stored 40 records") && !a.body.contains("duplicates"), a.body.constData());
        QVERIFY(!rx->stats().journalFailing);
        j = journalText(c.journalDir);
        QCOMPARE(lines(j), size_t(stored + 40));
        EventStore again;
        for (const auto &file : journalFiles(c.journalDir))
            again.load(SourceSpec::file(file), {});
        QCOMPARE(again.snapshot().size(), size_t(stored + 40));
        QCOMPARE(again.rejectedCount(), size_t(0));
        rx.reset();
    }

    void slowClientTimesOut()
    {
        Fixture f;
        QTcpSocket s;
        s.connectToHost(QHostAddress::LocalHost, f.port());
        QVERIFY(s.waitForConnected(2000));
        s.write("POST / HTTP/1.1\r\nX-Auditlens-Secret: " + QByteArray::fromStdString(kSecret) + "\r\nContent-Length: 100\r\n\r\n{\"ID\":");
        QTRY_VERIFY_WITH_TIMEOUT(s.bytesAvailable() > 0 || s.state() != QAbstractSocket::ConnectedState, 5000);
        QVERIFY(s.readAll().startsWith("HTTP/1.1 408"));
    }

    void duplicatesAreCounted()
    {
        Fixture f;
        const QByteArray s = QByteArray::fromStdString(kSecret);
        QCOMPARE(post(f.port(), QByteArray::fromStdString(gzipBytes(batch(0, 20))), s).status, 200);
        const Answer a = post(f.port(), QByteArray::fromStdString(gzipBytes(batch(10, 20))), s); // 10 seen, 10 new
        QCOMPARE(a.status, 200);
        QVERIFY2(a.body.contains("stored 10 records, 10 duplicates"), a.body.constData());
        QCOMPARE(f.rx->stats().duplicates, quint64(10));
        QCOMPARE(f.store->snapshot().size(), size_t(30)); // hidden from the trail
        QCOMPARE(lines(journalText(f.journal(), true)), size_t(10)); // kept in the journal
        QCOMPARE(lines(journalText(f.journal())), size_t(30));
        // also across a restart
        const std::string dir = f.journal();
        f.rx.reset();
        Config c;
        c.port = 0;
        c.secret = kSecret;
        c.journalDir = dir;
        Receiver again(c);
        std::string err;
        QVERIFY(again.start(err));
        QVERIFY(post(again.port(), QByteArray::fromStdString(batch(25, 10)), s).body.contains("stored 5 records, 5 duplicates"));
    }

    void concurrentBatchesAreAllStoredOnce()
    {
        // 12 requests, 6 at a time (Qt's per-host limit): decoded in parallel, journaled with one sync for the
        // batches waiting together); batches overlap by 5 records, so exactly one copy of each
        // record is stored, whatever order they are written in
        Fixture f;
        QNetworkAccessManager nam;
        int pending = 0;
        QEventLoop loop;
        std::vector<int> statuses;
        for (int b = 0; b < 12; ++b) {
            QNetworkRequest req(QUrl(QStringLiteral("http://127.0.0.1:%1/").arg(f.port())));
            req.setRawHeader("X-Auditlens-Secret", QByteArray::fromStdString(kSecret));
            QNetworkReply *r = nam.post(req, QByteArray::fromStdString(gzipBytes(batch(b * 20, 25))));
            ++pending;
            QObject::connect(r, &QNetworkReply::finished, &loop, [&, r] {
                statuses.push_back(r->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt());
                r->deleteLater();
                if (--pending == 0)
                    loop.quit();
            });
        }
        loop.exec();
        QCOMPARE(statuses, std::vector<int>(12, 200));
        const std::string journal = journalText(f.journal());
        QCOMPARE(lines(journal), size_t(11 * 20 + 25));
        std::set<std::string> ids;
        size_t start = 0;
        while (start < journal.size()) {
            const size_t nl = journal.find('\n', start);
            ids.insert(recordId(std::string_view(journal).substr(start, nl - start)));
            start = nl + 1;
        }
        QCOMPARE(ids.size(), size_t(11 * 20 + 25)); // no record twice
        QCOMPARE(lines(journalText(f.journal(), true)), size_t(11 * 5));
        QCOMPARE(f.rx->stats().records, quint64(11 * 20 + 25));
        QCOMPARE(f.rx->stats().duplicates, quint64(11 * 5));
        QCOMPARE(f.store->snapshot().size(), size_t(11 * 20 + 25));
    }

    void stopAndStartAgain()
    {
        // the GUI panel stops a receiver, may start it again, and destroys it (stop runs again)
        Fixture f;
        const QByteArray s = QByteArray::fromStdString(kSecret);
        QCOMPARE(post(f.port(), QByteArray::fromStdString(batch(0, 5)), s).status, 200);
        f.rx->stop();
        QVERIFY(!f.rx->isListening());
        f.rx->stop();
        std::string err;
        QVERIFY2(f.rx->start(err), err.c_str());
        const Answer a = post(f.port(), QByteArray::fromStdString(batch(3, 5)), s);
        QCOMPARE(a.status, 200);
        QVERIFY2(a.body.contains("stored 3 records, 2 duplicates"), a.body.constData()); // the journal was read again
        f.rx->stop();
        f.rx.reset();
    }

    void idWindowForgetsOnlyOldIds()
    {
        IdWindow w(100); // two generations of 50
        QVERIFY(w.insert(IdKey::of("a")));
        QVERIFY(!w.insert(IdKey::of("a")));
        QVERIFY(!(IdKey::of("a") == IdKey::of("b")));
        QVERIFY(IdKey::of("").empty());
        QVERIFY(w.insert(IdKey{})); // no ID: never a duplicate
        QVERIFY(w.insert(IdKey{}));
        for (int i = 0; i < 1000; ++i) {
            QVERIFY(w.insert(IdKey::of("id-" + std::to_string(i))));
            QVERIFY(w.size() <= 100);
            // the last 50 are always remembered
            for (int back = std::max(0, i - 49); back <= i; back += 7)
                QVERIFY2(w.contains(IdKey::of("id-" + std::to_string(back))), std::to_string(back).c_str());
        }
        QVERIFY(!w.contains(IdKey::of("id-0"))); // forgotten: memory stays bounded
        QVERIFY(!w.contains(IdKey::of("a")));
    }

    void crashLosesNoAcknowledgedBatch()
    {
        // the receiver in its own process, SIGKILLed in the middle of a sustained load
        QTemporaryDir dir;
        const QString journal = dir.filePath(QStringLiteral("journal"));
        QTcpServer probe;
        probe.listen(QHostAddress::LocalHost, 0);
        const quint16 port = probe.serverPort();
        probe.close();
        QProcess rx;
        rx.setProcessChannelMode(QProcess::MergedChannels);
        rx.start(QStringLiteral(AUDITLENS_CLI),
                 {QStringLiteral("receive"), QStringLiteral("--listen"), QStringLiteral("127.0.0.1:%1").arg(port), QStringLiteral("--journal"),
                  journal, QStringLiteral("--secret"), QString::fromStdString(kSecret), QStringLiteral("--quiet")});
        QVERIFY(rx.waitForStarted());
        QTRY_VERIFY_WITH_TIMEOUT(QString::fromUtf8(rx.peek(4096)).contains(QStringLiteral("listening")), 10000);
        Sender::Options so;
        so.url = QStringLiteral("http://127.0.0.1:%1/").arg(port).toStdString();
        so.secret = kSecret;
        so.concurrency = 8;
        so.timeoutMs = 5000;
        Sender sender(so);
        const int batches = 400, per = 200;
        for (int b = 0; b < batches; ++b)
            sender.add(batch(b * per, per));
        std::set<size_t> acked;
        bool killed = false;
        sender.run([&](const Sender::Outcome &o) {
            if (o.status == 200)
                acked.insert(o.batch);
            if (!killed && acked.size() >= 60) {
                ::kill(pid_t(rx.processId()), SIGKILL);
                killed = true;
            }
        });
        rx.waitForFinished(5000);
        QVERIFY(killed);
        QVERIFY(acked.size() >= 60);
        QVERIFY(acked.size() < size_t(batches)); // the kill did interrupt the load
        // restart-free check: every record of every acknowledged batch is in the journal
        std::set<std::string> ids;
        for (const auto &f : journalFiles(journal.toStdString(), true)) {
            const std::string text = testutil::readFile(QString::fromStdString(f));
            size_t start = 0;
            while (start < text.size()) {
                const size_t nl = text.find('\n', start);
                const std::string id = recordId(std::string_view(text).substr(start, (nl == std::string::npos ? text.size() : nl) - start));
                if (!id.empty())
                    ids.insert(id);
                start = nl == std::string::npos ? text.size() : nl + 1;
            }
        }
        size_t missing = 0;
        for (size_t b : acked)
            for (int i = int(b) * per; i < int(b + 1) * per; ++i)
                missing += ids.count("v1:id-" + std::to_string(i)) ? 0 : 1;
        QCOMPARE(missing, size_t(0));
        // and the journal reads back as a source after the crash
        EventStore store;
        for (const auto &f : journalFiles(journal.toStdString()))
            store.load(SourceSpec::file(f), {});
        QVERIFY(store.snapshot().size() >= acked.size() * per);
    }

    void tls()
    {
        QTemporaryDir dir;
        const QString cert = dir.filePath(QStringLiteral("cert.pem")), key = dir.filePath(QStringLiteral("key.pem"));
        QProcess openssl;
        openssl.start(QStringLiteral("openssl"), {QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"), QStringLiteral("rsa:2048"),
                                                  QStringLiteral("-nodes"), QStringLiteral("-keyout"), key, QStringLiteral("-out"), cert,
                                                  QStringLiteral("-days"), QStringLiteral("1"), QStringLiteral("-subj"), QStringLiteral("/CN=127.0.0.1")});
        if (!openssl.waitForFinished(30000) || openssl.exitCode() != 0)
            QSKIP("openssl could not make a test certificate");
        Config c;
        c.port = 0;
        c.secret = kSecret;
        c.journalDir = dir.filePath(QStringLiteral("journal")).toStdString();
        c.tlsCert = cert.toStdString();
        c.tlsKey = key.toStdString();
        auto store = std::make_shared<EventStore>();
        Receiver rx(c, store);
        std::string err;
        QVERIFY2(rx.start(err), err.c_str());
        QNetworkAccessManager nam;
        QNetworkRequest req(QUrl(QStringLiteral("https://127.0.0.1:%1/").arg(rx.port())));
        QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
        ssl.setCaCertificates(QSslCertificate::fromPath(cert)); // trust our test certificate only
        ssl.setPeerVerifyMode(QSslSocket::VerifyPeer);
        req.setSslConfiguration(ssl);
        req.setRawHeader("X-Auditlens-Secret", QByteArray::fromStdString(kSecret));
        QNetworkReply *r = nam.post(req, QByteArray::fromStdString(gzipBytes(batch(0, 10))));
        connect(r, &QNetworkReply::sslErrors, r, [r](const QList<QSslError> &errors) {
            // the certificate names an IP in its CN; accept only that mismatch
            QList<QSslError> ok;
            for (const QSslError &e : errors)
                if (e.error() == QSslError::HostNameMismatch)
                    ok << e;
            r->ignoreSslErrors(ok);
        });
        QEventLoop loop;
        connect(r, &QNetworkReply::finished, &loop, &QEventLoop::quit);
        loop.exec();
        QCOMPARE(r->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
        QCOMPARE(store->snapshot().size(), size_t(10));
        r->deleteLater();
        // a bad key is refused at start with a reason
        Config bad = c;
        bad.tlsKey = cert.toStdString();
        Receiver rx2(bad);
        QVERIFY(!rx2.start(err));
        QVERIFY(err.find("TLS") != std::string::npos);
    }

    void destinationConfForLogpush()
    {
        Fixture f;
        QCOMPARE(f.rx->destinationConf("https://logs.example.com/cf"),
                 std::string("https://logs.example.com/cf?header_X-Auditlens-Secret=correct-horse-battery-staple"));
    }
};

QTEST_GUILESS_MAIN(TstReceiver)
#include "tst_receiver.moc"
