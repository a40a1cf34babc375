// SPDX-License-Identifier: MIT
#pragma once

#include "destination.h"
#include "edit.h"
#include "job.h"

#include <QObject>
#include <QPointer>

#include <map>
#include <string>

class QNetworkAccessManager;
class QNetworkReply;
class QTimer;

namespace auditlens::logpush {

/// One call of the Cloudflare v4 API (path relative to the base URL).
struct ApiRequest
{
    std::string method; ///< GET, POST, PUT, DELETE
    std::string path;   ///< "/accounts/<id>/logpush/jobs"
    std::optional<Json> body;
};

std::string scopePath(Scope scope, const std::string &id);
ApiRequest createJob(Scope scope, const std::string &id, const Job &job);
ApiRequest updateJob(Scope scope, const std::string &id, int64_t jobId, const Job &job);
ApiRequest listJobs(Scope scope, const std::string &id);
ApiRequest getJob(Scope scope, const std::string &id, int64_t jobId);
ApiRequest deleteJob(Scope scope, const std::string &id, int64_t jobId);
ApiRequest listDatasetJobs(Scope scope, const std::string &id, const std::string &dataset);
ApiRequest listFields(Scope scope, const std::string &id, const std::string &dataset);
ApiRequest validateDestination(Scope scope, const std::string &id, const std::string &destinationConf);
ApiRequest destinationExists(Scope scope, const std::string &id, const std::string &destinationConf);
ApiRequest validateOrigin(Scope scope, const std::string &id, const std::string &logpullOptions, const std::string &dataset);
ApiRequest ownershipChallenge(Scope scope, const std::string &id, const std::string &destinationConf);
ApiRequest validateOwnership(Scope scope, const std::string &id, const std::string &destinationConf,
                             const std::string &challenge);

constexpr const char *kDefaultBaseUrl = "https://api.cloudflare.com/client/v4";

/// The equivalent curl command. The token is shown as *** and secrets inside destination_conf
/// are masked unless `reveal` is true.
std::string curlCommand(const ApiRequest &req, const std::string &baseUrl, const std::string &token, bool reveal = false);
/// The body as the API receives it (indented), with destination secrets masked unless `reveal`.
std::string bodyText(const ApiRequest &req, bool reveal = false);

/// What came back.
struct ApiResult
{
    bool ok = false;
    int httpStatus = 0;            ///< 0 when no HTTP answer (network error, timeout, cancelled)
    Json result;                   ///< the envelope's `result`
    std::vector<std::pair<int, std::string>> errors; ///< the envelope's errors[] (code, message)
    std::string message;           ///< one sentence for a person (empty when ok)
    int attempts = 0;
    bool cancelled = false;
};

/// Cloudflare v4 API client over QNetworkAccessManager: Bearer token, envelope parsing, clear
/// messages for 401/403/404/429/5xx, bounded retries of 429 and 5xx with backoff, timeouts,
/// cancel. The token lives in memory only and is never logged.
class Client : public QObject
{
    Q_OBJECT
public:
    explicit Client(QObject *parent = nullptr);
    ~Client() override;

    void setBaseUrl(const std::string &url) { m_baseUrl = url; }
    const std::string &baseUrl() const { return m_baseUrl; }
    void setToken(const std::string &token) { m_token = token; }
    bool hasToken() const { return !m_token.empty(); }
    void setTimeoutMs(int ms) { m_timeoutMs = ms; }
    void setMaxRetries(int n) { m_maxRetries = n; }
    void setBackoffMs(int ms) { m_backoffMs = ms; }

    /// Starts a request; finished(id, result) follows.
    quint64 send(const ApiRequest &req);
    void cancel(quint64 id);
    /// Sends and waits (runs a local event loop): for the CLI and tests.
    ApiResult sendAndWait(const ApiRequest &req);

signals:
    void finished(quint64 id, const auditlens::logpush::ApiResult &result);

private:
    struct Pending;
    void start(quint64 id);
    void done(quint64 id, ApiResult r);

    QNetworkAccessManager *m_nam;
    std::string m_baseUrl = kDefaultBaseUrl;
    std::string m_token;
    int m_timeoutMs = 30000;
    int m_maxRetries = 3;
    int m_backoffMs = 500;
    quint64 m_next = 1;
    std::map<quint64, std::unique_ptr<Pending>> m_pending;
};

/// Interprets an HTTP answer (exposed for tests).
ApiResult interpret(int httpStatus, const std::string &body, const std::string &networkError, int attempts);

} // namespace auditlens::logpush
