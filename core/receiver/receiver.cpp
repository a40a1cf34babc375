// SPDX-License-Identifier: MIT
#include "receiver.h"

#include "source/bytesource.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslKey>
#include <QSslServer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>
#include <QUrl>
#include <QUrlQuery>


#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace auditlens::receiver {

// ------------------------------------------------------------------------------------------
// Helpers

namespace {

bool constantTimeEquals(const std::string &a, const std::string &b)
{
    // compares every byte of the longer input whatever the content
    const size_t n = std::max(a.size(), b.size());
    unsigned char diff = a.size() == b.size() ? 0 : 1;
    for (size_t i = 0; i < n; ++i)
        diff |= static_cast<unsigned char>((i < a.size() ? a[i] : 0) ^ (i < b.size() ? b[i] : 0));
    return diff == 0 && !b.empty();
}

enum class Gunzip { Ok, TooBig, Corrupt };

/// Decompresses with the readers' gzip source (multi-member, positions in errors), with a cap
/// on the output. On corruption `out` keeps what was decoded.
Gunzip gunzipLimited(std::string in, qint64 limit, std::string &out, std::string &error)
{
    const SourceSpec spec = SourceSpec::memory("body", std::move(in));
    std::unique_ptr<ByteSource> src = openByteSource(spec, error);
    bool compressed = false;
    src = maybeDecompress(std::move(src), compressed);
    char buf[65536];
    for (;;) {
        const ptrdiff_t got = src->read(buf, sizeof buf);
        if (got < 0) {
            error = src->error();
            return Gunzip::Corrupt;
        }
        if (got == 0)
            return Gunzip::Ok;
        out.append(buf, size_t(got));
        if (qint64(out.size()) > limit)
            return Gunzip::TooBig;
    }
}

/// Logpush's destination test uploads: {"content":"tests"}, {"content":"test","filename":"test.txt"}, bare "test".
bool isTestUpload(const std::string &body)
{
    std::string t = body;
    while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back())))
        t.pop_back();
    size_t a = 0;
    while (a < t.size() && std::isspace(static_cast<unsigned char>(t[a])))
        ++a;
    t = t.substr(a);
    if (t == "test" || t == "tests")
        return true;
    const auto j = nlohmann::json::parse(t, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("content"))
        return false;
    for (auto it = j.begin(); it != j.end(); ++it)
        if (it.key() != "content" && it.key() != "filename")
            return false;
    const auto &c = j["content"];
    return c.is_string() && (c.get<std::string>() == "test" || c.get<std::string>() == "tests");
}

std::string reasonPhrase(int status)
{
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 411: return "Length Required";
    case 413: return "Payload Too Large";
    case 422: return "Unprocessable Entity";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Status";
    }
}

} // namespace

std::string recordId(std::string_view json)
{
    std::string padded(json);
    padded.append(64, '\0');
    return indexRecord(std::string_view(padded.data(), json.size()), padded.size(), 128).id;
}

// ------------------------------------------------------------------------------------------
// Journal

std::vector<std::string> journalFiles(const std::string &dir, bool withDuplicates)
{
    QStringList names = QDir(QString::fromStdString(dir)).entryList({QStringLiteral("*.ndjson")}, QDir::Files, QDir::Name);
    std::vector<std::string> out;
    for (const QString &n : names) {
        if (!withDuplicates && n.startsWith(QStringLiteral("duplicates-")))
            continue;
        out.push_back(dir + "/" + n.toStdString());
    }
    return out;
}

Journal::Journal(std::string dir, qint64 fileBytes) : m_dir(std::move(dir)), m_fileBytes(fileBytes) {}

Journal::~Journal()
{
    if (m_fd >= 0)
        ::close(m_fd);
    if (m_dupFd >= 0)
        ::close(m_dupFd);
}

bool Journal::open(std::string &error)
{
    if (!QDir().mkpath(QString::fromStdString(m_dir))) {
        error = m_dir + ": cannot create the journal directory";
        return false;
    }
    // IDs already delivered (duplicates are recognised across restarts)
    for (const std::string &f : journalFiles(m_dir, true)) {
        QFile file(QString::fromStdString(f));
        if (!file.open(QIODevice::ReadOnly))
            continue;
        while (!file.atEnd()) {
            const QByteArray line = file.readLine().trimmed();
            if (line.isEmpty())
                continue;
            const std::string id = recordId(std::string_view(line.constData(), size_t(line.size())));
            if (!id.empty())
                m_ids.insert(id);
        }
        const QString name = QFileInfo(file).fileName();
        const int seq = name.section(QLatin1Char('-'), -1).section(QLatin1Char('.'), 0, 0).toInt();
        m_seq = std::max(m_seq, seq);
    }
    return rotate(false, error);
}

bool Journal::rotate(bool duplicates, std::string &error)
{
    int &fd = duplicates ? m_dupFd : m_fd;
    qint64 &size = duplicates ? m_dupSize : m_size;
    if (fd >= 0)
        ::close(fd);
    ++m_seq;
    char name[64];
    std::snprintf(name, sizeof name, "%s-%013lld-%06d.ndjson", duplicates ? "duplicates" : "journal",
                  static_cast<long long>(QDateTime::currentMSecsSinceEpoch()), m_seq);
    const std::string path = m_dir + "/" + name;
    fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd < 0) {
        error = path + ": " + std::strerror(errno);
        return false;
    }
    size = 0;
    // make the new file's directory entry durable too
    const int dfd = ::open(m_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
    return true;
}

bool Journal::append(const std::string &bytes, bool duplicates, std::string &error)
{
    int &fd = duplicates ? m_dupFd : m_fd;
    qint64 &size = duplicates ? m_dupSize : m_size;
    if (fd < 0 || size >= m_fileBytes)
        if (!rotate(duplicates, error))
            return false;
    size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t w = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            error = std::string("journal write failed: ") + std::strerror(errno);
            return false;
        }
        done += size_t(w);
    }
    if (::fdatasync(fd) != 0) {
        error = std::string("journal sync failed: ") + std::strerror(errno);
        return false;
    }
    size += qint64(bytes.size());
    return true;
}

// ------------------------------------------------------------------------------------------
// Receiver

struct Receiver::Conn
{
    QPointer<QTcpSocket> sock;
    QByteArray buf;
    bool headersDone = false;
    QByteArray method, target;
    QList<QPair<QByteArray, QByteArray>> headers;
    qint64 contentLength = -1;
    bool chunked = false;
    QByteArray body;
    QTimer *timer = nullptr;
    bool closing = false;
    qint64 drain = 0; ///< body bytes still to read and drop after an early answer

    QByteArray header(const QByteArray &name) const
    {
        for (const auto &h : headers)
            if (h.first.compare(name, Qt::CaseInsensitive) == 0)
                return h.second;
        return {};
    }
};

Receiver::Receiver(Config config, std::shared_ptr<EventStore> store, QObject *parent)
    : QObject(parent), m_config(std::move(config)), m_store(std::move(store))
{
}

Receiver::~Receiver() { stop(); }

bool Receiver::start(std::string &error)
{
    if (m_config.secret.empty()) {
        error = "a shared secret is required (Logpush sends it in a header_ parameter)";
        return false;
    }
    if (m_config.journalDir.empty()) {
        error = "a journal directory is required";
        return false;
    }
    m_journal = std::make_unique<Journal>(m_config.journalDir, m_config.journalFileBytes);
    if (!m_journal->open(error))
        return false;
    if (!m_config.tlsCert.empty() || !m_config.tlsKey.empty()) {
        QFile cf(QString::fromStdString(m_config.tlsCert)), kf(QString::fromStdString(m_config.tlsKey));
        if (!cf.open(QIODevice::ReadOnly) || !kf.open(QIODevice::ReadOnly)) {
            error = "cannot read the TLS certificate or key";
            return false;
        }
        QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
        const QList<QSslCertificate> chain = QSslCertificate::fromData(cf.readAll(), QSsl::Pem);
        const QSslKey key(kf.readAll(), QSsl::Rsa, QSsl::Pem);
        if (chain.isEmpty() || key.isNull()) {
            error = "the TLS certificate or key is not valid PEM (RSA key expected)";
            return false;
        }
        tls.setLocalCertificateChain(chain);
        tls.setPrivateKey(key);
        auto *ssl = new QSslServer(this);
        ssl->setSslConfiguration(tls);
        m_server = ssl;
    } else {
        m_server = new QTcpServer(this);
    }
    if (!m_server->listen(m_config.address, m_config.port)) {
        error = "cannot listen on " + m_config.address.toString().toStdString() + ":" + std::to_string(m_config.port) + ": "
                + m_server->errorString().toStdString();
        delete m_server;
        return false;
    }
    auto onPending = [this] {
        while (QTcpSocket *s = m_server->nextPendingConnection())
            onConnection(s);
    };
    if (auto *ssl = qobject_cast<QSslServer *>(m_server.data()))
        connect(ssl, &QSslServer::pendingConnectionAvailable, this, onPending);
    else
        connect(m_server.data(), &QTcpServer::newConnection, this, onPending);
    return true;
}

void Receiver::stop()
{
    if (m_server) {
        m_server->close();
        delete m_server;
    }
}

bool Receiver::isListening() const { return m_server && m_server->isListening(); }
quint16 Receiver::port() const { return m_server ? m_server->serverPort() : 0; }

Stats Receiver::stats() const { return m_stats; }

std::string Receiver::destinationConf(const std::string &publicUrl) const
{
    const std::string enc = QUrl::toPercentEncoding(QString::fromStdString(m_config.secret)).toStdString();
    return publicUrl + (publicUrl.find('?') == std::string::npos ? "?" : "&") + "header_" + m_config.secretHeader + "=" + enc;
}

void Receiver::onConnection(QTcpSocket *sock)
{
    auto *c = new Conn;
    c->sock = sock;
    c->timer = new QTimer(sock);
    c->timer->setSingleShot(true);
    c->timer->setInterval(m_config.readTimeoutMs);
    connect(c->timer, &QTimer::timeout, sock, [this, c] { reject(c, 408, "slow client", "the request did not arrive in time"); });
    connect(sock, &QTcpSocket::readyRead, sock, [this, c] { onData(c); });
    connect(sock, &QTcpSocket::disconnected, sock, [c, sock] {
        // the timer belongs to the socket, which outlives `c` until deleteLater runs: silence it
        c->timer->stop();
        c->timer->disconnect();
        sock->disconnect();
        sock->deleteLater();
        delete c;
    });
    c->timer->start();
}

void Receiver::onData(Conn *c)
{
    if (!c->sock)
        return;
    if (c->closing) {
        // after an early answer (413 on the headers), read the rest of the body so that the
        // client sees the answer instead of a reset connection, then close
        c->drain -= c->sock->readAll().size();
        if (c->drain <= 0)
            c->sock->disconnectFromHost();
        return;
    }
    c->buf.append(c->sock->readAll());
    for (;;) {
        if (!c->headersDone) {
            const int end = c->buf.indexOf("\r\n\r\n");
            if (end < 0) {
                if (c->buf.size() > 64 * 1024)
                    return reject(c, 400, "bad request", "the request headers are too long");
                return;
            }
            const QList<QByteArray> lines = c->buf.left(end).split('\n');
            const QList<QByteArray> first = lines.value(0).trimmed().split(' ');
            c->method = first.value(0);
            c->target = first.value(1);
            c->headers.clear();
            for (int i = 1; i < lines.size(); ++i) {
                const int colon = lines[i].indexOf(':');
                if (colon > 0)
                    c->headers.append({lines[i].left(colon).trimmed(), lines[i].mid(colon + 1).trimmed()});
            }
            c->buf.remove(0, end + 4);
            c->headersDone = true;
            c->body.clear();
            c->chunked = c->header("Transfer-Encoding").toLower().contains("chunked");
            const QByteArray cl = c->header("Content-Length");
            c->contentLength = cl.isEmpty() ? -1 : cl.toLongLong();
            ++m_stats.requests;
            // answer early what can be answered from the headers alone
            if (c->method != "POST")
                return reject(c, 405, "method", "send log batches with POST");
            {
                const QUrl url(QString::fromLatin1(c->target));
                const QUrlQuery q(url);
                const std::string fromHeader = c->header(QByteArray::fromStdString(m_config.secretHeader)).toStdString();
                const std::string fromQuery = q.queryItemValue(QString::fromStdString(m_config.secretQueryParam), QUrl::FullyDecoded).toStdString();
                const bool ok = constantTimeEquals(fromHeader, m_config.secret) || constantTimeEquals(fromQuery, m_config.secret);
                if (!ok)
                    return reject(c, 401, "unauthorized",
                                  fromHeader.empty() && fromQuery.empty() ? "the shared secret is missing" : "the shared secret is wrong");
            }
            if (c->contentLength > m_config.maxBodyBytes)
                return reject(c, 413, "too large", "the body is larger than the limit of " + std::to_string(m_config.maxBodyBytes) + " bytes");
            if (c->contentLength < 0 && !c->chunked)
                return reject(c, 411, "no length", "send Content-Length or chunked transfer encoding");
        }
        if (c->chunked) {
            // decode as much as has arrived
            for (;;) {
                const int nl = c->buf.indexOf("\r\n");
                if (nl < 0)
                    return;
                bool ok = false;
                const qint64 size = c->buf.left(nl).split(';').value(0).trimmed().toLongLong(&ok, 16);
                if (!ok)
                    return reject(c, 400, "bad request", "malformed chunked encoding");
                if (size == 0) {
                    if (c->buf.size() < nl + 4)
                        return;
                    c->buf.remove(0, nl + 4);
                    break;
                }
                if (c->buf.size() < nl + 2 + size + 2)
                    return;
                c->body.append(c->buf.mid(nl + 2, int(size)));
                c->buf.remove(0, nl + 2 + int(size) + 2);
                if (c->body.size() > m_config.maxBodyBytes)
                    return reject(c, 413, "too large", "the body is larger than the limit of " + std::to_string(m_config.maxBodyBytes) + " bytes");
            }
        } else {
            const qint64 need = c->contentLength - c->body.size();
            c->body.append(c->buf.left(int(std::min<qint64>(need, c->buf.size()))));
            c->buf.remove(0, int(std::min<qint64>(need, c->buf.size())));
            if (c->body.size() < c->contentLength)
                return;
        }
        handle(c);
        if (!c->sock || c->closing)
            return;
        c->headersDone = false;
        c->timer->start();
        if (c->buf.isEmpty())
            return;
    }
}

void Receiver::respond(Conn *c, int status, const std::string &message, bool close)
{
    if (!c->sock)
        return;
    const nlohmann::json body = {{"status", status}, {"message", message}};
    const std::string text = body.dump() + "\n";
    QByteArray out = "HTTP/1.1 " + QByteArray::number(status) + " " + QByteArray::fromStdString(reasonPhrase(status))
                     + "\r\nContent-Type: application/json\r\nContent-Length: " + QByteArray::number(qint64(text.size()))
                     + (close ? "\r\nConnection: close" : "") + "\r\n\r\n" + QByteArray::fromStdString(text);
    c->sock->write(out);
    if (close) {
        c->closing = true;
        const qint64 unread = c->headersDone && c->contentLength > 0 ? c->contentLength - c->body.size() - c->buf.size() : 0;
        if (unread > 0 && unread <= 4 * m_config.maxBodyBytes + (64 << 20)) {
            c->drain = unread;
            c->buf.clear();
            c->timer->start(); // a client that stops sending is cut off anyway
            connect(c->timer, &QTimer::timeout, c->sock, [c] {
                if (c->sock)
                    c->sock->abort();
            });
            return;
        }
        c->timer->stop();
        c->sock->disconnectFromHost();
    }
}

void Receiver::reject(Conn *c, int status, const std::string &reason, const std::string &message)
{
    ++m_stats.rejected[reason];
    m_stats.lastError = message;
    respond(c, status, message, true);
    emit statsChanged();
}

void Receiver::handle(Conn *c)
{
    std::string raw(c->body.constData(), size_t(c->body.size()));
    c->body.clear();
    m_stats.bytes += raw.size();
    std::string text;
    std::string gzError;
    bool corrupt = false;
    if (raw.size() >= 2 && static_cast<unsigned char>(raw[0]) == 0x1f && static_cast<unsigned char>(raw[1]) == 0x8b) {
        const Gunzip g = gunzipLimited(std::move(raw), m_config.maxDecompressedBytes, text, gzError);
        if (g == Gunzip::TooBig)
            return reject(c, 413, "too large decompressed",
                          "the decompressed body is larger than the limit of " + std::to_string(m_config.maxDecompressedBytes) + " bytes");
        corrupt = g == Gunzip::Corrupt;
    } else {
        if (qint64(raw.size()) > m_config.maxDecompressedBytes)
            return reject(c, 413, "too large decompressed", "the body is larger than the decompressed limit");
        text = std::move(raw);
    }
    if (corrupt) {
        // keep the complete lines decoded before the damage
        const size_t lastNl = text.rfind('\n');
        text = lastNl == std::string::npos ? std::string() : text.substr(0, lastNl + 1);
    }
    if (!corrupt && isTestUpload(text)) {
        ++m_stats.tests;
        emit statsChanged();
        return respond(c, 200, "test upload received (not stored)");
    }
    // split: good records (new / duplicate) and bad lines; the journal keeps them all
    std::string fresh, dups;
    quint64 good = 0, dupCount = 0, bad = 0;
    size_t start = 0;
    std::string padded;
    while (start < text.size()) {
        size_t nl = text.find('\n', start);
        if (nl == std::string::npos)
            nl = text.size();
        std::string_view line(text.data() + start, nl - start);
        while (!line.empty() && (line.back() == '\r' || line.back() == ' '))
            line.remove_suffix(1);
        start = nl + 1;
        if (line.empty())
            continue;
        padded.assign(line);
        padded.append(64, '\0');
        const IndexedRecord ix = indexRecord(std::string_view(padded.data(), line.size()), padded.size(), 128);
        if (!ix.ok) {
            ++bad;
            fresh.append(line);
            fresh.push_back('\n');
            continue;
        }
        if (!ix.id.empty() && !m_journal->knownIds().insert(ix.id).second) {
            ++dupCount;
            dups.append(line);
            dups.push_back('\n');
            continue;
        }
        ++good;
        fresh.append(line);
        fresh.push_back('\n');
    }
    std::string err;
    if ((!fresh.empty() && !m_journal->append(fresh, false, err)) || (!dups.empty() && !m_journal->append(dups, true, err))) {
        m_stats.lastError = err;
        emit problem(QString::fromStdString(err));
        return reject(c, 503, "journal", "the batch could not be written to disk: " + err);
    }
    ++m_stats.batches;
    m_stats.records += good;
    m_stats.duplicates += dupCount;
    m_stats.badLines += bad;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    m_rate.emplace_back(now, good);
    while (!m_rate.empty() && m_rate.front().first < now - 60000)
        m_rate.erase(m_rate.begin());
    quint64 recent = 0;
    for (auto &[t, n] : m_rate)
        recent += n;
    m_stats.recordsPerSecond = double(recent) / 60.0;
    if (m_store && good + bad > 0) {
        EventStore::LoadOptions o;
        o.threads = 1;
        m_store->appendBytes("receiver", fresh, o);
    }
    if (good)
        emit batchStored(good);
    emit statsChanged();
    if (corrupt) {
        m_stats.lastError = gzError;
        ++m_stats.rejected["bad gzip"];
        return respond(c, 400, gzError + "; " + std::to_string(good) + " complete records before it were stored");
    }
    if (good == 0 && dupCount == 0 && bad > 0) {
        ++m_stats.rejected["not log data"];
        m_stats.lastError = "a batch held no JSON record";
        return respond(c, 422, "no line of the body is a JSON record (" + std::to_string(bad) + " lines kept in the journal)");
    }
    std::string msg = "stored " + std::to_string(good) + " records";
    if (dupCount)
        msg += ", " + std::to_string(dupCount) + " duplicates";
    if (bad)
        msg += ", " + std::to_string(bad) + " lines that are not JSON records (kept in the journal)";
    respond(c, 200, msg);
}

} // namespace auditlens::receiver
