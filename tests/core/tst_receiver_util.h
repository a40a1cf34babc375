// SPDX-License-Identifier: MIT
// What the receiver tests share: records, batches, HTTP over loopback (QNetworkAccessManager and raw
// sockets), journal reading, a receiver on a temporary journal.
#pragma once

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

#include <QDir>
#include <QElapsedTimer>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <sys/mount.h>
#include <sys/resource.h>
#include <unistd.h>
#include <set>
#include <sys/socket.h>

using namespace auditlens;
using namespace auditlens::receiver;

namespace rxtest {
inline const std::string kSecret = "correct-horse-battery-staple";

inline std::string rec(int i, bool v2 = false)
{
    if (v2)
        return "{\"ActionResult\":\"success\",\"ActionTimestamp\":\"2024-06-01T10:00:00Z\",\"ActionType\":\"create\",\"AuditLogID\":\"v2-"
               + std::to_string(i) + "\"}";
    return "{\"ActionResult\":true,\"ActionType\":\"login\",\"ActorEmail\":\"u" + std::to_string(i % 7)
           + "@x.io\",\"ID\":\"id-" + std::to_string(i) + "\",\"When\":\"2023-02-24T16:32:38Z\"}";
}

inline std::string batch(int from, int n)
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

inline Answer post(quint16 port, const QByteArray &body, const QByteArray &secret, const QByteArray &query = {},
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

inline std::string journalText(const std::string &dir, bool dups = false)
{
    std::string all;
    for (const auto &f : journalFiles(dir, dups))
        if (!dups || f.find("duplicates-") != std::string::npos)
            all += testutil::readFile(QString::fromStdString(f));
    return all;
}

/// The ID (v1 `ID`, v2 `AuditLogID`) of a record, or empty.
inline std::string recordId(std::string_view json)
{
    std::string padded(json);
    padded.append(kRecordPadding, '\0');
    return indexRecord(std::string_view(padded.data(), json.size()), padded.size(), ReaderLimits{}.maxDepth).id;
}

/// Writes `parts` to a new connection one after the other (a pause between them, so that they
/// arrive as separate segments) and returns what came back within `waitMs` (until the answer is
/// complete or the connection closed). `halfClose`: shut the sending side after the last part.
inline QByteArray exchange(quint16 port, const QList<QByteArray> &parts, int waitMs = 3000, bool halfClose = false)
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

inline int statusOf(const QByteArray &answer) { return answer.startsWith("HTTP/1.1 ") ? answer.mid(9, 3).toInt() : 0; }

inline size_t lines(const std::string &s) { return size_t(std::count(s.begin(), s.end(), '\n')); }

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
} // namespace rxtest
