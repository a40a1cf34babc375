// SPDX-License-Identifier: MIT
#include "api.h"

#include <QEventLoop>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTimer>
#include <QUrl>

#include <algorithm>
#include <cmath>

namespace auditlens::logpush {

std::string scopePath(Scope scope, const std::string &id)
{
    return (scope == Scope::Account ? "/accounts/" : "/zones/") + id;
}

ApiRequest createJob(Scope s, const std::string &id, const Job &job) { return {"POST", scopePath(s, id) + "/logpush/jobs", job.toBody()}; }
ApiRequest updateJob(Scope s, const std::string &id, int64_t jobId, const Job &job)
{
    return {"PUT", scopePath(s, id) + "/logpush/jobs/" + std::to_string(jobId), job.toBody(true)};
}
ApiRequest listJobs(Scope s, const std::string &id) { return {"GET", scopePath(s, id) + "/logpush/jobs", std::nullopt}; }
ApiRequest getJob(Scope s, const std::string &id, int64_t jobId)
{
    return {"GET", scopePath(s, id) + "/logpush/jobs/" + std::to_string(jobId), std::nullopt};
}
ApiRequest deleteJob(Scope s, const std::string &id, int64_t jobId)
{
    return {"DELETE", scopePath(s, id) + "/logpush/jobs/" + std::to_string(jobId), std::nullopt};
}
ApiRequest listDatasetJobs(Scope s, const std::string &id, const std::string &dataset)
{
    return {"GET", scopePath(s, id) + "/logpush/datasets/" + dataset + "/jobs", std::nullopt};
}
ApiRequest listFields(Scope s, const std::string &id, const std::string &dataset)
{
    return {"GET", scopePath(s, id) + "/logpush/datasets/" + dataset + "/fields", std::nullopt};
}
ApiRequest validateDestination(Scope s, const std::string &id, const std::string &dest)
{
    return {"POST", scopePath(s, id) + "/logpush/validate/destination", Json{{"destination_conf", dest}}};
}
ApiRequest destinationExists(Scope s, const std::string &id, const std::string &dest)
{
    return {"POST", scopePath(s, id) + "/logpush/validate/destination/exists", Json{{"destination_conf", dest}}};
}
ApiRequest validateOrigin(Scope s, const std::string &id, const std::string &opts, const std::string &dataset)
{
    Json body = Json::object();
    body["logpull_options"] = opts;
    if (!dataset.empty())
        body["dataset"] = dataset;
    return {"POST", scopePath(s, id) + "/logpush/validate/origin", body};
}
ApiRequest ownershipChallenge(Scope s, const std::string &id, const std::string &dest)
{
    return {"POST", scopePath(s, id) + "/logpush/ownership", Json{{"destination_conf", dest}}};
}
ApiRequest validateOwnership(Scope s, const std::string &id, const std::string &dest, const std::string &challenge)
{
    Json body = Json::object();
    body["destination_conf"] = dest;
    body["ownership_challenge"] = challenge;
    return {"POST", scopePath(s, id) + "/logpush/ownership/validate", body};
}

namespace {

Json masked(const Json &body, bool reveal)
{
    if (reveal || !body.is_object())
        return body;
    Json out = body;
    if (out.contains("destination_conf") && out["destination_conf"].is_string())
        out["destination_conf"] = maskDestination(out["destination_conf"].get<std::string>());
    return out;
}

std::string shellQuote(const std::string &s)
{
    std::string out = "'";
    for (char c : s) {
        if (c == '\'')
            out += "'\\''";
        else
            out += c;
    }
    return out + "'";
}

} // namespace

std::string bodyText(const ApiRequest &req, bool reveal)
{
    if (!req.body)
        return {};
    const std::string text = masked(*req.body, reveal).dump(4);
    return reveal ? text : maskText(text);
}

std::string curlCommand(const ApiRequest &req, const std::string &baseUrl, const std::string &token, bool reveal)
{
    std::string out = "curl -X " + req.method + " " + shellQuote(baseUrl + req.path) + " \\\n  -H "
                      + shellQuote("Authorization: Bearer " + (reveal && !token.empty() ? token : std::string(token.empty() ? "<CLOUDFLARE_API_TOKEN>" : "***")));
    if (req.body)
        out += " \\\n  -H " + shellQuote("Content-Type: application/json") + " \\\n  -d " + shellQuote(bodyText(req, reveal));
    return out;
}

ApiResult interpret(int status, const std::string &body, const std::string &networkError, int attempts)
{
    ApiResult r;
    r.httpStatus = status;
    r.attempts = attempts;
    const Json j = Json::parse(body, nullptr, false);
    const bool envelope = !j.is_discarded() && j.is_object() && j.contains("success");
    if (envelope) {
        if (j.contains("result"))
            r.result = j["result"];
        if (j.contains("errors") && j["errors"].is_array())
            for (const Json &e : j["errors"])
                if (e.is_object())
                    r.errors.emplace_back(e.value("code", 0), e.contains("message") && e["message"].is_string() ? e["message"].get<std::string>() : e.dump());
    }
    std::string details;
    for (const auto &[code, msg] : r.errors)
        details += (details.empty() ? "" : "; ") + std::string(code ? std::to_string(code) + ": " : "") + msg;
    const std::string suffix = details.empty() ? std::string() : " Cloudflare says: " + details;
    const std::string tries = attempts > 1 ? " (after " + std::to_string(attempts) + " attempts)" : "";
    if (status == 0) {
        r.message = networkError.empty() ? "No answer from the API" : networkError;
        return r;
    }
    if (status >= 200 && status < 300) {
        if (!envelope) {
            r.message = maskText("The answer is not a Cloudflare API response (HTTP " + std::to_string(status) + "): "
                                 + body.substr(0, 200));
            return r;
        }
        if (!j["success"].is_boolean() || !j["success"].get<bool>()) {
            r.message = maskText("The API answered but reports a failure." + suffix);
            return r;
        }
        r.ok = true;
        return r;
    }
    switch (status) {
    case 400: r.message = "Cloudflare refused the request as invalid (400)." + suffix; break;
    case 401: r.message = "Cloudflare did not accept the API token (401): check that it is right and not expired." + suffix; break;
    case 403:
        r.message = "The API token is not allowed to do this (403): Logpush needs the Logs Write permission on this "
                    "account or zone (Zero Trust datasets also need Zero Trust PII read)." + suffix;
        break;
    case 404: r.message = "Not found (404): check the account or zone ID, the job ID and the dataset name." + suffix; break;
    case 429: r.message = "Cloudflare is rate limiting this token (429)" + tries + "; wait a few minutes and try again." + suffix; break;
    default:
        if (status >= 500)
            r.message = "Cloudflare had a server error (" + std::to_string(status) + ")" + tries + "; try again later." + suffix;
        else
            r.message = "The API refused the request (HTTP " + std::to_string(status) + ")." + suffix;
    }
    if (!envelope && !body.empty() && details.empty())
        r.message += " The answer was not JSON: " + body.substr(0, 160);
    r.message = maskText(r.message); // an error may quote a destination with its secrets
    return r;
}

// ------------------------------------------------------------------------------------------
// Client

struct Client::Pending
{
    ApiRequest req;
    int attempts = 0;
    QPointer<QNetworkReply> reply;
    QTimer *retryTimer = nullptr;
    bool timedOut = false;
};

Client::Client(QObject *parent) : QObject(parent), m_nam(new QNetworkAccessManager(this)) {}

Client::~Client()
{
    for (auto &[id, p] : m_pending)
        if (p->reply)
            p->reply->abort();
}

quint64 Client::send(const ApiRequest &req)
{
    const quint64 id = m_next++;
    auto p = std::make_unique<Pending>();
    p->req = req;
    m_pending[id] = std::move(p);
    QTimer::singleShot(0, this, [this, id] { start(id); });
    return id;
}

void Client::start(quint64 id)
{
    auto it = m_pending.find(id);
    if (it == m_pending.end())
        return;
    Pending &p = *it->second;
    ++p.attempts;
    QNetworkRequest nr(QUrl(QString::fromStdString(m_baseUrl + p.req.path)));
    nr.setRawHeader("Authorization", QByteArray("Bearer ") + QByteArray::fromStdString(m_token));
    nr.setRawHeader("Accept", "application/json");
    nr.setTransferTimeout(m_timeoutMs);
    QByteArray body;
    if (p.req.body) {
        nr.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
        body = QByteArray::fromStdString(p.req.body->dump());
    }
    QNetworkReply *reply = m_nam->sendCustomRequest(nr, QByteArray::fromStdString(p.req.method), body);
    p.reply = reply;
    connect(reply, &QNetworkReply::finished, this, [this, id, reply] {
        reply->deleteLater();
        auto it2 = m_pending.find(id);
        if (it2 == m_pending.end())
            return;
        Pending &pp = *it2->second;
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        const std::string body2 = reply->readAll().toStdString();
        std::string netErr;
        if (status == 0) {
            if (reply->error() == QNetworkReply::OperationCanceledError) {
                netErr = "No answer from " + QUrl(QString::fromStdString(m_baseUrl)).host().toStdString() + " within "
                         + std::to_string(m_timeoutMs / 1000) + " s (timed out)";
            } else {
                netErr = "Cannot reach the API: " + reply->errorString().toStdString();
            }
        }
        const bool retryable = status == 429 || status >= 500;
        if (retryable && pp.attempts <= m_maxRetries) {
            int delay = int(m_backoffMs * std::pow(2.0, pp.attempts - 1));
            const QByteArray ra = reply->rawHeader("Retry-After");
            if (!ra.isEmpty())
                delay = std::min(10000, std::max(delay, ra.toInt() * 1000));
            QTimer::singleShot(delay, this, [this, id] { start(id); });
            return;
        }
        done(id, interpret(status, body2, netErr, pp.attempts));
    });
}

void Client::cancel(quint64 id)
{
    auto it = m_pending.find(id);
    if (it == m_pending.end())
        return;
    if (it->second->reply) {
        QNetworkReply *r = it->second->reply;
        r->disconnect(this);
        r->abort();
        r->deleteLater();
    }
    ApiResult res;
    res.cancelled = true;
    res.attempts = it->second->attempts;
    res.message = "Cancelled";
    done(id, res);
}

void Client::done(quint64 id, ApiResult r)
{
    m_pending.erase(id);
    emit finished(id, r);
}

ApiResult Client::sendAndWait(const ApiRequest &req)
{
    QEventLoop loop;
    ApiResult out;
    const quint64 id = send(req);
    auto conn = connect(this, &Client::finished, &loop, [&](quint64 fid, const ApiResult &r) {
        if (fid == id) {
            out = r;
            loop.quit();
        }
    });
    loop.exec();
    disconnect(conn);
    return out;
}

} // namespace auditlens::logpush
