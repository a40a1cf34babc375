// SPDX-License-Identifier: MIT
#pragma once

// A small client for ClickHouse's HTTP interface (http:// and https://), over
// QNetworkAccessManager. Only what ClickHouse 18.16 (Debian 12) and current releases both
// accept: the query in the POST body (or in the `query` parameter when the body carries data),
// `database`, `query_id`, `replace_running_query`, `max_execution_time` as URL parameters, and
// HTTP Basic authentication (the password never goes into a URL).
//
// Asynchronous, signals only (no local event loop): usable from the GUI thread or a worker.
// Every query has an id; cancel(id) aborts the request and asks the server to stop it with
// KILL QUERY, and a query started with `replace` stops the running query of the same id on the
// server first (replace_running_query=1), so a filter change cancels the previous one.

#include <QByteArray>
#include <QObject>
#include <QString>
#include <QUrl>

#include <map>
#include <set>
#include <string>

class QNetworkAccessManager;
class QNetworkReply;

namespace auditlens::clickhouse {

/// Where the trail lives and who asks. The password is in memory only: never printed, never in
/// a URL, never saved.
struct Endpoint
{
    QUrl url;              ///< http(s)://host:port (no user or password in it)
    QString database = QStringLiteral("default");
    QString user;          ///< empty: ClickHouse's `default` user
    QString password;
    int timeoutMs = 30000; ///< no byte for this long: the request is given up (Timeout)
};

/// Checks and completes an endpoint from the command line's pieces: `url` (http or https, no
/// credentials in it), the user from CLICKHOUSE_USER, the password from `passwordFile` (its
/// first line) when given, else CLICKHOUSE_PASSWORD. False + a plain message on error (the
/// message never contains the password).
bool makeEndpoint(const std::string &url, const std::string &passwordFile, Endpoint &out, std::string &error);

/// The URL as it may be shown (user info removed).
QString displayUrl(const QUrl &url);

enum class ErrorKind {
    None,
    Unreachable,  ///< connection refused, host not found, TLS failure
    Timeout,      ///< no answer in time (client side or ClickHouse's max_execution_time)
    Cancelled,    ///< cancel() or replaced by a query of the same id
    Auth,         ///< unknown user, wrong or missing password, not allowed
    Syntax,       ///< ClickHouse could not parse the query
    MissingTable, ///< the table or database does not exist
    Server,       ///< any other error ClickHouse reported
};

struct Reply
{
    QString queryId;
    ErrorKind kind = ErrorKind::None;
    int httpStatus = 0;
    int code = 0;          ///< ClickHouse's error code (Code: N), 0 when none
    std::string error;     ///< a plain message (what and where), empty on success
    QByteArray body;       ///< the result (TabSeparated unless the query says otherwise)
    bool ok() const { return kind == ErrorKind::None; }
    /// Worth retrying later (the server is down, slow, or restarting).
    bool transient() const;
};

/// Classifies an HTTP answer of ClickHouse (status + body) or a network failure into a Reply.
/// Exposed for tests.
Reply classify(int httpStatus, const QByteArray &body, int networkError, const QString &networkMessage,
               const Endpoint &ep);

class Client : public QObject
{
    Q_OBJECT
public:
    explicit Client(Endpoint ep, QObject *parent = nullptr);
    ~Client() override;

    const Endpoint &endpoint() const { return m_ep; }

    struct Options
    {
        QString queryId{};                     ///< empty: a fresh UUID
        bool replace = false;                  ///< replace_running_query=1
        QByteArray data{};                     ///< INSERT data: the SQL goes into the URL
        int maxExecutionSeconds = 0;           ///< max_execution_time on the server (0: none)
        std::map<QString, QString> settings{}; ///< further settings as URL parameters
    };
    /// Starts `sql`; returns its query id. finished() follows, once, also for errors.
    QString query(const QByteArray &sql, const Options &opts);
    QString query(const QByteArray &sql) { return query(sql, Options{}); }
    /// Aborts the request of `queryId` (finished() with Cancelled) and sends KILL QUERY for it.
    void cancel(const QString &queryId);
    int pending() const { return int(m_replies.size()); }

signals:
    void finished(const auditlens::clickhouse::Reply &reply);

private:
    QNetworkReply *post(const QUrl &url, const QByteArray &body);
    Endpoint m_ep;
    QNetworkAccessManager *m_nam;
    std::map<QString, QNetworkReply *> m_replies;
    std::set<QString> m_cancelled;
};

/// CLI and tests only: runs one query and waits for it on a local event loop. Never call it
/// from the GUI (the GUI connects to Client::finished instead).
Reply runBlockingCliOnly(Client &client, const QByteArray &sql, const Client::Options &opts = {});

/// `s` as a ClickHouse string literal ('...' with \\ and \' escaped).
QByteArray quoteString(std::string_view s);
/// `s` as a ClickHouse identifier (`...` with \\ and \` escaped).
QByteArray quoteIdent(const QString &s);

} // namespace auditlens::clickhouse

Q_DECLARE_METATYPE(auditlens::clickhouse::Reply)
