// SPDX-License-Identifier: MIT
#include "receiver.h"
#include "util/ascii.h"

#include "source/bytesource.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslKey>
#include <QSslServer>
#include <QAbstractHttpServer>
#include <QHttpServerRequest>
#include <QHttpServerResponder>
#include <QTcpServer>
#include <QTcpSocket>
#include <QThread>
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
    if (body.size() > 256)
        return false;
    const std::string_view t = trimSpace(body);
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

/// Calls fn(pos, line, indexed) for each non-blank line of `text` (trailing CR and spaces
/// left out), checked by the index pass in place: the padding is appended here.
template<typename Fn>
void indexLines(std::string &text, Fn &&fn)
{
    const size_t len = text.size();
    text.append(kRecordPadding, '\0');
    const int maxDepth = ReaderLimits{}.maxDepth;
    size_t start = 0;
    while (start < len) {
        size_t nl = text.find('\n', start);
        if (nl == std::string::npos || nl > len)
            nl = len;
        std::string_view line(text.data() + start, nl - start);
        while (!line.empty() && (line.back() == '\r' || line.back() == ' '))
            line.remove_suffix(1);
        const size_t pos = start;
        start = nl + 1;
        if (!line.empty())
            fn(pos, line, indexRecord(line, text.size() - pos, maxDepth));
    }
}

// ------------------------------------------------------------------------------------------
// Remembered IDs

IdKey IdKey::of(std::string_view id)
{
    if (id.empty())
        return {};
    // FNV-1a with a final avalanche, and libstdc++'s murmur-based string hash: independent
    quint64 f = 0xcbf29ce484222325ULL;
    for (unsigned char ch : id)
        f = (f ^ ch) * 0x100000001b3ULL;
    f ^= f >> 33;
    f *= 0xff51afd7ed558ccdULL;
    f ^= f >> 33;
    IdKey k{std::hash<std::string_view>{}(id), f};
    if (k.empty())
        k.b = 1;
    return k;
}

IdWindow::IdWindow(size_t capacity) : m_half(std::max<size_t>(capacity / 2, 16)) {}

bool IdWindow::Table::contains(IdKey k) const
{
    if (cells.empty())
        return false;
    const size_t mask = cells.size() - 1;
    for (size_t i = size_t(k.a) & mask;; i = (i + 1) & mask) {
        if (cells[i] == k)
            return true;
        if (cells[i].empty())
            return false;
    }
}

void IdWindow::Table::insert(IdKey k)
{
    if ((used + 1) * 10 > cells.size() * 7) { // grow at 70 % load
        std::vector<IdKey> old = std::move(cells);
        cells.assign(std::max<size_t>(64, old.size() * 2), IdKey{});
        used = 0;
        for (const IdKey &o : old)
            if (!o.empty())
                insert(o);
    }
    const size_t mask = cells.size() - 1;
    size_t i = size_t(k.a) & mask;
    while (!cells[i].empty())
        i = (i + 1) & mask;
    cells[i] = k;
    ++used;
}

bool IdWindow::contains(IdKey key) const { return m_cur.contains(key) || m_old.contains(key); }

bool IdWindow::insert(IdKey key)
{
    if (key.empty() || contains(key))
        return key.empty();
    if (m_cur.used >= m_half) {
        m_old = std::move(m_cur);
        m_cur = Table{};
    }
    m_cur.insert(key);
    return true;
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

bool Journal::open(IdWindow &ids, std::string &error)
{
    if (!QDir().mkpath(QString::fromStdString(m_dir))) {
        error = m_dir + ": cannot create the journal directory";
        return false;
    }
    // IDs already delivered (duplicates are recognised across restarts)
    for (const std::string &f : journalFiles(m_dir, true)) {
        std::string text, why;
        if (!readFileRange(f, 0, size_t(QFileInfo(QString::fromStdString(f)).size()), text, why))
            continue;
        indexLines(text, [&](size_t, std::string_view, const IndexedRecord &ix) { ids.insert(IdKey::of(ix.id)); });
        const QString name = QFileInfo(QString::fromStdString(f)).fileName();
        const int seq = name.section(QLatin1Char('-'), -1).section(QLatin1Char('.'), 0, 0).toInt();
        m_seq = std::max(m_seq, seq);
    }
    return rotate(false, error);
}

bool Journal::rotate(bool duplicates, std::string &error)
{
    int &fd = duplicates ? m_dupFd : m_fd;
    qint64 &size = duplicates ? m_dupSize : m_size;
    bool &dirty = duplicates ? m_dupDirty : m_dirty;
    if (fd >= 0) {
        // what was written to the old file must be durable before it is left
        if (dirty && ::fdatasync(fd) != 0) {
            error = std::string("journal sync failed: ") + std::strerror(errno);
            return false;
        }
        dirty = false;
        ::close(fd);
    }
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

bool Journal::write(const std::string &bytes, bool duplicates, std::string &error)
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
    size += qint64(bytes.size());
    (duplicates ? m_dupDirty : m_dirty) = true;
    return true;
}

bool Journal::sync(std::string &error)
{
    for (auto [fd, dirty] : {std::pair{m_fd, &m_dirty}, std::pair{m_dupFd, &m_dupDirty}}) {
        if (!*dirty)
            continue;
        if (::fdatasync(fd) != 0) {
            error = std::string("journal sync failed: ") + std::strerror(errno);
            return false;
        }
        *dirty = false;
    }
    return true;
}

// ------------------------------------------------------------------------------------------
// Receiver

/// A client connection. Qt HttpServer parses the requests; the guard sees every byte first
/// (its readyRead slot is connected before Qt's) to answer what the headers alone decide
/// (401, 405, 411, 413) before a body is read, and to cut off slow clients.
struct Receiver::Conn
{
    quint64 id = 0;
    QPointer<QTcpSocket> sock;
    QTimer *timer = nullptr;
    // the guard follows the byte stream's framing itself (pipelined requests included)
    enum class In { Head, Body, ChunkSize, ChunkData, ChunkEnd, Trailer } in = In::Head;
    QByteArray line;          ///< partial header block, chunk-size or trailer line
    qint64 remaining = 0;     ///< body or chunk bytes still to come
    qint64 bodySeen = 0;      ///< decoded body bytes of a chunked request so far
    qint64 seenBuffered = 0;  ///< bytes at the front of the socket's buffer the guard has seen
    bool closing = false;     ///< answered early: the rest is ignored, the connection closes
    bool busy = false;        ///< a batch of this connection is being decoded or written
    qint64 drain = 0;         ///< body bytes still to read and drop after an early answer
    std::unique_ptr<QHttpServerResponder> responder; ///< for the request being processed
    /// What the headers of each request seen but not yet handed over by Qt decided (status 0:
    /// go ahead), in order. A refusal waits here when earlier requests of this connection are
    /// still unanswered (HTTP/1.1 answers in order).
    struct Verdict
    {
        int status = 0;
        std::string reason, message;
    };
    std::deque<Verdict> verdicts;
    int unanswered = 0; ///< requests whose headers arrived and that have no answer yet
    /// Requests that arrived while one was being processed (answered in order).
    struct Waiting
    {
        std::unique_ptr<QHttpServerResponder> responder;
        QByteArray body;
        Verdict verdict;
    };
    std::deque<Waiting> queued;
};

/// Qt HttpServer's request handling, handing complete requests to the receiver.
class Receiver::Http : public QAbstractHttpServer
{
public:
    explicit Http(Receiver *rx) : QAbstractHttpServer(rx), m_rx(rx) {}
    static QHttpServerResponder responderFor(const QHttpServerRequest &request, QTcpSocket *socket)
    {
        return makeResponder(request, socket);
    }

protected:
    bool handleRequest(const QHttpServerRequest &request, QTcpSocket *socket) override
    {
        m_rx->onRequest(request, socket);
        return true;
    }
    void missingHandler(const QHttpServerRequest &, QTcpSocket *) override {}

private:
    Receiver *m_rx;
};

namespace {

/// A listening server that shows each new connection to `onSocket` before Qt HttpServer,
/// which takes it with nextPendingConnection(), connects its own slots.
template<typename Base>
class GuardedServer : public Base
{
public:
    using Base::Base;
    std::function<void(QTcpSocket *)> onSocket;
    QTcpSocket *nextPendingConnection() override
    {
        QTcpSocket *s = Base::nextPendingConnection();
        if (s && onSocket)
            onSocket(s);
        return s;
    }
};

} // namespace

/// One request's batch on its way through the decode and journal stages.
struct Receiver::Job
{
    quint64 conn = 0; ///< Conn::id
    std::string raw;  ///< the body as received
    std::string text; ///< decompressed
    // decode stage: a final answer (tests, limits), or the lines to journal
    int status = 0;
    std::string reason, message;
    bool test = false, corrupt = false;
    std::string gzError;
    struct Line
    {
        size_t pos, len;
        IdKey id;
        IndexedRecord ix; ///< kept for the store, which then need not index the line again
    };
    std::vector<Line> lines;
    // journal stage: new records and bad lines (for the journal and the store), duplicates
    std::string fresh, dups;
    std::vector<RecordSpan> freshSpans;
    std::vector<IndexedRecord> freshRecs;
    quint64 good = 0, dupCount = 0, bad = 0;
    std::string error;
};

Receiver::Receiver(Config config, std::shared_ptr<EventStore> store, QObject *parent)
    : QObject(parent), m_config(std::move(config)), m_store(std::move(store))
{
    m_pool.setMaxThreadCount(std::max(1, QThread::idealThreadCount()));
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
    if (m_writer.joinable()) {
        error = "the receiver is already running";
        return false;
    }
    m_journal = std::make_unique<Journal>(m_config.journalDir, m_config.journalFileBytes);
    m_ids = std::make_unique<IdWindow>(m_config.rememberedIds);
    if (!m_journal->open(*m_ids, error))
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
        auto *ssl = new GuardedServer<QSslServer>(this);
        ssl->setSslConfiguration(tls);
        ssl->onSocket = [this](QTcpSocket *sock) { onConnection(sock); };
        m_server = ssl;
    } else {
        auto *tcp = new GuardedServer<QTcpServer>(this);
        tcp->onSocket = [this](QTcpSocket *sock) { onConnection(sock); };
        m_server = tcp;
    }
    if (!m_server->listen(m_config.address, m_config.port)) {
        error = "cannot listen on " + m_config.address.toString().toStdString() + ":" + std::to_string(m_config.port) + ": "
                + m_server->errorString().toStdString();
        delete m_server;
        return false;
    }
    m_http = new Http(this);
    m_http->bind(m_server);
    m_stopWriter = false;
    m_writer = std::thread([this] { writerLoop(); });
    return true;
}

void Receiver::stop()
{
    if (m_server) {
        m_server->close();
        delete m_server; // its sockets with it
    }
    delete m_http; // stop() runs again from the destructor
    m_http = nullptr;
    // batches already received are decoded and written (their clients are gone)
    m_pool.waitForDone();
    if (m_writer.joinable()) {
        {
            std::lock_guard lock(m_mutex);
            m_stopWriter = true;
        }
        m_wake.notify_all();
        m_writer.join();
    }
    for (auto &[id, c] : m_conns)
        delete c;
    m_conns.clear();
    m_journal.reset();
    m_ids.reset();
}

void Receiver::dropConn(Conn *c)
{
    m_conns.erase(c->id);
    delete c;
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
    c->id = ++m_connSerial;
    m_conns.emplace(c->id, c);
    m_bySocket.insert(sock, c);
    c->sock = sock;
    c->timer = new QTimer(sock);
    c->timer->setSingleShot(true);
    c->timer->setInterval(m_config.readTimeoutMs);
    connect(c->timer, &QTimer::timeout, sock, [this, c] {
        if (!c->busy && !c->closing)
            reject(c, 408, "slow client", "the request did not arrive in time");
    });
    connect(sock, &QTcpSocket::readyRead, sock, [this, c] { guard(c); });
    connect(sock, &QTcpSocket::disconnected, sock, [this, c, sock] {
        c->timer->stop();
        m_bySocket.remove(sock);
        if (!c->busy) // else the batch's end deletes it
            dropConn(c);
    });
    c->timer->start();
}

void Receiver::guard(Conn *c)
{
    if (!c->sock)
        return;
    if (c->closing) {
        if (c->drain > 0) { // the rest of a body answered early
            c->drain -= c->sock->read(c->sock->bytesAvailable()).size();
            if (c->drain <= 0)
                c->sock->disconnectFromHost();
        }
        return;
    }
    using In = Conn::In;
    // Qt HttpServer reads everything buffered, except after completing a request, when it leaves
    // the bytes after it (the next, pipelined request) for its next turn: those were seen here
    const qint64 buffered = c->sock->bytesAvailable();
    const qint64 arrived = buffered - std::min(c->seenBuffered, buffered);
    c->seenBuffered = 0; // onRequest() says otherwise when Qt completes a request in this turn
    if (arrived == 0)
        return;
    if (c->in == In::Body && c->remaining >= arrived) { // the common case: more of a body
        c->remaining -= arrived;
        if (c->remaining == 0)
            c->in = In::Head;
        return;
    }
    const QByteArray data = c->sock->peek(buffered).mid(buffered - arrived);
    qsizetype i = 0;
    // appends up to the next LF to c->line; true when the line is complete (then in c->line)
    const auto takeLine = [&]() {
        const qsizetype nl = data.indexOf('\n', i);
        const qsizetype stop = nl < 0 ? data.size() : nl + 1;
        c->line += data.mid(i, stop - i);
        i = stop;
        if (nl < 0 && c->line.size() > 64 * 1024)
            reject(c, 400, "bad request", "a request line is too long");
        return nl >= 0;
    };
    while (i < data.size() && !c->closing) {
        switch (c->in) {
        case In::Head: {
            const qsizetype before = c->line.size();
            c->line += data.mid(i);
            const qsizetype end = c->line.indexOf("\r\n\r\n");
            if (end < 0) {
                i = data.size();
                if (c->line.size() > 64 * 1024)
                    reject(c, 400, "bad request", "the request headers are too long");
                break;
            }
            i += end + 4 - before;
            const QByteArray head = c->line.left(end);
            c->line.clear();
            startRequest(c, head, data.size() - i);
            break;
        }
        case In::Body:
        case In::ChunkData: {
            const qint64 take = std::min<qint64>(c->remaining, data.size() - i);
            c->remaining -= take;
            i += take;
            if (c->remaining == 0)
                c->in = c->in == In::Body ? In::Head : In::ChunkEnd;
            break;
        }
        case In::ChunkSize:
        case In::ChunkEnd:
        case In::Trailer: {
            if (!takeLine())
                break;
            const QByteArray text = c->line.trimmed();
            c->line.clear();
            if (c->in == In::ChunkEnd) {
                c->in = In::ChunkSize;
            } else if (c->in == In::Trailer) {
                if (text.isEmpty())
                    c->in = In::Head;
            } else {
                bool ok = false;
                const qint64 size = text.split(';').value(0).trimmed().toLongLong(&ok, 16);
                if (!ok || size < 0)
                    return reject(c, 400, "bad request", "malformed chunked encoding");
                c->bodySeen += size;
                if (c->bodySeen > m_config.maxBodyBytes)
                    return refuse(c, 413, "too large", "the body is larger than the limit of " + std::to_string(m_config.maxBodyBytes) + " bytes");
                c->remaining = size;
                c->in = size == 0 ? In::Trailer : In::ChunkData;
            }
            break;
        }
        }
    }
}

void Receiver::startRequest(Conn *c, const QByteArray &head, qint64 bodyBytesHere)
{
    using In = Conn::In;
    ++m_stats.requests;
    const QList<QByteArray> lines = head.split('\n');
    const QList<QByteArray> first = lines.value(0).trimmed().split(' ');
    QByteArray secretHeader;
    bool chunked = false;
    qint64 contentLength = -1;
    const QByteArray wanted = QByteArray::fromStdString(m_config.secretHeader);
    for (int k = 1; k < lines.size(); ++k) {
        const int colon = lines[k].indexOf(':');
        if (colon <= 0)
            continue;
        const QByteArray name = lines[k].left(colon).trimmed(), value = lines[k].mid(colon + 1).trimmed();
        if (name.compare("Content-Length", Qt::CaseInsensitive) == 0)
            contentLength = value.toLongLong();
        else if (name.compare("Transfer-Encoding", Qt::CaseInsensitive) == 0)
            chunked = value.toLower().contains("chunked");
        else if (name.compare(wanted, Qt::CaseInsensitive) == 0)
            secretHeader = value;
    }
    c->bodySeen = 0;
    if (chunked) {
        c->in = In::ChunkSize;
    } else {
        c->in = contentLength > 0 ? In::Body : In::Head;
        c->remaining = std::max<qint64>(contentLength, 0);
    }
    // what the headers alone decide is answered before any body is read (what is left of an
    // announced body after the bytes already here is drained by respond()), unless earlier
    // requests of this connection still wait for their answers
    ++c->unanswered;
    Conn::Verdict v;
    const QUrlQuery query(QUrl(QString::fromLatin1(first.value(1))));
    const std::string fromHeader = secretHeader.toStdString();
    const std::string fromQuery = query.queryItemValue(QString::fromStdString(m_config.secretQueryParam), QUrl::FullyDecoded).toStdString();
    if (first.value(0) != "POST")
        v = {405, "method", "send log batches with POST"};
    else if (!constantTimeEquals(fromHeader, m_config.secret) && !constantTimeEquals(fromQuery, m_config.secret))
        v = {401, "unauthorized", fromHeader.empty() && fromQuery.empty() ? "the shared secret is missing" : "the shared secret is wrong"};
    else if (contentLength > m_config.maxBodyBytes)
        v = {413, "too large", "the body is larger than the limit of " + std::to_string(m_config.maxBodyBytes) + " bytes"};
    else if (contentLength < 0 && !chunked)
        v = {411, "no length", "send Content-Length or chunked transfer encoding"};
    if (v.status && (c->unanswered == 1 || contentLength > m_config.maxBodyBytes)) {
        c->remaining = chunked ? 0 : std::max<qint64>(0, std::max<qint64>(contentLength, 0) - bodyBytesHere);
        c->in = In::Body;
        return refuse(c, v.status, v.reason, v.message);
    }
    c->verdicts.push_back(std::move(v)); // answered in turn, once Qt has read the request
}

void Receiver::refuse(Conn *c, int status, const std::string &reason, const std::string &message)
{
    if (c->unanswered > 1) {
        // earlier requests of this connection are not answered yet: an answer now would come
        // out of order, and reading on would buffer what is refused; the connection is cut
        ++m_stats.rejected[reason];
        m_stats.lastError = message;
        c->closing = true;
        c->sock->abort();
        emit statsChanged();
        return;
    }
    reject(c, status, reason, message);
}

void Receiver::onRequest(const QHttpServerRequest &request, QTcpSocket *socket)
{
    Conn *c = m_bySocket.value(socket);
    if (!c || c->closing) // answered early
        return;
    c->seenBuffered = socket->bytesAvailable(); // left for Qt's next turn, already seen by the guard
    Conn::Verdict verdict;
    if (!c->verdicts.empty()) {
        verdict = std::move(c->verdicts.front());
        c->verdicts.pop_front();
    }
    auto responder = std::make_unique<QHttpServerResponder>(Http::responderFor(request, socket));
    if (c->busy) { // pipelined: answered after the one being processed
        c->queued.push_back({std::move(responder), request.body(), std::move(verdict)});
        return;
    }
    c->responder = std::move(responder);
    if (verdict.status)
        return reject(c, verdict.status, verdict.reason, verdict.message);
    handle(c, request.body());
}

void Receiver::respond(Conn *c, int status, const std::string &message, bool close)
{
    if (!c->sock)
        return;
    --c->unanswered;
    const nlohmann::json body = {{"status", status}, {"message", message}};
    const QByteArray text = QByteArray::fromStdString(body.dump() + "\n");
    const auto code = static_cast<QHttpServerResponder::StatusCode>(status);
    if (c->responder) {
        if (close)
            c->responder->write(text, {{"Content-Type", "application/json"}, {"Connection", "close"}}, code);
        else
            c->responder->write(text, {{"Content-Type", "application/json"}}, code);
        c->responder.reset();
    } else {
        // answered before Qt HttpServer has a request to answer (from the headers, or a
        // timeout): Qt reads nothing more of this connection
        QObject::disconnect(c->sock, &QTcpSocket::readyRead, m_http, nullptr);
        if (c->sock->isTransactionStarted())
            c->sock->commitTransaction();
        c->sock->write("HTTP/1.1 " + QByteArray::number(status) + " " + QByteArray::fromStdString(reasonPhrase(status))
                       + "\r\nContent-Type: application/json\r\nContent-Length: " + QByteArray::number(text.size())
                       + "\r\nConnection: close\r\n\r\n" + text);
        c->closing = true;
        // read and drop the rest of an announced body so that the client gets to read the
        // answer instead of a reset connection; one that stops sending is cut off
        const qint64 unread = c->in == Conn::In::Body ? c->remaining : 0;
        c->sock->read(c->sock->bytesAvailable());
        if (unread > 0 && unread <= 4 * m_config.maxBodyBytes + (64 << 20)) {
            c->drain = unread;
            c->timer->disconnect();
            connect(c->timer, &QTimer::timeout, c->sock, [c] {
                if (c->sock)
                    c->sock->abort();
            });
            c->timer->start();
            return;
        }
        close = true;
    }
    if (close) {
        c->closing = true;
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

void Receiver::handle(Conn *c, const QByteArray &body)
{
    if (body.size() > m_config.maxBodyBytes)
        return reject(c, 413, "too large", "the body is larger than the limit of " + std::to_string(m_config.maxBodyBytes) + " bytes");
    auto job = std::make_shared<Job>();
    job->conn = c->id;
    job->raw.assign(body.constData(), size_t(body.size()));
    m_stats.bytes += job->raw.size();
    c->busy = true;
    c->timer->stop(); // the client is waiting for us now
    m_pool.start([this, job] {
        decode(*job);
        if (job->status) {
            QMetaObject::invokeMethod(this, [this, job] { finish(job); }, Qt::QueuedConnection);
            return;
        }
        {
            std::lock_guard lock(m_mutex);
            m_queue.push_back(job);
        }
        m_wake.notify_one();
    });
}

void Receiver::decode(Job &job) const
{
    std::string raw = std::move(job.raw);
    std::string &text = job.text;
    if (raw.size() >= 2 && static_cast<unsigned char>(raw[0]) == 0x1f && static_cast<unsigned char>(raw[1]) == 0x8b) {
        const Gunzip g = gunzipLimited(std::move(raw), m_config.maxDecompressedBytes, text, job.gzError);
        if (g == Gunzip::TooBig) {
            job.status = 413;
            job.reason = "too large decompressed";
            job.message = "the decompressed body is larger than the limit of " + std::to_string(m_config.maxDecompressedBytes) + " bytes";
            return;
        }
        job.corrupt = g == Gunzip::Corrupt;
    } else {
        if (qint64(raw.size()) > m_config.maxDecompressedBytes) {
            job.status = 413;
            job.reason = "too large decompressed";
            job.message = "the body is larger than the decompressed limit";
            return;
        }
        text = std::move(raw);
    }
    if (job.corrupt) {
        // keep the complete lines decoded before the damage
        const size_t lastNl = text.rfind('\n');
        text.resize(lastNl == std::string::npos ? 0 : lastNl + 1);
    }
    if (!job.corrupt && isTestUpload(text)) {
        job.test = true;
        job.status = 200;
        job.message = "test upload received (not stored)";
        return;
    }
    // every line is checked (one index pass) and its ID taken; the journal keeps them all
    indexLines(text, [&](size_t pos, std::string_view line, IndexedRecord &&ix) {
        const IdKey id = ix.ok ? IdKey::of(ix.id) : IdKey{};
        job.lines.push_back({pos, line.size(), id, std::move(ix)});
    });
}

void Receiver::writerLoop()
{
    for (;;) {
        std::deque<std::shared_ptr<Job>> group;
        {
            std::unique_lock lock(m_mutex);
            m_wake.wait(lock, [this] { return m_stopWriter || !m_queue.empty(); });
            if (m_queue.empty())
                return; // stopping, nothing left
            group.swap(m_queue);
        }
        // write every waiting batch, then one sync for all of them (group commit)
        for (const auto &job : group) {
            for (Job::Line &l : job->lines) {
                const std::string_view line(job->text.data() + l.pos, l.len);
                if (l.ix.ok && !m_ids->insert(l.id)) {
                    ++job->dupCount;
                    job->dups.append(line);
                    job->dups.push_back('\n');
                    continue;
                }
                ++(l.ix.ok ? job->good : job->bad);
                job->freshSpans.push_back({uint32_t(job->fresh.size()), uint32_t(l.len), job->freshSpans.size() + 1});
                job->freshRecs.push_back(std::move(l.ix));
                job->fresh.append(line);
                job->fresh.push_back('\n');
            }
            job->lines.clear();
            job->text.clear();
            job->text.shrink_to_fit();
            if (!job->fresh.empty())
                m_journal->write(job->fresh, false, job->error);
            if (job->error.empty() && !job->dups.empty())
                m_journal->write(job->dups, true, job->error);
        }
        std::string syncError;
        m_journal->sync(syncError);
        std::shared_ptr<EventStore> store;
        {
            std::lock_guard lock(m_mutex);
            store = m_store;
        }
        for (const auto &job : group) {
            if (job->error.empty())
                job->error = syncError;
            // on disk: shown in the trail from here (this thread, not the GUI's)
            if (store && job->error.empty() && !job->freshRecs.empty()) {
                Block block;
                block.dataLen = job->fresh.size();
                block.data = std::make_shared<const std::string>(std::move(job->fresh));
                block.spans = std::move(job->freshSpans);
                store->appendIndexed("receiver", std::move(block), std::move(job->freshRecs));
            }
            QMetaObject::invokeMethod(this, [this, job] { finish(job); }, Qt::QueuedConnection);
        }
    }
}

void Receiver::finish(const std::shared_ptr<Job> &job)
{
    const auto found = m_conns.find(job->conn);
    Conn *c = found == m_conns.end() ? nullptr : found->second; // none: the receiver was stopped meanwhile
    if (c)
        c->busy = false;
    // the batch is on disk (or was refused) whether or not its client is still there
    auto answer = [&](int status, const std::string &message) {
        if (c && c->sock)
            respond(c, status, message);
    };
    if (job->status == 200 && job->test) {
        ++m_stats.tests;
        emit statsChanged();
        answer(200, job->message);
    } else if (job->status) {
        if (c)
            reject(c, job->status, job->reason, job->message);
    } else if (!job->error.empty()) {
        m_stats.lastError = job->error;
        emit problem(QString::fromStdString(job->error));
        if (c)
            reject(c, 503, "journal", "the batch could not be written to disk: " + job->error);
    } else {
        ++m_stats.batches;
        m_stats.records += job->good;
        m_stats.duplicates += job->dupCount;
        m_stats.badLines += job->bad;
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        m_rate.emplace_back(now, job->good);
        while (!m_rate.empty() && m_rate.front().first < now - 60000)
            m_rate.erase(m_rate.begin());
        quint64 recent = 0;
        for (auto &[t, n] : m_rate)
            recent += n;
        const double span = std::clamp(double(now - m_rate.front().first) / 1000.0, 1.0, 60.0);
        m_stats.recordsPerSecond = double(recent) / span;
        if (job->good)
            emit batchStored(job->good);
        emit statsChanged();
        if (job->corrupt) {
            m_stats.lastError = job->gzError;
            ++m_stats.rejected["bad gzip"];
            answer(400, job->gzError + "; " + std::to_string(job->good) + " complete records before it were stored");
        } else if (job->good == 0 && job->dupCount == 0 && job->bad > 0) {
            ++m_stats.rejected["not log data"];
            m_stats.lastError = "a batch held no JSON record";
            answer(422, "no line of the body is a JSON record (" + std::to_string(job->bad) + " lines kept in the journal)");
        } else {
            std::string msg = "stored " + std::to_string(job->good) + " records";
            if (job->dupCount)
                msg += ", " + std::to_string(job->dupCount) + " duplicates";
            if (job->bad)
                msg += ", " + std::to_string(job->bad) + " lines that are not JSON records (kept in the journal)";
            answer(200, msg);
        }
    }
    if (!c)
        return;
    if (!c->sock) { // the client left while its batch was being stored
        dropConn(c);
        return;
    }
    if (c->closing)
        return;
    if (!c->queued.empty()) { // a pipelined request waited for this answer
        Conn::Waiting next = std::move(c->queued.front());
        c->queued.pop_front();
        c->responder = std::move(next.responder);
        if (next.verdict.status)
            return reject(c, next.verdict.status, next.verdict.reason, next.verdict.message);
        handle(c, next.body);
        return;
    }
    c->timer->start(); // for the next request on this connection
}

} // namespace auditlens::receiver
