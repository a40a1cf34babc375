// SPDX-License-Identifier: MIT
#pragma once

// Forwards records into the ClickHouse trail as they arrive: the receiver's journal (receive
// --forward-clickhouse) or the fetcher's pages or journal (fetch --clickhouse). One path for
// both: a ForwardSource hands out runs of whole records (NDJSON), the Forwarder inserts each
// run with a Shipper (batches, retries with back-off while ClickHouse is down) and only then
// commits it to the source. At least once: a run acknowledged by ClickHouse but not yet
// committed (a crash in between) is sent again, and the trail collapses the copies by ID.
//
// A journal is read from a checkpoint kept beside it (a hidden file in the journal directory,
// one per destination, replaced atomically and durably after each acknowledged run), and only
// up to what its writer has said is on disk, so a group the journal cuts back after a failed
// write is never forwarded. Nothing the receiver acknowledges waits for any of this.

#include "client.h"
#include "shipper.h"
#include "trail.h"

#include <QObject>
#include <QPointer>
#include <QTimer>

#include <deque>
#include <memory>
#include <mutex>
#include <string>

namespace auditlens::clickhouse {

/// A run of whole records, one a line, and where its source stands after it.
struct ForwardChunk
{
    std::string label;   ///< the records' source (the journal file's path, or the fetch)
    std::string text;    ///< NDJSON
    uint64_t records = 0;
    std::string file;    ///< journal: the file name the run is in
    int64_t end = 0;     ///< journal: the byte after the run's last record
};

class ForwardSource
{
public:
    virtual ~ForwardSource() = default;
    /// The next run after what was committed: at most `maxRecords` records and, unless one
    /// record is larger, `maxBytes` bytes. An empty run (0 records): nothing to forward now.
    /// False + error when the source cannot be read.
    virtual bool next(size_t maxRecords, size_t maxBytes, ForwardChunk &out, std::string &error) = 0;
    /// The run `c` (the last one next() gave) is in ClickHouse. False + error when that could
    /// not be remembered (it is sent again after a restart).
    virtual bool commit(const ForwardChunk &c, std::string &error) = 0;
    /// Records waiting (on disk or queued, not yet committed).
    virtual uint64_t behind() = 0;
};

/// Where a journal has been forwarded to one destination.
struct ForwardCheckpoint
{
    std::string destination; ///< the URL (no credentials) and table it was forwarded to
    std::string file;        ///< journal file name; empty: nothing forwarded yet
    int64_t offset = 0;      ///< the byte after the last forwarded record in `file`
    uint64_t forwarded = 0;  ///< records forwarded in all runs (informational)
};
/// The checkpoint file of `journalDir` for `destination` (hidden: readers skip it).
std::string forwardCheckpointPath(const std::string &journalDir, const std::string &destination);
/// Absent: true with an empty checkpoint. False + error (what and where) when it is unreadable.
bool loadForwardCheckpoint(const std::string &path, ForwardCheckpoint &out, std::string &error);
/// Atomically and durably replaces the file.
bool saveForwardCheckpoint(const std::string &path, const ForwardCheckpoint &cp, std::string &error);

/// A journal directory (the receiver's or the fetcher's) from its checkpoint on, in write
/// order, duplicates-*.ndjson and unsplit batches left out. Thread-safe.
class JournalTail : public ForwardSource
{
public:
    JournalTail(std::string dir, std::string destination);
    /// Reads the checkpoint. False + error when it is unreadable.
    bool open(std::string &error);
    const ForwardCheckpoint &checkpoint() const { return m_cp; }
    std::string checkpointPath() const { return m_cpPath; }
    /// The writer's word: the journal is on disk up to `bytes` of `file` (a path or a name in
    /// the directory) and every journal file before it. Nothing after it is read.
    void setDurable(const std::string &file, int64_t bytes);
    /// Everything in the directory now is on disk (the writer is between writes; a record
    /// torn by a crash at the end of the last file is not taken: runs end at a line end).
    void markAllDurable();

    bool next(size_t maxRecords, size_t maxBytes, ForwardChunk &out, std::string &error) override;
    bool commit(const ForwardChunk &c, std::string &error) override;
    uint64_t behind() override;

private:
    /// Journal files from the checkpoint's on, with how far each may be read.
    std::vector<std::pair<std::string, int64_t>> readable();
    /// Counts the records between the scanned position and the durable end of `files`.
    void scan(const std::vector<std::pair<std::string, int64_t>> &files);

    struct Mark
    {
        bool has = false;
        std::string file; ///< file name
        int64_t bytes = 0;
    };
    std::string m_dir, m_cpPath;
    std::mutex m_markMutex; ///< the writer's mark only (held for a copy, never during I/O)
    Mark m_mark;
    std::mutex m_mutex;     ///< the rest (the forwarder's side)
    ForwardCheckpoint m_cp;
    std::string m_markFile; ///< the mark as the last readable() saw it
    int64_t m_markBytes = 0;
    std::string m_scanFile; ///< records are counted up to here
    int64_t m_scanOffset = 0;
    uint64_t m_scanned = 0; ///< records between the checkpoint and the scanned position
};

/// Runs of records handed over in memory (fetch without a journal). Thread-safe. What is
/// queued is lost with the process: the caller waits for drained() before it ends.
class PageQueue : public ForwardSource
{
public:
    void add(std::string label, std::string ndjson, uint64_t records);
    bool next(size_t maxRecords, size_t maxBytes, ForwardChunk &out, std::string &error) override;
    bool commit(const ForwardChunk &c, std::string &error) override;
    uint64_t behind() override;

private:
    std::mutex m_mutex;
    std::deque<ForwardChunk> m_queue;
    uint64_t m_queued = 0;
};

struct ForwardOptions
{
    size_t batchRows = 20000;        ///< records per run (one INSERT)
    size_t batchBytes = 32u << 20;   ///< bytes per run (a larger single record is sent alone)
    int lingerMs = 300;              ///< after new records: wait this long for more before an INSERT
    int pollMs = 1000;               ///< look for new records this often without being told
    int backoffMs = 250;             ///< first back-off; doubled each retry
    int maxBackoffMs = 30000;
    /// Give up after ClickHouse has failed this long in a row; 0: never (receive: the journal
    /// keeps everything until ClickHouse is back).
    int retryForMs = 0;
    /// A refusal waiting cannot fix (credentials, missing table) ends the forwarding; else it
    /// is retried every maxBackoffMs like an outage (someone may fix the server meanwhile).
    bool giveUpOnRefusal = false;
};

struct ForwardStats
{
    uint64_t forwarded = 0, runs = 0, retries = 0;
    uint64_t rejected = 0; ///< records the index pass refused (not valid audit-log records): not sent
    uint64_t behind = 0;
    bool failing = false;  ///< the last attempt failed; retrying
    std::string lastError;
};

class Forwarder : public QObject
{
    Q_OBJECT
public:
    Forwarder(Endpoint ep, TrailTable table, ForwardSource *source, ForwardOptions opts = {}, QObject *parent = nullptr);
    ~Forwarder() override;

    /// Starts on the forwarder's thread (call it there, e.g. through QMetaObject::invokeMethod).
    void start();
    /// New records are in the source (thread-safe).
    void poke();
    /// Ends with drained(true) once nothing is behind (new records still count until then),
    /// or drained(false) when it gives up (thread-safe).
    void drain();
    /// Stops now and waits for it; what is not yet committed stays in the source (thread-safe;
    /// from another thread, the forwarder's thread must be running or finished).
    void stop();
    ForwardStats stats() const; ///< thread-safe
    QString destination() const; ///< URL and table, for messages

signals:
    /// A run is in ClickHouse: records forwarded in total, and still behind.
    void forwarded(quint64 total, quint64 behind);
    /// An attempt failed; the next one follows in `delayMs`.
    void retrying(const QString &error, int delayMs);
    /// Something that does not stop the forwarding (an unreadable source, a checkpoint that could not be written).
    void problem(const QString &message);
    /// drain() is done (ok), or the forwarding gave up (not ok: see stats().lastError).
    void drained(bool ok);

private:
    void schedule(int delayMs);
    void step();
    void shipChunk();
    void onShipped(bool ok);
    void fail(const std::string &error);
    void updateBehind();

    Endpoint m_ep;
    TrailTable m_table;
    ForwardSource *m_source;
    ForwardOptions m_opts;
    Client *m_client = nullptr;
    QPointer<Shipper> m_shipper;
    QTimer *m_poll = nullptr, *m_next = nullptr;
    ForwardChunk m_chunk;
    Snapshot m_snap;
    bool m_haveChunk = false, m_started = false, m_draining = false, m_stopped = false, m_gaveUp = false;
    int64_t m_failingSinceMs = -1;
    mutable std::mutex m_statsMutex;
    ForwardStats m_stats;
};

} // namespace auditlens::clickhouse
