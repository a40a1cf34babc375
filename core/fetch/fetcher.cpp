// SPDX-License-Identifier: MIT
#include "fetcher.h"

#include "page.h"
#include "receiver/receiver.h"
#include "source/timestamp.h"

#include <QDateTime>
#include <QDir>
#include <QLockFile>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QRandomGenerator>
#include <QTimer>
#include <QUrl>

#include <algorithm>
#include <cmath>

namespace auditlens::fetch {

namespace {

int64_t nowNs() { return QDateTime::currentMSecsSinceEpoch() * 1'000'000LL; }

/// Retry-After: delay-seconds or an HTTP date; -1 when absent or unreadable.
int retryAfterMs(const QByteArray &value)
{
    const QByteArray v = value.trimmed();
    if (v.isEmpty())
        return -1;
    bool ok = false;
    const qlonglong s = v.toLongLong(&ok);
    if (ok)
        return s < 0 ? -1 : int(std::min<qlonglong>(s, 86400) * 1000);
    const QDateTime at = QDateTime::fromString(QString::fromLatin1(v), Qt::RFC2822Date);
    if (!at.isValid())
        return -1;
    return int(std::clamp<qint64>(QDateTime::currentDateTimeUtc().msecsTo(at), 0, 86400000));
}

QString seconds(int ms) { return QString::number(ms / 1000.0, 'f', ms < 10000 ? 1 : 0) + QStringLiteral(" s"); }

} // namespace

struct Fetcher::Lock
{
    explicit Lock(const QString &path) : file(path) {}
    QLockFile file;
};

Fetcher::Fetcher(FetchOptions options, QObject *parent) : QObject(parent), m_opt(std::move(options))
{
    qRegisterMetaType<FetchStats>();
    qRegisterMetaType<FetchOutcome>();
    qRegisterMetaType<std::shared_ptr<const FetchedPage>>();
    m_nam = new QNetworkAccessManager(this);
    m_timer = new QTimer(this);
    m_timer->setSingleShot(true);
    m_timer->setTimerType(Qt::PreciseTimer); // a coarse timer may fire early, inside the rate window
    connect(m_timer, &QTimer::timeout, this, [this] {
        auto next = std::move(m_next);
        m_next = nullptr;
        if (next)
            next();
    });
}

Fetcher::~Fetcher()
{
    if (m_reply) {
        m_reply->disconnect(this);
        m_reply->abort();
    }
}

void Fetcher::start() { QMetaObject::invokeMethod(this, &Fetcher::begin, Qt::QueuedConnection); }

void Fetcher::stop()
{
    m_stopRequested = true;
    QMetaObject::invokeMethod(this, &Fetcher::checkStop, Qt::QueuedConnection);
}

void Fetcher::abort()
{
    m_stopRequested = true;
    QMetaObject::invokeMethod(
        this,
        [this] {
            m_aborting = true;
            if (m_reply)
                m_reply->abort();
            finish({});
        },
        Qt::QueuedConnection);
}

void Fetcher::checkStop()
{
    if (!m_started || m_finished)
        return;
    if (!m_reply) // waiting (back-off, rate limit, next poll): nothing half done
        finish({});
    // else: the page in flight is taken in first (onReply), then it ends
}

void Fetcher::begin()
{
    if (m_started)
        return;
    m_started = true;
    m_clock.start();
    m_runClock.start();
    const Query &q = m_opt.query;
    if (const std::string why = q.problem(); !why.empty())
        return finish(why);
    if (m_opt.token.empty())
        return finish("no API token (set CLOUDFLARE_API_TOKEN, or give a token file)");
    int64_t since = q.sinceNs;
    std::string cursor;
    m_coveredFromNs = since;
    if (!m_opt.journalDir.empty()) {
        std::string err;
        if (!QDir().mkpath(QString::fromStdString(m_opt.journalDir)))
            return finish(m_opt.journalDir + ": cannot create the journal directory");
        m_lock = std::make_unique<Lock>(QString::fromStdString(m_opt.journalDir + "/.fetch.lock"));
        if (!m_lock->file.tryLock(0))
            return finish(m_opt.journalDir + ": another fetch is writing to this journal (its lock file is .fetch.lock)");
        if (const size_t cut = repairJournalTails(m_opt.journalDir, err); cut > 0)
            emit warning(QStringLiteral("%1: cut a record torn by an interrupted write (%2 bytes; it is fetched again)")
                             .arg(QString::fromStdString(m_opt.journalDir))
                             .arg(cut));
        if (!err.empty())
            return finish(err);
        m_ids = std::make_unique<receiver::IdWindow>();
        // files of 64 MiB: opening a journal reads the IDs of one file at a time
        m_journal = std::make_unique<receiver::Journal>(m_opt.journalDir, 64LL << 20);
        if (!m_journal->open(*m_ids, err))
            return finish(err);
        m_checkpoints = std::make_unique<CheckpointFile>(m_opt.journalDir);
        if (!m_checkpoints->load(err))
            return finish(err);
        const Checkpoint *cp = m_checkpoints->find(q.key());
        if (cp && cp->hasRecords() && since >= cp->coveredFromNs && since <= cp->lastNs) {
            // the journal holds this range up to cp->lastNs: go on from there
            m_stats.resumed = true;
            m_coveredFromNs = cp->coveredFromNs;
            m_lastNs = cp->lastNs;
            m_boundary.insert(cp->boundaryIds.begin(), cp->boundaryIds.end());
            if (q.api == ApiVersion::V2 && !cp->complete && !cp->cursor.empty() && cp->rangeSinceNs == since
                && cp->rangeBeforeNs == q.beforeNs && cp->perPage == q.perPage) {
                cursor = cp->cursor; // the same range, interrupted: its next page
                m_cursorResumed = true;
            } else {
                since = cp->lastNs;
            }
        }
    }
    if (since >= q.beforeNs) { // nothing left in the range
        m_range = q;
        m_range.sinceNs = since;
        m_stats.sinceNs = since;
        m_stats.beforeNs = q.beforeNs;
        return rangeDone();
    }
    beginRange(since, q.beforeNs, cursor);
}

void Fetcher::beginRange(int64_t sinceNs, int64_t beforeNs, const std::string &cursor)
{
    m_range = m_opt.query;
    m_range.sinceNs = sinceNs;
    m_range.beforeNs = beforeNs;
    m_page = 1;
    m_cursor = cursor;
    m_previousCursor.clear();
    m_attempt = m_attempt429 = 0;
    m_emptyPagesWithCursor = 0;
    m_rangeDone = false;
    // records before the start are already delivered (a resumed start) or outside the range
    // (an API that rounds `since` down); with a resumed cursor the start is the range's own
    m_floorNs = sinceNs;
    m_stats.sinceNs = sinceNs;
    m_stats.beforeNs = beforeNs;
    m_stats.following = false;
    emit progress(m_stats);
    scheduleRequest(0, {});
}

void Fetcher::scheduleRequest(int delayMs, const QString &why)
{
    if (m_stopRequested)
        return finish({});
    QString reason = why;
    const qint64 now = m_clock.elapsed();
    while (!m_sent.empty() && m_sent.front() <= now - m_opt.rateWindowMs)
        m_sent.pop_front();
    if (int(m_sent.size()) >= m_opt.rateLimit) {
        const int wait = int(m_sent.front() + m_opt.rateWindowMs - now + 1);
        if (wait > delayMs) {
            delayMs = wait;
            reason = QStringLiteral("keeping under %1 requests per %2 minutes").arg(m_opt.rateLimit).arg(m_opt.rateWindowMs / 60000.0);
        }
    }
    if (delayMs > 0)
        emit waiting(delayMs, reason);
    m_next = [this] {
        // still inside the rate window (a timer that woke early): wait again, never send early
        const qint64 at = m_clock.elapsed();
        while (!m_sent.empty() && m_sent.front() <= at - m_opt.rateWindowMs)
            m_sent.pop_front();
        if (int(m_sent.size()) >= m_opt.rateLimit)
            return scheduleRequest(0, {});
        sendRequest();
    };
    m_timer->start(std::max(0, delayMs));
}

void Fetcher::sendRequest()
{
    if (m_stopRequested)
        return finish({});
    m_lastUrl = m_range.pageUrl(m_page, m_cursor);
    QNetworkRequest req(QUrl::fromEncoded(QByteArray::fromStdString(m_lastUrl), QUrl::StrictMode));
    req.setRawHeader("Authorization", QByteArray("Bearer ") + QByteArray::fromStdString(m_opt.token));
    req.setRawHeader("Accept", "application/json");
    req.setHeader(QNetworkRequest::UserAgentHeader, QStringLiteral("Auditlens"));
    req.setTransferTimeout(m_opt.timeoutMs);
    m_sent.push_back(m_clock.elapsed());
    ++m_stats.requests;
    QNetworkReply *reply = m_nam->get(req);
    m_reply = reply;
    connect(reply, &QNetworkReply::finished, this, [this, reply] { onReply(reply); });
}

std::string Fetcher::pageLabel() const
{
    return "page " + std::to_string(m_stats.pages + 1) + " (GET " + displayUrl(m_lastUrl) + ")";
}

void Fetcher::onReply(QNetworkReply *reply)
{
    reply->deleteLater();
    if (m_reply == reply)
        m_reply = nullptr;
    if (m_aborting || m_finished)
        return;
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status == 0) {
        const std::string what = reply->error() == QNetworkReply::OperationCanceledError
                                     ? "no answer within " + std::to_string(m_opt.timeoutMs / 1000) + " s (timed out)"
                                     : "cannot reach the API: " + reply->errorString().toStdString();
        return retry(what, 0, -1, {});
    }
    const std::string body = reply->readAll().toStdString();
    if (status >= 200 && status < 300)
        return handlePage(body);
    if (status == 429)
        return retry("rate limited (429)", 429, retryAfterMs(reply->rawHeader("Retry-After")), body);
    if (status >= 500)
        return retry("server error (" + std::to_string(status) + ")", status, -1, body);
    if (status == 400 && m_cursorResumed) {
        emit warning(QStringLiteral("the saved cursor was refused; going on from the checkpoint's time instead"));
        m_cursorResumed = false;
        return beginRange(m_lastNs, m_range.beforeNs, {});
    }
    finish(httpProblem(status, body, m_opt.query.account, m_opt.query.api) + " [" + pageLabel() + "]");
}

void Fetcher::retry(const std::string &what, int status, int raMs, const std::string &body)
{
    const bool is429 = status == 429;
    int &n = is429 ? m_attempt429 : m_attempt;
    const int max = is429 ? m_opt.max429Retries : m_opt.maxRetries;
    if (++n > max) {
        const std::string msg = (status ? httpProblem(status, body, m_opt.query.account, m_opt.query.api) : "No answer from the API: " + what)
                                + " Gave up after " + std::to_string(n) + " attempts [" + pageLabel() + "]";
        if (m_opt.follow) { // a poller rides out an outage: the next poll starts from the checkpoint
            emit warning(QString::fromStdString(msg) + QStringLiteral("; trying again at the next poll"));
            return rangeDone(false);
        }
        return finish(msg);
    }
    ++m_stats.retries;
    int delay = 0;
    if (raMs >= 0) {
        delay = std::min(raMs, m_opt.maxRetryAfterMs);
    } else {
        const double base = std::min<double>(m_opt.maxBackoffMs, m_opt.backoffMs * std::pow(2.0, n - 1));
        delay = int(base * (0.5 + QRandomGenerator::global()->generateDouble())); // ±50 % jitter
    }
    const QString why = QString::fromStdString(what) + QStringLiteral("; page %1 again in %2 (attempt %3 of %4)")
                                                             .arg(m_stats.pages + 1)
                                                             .arg(seconds(delay))
                                                             .arg(n + 1)
                                                             .arg(max + 1);
    emit warning(why);
    scheduleRequest(delay, why);
}

void Fetcher::handlePage(const std::string &body)
{
    ParsedPage pp;
    if (!parsePage(body, pp))
        return finish(pageLabel() + " is malformed: " + pp.error);
    ++m_stats.pages;
    m_attempt = m_attempt429 = 0;
    m_cursorResumed = false;

    // every record once more through the index pass: its time and ID (for the boundary) and a
    // check that it is an audit-log record at all
    size_t total = 0;
    for (const std::string &r : pp.records)
        total += r.size() + 1;
    std::string all;
    all.reserve(total + kRecordPadding);
    for (const std::string &r : pp.records) {
        all += r;
        all += '\n';
    }
    all.append(kRecordPadding, '\0');
    auto page = std::make_shared<FetchedPage>();
    page->number = m_stats.pages;
    std::string fresh;
    fresh.reserve(total);
    size_t pos = 0;
    for (size_t i = 0; i < pp.records.size(); ++i) {
        const std::string_view rec(all.data() + pos, pp.records[i].size());
        IndexedRecord ix = indexRecord(rec, all.size() - pos, ReaderLimits{}.maxDepth);
        pos += rec.size() + 1;
        if (!ix.ok) {
            ++m_stats.rejected;
            emit warning(QStringLiteral("page %1, record %2: %3 (left out)").arg(m_stats.pages).arg(i + 1).arg(QString::fromStdString(ix.error)));
            continue;
        }
        const bool timed = ix.time != kNoTime;
        bool dup = false;
        if (timed && ix.time < m_floorNs)
            dup = true; // before the (resumed) start
        else if (timed && ix.time == m_lastNs && !ix.id.empty() && m_boundary.count(ix.id))
            dup = true; // `since` is inclusive: the boundary record again
        if (timed && ix.time >= m_floorNs) { // the boundary moves on with every record of the range
            if (ix.time > m_lastNs) {
                m_lastNs = ix.time;
                m_boundary.clear();
            }
            if (ix.time == m_lastNs && !ix.id.empty())
                m_boundary.insert(ix.id);
        }
        if (!dup && m_ids && !ix.id.empty() && !m_ids->insert(receiver::IdKey::of(ix.id)))
            dup = true; // already in the journal (an earlier run, another query)
        if (dup) {
            ++m_stats.duplicates;
            continue;
        }
        page->block.spans.push_back({uint32_t(fresh.size()), uint32_t(rec.size()), uint64_t(page->records.size() + 1)});
        fresh.append(rec);
        fresh += '\n';
        page->records.push_back(std::move(ix));
    }
    all.clear();
    all.shrink_to_fit();

    // where the next page starts
    bool last = false;
    if (m_range.api == ApiVersion::V1) {
        last = pp.resultCount < size_t(m_range.perPage);
        if (!last)
            ++m_page;
    } else {
        last = pp.cursor.empty();
        if (!last && (pp.cursor == m_cursor || pp.cursor == m_previousCursor))
            return finish(pageLabel() + " is malformed: it gives the cursor of the page before (the paging would never end)");
        if (!last && pp.resultCount == 0 && ++m_emptyPagesWithCursor > 100)
            return finish(pageLabel() + " is malformed: more than 100 empty pages in a row, each with a cursor");
        if (pp.resultCount)
            m_emptyPagesWithCursor = 0;
        m_previousCursor = m_cursor;
        m_cursor = last ? std::string() : pp.cursor;
    }

    // on disk (synced) and checkpointed before anyone hears of it
    if (m_journal) {
        std::string err;
        if (!fresh.empty() && (!m_journal->write(fresh, false, err) || !m_journal->sync(err)))
            return finish("journal " + m_opt.journalDir + ": " + err + " (" + pageLabel() + " was not stored)");
        if (!saveCheckpoint(last))
            return;
    }
    m_stats.records += page->records.size();
    m_stats.lastNs = m_lastNs;
    const double secs = std::max(0.001, m_runClock.elapsed() / 1000.0);
    m_stats.recordsPerSecond = double(m_stats.records + m_stats.duplicates) / secs;
    page->block.dataLen = fresh.size();
    page->block.data = std::make_shared<const std::string>(std::move(fresh));
    if (!page->records.empty())
        emit pageFetched(page);
    emit progress(m_stats);
    if (last)
        return rangeDone();
    scheduleRequest(0, {});
}

bool Fetcher::saveCheckpoint(bool complete)
{
    if (!m_checkpoints)
        return true;
    Checkpoint cp;
    cp.key = m_opt.query.key();
    cp.coveredFromNs = m_coveredFromNs;
    cp.lastNs = m_lastNs;
    cp.boundaryIds.assign(m_boundary.begin(), m_boundary.end());
    std::sort(cp.boundaryIds.begin(), cp.boundaryIds.end());
    cp.rangeSinceNs = m_range.sinceNs;
    cp.rangeBeforeNs = m_range.beforeNs;
    cp.perPage = m_range.perPage;
    cp.cursor = complete ? std::string() : m_cursor;
    cp.nextPage = complete ? 0 : m_page;
    cp.complete = complete;
    if (!m_lastNsSaved && cp.lastNs == INT64_MIN)
        return true; // nothing in the range yet: nothing to resume from
    std::string err;
    if (!m_checkpoints->save(cp, err)) {
        finish(err);
        return false;
    }
    m_lastNsSaved = true;
    return true;
}

void Fetcher::rangeDone(bool complete)
{
    if (complete) {
        m_rangeDone = true;
        if (m_journal && !saveCheckpoint(true))
            return;
    }
    if (!m_opt.follow)
        return finish({});
    if (m_stopRequested)
        return finish({});
    m_stats.following = true;
    emit progress(m_stats);
    emit waiting(m_opt.intervalMs, QStringLiteral("next poll"));
    m_next = [this] {
        const int64_t since = m_lastNs != INT64_MIN ? std::max(m_lastNs, m_opt.query.sinceNs) : m_range.sinceNs;
        const int64_t before = std::max(nowNs(), since + 1);
        m_attempt = m_attempt429 = 0;
        beginRange(since, before, {});
    };
    m_timer->start(m_opt.intervalMs);
}

void Fetcher::finish(std::string error)
{
    if (m_finished)
        return;
    m_finished = true;
    m_timer->stop();
    m_next = nullptr;
    if (m_reply) {
        m_reply->disconnect(this);
        m_reply->abort();
        m_reply = nullptr;
    }
    FetchOutcome out;
    out.error = std::move(error);
    out.stopped = m_stopRequested;
    out.complete = out.error.empty() && (m_rangeDone || m_opt.follow); // a follow run stopped cleanly is whole
    m_stats.lastNs = m_lastNs;
    m_stats.following = false;
    out.stats = m_stats;
    m_journal.reset();
    m_lock.reset();
    emit finished(out);
}

} // namespace auditlens::fetch
