// SPDX-License-Identifier: MIT
#include "client.h"

#include <QEventLoop>
#include <QFile>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QPointer>
#include <QRegularExpression>
#include <QUrlQuery>
#include <QUuid>

namespace auditlens::clickhouse {

bool makeEndpoint(const std::string &url, const std::string &passwordFile, Endpoint &out, std::string &error)
{
    const QUrl u(QString::fromStdString(url), QUrl::StrictMode);
    if (!u.isValid() || (u.scheme() != QLatin1String("http") && u.scheme() != QLatin1String("https")) || u.host().isEmpty()) {
        error = "the ClickHouse URL must be http://HOST:PORT or https://HOST:PORT";
        return false;
    }
    if (!u.password().isEmpty()) {
        error = "the ClickHouse URL must not hold a password: put it in CLICKHOUSE_PASSWORD or a "
                "file given with --password-file";
        return false;
    }
    out.url = u;
    out.url.setUserInfo(QString());
    out.url.setQuery(QString());
    out.url.setFragment(QString());
    if (!u.userName().isEmpty())
        out.user = u.userName();
    if (const QByteArray envUser = qgetenv("CLICKHOUSE_USER"); !envUser.isEmpty() && out.user.isEmpty())
        out.user = QString::fromUtf8(envUser);
    if (!passwordFile.empty()) {
        QFile f(QString::fromStdString(passwordFile));
        if (!f.open(QIODevice::ReadOnly)) {
            error = "cannot read the password file " + passwordFile + ": " + f.errorString().toStdString();
            return false;
        }
        QByteArray line = f.readLine(1 << 16);
        while (line.endsWith('\n') || line.endsWith('\r'))
            line.chop(1);
        out.password = QString::fromUtf8(line);
    } else {
        out.password = QString::fromUtf8(qgetenv("CLICKHOUSE_PASSWORD"));
    }
    return true;
}

QString displayUrl(const QUrl &url)
{
    return url.toDisplayString(QUrl::RemoveUserInfo | QUrl::RemoveQuery);
}

bool Reply::transient() const
{
    if (kind == ErrorKind::Unreachable || kind == ErrorKind::Timeout)
        return true;
    // 5xx without a ClickHouse error code: a proxy in front, or the server shutting down.
    // Codes: 202 too many simultaneous queries, 210 network error, 209 socket timeout,
    // 241 memory limit, 242 table is read-only, 252 too many parts, 999 keeper (current).
    if (kind == ErrorKind::Server)
        return (httpStatus >= 500 && code == 0) || code == 202 || code == 209 || code == 210 || code == 241
            || code == 242 || code == 252 || code == 999 || httpStatus == 503;
    return false;
}

namespace {

/// The server's own sentence out of its error text. 18.16: "Code: 60, e.displayText() =
/// DB::Exception: Table x doesn't exist., e.what() = DB::Exception"; current releases:
/// "Code: 60. DB::Exception: Table x does not exist. (UNKNOWN_TABLE) (version 24.x)".
std::string serverSentence(const QByteArray &body)
{
    QString s = QString::fromUtf8(body.left(4096)).trimmed();
    if (const int at = s.indexOf(QLatin1String("DB::Exception: ")); at >= 0)
        s = s.mid(at + 15);
    if (const int at = s.indexOf(QLatin1String(", e.what() = ")); at >= 0)
        s = s.left(at);
    if (const int at = s.indexOf(QLatin1String(" (version ")); at >= 0)
        s = s.left(at);
    s.replace(QLatin1Char('\n'), QLatin1Char(' '));
    if (s.size() > 600)
        s = s.left(600) + QStringLiteral("...");
    return s.toStdString();
}

} // namespace

Reply classify(int httpStatus, const QByteArray &body, int networkError, const QString &networkMessage,
               const Endpoint &ep)
{
    Reply r;
    r.httpStatus = httpStatus;
    const std::string where = "ClickHouse at " + displayUrl(ep.url).toStdString();
    const auto ne = QNetworkReply::NetworkError(networkError);
    if (httpStatus == 0) {
        if (ne == QNetworkReply::NoError) {
            r.body = body;
            return r;
        }
        if (ne == QNetworkReply::OperationCanceledError) {
            r.kind = ErrorKind::Cancelled;
            r.error = "the query to " + where + " was cancelled";
        } else if (ne == QNetworkReply::TimeoutError) {
            r.kind = ErrorKind::Timeout;
            r.error = where + " did not answer within " + std::to_string(ep.timeoutMs / 1000) + " s";
        } else {
            r.kind = ErrorKind::Unreachable;
            r.error = where + " is unreachable: " + networkMessage.toStdString();
        }
        return r;
    }
    if (httpStatus >= 200 && httpStatus < 300) {
        r.body = body;
        return r;
    }
    static const QRegularExpression codeRe(QStringLiteral("^\\s*Code:\\s*(\\d+)"));
    if (const auto m = codeRe.match(QString::fromUtf8(body.left(64))); m.hasMatch())
        r.code = m.captured(1).toInt();
    const std::string said = serverSentence(body);
    const std::string user = ep.user.isEmpty() ? std::string("default") : ep.user.toStdString();
    switch (r.code) {
    case 192: case 193: case 194: case 516: case 497:
        r.kind = ErrorKind::Auth;
        r.error = r.code == 497 ? where + " refused user " + user + ": not allowed (" + said + ")"
                                : where + " refused the credentials of user " + user
                                      + " (wrong user or password; set CLICKHOUSE_USER and CLICKHOUSE_PASSWORD or --password-file)";
        return r;
    case 62:
        r.kind = ErrorKind::Syntax;
        // a long KQL query makes long SQL: the server's limit, not a mistake in it
        r.error = said.find("Max query size exceeded") != std::string::npos
            ? where + " refused the query as too long (over its max_query_size, 256 KiB unless raised): shorten it"
            : where + " could not parse the query: " + said;
        return r;
    case 60: case 81:
        r.kind = ErrorKind::MissingTable;
        r.error = where + ": " + said + " (create it with 'auditlens-cli clickhouse init')";
        return r;
    case 16: case 47: // NO_SUCH_COLUMN_IN_TABLE (an INSERT), UNKNOWN_IDENTIFIER (a SELECT)
        r.kind = ErrorKind::Server;
        r.error = where + ": " + said
            + " (a trail table made by an older Auditlens lacks a column: 'auditlens-cli clickhouse init' with the same "
              "--database and --table adds it)";
        return r;
    case 159:
        r.kind = ErrorKind::Timeout;
        r.error = where + " stopped the query: it ran longer than allowed (" + said + ")";
        return r;
    case 394:
        r.kind = ErrorKind::Cancelled;
        r.error = "the query to " + where + " was cancelled";
        return r;
    default: break;
    }
    if (r.code == 0 && (httpStatus == 401 || httpStatus == 403)) {
        r.kind = ErrorKind::Auth;
        r.error = where + " refused the credentials of user " + user + " (HTTP " + std::to_string(httpStatus) + ")";
        return r;
    }
    r.kind = ErrorKind::Server;
    r.error = where + " answered HTTP " + std::to_string(httpStatus) + (said.empty() ? std::string() : ": " + said);
    return r;
}

Client::Client(Endpoint ep, QObject *parent) : QObject(parent), m_ep(std::move(ep)), m_nam(new QNetworkAccessManager(this))
{
    qRegisterMetaType<Reply>();
}

Client::~Client()
{
    for (auto &[id, reply] : m_replies) {
        reply->disconnect(this);
        reply->abort();
        reply->deleteLater();
    }
}

QNetworkReply *Client::post(const QUrl &url, const QByteArray &body)
{
    QNetworkRequest req(url);
    req.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("text/plain; charset=utf-8"));
    req.setTransferTimeout(m_ep.timeoutMs);
    req.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    if (!m_ep.user.isEmpty() || !m_ep.password.isEmpty()) {
        const QByteArray user = (m_ep.user.isEmpty() ? QStringLiteral("default") : m_ep.user).toUtf8();
        req.setRawHeader("Authorization", "Basic " + QByteArray(user + ':' + m_ep.password.toUtf8()).toBase64());
    }
    return m_nam->post(req, body);
}

QString Client::query(const QByteArray &sql, const Options &opts)
{
    const QString id = opts.queryId.isEmpty() ? QUuid::createUuid().toString(QUuid::WithoutBraces) : opts.queryId;
    QUrl url = m_ep.url;
    if (url.path().isEmpty())
        url.setPath(QStringLiteral("/"));
    QUrlQuery q;
    q.addQueryItem(QStringLiteral("database"), m_ep.database);
    q.addQueryItem(QStringLiteral("query_id"), id);
    if (opts.replace)
        q.addQueryItem(QStringLiteral("replace_running_query"), QStringLiteral("1"));
    if (opts.maxExecutionSeconds > 0)
        q.addQueryItem(QStringLiteral("max_execution_time"), QString::number(opts.maxExecutionSeconds));
    for (const auto &[k, v] : opts.settings)
        q.addQueryItem(k, v);
    QByteArray body;
    if (!opts.data.isEmpty()) {
        q.addQueryItem(QStringLiteral("query"), QString::fromUtf8(sql));
        body = opts.data;
    } else {
        body = sql;
    }
    url.setQuery(q.query(QUrl::FullyEncoded), QUrl::StrictMode);
    if (auto old = m_replies.find(id); old != m_replies.end() && opts.replace) {
        // the server replaces the running query; the old request ends as Cancelled here
        QNetworkReply *prev = old->second;
        m_replies.erase(old);
        prev->disconnect(this);
        prev->abort();
        prev->deleteLater();
        Reply r;
        r.queryId = id;
        r.kind = ErrorKind::Cancelled;
        r.error = "the query was replaced by a newer one";
        emit finished(r);
    }
    QNetworkReply *reply = post(url, body);
    m_replies[id] = reply;
    connect(reply, &QNetworkReply::finished, this, [this, reply, id] {
        auto it = m_replies.find(id);
        if (it != m_replies.end() && it->second == reply)
            m_replies.erase(it);
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        const QByteArray data = reply->isOpen() ? reply->readAll() : QByteArray();
        int err = status ? 0 : int(reply->error());
        // Qt reports its transfer timeout as a cancellation: only cancel() is one here
        const bool cancelled = m_cancelled.erase(id) > 0;
        if (err == QNetworkReply::OperationCanceledError && !cancelled)
            err = QNetworkReply::TimeoutError;
        Reply r = classify(status, data, err, reply->errorString(), m_ep);
        if (cancelled) {
            r.kind = ErrorKind::Cancelled;
            r.error = "the query to ClickHouse at " + displayUrl(m_ep.url).toStdString() + " was cancelled";
        }
        r.queryId = id;
        reply->deleteLater();
        emit finished(r);
    });
    return id;
}

void Client::cancel(const QString &queryId)
{
    if (auto it = m_replies.find(queryId); it != m_replies.end()) {
        m_cancelled.insert(queryId);
        it->second->abort(); // finished() follows with Cancelled
    }
    // Closing the connection does not always stop a running query on 18.16: ask the server.
    Options o;
    o.queryId = QStringLiteral("kill-") + queryId;
    QNetworkReply *kill = nullptr;
    {
        QUrl url = m_ep.url;
        if (url.path().isEmpty())
            url.setPath(QStringLiteral("/"));
        QUrlQuery q;
        q.addQueryItem(QStringLiteral("query_id"), o.queryId);
        url.setQuery(q.query(QUrl::FullyEncoded), QUrl::StrictMode);
        kill = post(url, "KILL QUERY WHERE query_id = " + quoteString(queryId.toStdString()) + " ASYNC");
    }
    connect(kill, &QNetworkReply::finished, kill, &QObject::deleteLater);
}

Reply runBlockingCliOnly(Client &client, const QByteArray &sql, const Client::Options &opts)
{
    QEventLoop loop;
    Reply out;
    QString id;
    bool done = false;
    auto conn = QObject::connect(&client, &Client::finished, &loop, [&](const Reply &r) {
        if (r.queryId != id || done)
            return;
        out = r;
        done = true;
        loop.quit();
    });
    id = client.query(sql, opts);
    if (!done)
        loop.exec();
    QObject::disconnect(conn);
    return out;
}

QByteArray quoteString(std::string_view s)
{
    QByteArray out;
    out.reserve(qsizetype(s.size() + 2));
    out += '\'';
    for (char c : s) {
        if (c == '\\' || c == '\'')
            out += '\\';
        out += c;
    }
    out += '\'';
    return out;
}

QByteArray quoteIdent(const QString &s)
{
    QByteArray out = "`";
    for (char c : s.toUtf8()) {
        if (c == '\\' || c == '`')
            out += '\\';
        out += c;
    }
    return out + '`';
}

} // namespace auditlens::clickhouse
