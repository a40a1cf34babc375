// SPDX-License-Identifier: MIT
#pragma once

#include "batch.h"
#include "idwindow.h"
#include "journal.h"
#include "store/eventstore.h"

#include <QHash>
#include <QHostAddress>
#include <QObject>
#include <QPointer>

#include <QThreadPool>

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <map>
#include <string>
#include <thread>
#include <vector>

class QHttpServerRequest;
class QTcpServer;
class QTcpSocket;

namespace auditlens::receiver {

constexpr quint16 kDefaultPort = 8787;

struct Config
{
    QHostAddress address = QHostAddress::LocalHost; ///< all interfaces only when asked explicitly
    quint16 port = kDefaultPort;
    std::string secretHeader = "X-Auditlens-Secret"; ///< Logpush sets it via header_<Name>= in destination_conf
    std::string secretQueryParam = "secret";          ///< alternative: ?secret=…
    std::string secret;                               ///< required, compared in constant time
    std::string journalDir;                           ///< required
    std::string tlsCert, tlsKey;                      ///< PEM files; both or neither
    qint64 maxBodyBytes = 100LL << 20;                ///< compressed request body
    qint64 maxDecompressedBytes = 2LL << 30;          ///< per request, checked as it is decompressed (413 beyond)
    qint64 maxMemoryBytes = 256LL << 20;              ///< what the batches being decoded may hold together
    Framing framing;                                  ///< the job's output_options framing; empty: found from the content
    qint64 maxHeaderBytes = 64 * 1024;                ///< request line and headers (431 beyond)
    int readTimeoutMs = 30000;                        ///< slow clients
    int maxConnections = 0;                           ///< 0: the descriptor limit (raised to its hard limit) less 64
    int retryAfterSeconds = 30;                       ///< sent with 503 (journal cannot be written)
    qint64 journalFileBytes = 256LL << 20;            ///< rotation size
    size_t rememberedIds = 10'000'000;                ///< duplicate detection window (16 bytes an ID)
    JournalFault journalFault;                        ///< tests: fails the journal's writes and syncs on demand
    /// Called on the journal thread once the journal is on disk up to `bytes` of `file` (and
    /// every journal file before it): after it is opened and after each synced group. What
    /// forwards the journal elsewhere (ClickHouse) reads up to there; it must not block.
    std::function<void(const std::string &file, qint64 bytes)> journalSynced;
};

struct Stats
{
    quint64 requests = 0, batches = 0, records = 0, bytes = 0, duplicates = 0, tests = 0, badLines = 0;
    quint64 unsplit = 0; ///< batches no framing could split, kept as they came (unsplit-*.txt)
    std::map<std::string, quint64> rejected; ///< by reason: unauthorized, too large, bad gzip, …
    std::string lastError;
    /// The last batch could not be written or synced (full disk, I/O error): batches are
    /// answered 503 with Retry-After until one is written again.
    bool journalFailing = false;
    quint64 journalFailures = 0; ///< batches answered 503 for it
    std::string journalError;    ///< the last such error
    double recordsPerSecond = 0; ///< over the last minute (or since the first batch, when sooner)
};

/// A Logpush HTTP destination: auth, gzip, limits, durable journal, live append to a store.
class Receiver : public QObject
{
    Q_OBJECT
public:
    explicit Receiver(Config config, std::shared_ptr<EventStore> store = nullptr, QObject *parent = nullptr);
    ~Receiver() override;

    bool start(std::string &error);
    void stop();
    bool isListening() const;
    quint16 port() const;
    const Config &config() const { return m_config; }
    /// Where received records are appended for display (the journal gets them regardless).
    void setStore(std::shared_ptr<EventStore> store)
    {
        std::lock_guard lock(m_mutex);
        m_store = std::move(store);
    }
    Stats stats() const;
    /// The destination_conf value for a Logpush job, given the public URL users put in front.
    std::string destinationConf(const std::string &publicUrl) const;

signals:
    void batchStored(quint64 records);
    void statsChanged();
    void problem(const QString &message);

private:
    struct Conn;
    struct Job;
    class Http;
    void onConnection(QTcpSocket *sock);
    void guard(Conn *c);
    void startRequest(Conn *c, qint64 bodyBytesHere);
    void refuse(Conn *c, int status, const std::string &reason, const std::string &message);
    void onRequest(const QHttpServerRequest &request, QTcpSocket *socket);
    void handle(Conn *c, const QByteArray &body, bool authorized);
    void decode(Job &job) const;
    void writerLoop();
    void finish(const std::shared_ptr<Job> &job);
    void respond(Conn *c, int status, const std::string &message, bool close = false);
    void reject(Conn *c, int status, const std::string &reason, const std::string &message);
    void dropConn(Conn *c);
    bool dropSlowestIdle();

    Config m_config;
    std::shared_ptr<EventStore> m_store;
    QPointer<QTcpServer> m_server;
    Http *m_http = nullptr; ///< Qt HttpServer: parses the requests of m_server's connections
    Stats m_stats;
    std::vector<std::pair<qint64, quint64>> m_rate; ///< (ms, records) over the last minute
    std::map<quint64, Conn *> m_conns; ///< by Conn::id
    QHash<QTcpSocket *, Conn *> m_bySocket;
    quint64 m_connSerial = 0;
    qint64 m_fdLimit = 1024, m_maxConnections = 960;

    // Batches are decoded (gunzip, one index pass per line) on a thread pool, then written by
    // one journal thread that syncs once for all the batches waiting (group commit); answers
    // go back to this object's thread.
    QThreadPool m_pool;
    std::unique_ptr<Journal> m_journal; ///< the journal thread's, while it runs
    std::unique_ptr<IdWindow> m_ids;    ///< the journal thread's, while it runs
    std::unique_ptr<DecodeBudget> m_budget;
    std::thread m_writer;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<std::shared_ptr<Job>> m_queue;
    bool m_stopWriter = false;
};

} // namespace auditlens::receiver
