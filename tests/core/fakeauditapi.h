// SPDX-License-Identifier: MIT
#pragma once

// A scripted Cloudflare Audit Logs API on loopback, for the fetch tests and the fetch bench:
// serves a set of records through v1 (`/accounts/ID/audit_logs`, page numbers) and v2
// (`/accounts/ID/logs/audit`, cursors) with since (inclusive) / before (exclusive) / direction
// / filters, and injects faults by request number: a status (429 with Retry-After, 5xx), a
// malformed body, or no answer at all.
#include "source/timestamp.h"

#include <QByteArray>
#include <QList>
#include <QMap>
#include <QPointer>
#include <QTimer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QUrl>
#include <QUrlQuery>

#include <algorithm>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

struct FakeAuditRecord
{
    std::string id;
    int64_t timeNs = 0;
    std::string actorEmail;
    std::string actionType;
};

struct FakeFault
{
    int status = 0;          ///< 0: the normal answer
    QByteArray retryAfter;   ///< header value for a 429
    QByteArray body;         ///< replaces the answer when not empty (malformed pages)
    bool hang = false;       ///< never answer
};

class FakeAuditApi : public QTcpServer
{
public:
    std::vector<FakeAuditRecord> records; ///< kept sorted by time
    QMap<int, FakeFault> faults;          ///< by request number (1-based)
    QList<QByteArray> paths;              ///< every request's path and query
    QList<QByteArray> authorizations;     ///< every request's Authorization header
    int requests = 0;
    bool padRecords = false;              ///< bigger records (resource request/response bodies), for the bench
    int delayMs = 0;                      ///< every answer this late (a slow API, to kill a client mid-run)
    int holdFrom = 0;                     ///< requests from this number on wait for release() (0: none)

    /// Answers the held requests (and those to come).
    void release()
    {
        holdFrom = 0;
        const auto held = std::move(m_held);
        m_held.clear();
        for (const auto &[sock, target, auth] : held)
            if (sock)
                answer(sock, target, auth, false);
    }
    int held() const { return int(m_held.size()); }

    FakeAuditApi() { listen(QHostAddress::LocalHost, 0); }
    QString baseUrl() const { return QStringLiteral("http://127.0.0.1:%1/client/v4").arg(serverPort()); }

    /// n records, `step` ns apart from `startNs`; every `sameTimeEvery`-th record shares the time of
    /// the one before (several records at one instant, as at a real boundary).
    void generate(size_t n, int64_t startNs, int64_t stepNs, size_t sameTimeEvery = 7)
    {
        records.clear();
        records.reserve(n);
        int64_t t = startNs;
        for (size_t i = 0; i < n; ++i) {
            if (i > 0 && (sameTimeEvery == 0 || i % sameTimeEvery != 0))
                t += stepNs;
            char id[64];
            std::snprintf(id, sizeof id, "%08zx-0000-4000-8000-%012zx", i, i * 7919);
            records.push_back({id, t, "user" + std::to_string(i % 5) + "@example.com", i % 3 ? "update" : "create"});
        }
    }

    static std::string recordJson(const FakeAuditRecord &r, bool v2, bool pad)
    {
        const std::string when = auditlens::formatRfc3339(r.timeNs, auditlens::FractionMode::Nano);
        std::string s;
        if (v2) {
            s = "{\"id\":\"" + r.id + "\",\"account\":{\"id\":\"0123456789abcdef0123456789abcdef\",\"name\":\"Example\"},"
                "\"action\":{\"description\":\"Update record\",\"result\":\"success\",\"time\":\"" + when + "\",\"type\":\"" + r.actionType + "\"},"
                "\"actor\":{\"context\":\"api_token\",\"email\":\"" + r.actorEmail + "\",\"id\":\"abc\",\"ip_address\":\"198.51.100.7\","
                "\"token_id\":\"tok\",\"token_name\":\"ci\",\"type\":\"user\"},"
                "\"raw\":{\"cf_ray_id\":\"8a1b2c3d4e5f6a7b\",\"method\":\"PATCH\",\"status_code\":200,\"uri\":\"/accounts/x/dns_records/1\",\"user_agent\":\"curl/8.0\"},"
                "\"resource\":{\"id\":\"r1\",\"product\":\"dns\",\"scope\":\"zones\",\"type\":\"dns_record\"";
            if (pad)
                s += ",\"request\":{\"name\":\"www.example.com\",\"type\":\"A\",\"content\":\"192.0.2.1\",\"ttl\":300,\"proxied\":true,\"comment\":\"changed by the pipeline\"},"
                     "\"response\":{\"id\":\"r1\",\"name\":\"www.example.com\",\"type\":\"A\",\"content\":\"192.0.2.1\",\"modified_on\":\"2026-11-30T10:00:00Z\"}";
            s += "},\"zone\":{\"id\":\"z1\",\"name\":\"example.com\"}}";
        } else {
            s = "{\"id\":\"" + r.id + "\",\"action\":{\"result\":true,\"type\":\"" + r.actionType + "\"},"
                "\"actor\":{\"email\":\"" + r.actorEmail + "\",\"id\":\"abc\",\"ip\":\"198.51.100.7\",\"type\":\"user\"},"
                "\"interface\":\"API\",\"metadata\":{\"zone_name\":\"example.com\"},"
                "\"newValue\":\"\",\"newValueJson\":{\"ttl\":300},\"oldValue\":\"\",\"oldValueJson\":{\"ttl\":1},"
                "\"owner\":{\"id\":\"0123456789abcdef0123456789abcdef\"},\"resource\":{\"id\":\"r1\",\"type\":\"DNS_record\"},"
                "\"when\":\"" + when + "\"}";
        }
        return s;
    }

protected:
    void incomingConnection(qintptr fd) override
    {
        auto *sock = new QTcpSocket(this);
        sock->setSocketDescriptor(fd);
        sock->setSocketOption(QAbstractSocket::LowDelayOption, 1); // no Nagle stall at the end of each answer
        auto buf = std::make_shared<QByteArray>();
        QObject::connect(sock, &QTcpSocket::disconnected, sock, &QObject::deleteLater);
        QObject::connect(sock, &QTcpSocket::readyRead, sock, [this, sock, buf] {
            buf->append(sock->readAll());
            for (;;) {
                const int end = buf->indexOf("\r\n\r\n");
                if (end < 0)
                    return;
                const QList<QByteArray> lines = buf->left(end).split('\n');
                buf->remove(0, end + 4); // GET only: no body
                const QByteArray target = lines.value(0).trimmed().split(' ').value(1);
                QByteArray auth;
                for (const QByteArray &l : lines)
                    if (l.toLower().startsWith("authorization:"))
                        auth = l.mid(14).trimmed();
                answer(sock, target, auth);
            }
        });
    }

private:
    void send(QTcpSocket *sock, int status, const QByteArray &body, const QByteArray &extra = {})
    {
        if (delayMs > 0) {
            QPointer<QTcpSocket> s(sock);
            QTimer::singleShot(delayMs, this, [s, status, body, extra] {
                if (s)
                    s->write("HTTP/1.1 " + QByteArray::number(status) + " X\r\nContent-Type: application/json\r\n" + extra
                             + "Content-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body);
            });
            return;
        }
        sock->write("HTTP/1.1 " + QByteArray::number(status) + " X\r\nContent-Type: application/json\r\n" + extra
                    + "Content-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body);
    }

    std::vector<std::tuple<QPointer<QTcpSocket>, QByteArray, QByteArray>> m_held;

    void answer(QTcpSocket *sock, const QByteArray &target, const QByteArray &auth, bool fresh = true)
    {
        if (fresh) {
            ++requests;
            paths.append(target);
            authorizations.append(auth);
            if (holdFrom > 0 && requests >= holdFrom) {
                m_held.emplace_back(sock, target, auth);
                return;
            }
        }
        const FakeFault fault = faults.value(fresh ? requests : int(paths.indexOf(target)) + 1);
        if (fault.hang)
            return;
        if (fault.status) {
            send(sock, fault.status, fault.body.isEmpty() ? QByteArray("{\"success\":false,\"errors\":[{\"code\":10000,\"message\":\"scripted\"}],\"result\":null}") : fault.body,
                 fault.retryAfter.isEmpty() ? QByteArray() : "Retry-After: " + fault.retryAfter + "\r\n");
            return;
        }
        if (!fault.body.isEmpty())
            return send(sock, 200, fault.body);
        const QUrl url(QString::fromLatin1(target));
        const QUrlQuery q(url);
        const bool v2 = url.path().endsWith(QLatin1String("/logs/audit"));
        if (!v2 && !url.path().endsWith(QLatin1String("/audit_logs")))
            return send(sock, 404, "{\"success\":false,\"errors\":[{\"code\":7003,\"message\":\"No route for the URI\"}],\"result\":null}");
        auto timeArg = [&](const char *name, int64_t dflt) {
            const QString v = q.queryItemValue(QString::fromLatin1(name), QUrl::FullyDecoded);
            if (v.isEmpty())
                return dflt;
            return auditlens::parseTimestampNs(v.toStdString()).value_or(dflt);
        };
        const int64_t since = timeArg("since", INT64_MIN), before = timeArg("before", INT64_MAX);
        const QString email = q.queryItemValue(v2 ? QStringLiteral("actor_email") : QStringLiteral("actor.email"), QUrl::FullyDecoded);
        const QString notEmail = q.queryItemValue(QStringLiteral("actor_email.not"), QUrl::FullyDecoded);
        // the range by binary search (records are sorted by time), then the filters
        auto byTime = [](const FakeAuditRecord &r, int64_t t) { return r.timeNs < t; };
        const auto lo = std::lower_bound(records.begin(), records.end(), since, byTime);
        const auto hi = std::lower_bound(lo, records.end(), before, byTime);
        std::vector<const FakeAuditRecord *> match;
        match.reserve(size_t(hi - lo));
        for (auto it = lo; it != hi; ++it)
            if ((email.isEmpty() || it->actorEmail == email.toStdString()) && (notEmail.isEmpty() || it->actorEmail != notEmail.toStdString()))
                match.push_back(&*it);
        size_t from = 0, count = 0;
        std::string cursor;
        if (v2) {
            count = size_t(std::max(1, q.queryItemValue(QStringLiteral("limit")).toInt()));
            const QString c = q.queryItemValue(QStringLiteral("cursor"), QUrl::FullyDecoded);
            if (!c.isEmpty()) {
                if (!c.startsWith(QLatin1String("pos:")))
                    return send(sock, 400, "{\"success\":false,\"errors\":[{\"code\":400,\"message\":\"bad cursor\"}],\"result\":null}");
                from = c.mid(4).toULongLong();
            }
            if (from + count < match.size())
                cursor = "pos:" + std::to_string(from + count);
        } else {
            count = size_t(std::max(1, q.queryItemValue(QStringLiteral("per_page")).toInt()));
            from = size_t(std::max(1, q.queryItemValue(QStringLiteral("page")).toInt()) - 1) * count;
        }
        std::string body = "{\"success\":true,\"errors\":[],\"messages\":[],\"result\":[";
        for (size_t i = from; i < std::min(match.size(), from + count); ++i) {
            if (i > from)
                body += ',';
            body += recordJson(*match[i], v2, padRecords);
        }
        body += "],\"result_info\":{";
        if (v2)
            body += "\"count\":\"" + std::to_string(std::min(match.size(), from + count) - std::min(match.size(), from)) + "\"" +
                    (cursor.empty() ? std::string() : ",\"cursor\":\"" + cursor + "\"");
        else
            body += "\"page\":" + std::to_string(from / count + 1) + ",\"per_page\":" + std::to_string(count)
                    + ",\"count\":" + std::to_string(std::min(match.size(), from + count) - std::min(match.size(), from))
                    + ",\"total_count\":" + std::to_string(match.size());
        body += "}}";
        send(sock, 200, QByteArray::fromStdString(body));
    }
};
