// SPDX-License-Identifier: MIT
#pragma once

// A scripted HTTP/1.1 server on loopback for client tests: answers requests in order from a
// queue (status, body), or never answers ("hang"). Records what it received.
#include <QByteArray>
#include <QList>
#include <QTcpServer>
#include <QTcpSocket>

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
                const FakeResponse resp = queue.isEmpty() ? FakeResponse{404, "{\"success\":false,\"errors\":[],\"result\":null}"} : queue.takeFirst();
                if (resp.hang)
                    return;
                QByteArray out = "HTTP/1.1 " + QByteArray::number(resp.status) + " X\r\nContent-Type: application/json\r\nContent-Length: "
                                 + QByteArray::number(resp.body.size()) + "\r\n\r\n" + resp.body;
                sock->write(out);
            }
        });
    }
};
