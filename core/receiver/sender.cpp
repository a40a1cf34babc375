// SPDX-License-Identifier: MIT
#include "sender.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QtConcurrent/QtConcurrentMap>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QUrl>

#include <zlib.h>

namespace auditlens::receiver {

std::string gzipBytes(const std::string &in, int level)
{
    z_stream z{};
    deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
    std::string out(deflateBound(&z, uLong(in.size())) + 64, '\0');
    z.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(in.data()));
    z.avail_in = uInt(in.size());
    z.next_out = reinterpret_cast<Bytef *>(out.data());
    z.avail_out = uInt(out.size());
    deflate(&z, Z_FINISH);
    out.resize(z.total_out);
    deflateEnd(&z);
    return out;
}

Sender::Sender(Options options, QObject *parent) : QObject(parent), m_opt(std::move(options)), m_nam(new QNetworkAccessManager(this)) {}

size_t Sender::add(std::string ndjson)
{
    m_batches.push_back(std::move(ndjson));
    m_todo.push_back(m_batches.size() - 1);
    return m_batches.size() - 1;
}

void Sender::next()
{
    while (m_inFlight < m_opt.concurrency && !m_todo.empty()) {
        const size_t b = m_todo.front();
        m_todo.pop_front();
        QNetworkRequest req(QUrl(QString::fromStdString(m_opt.url)));
        req.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("text/plain; charset=utf-8"));
        if (!m_opt.secret.empty())
            req.setRawHeader(QByteArray::fromStdString(m_opt.secretHeader), QByteArray::fromStdString(m_opt.secret));
        req.setTransferTimeout(m_opt.timeoutMs);
        if (m_opt.gzip)
            req.setRawHeader("Content-Encoding", "gzip");
        const QByteArray body = QByteArray::fromStdString(m_batches[b]);
        ++m_inFlight;
        QNetworkReply *reply = m_nam->post(req, body);
        connect(reply, &QNetworkReply::finished, this, [this, reply, b] {
            reply->deleteLater();
            --m_inFlight;
            Outcome o;
            o.batch = b;
            o.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
            o.answer = o.status ? reply->readAll().trimmed().toStdString() : reply->errorString().toStdString();
            m_batches[b].clear();
            m_batches[b].shrink_to_fit();
            m_done.push_back(o);
            if (m_onOutcome)
                m_onOutcome(o);
            if (m_todo.empty() && m_inFlight == 0) {
                if (m_finished)
                    m_finished();
            } else {
                next();
            }
        });
    }
}

std::vector<Sender::Outcome> Sender::run(const std::function<void(const Outcome &)> &onOutcome)
{
    m_onOutcome = onOutcome;
    if (m_todo.empty())
        return m_done;
    if (m_opt.gzip) {
        std::vector<size_t> todo(m_todo.begin(), m_todo.end());
        QtConcurrent::blockingMap(todo, [this](size_t b) { m_batches[b] = gzipBytes(m_batches[b]); });
    }
    QEventLoop loop;
    m_finished = [&loop] { loop.quit(); };
    QElapsedTimer clock;
    clock.start();
    next();
    loop.exec();
    m_sendSeconds = double(clock.nsecsElapsed()) / 1e9;
    m_finished = nullptr;
    return m_done;
}

} // namespace auditlens::receiver
