// SPDX-License-Identifier: MIT
#pragma once

// A scripted HTTP/1.1 server on loopback for client tests: answers requests in order from a
// queue (status, body), or never answers ("hang"). Records what it received.
#include <QByteArray>
#include <QList>
#include <QTcpServer>
#include <QTcpSocket>

#include <functional>
#include <memory>

struct FakeResponse
{
    FakeResponse(int s = 200, QByteArray b = {}, bool h = false) : status(s), body(std::move(b)), hang(h) {}
    int status;
    QByteArray body;
    bool hang;
};

struct ReceivedRequest
{
    QByteArray method, path, body;
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray header(const QByteArray &name) const
    {
        for (const auto &h : headers)
            if (h.first.compare(name, Qt::CaseInsensitive) == 0)
                return h.second;
        return {};
    }
};

class FakeHttpServer : public QTcpServer
{
public:
    QList<FakeResponse> queue;
    QList<ReceivedRequest> received;
    /// When set, answers every request (the queue is not used).
    std::function<FakeResponse(const ReceivedRequest &)> handler;

    FakeHttpServer() { listen(QHostAddress::LocalHost, 0); }
    QString baseUrl() const { return QStringLiteral("http://127.0.0.1:%1/client/v4").arg(serverPort()); }

protected:
    void incomingConnection(qintptr fd) override
    {
        auto *sock = new QTcpSocket(this);
        sock->setSocketDescriptor(fd);
        auto buf = std::make_shared<QByteArray>();
        QObject::connect(sock, &QTcpSocket::readyRead, sock, [this, sock, buf] {
            buf->append(sock->readAll());
            for (;;) {
                const int end = buf->indexOf("\r\n\r\n");
                if (end < 0)
                    return;
                const QList<QByteArray> lines = buf->left(end).split('\n');
                ReceivedRequest r;
                const QList<QByteArray> first = lines.value(0).trimmed().split(' ');
                r.method = first.value(0);
                r.path = first.value(1);
                int length = 0;
                for (int i = 1; i < lines.size(); ++i) {
                    const int colon = lines[i].indexOf(':');
                    if (colon < 0)
                        continue;
                    const QByteArray k = lines[i].left(colon).trimmed(), v = lines[i].mid(colon + 1).trimmed();
                    r.headers.append({k, v});
                    if (k.compare("Content-Length", Qt::CaseInsensitive) == 0)
                        length = v.toInt();
                }
                if (buf->size() < end + 4 + length)
                    return;
                r.body = buf->mid(end + 4, length);
                buf->remove(0, end + 4 + length);
                received.append(r);
                const FakeResponse resp = handler ? handler(r)
                                          : queue.isEmpty() ? FakeResponse{404, "{\"success\":false,\"errors\":[],\"result\":null}"}
                                                            : queue.takeFirst();
                if (resp.hang)
                    return;
                QByteArray out = "HTTP/1.1 " + QByteArray::number(resp.status) + " X\r\nContent-Type: application/json\r\nContent-Length: "
                                 + QByteArray::number(resp.body.size()) + "\r\n\r\n" + resp.body;
                sock->write(out);
            }
        });
    }
};

#include <nlohmann/json.hpp>

#include <map>

/// A scripted Cloudflare Logpush API on loopback that keeps its jobs and behaves as Cloudflare
/// does on PUT: top-level fields left out of the body stay as they were, but `output_options`
/// is replaced whole, every sub-field left out going back to its default (FACTS.md §12).
/// Also answers the field list, the destination checks and the ownership challenge.
class FakeCloudflare : public FakeHttpServer
{
public:
    using Json = nlohmann::ordered_json;
    std::map<int64_t, Json> jobs;
    int64_t nextId = 100;
    bool destinationValid = true;
    std::string challengeToken = "challenge-token-abc";
    std::string challengeFile = "logs/ownership-challenge-1a2b.txt";
    Json fields = Json{{"ActionResult", "bool"}, {"ActionType", "string"}, {"ActorEmail", "string"}, {"When", "time"}};

    static Json outputDefaults()
    {
        return Json{{"field_names", Json::array()}, {"output_type", "ndjson"}, {"timestamp_format", "unixnano"},
                    {"sample_rate", 1},             {"CVE-2021-44228", false},  {"batch_prefix", ""},
                    {"batch_suffix", ""},           {"record_prefix", "{"},     {"record_suffix", "}\n"},
                    {"record_delimiter", ""},       {"field_delimiter", ","},   {"record_template", ""}};
    }

    FakeCloudflare()
    {
        handler = [this](const ReceivedRequest &r) { return answer(r); };
    }

private:
    static FakeResponse ok(const Json &result)
    {
        return FakeResponse(200, QByteArray::fromStdString(Json{{"success", true}, {"errors", Json::array()}, {"messages", Json::array()}, {"result", result}}.dump()));
    }
    static FakeResponse error(int status, const std::string &msg)
    {
        return FakeResponse(status, QByteArray::fromStdString(
                                        Json{{"success", false}, {"errors", Json::array({Json{{"code", 1000}, {"message", msg}}})}, {"result", nullptr}}.dump()));
    }
    FakeResponse answer(const ReceivedRequest &r)
    {
        const std::string path = r.path.toStdString();
        const size_t lp = path.find("/logpush/");
        if (lp == std::string::npos)
            return error(404, "no route");
        const std::string rest = path.substr(lp + 9);
        const Json body = r.body.isEmpty() ? Json::object() : Json::parse(r.body.toStdString(), nullptr, false);
        if (body.is_discarded())
            return error(400, "malformed JSON");
        if (rest == "jobs" && r.method == "GET") {
            Json list = Json::array();
            for (const auto &[id, j] : jobs)
                list.push_back(j);
            return ok(list);
        }
        if (rest == "jobs" && r.method == "POST") {
            Json j = body;
            j.erase("ownership_challenge");
            j["id"] = nextId;
            if (!j.contains("enabled"))
                j["enabled"] = false;
            if (j.contains("output_options")) {
                Json oo = outputDefaults();
                for (auto it = body["output_options"].begin(); it != body["output_options"].end(); ++it)
                    oo[it.key()] = it.value();
                j["output_options"] = oo;
            }
            j["last_complete"] = nullptr;
            j["last_error"] = nullptr;
            j["error_message"] = nullptr;
            jobs[nextId] = j;
            return ok(jobs[nextId++]);
        }
        if (rest.rfind("jobs/", 0) == 0) {
            const int64_t id = std::stoll(rest.substr(5));
            auto it = jobs.find(id);
            if (it == jobs.end())
                return error(404, "job not found");
            if (r.method == "GET")
                return ok(it->second);
            if (r.method == "DELETE") {
                jobs.erase(it);
                return ok(Json{{"id", id}});
            }
            if (r.method == "PUT") {
                Json &j = it->second;
                for (auto b = body.begin(); b != body.end(); ++b) {
                    if (b.key() == "id" || b.key() == "dataset" || b.key() == "ownership_challenge")
                        continue;
                    if (b.key() == "output_options") {
                        Json oo = outputDefaults(); // replaced whole
                        if (b.value().is_object())
                            for (auto o = b.value().begin(); o != b.value().end(); ++o)
                                oo[o.key()] = o.value();
                        j["output_options"] = oo;
                    } else {
                        j[b.key()] = b.value();
                    }
                }
                return ok(j);
            }
        }
        if (rest.rfind("datasets/", 0) == 0 && rest.size() > 7 && rest.substr(rest.size() - 7) == "/fields")
            return ok(fields);
        if (rest == "validate/destination")
            return ok(Json{{"valid", destinationValid}, {"message", destinationValid ? "" : "error validating destination: error writing object"}});
        if (rest == "validate/destination/exists")
            return ok(Json{{"exists", false}});
        if (rest == "ownership")
            return ok(Json{{"filename", challengeFile}, {"message", ""}, {"valid", true}});
        if (rest == "ownership/validate")
            return ok(Json{{"valid", body.value("ownership_challenge", std::string()) == challengeToken}});
        return error(404, "no route for " + rest);
    }
};
