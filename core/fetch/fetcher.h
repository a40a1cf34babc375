// SPDX-License-Identifier: MIT
#pragma once

// Fetches audit logs from Cloudflare's Audit Logs API (v1 pages, v2 cursors), oldest first,
// each record once: `since` is inclusive, so the records at the boundary of a resumed or
// followed range are recognised by ID. Honours Retry-After, backs off with jitter, stays under
// the global rate limit, retries 5xx and timeouts a bounded number of times. With a journal
// directory every page is on disk (synced) and checkpointed before it is announced.
//
// Asynchronous, signals only (no local event loop): it can live on any thread with an event
// loop; the GUI moves it to a worker thread, the CLI runs it on its main thread.

#include "checkpoint.h"
#include "query.h"
#include "source/reader.h"
#include "store/eventstore.h"

#include <QElapsedTimer>
#include <QObject>
#include <QPointer>

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <unordered_set>

class QNetworkAccessManager;
class QNetworkReply;
class QTimer;

namespace auditlens::receiver {
class Journal;
class IdWindow;
} // namespace auditlens::receiver

namespace auditlens::fetch {

struct FetchOptions
{
    Query query;
    std::string token;           ///< in memory only; sent as a Bearer header, never printed
    std::string journalDir;      ///< empty: no journal (pages only go to pageFetched)
    bool follow = false;         ///< poll for new records after the range is done
    int intervalMs = 60000;      ///< follow: time between polls
    int timeoutMs = 30000;       ///< no byte for this long: the request is given up (and retried)
    int maxRetries = 5;          ///< 5xx, timeouts, network errors: retries of one page
    int max429Retries = 10;      ///< 429: retries of one page
    int backoffMs = 1000;        ///< first back-off; doubled each retry, with ±50 % jitter
    int maxBackoffMs = 60000;
    int maxRetryAfterMs = 900000; ///< a longer Retry-After is cut to this
    int rateLimit = 1200;         ///< requests ...
    int rateWindowMs = 300000;    ///< ... per this window (Cloudflare's global limit per user)
};

struct FetchStats
{
    int pages = 0;              ///< pages received in this run
    quint64 records = 0;        ///< new records delivered
    quint64 duplicates = 0;     ///< records already delivered (boundary, journal) or before a resumed start
    quint64 rejected = 0;       ///< records that are not valid audit-log records (reported)
    quint64 requests = 0, retries = 0;
    double recordsPerSecond = 0;
    int64_t sinceNs = 0, beforeNs = 0; ///< the range being fetched
    int64_t lastNs = INT64_MIN;        ///< the newest record's time so far
    bool resumed = false;              ///< started from a checkpoint
    bool following = false;            ///< the range is done; waiting for the next poll
};

/// The new records of one page, as the store takes them (EventStore::appendIndexed) and as the
/// journal holds them: `block.data` is NDJSON, one record a line.
struct FetchedPage
{
    int number = 0;
    Block block;
    std::vector<IndexedRecord> records;
};

struct FetchOutcome
{
    bool complete = false; ///< the whole range was fetched (a follow run stopped cleanly counts)
    bool stopped = false;  ///< stop()/abort() ended it
    std::string error;     ///< what went wrong (empty when nothing did)
    FetchStats stats;
};

class Fetcher : public QObject
{
    Q_OBJECT
public:
    explicit Fetcher(FetchOptions options, QObject *parent = nullptr);
    ~Fetcher() override;

    /// Starts (call on the fetcher's thread, e.g. through QMetaObject::invokeMethod).
    void start();
    /// Ends after the page being fetched (thread-safe). A wait (back-off, follow interval) ends now.
    void stop();
    /// Ends now, dropping the page in flight (thread-safe).
    void abort();

    const FetchOptions &options() const { return m_opt; }

signals:
    void pageFetched(std::shared_ptr<const auditlens::fetch::FetchedPage> page);
    void progress(const auditlens::fetch::FetchStats &stats);
    /// Waiting `ms` before the next request, and why (rate limit, back-off, next poll).
    void waiting(int ms, const QString &why);
    /// Something worth saying that does not end the fetch (a retried error, a rejected record).
    void warning(const QString &message);
    void finished(const auditlens::fetch::FetchOutcome &outcome);

private:
    struct Lock;
    void begin();
    void checkStop();
    void beginRange(int64_t sinceNs, int64_t beforeNs, const std::string &cursor);
    void scheduleRequest(int delayMs, const QString &why);
    void sendRequest();
    void onReply(QNetworkReply *reply);
    void retry(const std::string &what, int status, int retryAfterMs, const std::string &body);
    void handlePage(const std::string &body);
    void rangeDone(bool complete = true);
    void finish(std::string error);
    std::string pageLabel() const;
    bool saveCheckpoint(bool complete);

    FetchOptions m_opt;
    Query m_range; ///< the range being fetched now
    QNetworkAccessManager *m_nam = nullptr;
    QTimer *m_timer = nullptr;
    std::function<void()> m_next; ///< what m_timer does when it fires
    QPointer<QNetworkReply> m_reply;
    std::atomic<bool> m_stopRequested{false};
    bool m_aborting = false;
    bool m_finished = false;
    bool m_started = false;

    // paging
    int m_page = 1;           ///< v1 page number within the range
    std::string m_cursor;     ///< v2 cursor of the next page
    std::string m_previousCursor;
    std::string m_lastUrl;    ///< of the request in flight (names the page in messages)
    bool m_rangeDone = false;
    bool m_lastNsSaved = false;
    bool m_cursorResumed = false;
    int m_attempt = 0, m_attempt429 = 0;
    int m_emptyPagesWithCursor = 0;

    // rate limit: when requests were sent (ms on m_clock)
    QElapsedTimer m_clock;
    std::deque<qint64> m_sent;

    // dedup: the newest time delivered and the IDs at it; with a journal, every ID in it
    int64_t m_floorNs = INT64_MIN;
    int64_t m_lastNs = INT64_MIN;
    int64_t m_coveredFromNs = 0;
    std::unordered_set<std::string> m_boundary;
    std::unique_ptr<receiver::Journal> m_journal;
    std::unique_ptr<receiver::IdWindow> m_ids;
    std::unique_ptr<CheckpointFile> m_checkpoints;
    std::unique_ptr<Lock> m_lock;

    FetchStats m_stats;
    QElapsedTimer m_runClock;
};

} // namespace auditlens::fetch

Q_DECLARE_METATYPE(auditlens::fetch::FetchStats)
Q_DECLARE_METATYPE(auditlens::fetch::FetchOutcome)
Q_DECLARE_METATYPE(std::shared_ptr<const auditlens::fetch::FetchedPage>)
