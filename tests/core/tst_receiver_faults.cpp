// SPDX-License-Identifier: MIT
// The receiver under faults and hostile load: a journal that cannot be written (fault seam and a
// full tmpfs), gzip bombs, slow connections by the thousand.
#include "tst_receiver_util.h"

using namespace auditlens;
using namespace auditlens::receiver;
using namespace rxtest;

class TstReceiverFaults : public QObject
{
    Q_OBJECT
private slots:
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

    void partialRecordLeftByACrashIsCut()
    {
        // a journal file ending in the middle of a record (a crash or a full disk before the
        // group was cut back): the next start cuts it, so no record gets glued to it
        QTemporaryDir dir;
        const QString journal = dir.filePath(QStringLiteral("journal"));
        QVERIFY(QDir().mkpath(journal));
        {
            QFile f(journal + QStringLiteral("/journal-0000000000001-000001.ndjson"));
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(QByteArray::fromStdString(batch(0, 3) + rec(3).substr(0, 30)));
        }
        Config c;
        c.port = 0;
        c.secret = kSecret;
        c.journalDir = journal.toStdString();
        Receiver rx(c);
        std::string err;
        QVERIFY2(rx.start(err), err.c_str());
        // the cut record was never acknowledged: its retry is new, the whole ones are not
        const Answer a = post(rx.port(), QByteArray::fromStdString(batch(2, 2)), QByteArray::fromStdString(kSecret));
        QVERIFY2(a.status == 200 && a.body.contains("stored 1 records, 1 duplicates"), a.body.constData());
        rx.stop();
        EventStore again;
        for (const auto &file : journalFiles(c.journalDir))
            again.load(SourceSpec::file(file), {});
        QCOMPARE(again.snapshot().size(), size_t(4));
        QCOMPARE(again.rejectedCount(), size_t(0));
    }

    void gzipBombsAreBounded()
    {
        // three 2 GiB gzip bombs at once against the CLI receiver with its default limits: 413
        // each, and the receiver's peak RSS stays under 512 MB. A bomb is one 64 MiB member
        // of records repeated 32 times (records, not blanks: everything in it would be kept).
#if defined(__SANITIZE_ADDRESS__)
        QSKIP("the memory bound is measured without AddressSanitizer (its shadow memory and quarantine count in the RSS)");
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
        QSKIP("the memory bound is measured without AddressSanitizer (its shadow memory and quarantine count in the RSS)");
#endif
#endif
        std::string chunk;
        const std::string line = rec(1) + "\n";
        while (chunk.size() < (64u << 20))
            chunk += line;
        const std::string member = gzipBytes(chunk, 9);
        std::string bomb;
        while (bomb.size() < member.size() * 34)
            bomb += member;
        QVERIFY(qint64(bomb.size()) < (100 << 20));
        QTemporaryDir dir;
        QTcpServer probe;
        probe.listen(QHostAddress::LocalHost, 0);
        const quint16 port = probe.serverPort();
        probe.close();
        QProcess rx;
        rx.setProcessChannelMode(QProcess::MergedChannels);
        rx.start(QStringLiteral(AUDITLENS_CLI), {QStringLiteral("receive"), QStringLiteral("--listen"), QStringLiteral("127.0.0.1:%1").arg(port),
                                                 QStringLiteral("--journal"), dir.filePath(QStringLiteral("journal")), QStringLiteral("--secret"),
                                                 QString::fromStdString(kSecret), QStringLiteral("--quiet")});
        QVERIFY(rx.waitForStarted());
        QTRY_VERIFY_WITH_TIMEOUT(QString::fromUtf8(rx.peek(4096)).contains(QStringLiteral("listening")), 10000);
        Sender::Options so;
        so.url = QStringLiteral("http://127.0.0.1:%1/").arg(port).toStdString();
        so.secret = kSecret;
        so.concurrency = 3;
        so.gzip = false; // already gzip
        so.timeoutMs = 170000;
        Sender sender(so);
        for (int i = 0; i < 3; ++i)
            sender.add(bomb);
        const auto outcomes = sender.run();
        const QString status = QString::fromStdString(testutil::readFile(QStringLiteral("/proc/%1/status").arg(rx.processId())));
        const qsizetype at = status.indexOf(QStringLiteral("VmHWM:"));
        const qint64 peakKb = status.mid(at + 6, 20).trimmed().section(QLatin1Char(' '), 0, 0).toLongLong();
        ::kill(pid_t(rx.processId()), SIGTERM);
        rx.waitForFinished(10000);
        for (const auto &o : outcomes)
            QVERIFY2(o.status == 413, o.answer.c_str());
        QVERIFY(at > 0);
        QVERIFY2(peakKb < 512 * 1024, qPrintable(QStringLiteral("peak RSS %1 MB").arg(peakKb / 1024)));
        // and a normal batch still goes through afterwards is checked by the other tests
    }

    void slowConnectionsDoNotStarveSenders()
    {
        // 1,500 connections that trickle a request head and go quiet, against the CLI receiver
        // started with the usual soft limit of 1024 descriptors (it raises it to the hard
        // limit), then with a hard limit of 600 (the slowest idle connections make room):
        // 11 of 12 legitimate requests at least get through each time
        rlimit own{};
        ::getrlimit(RLIMIT_NOFILE, &own);
        if (own.rlim_max != RLIM_INFINITY && own.rlim_max < 1700)
            QSKIP("the descriptor limit is too low for 1,500 client connections");
        own.rlim_cur = own.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &own);
        for (const rlim_t childHard : {own.rlim_max, rlim_t(600)}) {
            QTemporaryDir dir;
            QTcpServer probe;
            probe.listen(QHostAddress::LocalHost, 0);
            const quint16 port = probe.serverPort();
            probe.close();
            QProcess rx;
            rx.setProcessChannelMode(QProcess::MergedChannels);
            rx.setChildProcessModifier([childHard] {
                rlimit l{std::min<rlim_t>(1024, childHard), childHard};
                ::setrlimit(RLIMIT_NOFILE, &l);
            });
            rx.start(QStringLiteral(AUDITLENS_CLI), {QStringLiteral("receive"), QStringLiteral("--listen"), QStringLiteral("127.0.0.1:%1").arg(port),
                                                     QStringLiteral("--journal"), dir.filePath(QStringLiteral("journal")), QStringLiteral("--secret"),
                                                     QString::fromStdString(kSecret), QStringLiteral("--quiet")});
            QVERIFY(rx.waitForStarted());
            QTRY_VERIFY_WITH_TIMEOUT(QString::fromUtf8(rx.peek(4096)).contains(QStringLiteral("listening")), 10000);
            std::vector<std::unique_ptr<QTcpSocket>> slow;
            for (int i = 0; i < 1500; ++i) {
                auto s = std::make_unique<QTcpSocket>();
                s->connectToHost(QHostAddress::LocalHost, port);
                slow.push_back(std::move(s));
                if (i % 100 == 99)
                    QTest::qWait(50);
            }
            QTest::qWait(500);
            for (auto &s : slow)
                if (s->state() == QAbstractSocket::ConnectedState)
                    s->write("POST / HTTP/1.1\r\nHost: x\r\n");
            QTest::qWait(1000);
            int ok = 0;
            const QByteArray body = QByteArray::fromStdString(batch(0, 3));
            for (int i = 0; i < 12; ++i) {
                const QByteArray a = exchange(port, {"POST / HTTP/1.1\r\nHost: x\r\nX-Auditlens-Secret: " + QByteArray::fromStdString(kSecret)
                                                     + "\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body},
                                              5000);
                ok += statusOf(a) == 200 ? 1 : 0;
            }
            slow.clear();
            ::kill(pid_t(rx.processId()), SIGTERM);
            rx.waitForFinished(10000);
            QVERIFY2(ok >= 11, qPrintable(QStringLiteral("%1 of 12 with a hard limit of %2").arg(ok).arg(qulonglong(childHard))));
        }
    }
};

QTEST_GUILESS_MAIN(TstReceiverFaults)
#include "tst_receiver_faults.moc"
