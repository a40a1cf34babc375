// SPDX-License-Identifier: MIT
#include "receiver.h"
#include "batch.h"
#include "requestguard.h"
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

#include <unordered_set>


#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/resource.h>
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

// ------------------------------------------------------------------------------------------
// Receiver

namespace {
struct IdKeyHash
{
    size_t operator()(const IdKey &k) const { return size_t(k.a ^ (k.b * 0x9e3779b97f4a7c15ULL)); }
};
} // namespace

/// A client connection. Qt HttpServer parses the requests; the guard sees every byte first
/// (its readyRead slot is connected before Qt's) and reads each request itself, strictly
/// (RequestGuard): what it cannot read the one way every parser reads is refused (400, 431)
/// before Qt sees it; what the headers alone decide (401, 405, 411, 413) is answered before
/// the body is read; slow clients are cut off. When Qt hands a request over, its reading is
/// compared with the guard's (method, secret, body size): a request read two ways is refused.
struct Receiver::Conn
{
    explicit Conn(RequestGuard::Limits limits) : reader(std::move(limits)) {}
    quint64 id = 0;
    QPointer<QTcpSocket> sock;
    QTimer *timer = nullptr;
    RequestGuard reader;      ///< the guard's reading of the byte stream (pipelined requests included)
    qint64 seenBuffered = 0;  ///< bytes at the front of the socket's buffer the guard has seen
    qint64 earlyUnread = 0;   ///< body bytes still to come when the headers alone were answered
    bool closing = false;     ///< answered early: the rest is ignored, the connection closes
    bool busy = false;        ///< a batch of this connection is being decoded or written
    bool inRequest = false;   ///< the guard is in a request's body (its head was counted)
    qint64 drain = 0;         ///< body bytes still to read and drop after an early answer
    qint64 lastActivity = 0;  ///< ms: when bytes last arrived (the slowest idle are dropped first)
    std::unique_ptr<QHttpServerResponder> responder; ///< for the request being processed
    /// The guard's reading of each request seen but not yet handed over by Qt, in order, and
    /// what its headers decided (status 0: go ahead). A refusal waits here when earlier
    /// requests of this connection are still unanswered (HTTP/1.1 answers in order).
    struct Verdict
    {
        int status = 0;
        std::string reason, message;
        bool authorized = false; ///< the secret was checked and is right
        bool complete = false;   ///< the guard saw the whole body
        qint64 body = -1;        ///< its size, as the guard read it
        std::string method, secret, querySecret;
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
/// One request's batch on its way through the decode and journal stages.
struct Receiver::Job : DecodedBatch
{
    quint64 conn = 0; ///< Conn::id
    std::string raw;  ///< the body as received
    // journal stage: new records and bad lines (for the journal and the store), duplicates
    std::string fresh, dups;
    std::vector<RecordSpan> freshSpans;
    std::vector<IndexedRecord> freshRecs;
    quint64 good = 0, dupCount = 0, bad = 0;
    std::string unsplitFile; ///< where an unsplit batch was kept
    std::string error;
};

Receiver::Receiver(Config config, std::shared_ptr<EventStore> store, QObject *parent)
    : QObject(parent), m_config(std::move(config)), m_store(std::move(store))
{
    m_pool.setMaxThreadCount(std::max(1, QThread::idealThreadCount()));
    m_budget = std::make_unique<DecodeBudget>(m_config.maxMemoryBytes);
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
    m_journal = std::make_unique<Journal>(m_config.journalDir, m_config.journalFileBytes, m_config.journalFault);
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
    // one descriptor a connection: as many as the system lets this process have, and when
    // they run out, the slowest idle connections make room (see onConnection)
    rlimit fds{};
    if (::getrlimit(RLIMIT_NOFILE, &fds) == 0) {
        if (fds.rlim_cur < fds.rlim_max) {
            fds.rlim_cur = fds.rlim_max;
            ::setrlimit(RLIMIT_NOFILE, &fds);
            ::getrlimit(RLIMIT_NOFILE, &fds);
        }
        m_fdLimit = fds.rlim_cur == RLIM_INFINITY ? (1 << 20) : qint64(fds.rlim_cur);
    }
    m_maxConnections = m_config.maxConnections > 0 ? m_config.maxConnections : std::max<qint64>(16, m_fdLimit - 64);
    connect(m_server, &QTcpServer::acceptError, this, [this] {
        // out of descriptors all the same (other files of the process): make room, go on
        dropSlowestIdle();
        QTimer::singleShot(50, this, [this] {
            if (m_server)
                m_server->resumeAccepting();
        });
    });
    m_http = new Http(this);
    m_http->bind(m_server);
    m_stopWriter = false;
    if (m_config.journalSynced) // what the journal held at the start is on disk
        m_config.journalSynced(m_journal->currentFile(), m_journal->size());
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

bool Receiver::dropSlowestIdle()
{
    // idle: no request of it is being stored or answered; the one that sent nothing for the
    // longest goes first (a slow-loris client trickling its headers, a silent keep-alive)
    Conn *slowest = nullptr;
    for (auto &[id, c] : m_conns)
        if (c->sock && !c->busy && !c->responder && c->queued.empty() && (!slowest || c->lastActivity < slowest->lastActivity))
            slowest = c;
    if (!slowest)
        return false;
    ++m_stats.rejected["dropped idle connection"];
    slowest->closing = true;
    slowest->sock->abort();
    return true;
}

void Receiver::onConnection(QTcpSocket *sock)
{
    if (qint64(m_conns.size()) >= m_maxConnections)
        dropSlowestIdle();
    RequestGuard::Limits limits;
    limits.maxBodyBytes = m_config.maxBodyBytes;
    limits.maxHeaderBytes = m_config.maxHeaderBytes;
    limits.secretHeader = m_config.secretHeader;
    auto *c = new Conn(limits);
    c->id = ++m_connSerial;
    c->lastActivity = QDateTime::currentMSecsSinceEpoch();
    m_conns.emplace(c->id, c);
    m_bySocket.insert(sock, c);
    c->sock = sock;
    c->timer = new QTimer(sock);
    c->timer->setSingleShot(true);
    c->timer->setInterval(m_config.readTimeoutMs);
    connect(c->timer, &QTimer::timeout, sock, [this, c] {
        if (!c->busy && !c->closing) {
            c->earlyUnread = 0; // nothing more is read from a client that is too slow
            reject(c, 408, "slow client", "the request did not arrive in time");
        }
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
    // Qt HttpServer reads everything buffered, except after completing a request, when it leaves
    // the bytes after it (the next, pipelined request) for its next turn: those were seen here
    const qint64 buffered = c->sock->bytesAvailable();
    const qint64 arrived = buffered - std::min(c->seenBuffered, buffered);
    c->seenBuffered = 0; // onRequest() says otherwise when Qt completes a request in this turn
    if (arrived == 0)
        return;
    c->lastActivity = QDateTime::currentMSecsSinceEpoch();
    if (c->reader.bodyRemaining() > arrived) { // the common case: more of a body
        c->reader.skipBody(arrived);
        return;
    }
    const QByteArray bytes = c->sock->peek(buffered).mid(buffered - arrived);
    std::string_view data(bytes.constData(), size_t(bytes.size()));
    while (!c->closing) {
        const RequestGuard::Step step = c->reader.next(data);
        data.remove_prefix(step.consumed);
        switch (step.event) {
        case RequestGuard::Event::NeedMore:
            return;
        case RequestGuard::Event::Head:
            c->inRequest = true;
            startRequest(c, qint64(data.size()));
            break;
        case RequestGuard::Event::Complete:
            c->inRequest = false;
            if (!c->verdicts.empty()) {
                c->verdicts.back().complete = true;
                c->verdicts.back().body = c->reader.bodyBytes();
            }
            break;
        case RequestGuard::Event::Error:
            if (!c->inRequest) { // an error in a head: a request that was not counted yet
                ++m_stats.requests;
                ++c->unanswered;
            }
            c->earlyUnread = 0;
            return refuse(c, c->reader.status(), c->reader.reason(), c->reader.message());
        }
    }
}

void Receiver::startRequest(Conn *c, qint64 bodyBytesHere)
{
    ++m_stats.requests;
    const RequestHead &head = c->reader.head();
    Conn::Verdict v;
    v.method = head.method;
    v.secret = head.secret;
    v.querySecret = QUrlQuery(QUrl(QString::fromStdString(head.target)))
                        .queryItemValue(QString::fromStdString(m_config.secretQueryParam), QUrl::FullyDecoded)
                        .toStdString();
    v.authorized = constantTimeEquals(v.secret, m_config.secret) || constantTimeEquals(v.querySecret, m_config.secret);
    // what the headers alone decide is answered before any body is read (what is left of an
    // announced body after the bytes already here is drained by respond()), unless earlier
    // requests of this connection still wait for their answers
    ++c->unanswered;
    const qint64 contentLength = head.contentLength;
    if (v.method != "POST")
        v.status = 405, v.reason = "method", v.message = "send log batches with POST";
    else if (!v.authorized)
        v.status = 401, v.reason = "unauthorized",
        v.message = v.secret.empty() && v.querySecret.empty() ? "the shared secret is missing" : "the shared secret is wrong";
    else if (contentLength > m_config.maxBodyBytes)
        v.status = 413, v.reason = "too large",
        v.message = "the body is larger than the limit of " + std::to_string(m_config.maxBodyBytes) + " bytes";
    else if (contentLength < 0 && !head.chunked)
        v.status = 411, v.reason = "no length", v.message = "send Content-Length or chunked transfer encoding";
    if (v.status && (c->unanswered == 1 || contentLength > m_config.maxBodyBytes)) {
        c->earlyUnread = head.chunked ? 0 : std::max<qint64>(0, std::max<qint64>(contentLength, 0) - bodyBytesHere);
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
    const bool seen = !c->verdicts.empty();
    if (seen) {
        verdict = std::move(c->verdicts.front());
        c->verdicts.pop_front();
    }
    // one reading of each request: Qt's must be the guard's, or nothing of it is stored
    const QByteArray body = request.body();
    const bool post = request.method() == QHttpServerRequest::Method::Post;
    const std::string qtSecret = request.value(QByteArray::fromStdString(m_config.secretHeader)).trimmed().toStdString();
    const std::string qtQuery = request.query().queryItemValue(QString::fromStdString(m_config.secretQueryParam), QUrl::FullyDecoded).toStdString();
    if (!seen || !verdict.complete || verdict.body != body.size() || post != (verdict.method == "POST") || qtSecret != verdict.secret
        || qtQuery != verdict.querySecret) {
        if (!seen)
            ++c->unanswered; // the guard did not see this request begin; it is answered all the same
        verdict.status = 400;
        verdict.reason = "ambiguous";
        verdict.message = "the request can be read in more than one way (its framing or headers); nothing of it was stored";
        verdict.authorized = false;
    }
    auto responder = std::make_unique<QHttpServerResponder>(Http::responderFor(request, socket));
    if (c->busy) { // pipelined: answered after the one being processed
        c->queued.push_back({std::move(responder), body, std::move(verdict)});
        return;
    }
    c->responder = std::move(responder);
    if (verdict.status)
        return reject(c, verdict.status, verdict.reason, verdict.message);
    handle(c, body, verdict.authorized);
}

void Receiver::respond(Conn *c, int status, const std::string &message, bool close)
{
    if (!c->sock)
        return;
    --c->unanswered;
    const nlohmann::json body = {{"status", status}, {"message", message}};
    const QByteArray text = QByteArray::fromStdString(body.dump() + "\n");
    const auto code = static_cast<QHttpServerResponder::StatusCode>(status);
    const QByteArray retryAfter = QByteArray::number(m_config.retryAfterSeconds);
    if (c->responder) {
        if (status == 503)
            c->responder->write(text, {{"Content-Type", "application/json"}, {"Retry-After", retryAfter}}, code);
        else if (close)
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
                       + (status == 503 ? "\r\nRetry-After: " + retryAfter : QByteArray()) + "\r\nConnection: close\r\n\r\n" + text);
        c->closing = true;
        // read and drop the rest of an announced body so that the client gets to read the
        // answer instead of a reset connection; one that stops sending is cut off
        const qint64 unread = c->earlyUnread;
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
    respond(c, status, message, status != 503);
    emit statsChanged();
}

void Receiver::handle(Conn *c, const QByteArray &body, bool authorized)
{
    if (!authorized) // never reached (the verdict says so first); nothing unchecked is stored
        return reject(c, 401, "unauthorized", "the shared secret was not checked");
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
    DecodeOptions options;
    options.maxDecompressedBytes = m_config.maxDecompressedBytes;
    options.framing = m_config.framing;
    decodeBatch(std::move(job.raw), options, *m_budget, job);
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
        // write every waiting batch, then one sync for all of them (group commit). IDs are
        // remembered only once the group is on disk: a batch answered 503 is retried, and its
        // records are then new, not duplicates of records that were never stored.
        std::string error;
        bool ok = m_journal->begin(error);
        std::vector<IdKey> groupIds; // of the batches before the current one in this group
        std::unordered_set<IdKey, IdKeyHash> earlier;
        for (const auto &job : group) {
            const size_t firstOfJob = groupIds.size();
            for (Job::Line &l : job->lines) {
                const std::string_view line(job->text.data() + l.pos, l.len);
                // a duplicate is a record seen in an earlier batch (a retry), not a repeat
                // within this one
                if (l.ix.ok && !l.id.empty() && (m_ids->contains(l.id) || earlier.count(l.id))) {
                    ++job->dupCount;
                    job->dups.append(line);
                    job->dups.push_back('\n');
                    continue;
                }
                if (l.ix.ok && !l.id.empty())
                    groupIds.push_back(l.id);
                ++(l.ix.ok ? job->good : job->bad);
                job->freshSpans.push_back({uint32_t(job->fresh.size()), uint32_t(l.len), job->freshSpans.size() + 1});
                job->freshRecs.push_back(std::move(l.ix));
                job->fresh.append(line);
                job->fresh.push_back('\n');
            }
            earlier.insert(groupIds.begin() + ptrdiff_t(firstOfJob), groupIds.end());
            if (job->unsplit && ok) // no framing gives a record: kept as it came, beside the journal
                ok = m_journal->writeUnsplit(job->text, job->unsplitFile, error);
            job->releaseMemory();
            if (ok && !job->fresh.empty())
                ok = m_journal->write(job->fresh, false, error);
            if (ok && !job->dups.empty())
                ok = m_journal->write(job->dups, true, error);
        }
        if (ok)
            ok = m_journal->sync(error);
        if (!ok)
            m_journal->rollback(); // whole records only; every batch of the group is answered 503
        else
            for (const IdKey &id : groupIds)
                m_ids->insert(id);
        if (ok && m_config.journalSynced)
            m_config.journalSynced(m_journal->currentFile(), m_journal->size());
        std::shared_ptr<EventStore> store;
        {
            std::lock_guard lock(m_mutex);
            store = m_store;
        }
        for (const auto &job : group) {
            if (!ok)
                job->error = error;
            // on disk: shown in the trail from here (this thread, not the GUI's)
            if (store && ok && !job->freshRecs.empty()) {
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
        // nothing of the batch is kept (the journal was cut back) and its IDs are not
        // remembered: Logpush retries it after Retry-After, and the retry is stored as new
        if (!m_stats.journalFailing)
            emit problem(QString::fromStdString("the journal cannot be written: " + job->error
                                                + "; batches are answered 503 until it can"));
        m_stats.journalFailing = true;
        ++m_stats.journalFailures;
        m_stats.journalError = job->error;
        m_stats.lastError = job->error;
        if (c)
            reject(c, 503, "journal", "the batch could not be written to disk: " + job->error + "; nothing of it was kept, retry later");
    } else {
        m_stats.journalFailing = false;
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
        } else if (job->unsplit) {
            // acknowledged (Logpush would retry a refusal until it disables the job) and said
            ++m_stats.unsplit;
            m_stats.lastError = "a batch could not be split into records (no framing gives a JSON record); kept as it came in "
                                + job->unsplitFile;
            emit problem(QString::fromStdString(m_stats.lastError));
            answer(200, "the batch could not be split into records; kept as it came in " + job->unsplitFile);
        } else {
            std::string msg = "stored " + std::to_string(job->good) + " records";
            if (job->framing != "ndjson")
                msg += " (" + job->framing + ")";
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
        handle(c, next.body, next.verdict.authorized);
        return;
    }
    c->timer->start(); // for the next request on this connection
}

} // namespace auditlens::receiver
