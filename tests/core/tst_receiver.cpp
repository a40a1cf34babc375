// SPDX-License-Identifier: MIT
// The Logpush HTTP destination over real HTTP on loopback: auth, gzip, test uploads, limits,
// bad lines, every framing, duplicates, journal durability (including a SIGKILL in the middle
// of a load), TLS.
#include "tst_receiver_util.h"

using namespace auditlens;
using namespace auditlens::receiver;
using namespace rxtest;

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

    void jsonArrayBatchesGzipAndPlain()
    {
        // batch_prefix "[", record_delimiter ",", batch_suffix "]": compact and gzip, then
        // pretty-printed and plain
        Fixture f;
        const QByteArray s = QByteArray::fromStdString(kSecret);
        std::string compact = "[";
        for (int i = 0; i < 30; ++i)
            compact += (i ? "," : "") + rec(i);
        compact += "]";
        Answer a = post(f.port(), QByteArray::fromStdString(gzipBytes(compact)), s);
        QCOMPARE(a.status, 200);
        QVERIFY2(a.body.contains("stored 30 records (json array)"), a.body.constData());
        std::string pretty = "[\n";
        for (int i = 30; i < 50; ++i)
            pretty += std::string(i > 30 ? ",\n" : "") + "  {\n    \"ID\": \"id-" + std::to_string(i)
                      + "\",\n    \"ActionType\": \"login\",\n    \"When\": \"2023-02-24T16:32:38Z\"\n  }";
        pretty += "\n]\n";
        a = post(f.port(), QByteArray::fromStdString(pretty), s);
        QCOMPARE(a.status, 200);
        QVERIFY2(a.body.contains("stored 20 records (json array)"), a.body.constData());
        // read back from the journal: one record a line
        QCOMPARE(lines(journalText(f.journal())), size_t(50));
        EventStore again;
        for (const auto &file : journalFiles(f.journal()))
            again.load(SourceSpec::file(file), {});
        QCOMPARE(again.snapshot().size(), size_t(50));
        QCOMPARE(again.rejectedCount(), size_t(0));
        QCOMPARE(f.store->snapshot().size(), size_t(50));
    }

    void otherFramings()
    {
        Fixture f;
        const QByteArray s = QByteArray::fromStdString(kSecret);
        // record_delimiter "," and no batch prefix: the records on one line
        std::string line;
        for (int i = 0; i < 5; ++i)
            line += (i ? "," : "") + rec(i);
        Answer a = post(f.port(), QByteArray::fromStdString(gzipBytes(line + "\n")), s);
        QVERIFY2(a.status == 200 && a.body.contains("stored 5 records"), a.body.constData());
        // record_suffix "}" without a line end: objects one after another
        a = post(f.port(), QByteArray::fromStdString(rec(5) + rec(6) + " " + rec(7)), s);
        QVERIFY2(a.status == 200 && a.body.contains("stored 3 records"), a.body.constData());
        QCOMPARE(lines(journalText(f.journal())), size_t(8));
        // a job's own framing, given to the receiver: batch prefix/suffix and a delimiter
        QTemporaryDir dir;
        Config c;
        c.port = 0;
        c.secret = kSecret;
        c.journalDir = dir.path().toStdString();
        c.framing.batchPrefix = "<batch>";
        c.framing.batchSuffix = "</batch>";
        c.framing.recordDelimiter = "\x1e";
        Receiver custom(c);
        std::string err;
        QVERIFY(custom.start(err));
        a = post(custom.port(), QByteArray::fromStdString(gzipBytes("<batch>" + rec(1) + "\x1e" + rec(2) + "\x1e" + rec(3) + "</batch>")), s);
        QVERIFY2(a.status == 200 && a.body.contains("stored 3 records (custom)"), a.body.constData());
        QCOMPARE(lines(journalText(c.journalDir)), size_t(3));
    }

    void unsplittableBatchIsKeptAndAcknowledged()
    {
        Fixture f;
        const QByteArray s = QByteArray::fromStdString(kSecret);
        const std::string body = "ActorEmail,ActionType\nalice@example.com,login\n\"x\",\"y\"\n";
        const Answer a = post(f.port(), QByteArray::fromStdString(gzipBytes(body)), s);
        QCOMPARE(a.status, 200);
        QVERIFY2(a.body.contains("could not be split into records"), a.body.constData());
        QCOMPARE(f.rx->stats().unsplit, quint64(1));
        QVERIFY(f.rx->stats().lastError.find("unsplit-") != std::string::npos);
        QCOMPARE(lines(journalText(f.journal())), size_t(0)); // not mixed into the records
        const QStringList kept = QDir(QString::fromStdString(f.journal())).entryList({QStringLiteral("unsplit-*.txt")});
        QCOMPARE(kept.size(), 1);
        QCOMPARE(testutil::readFile(QString::fromStdString(f.journal()) + QLatin1Char('/') + kept[0]), body); // byte for byte
        QCOMPARE(f.store->snapshot().size(), size_t(0));
    }

    void sameIdWithinOneBatchIsStoredEachTime()
    {
        // a duplicate is a record seen in an earlier batch (a retry), not a repeat in the batch
        Fixture f;
        const QByteArray s = QByteArray::fromStdString(kSecret);
        const std::string twice = rec(1) + "\n" + rec(1) + "\n" + rec(2) + "\n";
        Answer a = post(f.port(), QByteArray::fromStdString(gzipBytes(twice)), s);
        QVERIFY2(a.status == 200 && a.body.contains("stored 3 records") && !a.body.contains("duplicates"), a.body.constData());
        a = post(f.port(), QByteArray::fromStdString(gzipBytes(twice)), s);
        QVERIFY2(a.status == 200 && a.body.contains("stored 0 records, 3 duplicates"), a.body.constData());
        QCOMPARE(lines(journalText(f.journal())), size_t(3));
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
