// SPDX-License-Identifier: MIT
#pragma once

#include "store/eventstore.h"

#include <QHostAddress>
#include <QObject>
#include <QPointer>

#include <memory>
#include <string>
#include <unordered_set>

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
    qint64 maxDecompressedBytes = 2LL << 30;          ///< guard against decompression bombs
    int readTimeoutMs = 30000;                        ///< slow clients
    qint64 journalFileBytes = 256LL << 20;            ///< rotation size
};

struct Stats
{
    quint64 requests = 0, batches = 0, records = 0, bytes = 0, duplicates = 0, tests = 0, badLines = 0;
    std::map<std::string, quint64> rejected; ///< by reason: unauthorized, too large, bad gzip, …
    std::string lastError;
    double recordsPerSecond = 0; ///< over the last minute
};

/// Appends batches to files in a directory, flushed to disk (fdatasync) before returning.
/// The directory is readable as a source; duplicate records go to duplicates-*.ndjson, which
/// directory expansion leaves out by default.
class Journal
{
public:
    explicit Journal(std::string dir, qint64 fileBytes = 256LL << 20);
    ~Journal();
    bool open(std::string &error);
    /// Appends and syncs. False + error when the bytes are not on disk.
    bool append(const std::string &bytes, bool duplicates, std::string &error);
    const std::string &dir() const { return m_dir; }
    /// Record IDs (ID / AuditLogID) already in the journal, read on open.
    const std::unordered_set<std::string> &knownIds() const { return m_ids; }
    std::unordered_set<std::string> &knownIds() { return m_ids; }

private:
    bool rotate(bool duplicates, std::string &error);
    std::string m_dir;
    qint64 m_fileBytes;
    int m_fd = -1, m_dupFd = -1;
    qint64 m_size = 0, m_dupSize = 0;
    int m_seq = 0;
    std::unordered_set<std::string> m_ids;
};

/// The files of a journal directory in write order (duplicates-*.ndjson left out unless asked).
std::vector<std::string> journalFiles(const std::string &dir, bool withDuplicates = false);

/// The ID (v1 `ID`, v2 `AuditLogID`) of a record, or empty.
std::string recordId(std::string_view json);

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
    void setStore(std::shared_ptr<EventStore> store) { m_store = std::move(store); }
    Stats stats() const;
    /// The destination_conf value for a Logpush job, given the public URL users put in front.
    std::string destinationConf(const std::string &publicUrl) const;

signals:
    void batchStored(quint64 records);
    void statsChanged();
    void problem(const QString &message);

private:
    struct Conn;
    void onConnection(QTcpSocket *sock);
    void onData(Conn *c);
    void handle(Conn *c);
    void respond(Conn *c, int status, const std::string &message, bool close = false);
    void reject(Conn *c, int status, const std::string &reason, const std::string &message);

    Config m_config;
    std::shared_ptr<EventStore> m_store;
    std::unique_ptr<Journal> m_journal;
    QPointer<QTcpServer> m_server;
    Stats m_stats;
    std::vector<std::pair<qint64, quint64>> m_rate; ///< (ms, records) over the last minute
};

} // namespace auditlens::receiver
