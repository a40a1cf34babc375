// SPDX-License-Identifier: MIT
#include "forwarder.h"

#include "receiver/journal.h"
#include "source/bytesource.h"
#include "store/eventstore.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <QThread>

#include <algorithm>
#include <charconv>
#include <climits>
#include <cstring>

namespace auditlens::clickhouse {

// --- the checkpoint -----------------------------------------------------------------------

std::string forwardCheckpointPath(const std::string &journalDir, const std::string &destination)
{
    const QByteArray h = QCryptographicHash::hash(QByteArray::fromStdString(destination), QCryptographicHash::Sha1).toHex().left(12);
    return journalDir + "/.clickhouse-" + h.toStdString() + ".checkpoint";
}

namespace {

const char *const kCheckpointMagic = "auditlens clickhouse forward checkpoint 1";

std::string baseName(const std::string &path)
{
    const size_t slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

} // namespace

bool loadForwardCheckpoint(const std::string &path, ForwardCheckpoint &out, std::string &error)
{
    out = ForwardCheckpoint{};
    QFile f(QString::fromStdString(path));
    if (!f.exists())
        return true;
    if (!f.open(QIODevice::ReadOnly)) {
        error = path + ": cannot read the forwarding checkpoint: " + f.errorString().toStdString();
        return false;
    }
    const QByteArray all = f.read(1 << 16);
    const QList<QByteArray> lines = all.split('\n');
    bool magic = false, haveOffset = false;
    for (int i = 0; i < lines.size(); ++i) {
        const QByteArray line = lines[i].trimmed();
        if (line.isEmpty())
            continue;
        if (i == 0) {
            magic = line == kCheckpointMagic;
            if (!magic)
                break;
            continue;
        }
        const int eq = line.indexOf('=');
        const std::string key = line.left(eq).toStdString(), value = eq < 0 ? std::string() : line.mid(eq + 1).toStdString();
        bool ok = eq > 0;
        if (key == "destination")
            out.destination = value;
        else if (key == "file")
            ok = ok && value.find('/') == std::string::npos, out.file = value;
        else if (key == "offset")
            ok = ok && readNumber(value, out.offset) && out.offset >= 0, haveOffset = true;
        else if (key == "forwarded")
            ok = ok && readNumber(value, out.forwarded);
        if (!ok) {
            error = path + ":" + std::to_string(i + 1) + ": unreadable forwarding checkpoint line '" + line.left(80).toStdString()
                + "' (remove the file to forward the whole journal again; copies collapse by ID)";
            return false;
        }
    }
    if (!magic || (!out.file.empty() && !haveOffset)) {
        error = path + ": not a forwarding checkpoint of this version (remove the file to forward the whole journal again; "
                       "copies collapse by ID)";
        return false;
    }
    return true;
}

bool saveForwardCheckpoint(const std::string &path, const ForwardCheckpoint &cp, std::string &error)
{
    QSaveFile f(QString::fromStdString(path));
    if (!f.open(QIODevice::WriteOnly)) {
        error = path + ": cannot write the forwarding checkpoint: " + f.errorString().toStdString();
        return false;
    }
    const std::string text = std::string(kCheckpointMagic) + "\ndestination=" + cp.destination + "\nfile=" + cp.file
        + "\noffset=" + std::to_string(cp.offset) + "\nforwarded=" + std::to_string(cp.forwarded) + "\n";
    f.write(text.data(), qint64(text.size()));
    if (!f.commit()) { // written to a temporary file, synced, renamed over the old one
        error = path + ": cannot write the forwarding checkpoint: " + f.errorString().toStdString();
        return false;
    }
    return true;
}

// --- the journal --------------------------------------------------------------------------

JournalTail::JournalTail(std::string dir, std::string destination)
    : m_dir(std::move(dir)), m_cpPath(forwardCheckpointPath(m_dir, destination))
{
    m_cp.destination = std::move(destination);
}

bool JournalTail::open(std::string &error)
{
    std::lock_guard lock(m_mutex);
    ForwardCheckpoint cp;
    if (!loadForwardCheckpoint(m_cpPath, cp, error))
        return false;
    cp.destination = m_cp.destination;
    m_cp = cp;
    m_scanFile = m_cp.file;
    m_scanOffset = m_cp.offset;
    m_scanned = 0;
    return true;
}

void JournalTail::setDurable(const std::string &file, int64_t bytes)
{
    // the journal thread: only this small lock, never the one held while files are read
    std::string name = baseName(file);
    std::lock_guard lock(m_markMutex);
    m_mark.has = true;
    m_mark.file = std::move(name);
    m_mark.bytes = bytes;
}

void JournalTail::markAllDurable()
{
    const std::vector<std::string> files = receiver::journalFiles(m_dir);
    Mark m;
    m.has = true;
    m.file = files.empty() ? std::string() : baseName(files.back());
    m.bytes = files.empty() ? 0 : QFileInfo(QString::fromStdString(files.back())).size();
    std::lock_guard lock(m_markMutex);
    m_mark = std::move(m);
}

std::vector<std::pair<std::string, int64_t>> JournalTail::readable()
{
    std::vector<std::pair<std::string, int64_t>> out;
    {
        std::lock_guard lock(m_markMutex);
        m_markFile = m_mark.has ? m_mark.file : std::string();
        m_markBytes = m_mark.bytes;
    }
    if (m_markFile.empty())
        return out;
    for (const std::string &path : receiver::journalFiles(m_dir)) {
        const std::string name = baseName(path);
        if (name < m_cp.file || name > m_markFile)
            continue;
        const int64_t size = QFileInfo(QString::fromStdString(path)).size();
        out.emplace_back(name, name == m_markFile ? std::min(size, m_markBytes) : size);
    }
    return out;
}

void JournalTail::scan(const std::vector<std::pair<std::string, int64_t>> &files)
{
    // counts the line ends from the scanned position to the durable end, once each
    for (const auto &[name, limit] : files) {
        if (name < m_scanFile)
            continue;
        int64_t from = name == m_scanFile ? m_scanOffset : 0;
        if (from >= limit) {
            m_scanFile = name;
            m_scanOffset = std::max(from, int64_t(0));
            continue;
        }
        QFile f(QString::fromStdString(m_dir + "/" + name));
        if (!f.open(QIODevice::ReadOnly) || !f.seek(from))
            return;
        std::string buf(1 << 20, '\0');
        int64_t lastEnd = from;
        while (from < limit) {
            const qint64 n = f.read(buf.data(), std::min<qint64>(qint64(buf.size()), limit - from));
            if (n <= 0)
                break;
            for (const char *p = buf.data(), *e = buf.data() + n; (p = static_cast<const char *>(std::memchr(p, '\n', size_t(e - p))));) {
                ++m_scanned;
                ++p;
                lastEnd = from + (p - buf.data());
            }
            from += n;
        }
        m_scanFile = name;
        m_scanOffset = lastEnd; // a torn record at the end is counted once it is whole
    }
}

bool JournalTail::next(size_t maxRecords, size_t maxBytes, ForwardChunk &out, std::string &error)
{
    std::lock_guard lock(m_mutex);
    out = ForwardChunk{};
    const auto files = readable(); // one view of the mark for the count and the read
    scan(files);
    for (const auto &[name, limit] : files) {
        const int64_t from = name == m_cp.file ? m_cp.offset : 0;
        if (from >= limit)
            continue; // read to its durable end (a later file follows, or nothing yet)
        const std::string path = m_dir + "/" + name;
        // up to maxBytes, or up to the durable end when one record is larger
        std::string text;
        const int64_t want = std::min<int64_t>(limit - from, int64_t(maxBytes));
        if (!readFileRange(path, uint64_t(from), size_t(want), text, error)) {
            error = path + ": " + error;
            return false;
        }
        size_t cut = text.rfind('\n');
        if (cut == std::string::npos && want < limit - from) {
            // one record larger than maxBytes: it goes alone
            if (!readFileRange(path, uint64_t(from), size_t(limit - from), text, error)) {
                error = path + ": " + error;
                return false;
            }
            cut = text.find('\n');
        }
        if (cut == std::string::npos) {
            if (name != m_markFile)
                continue; // a record torn by a crash at the end of a finished file: never whole
            return true;  // a record not yet whole: later
        }
        // at most maxRecords lines
        size_t end = 0, n = 0;
        for (size_t p = 0; n < maxRecords && (p = text.find('\n', end)) != std::string::npos && p <= cut;) {
            end = p + 1;
            ++n;
        }
        text.resize(end);
        out.label = path;
        out.text = std::move(text);
        out.records = n;
        out.file = name;
        out.end = from + int64_t(end);
        return true;
    }
    return true;
}

bool JournalTail::commit(const ForwardChunk &c, std::string &error)
{
    std::lock_guard lock(m_mutex);
    if (c.file.empty())
        return true;
    m_cp.file = c.file;
    m_cp.offset = c.end;
    m_cp.forwarded += c.records;
    m_scanned -= std::min(m_scanned, c.records);
    return saveForwardCheckpoint(m_cpPath, m_cp, error);
}

uint64_t JournalTail::behind()
{
    std::lock_guard lock(m_mutex);
    scan(readable());
    return m_scanned;
}

// --- pages in memory ----------------------------------------------------------------------

void PageQueue::add(std::string label, std::string ndjson, uint64_t records)
{
    if (records == 0)
        return;
    if (!ndjson.empty() && ndjson.back() != '\n')
        ndjson += '\n';
    std::lock_guard lock(m_mutex);
    ForwardChunk c;
    c.label = std::move(label);
    c.text = std::move(ndjson);
    c.records = records;
    m_queued += records;
    m_queue.push_back(std::move(c));
}

bool PageQueue::next(size_t maxRecords, size_t maxBytes, ForwardChunk &out, std::string &)
{
    std::lock_guard lock(m_mutex);
    out = ForwardChunk{};
    // whole pages, several together while they fit (a page larger than the limits goes alone)
    size_t taken = 0;
    for (const ForwardChunk &c : m_queue) {
        if (taken && (out.records + c.records > maxRecords || out.text.size() + c.text.size() > maxBytes || c.label != out.label))
            break;
        if (!taken)
            out.label = c.label;
        out.text += c.text;
        out.records += c.records;
        ++taken;
    }
    out.end = int64_t(taken); // pages to drop on commit
    return true;
}

bool PageQueue::commit(const ForwardChunk &c, std::string &)
{
    std::lock_guard lock(m_mutex);
    for (int64_t i = 0; i < c.end && !m_queue.empty(); ++i) {
        m_queued -= m_queue.front().records;
        m_queue.pop_front();
    }
    return true;
}

uint64_t PageQueue::behind()
{
    std::lock_guard lock(m_mutex);
    return m_queued;
}

// --- the forwarder ------------------------------------------------------------------------

Forwarder::Forwarder(Endpoint ep, TrailTable table, ForwardSource *source, ForwardOptions opts, QObject *parent)
    : QObject(parent), m_ep(std::move(ep)), m_table(std::move(table)), m_source(source), m_opts(opts)
{
    m_opts.batchRows = std::max<size_t>(1, m_opts.batchRows);
    m_opts.batchBytes = std::max<size_t>(1, m_opts.batchBytes);
}

Forwarder::~Forwarder() = default;

QString Forwarder::destination() const
{
    return QString::fromUtf8(m_table.qualified()) + QStringLiteral(" on ") + displayUrl(m_ep.url);
}

ForwardStats Forwarder::stats() const
{
    std::lock_guard lock(m_statsMutex);
    return m_stats;
}

void Forwarder::start()
{
    if (m_started)
        return;
    m_started = true;
    m_client = new Client(m_ep, this); // on this thread: its network manager lives here
    m_poll = new QTimer(this);
    m_poll->setInterval(std::max(10, m_opts.pollMs));
    connect(m_poll, &QTimer::timeout, this, [this] {
        updateBehind();
        if (!m_next->isActive())
            step();
    });
    m_poll->start();
    m_next = new QTimer(this);
    m_next->setSingleShot(true);
    connect(m_next, &QTimer::timeout, this, &Forwarder::step);
    updateBehind();
    schedule(0);
}

void Forwarder::poke()
{
    QMetaObject::invokeMethod(this, [this] {
        if (m_started && !m_stopped && !m_shipper && !m_next->isActive())
            schedule(m_opts.lingerMs);
    }, Qt::QueuedConnection);
}

void Forwarder::drain()
{
    QMetaObject::invokeMethod(this, [this] {
        m_draining = true;
        if (m_gaveUp)
            emit drained(false); // it had given up already
        else if (m_started && !m_shipper && !m_stopped)
            schedule(0);
    }, Qt::QueuedConnection);
}

void Forwarder::stop()
{
    auto halt = [this] {
        m_stopped = true;
        if (m_poll)
            m_poll->stop();
        if (m_next)
            m_next->stop();
        delete m_shipper; // its inserts are dropped; the run stays in the source
        delete m_client;  // on its own thread, with its network manager
        m_client = nullptr;
    };
    if (QThread::currentThread() == thread() || !thread()->isRunning())
        halt();
    else
        QMetaObject::invokeMethod(this, halt, Qt::BlockingQueuedConnection);
}

void Forwarder::schedule(int delayMs)
{
    if (m_stopped || m_shipper)
        return;
    m_next->start(std::max(0, delayMs));
}

void Forwarder::updateBehind()
{
    const uint64_t b = m_source->behind();
    std::lock_guard lock(m_statsMutex);
    m_stats.behind = b;
}

void Forwarder::step()
{
    if (m_stopped || m_shipper)
        return;
    if (!m_haveChunk) {
        std::string error;
        ForwardChunk c;
        if (!m_source->next(m_opts.batchRows, m_opts.batchBytes, c, error)) {
            {
                std::lock_guard lock(m_statsMutex);
                m_stats.lastError = error;
            }
            emit problem(QString::fromStdString(error));
            if (m_draining)
                return fail(error);
            return schedule(m_opts.maxBackoffMs);
        }
        updateBehind();
        if (c.records == 0) {
            if (m_draining) {
                m_stopped = true;
                m_poll->stop();
                emit drained(true);
            }
            return;
        }
        // the records as the store reads them (the same columns and IDs as `ship`)
        EventStore store;
        EventStore::LoadOptions lo;
        lo.threads = 1;
        const std::string label = c.label;
        store.load(SourceSpec::memory(label, c.text), lo);
        m_snap = store.snapshot();
        {
            std::lock_guard lock(m_statsMutex);
            m_stats.rejected += store.rejectedCount();
        }
        m_chunk = std::move(c);
        m_chunk.text.clear();
        m_chunk.text.shrink_to_fit();
        m_haveChunk = true;
    }
    if (m_snap.size() == 0)
        return onShipped(true);
    shipChunk();
}

void Forwarder::shipChunk()
{
    ShipOptions so;
    so.batchRows = std::max<size_t>(m_opts.batchRows, m_snap.size());
    so.inFlight = 1;
    so.backoffMs = m_opts.backoffMs;
    so.maxBackoffMs = m_opts.maxBackoffMs;
    so.retryForMs = m_opts.retryForMs > 0 ? m_opts.retryForMs : INT_MAX;
    auto *s = new Shipper(m_client, m_table, m_snap, so, this);
    m_shipper = s;
    connect(s, &Shipper::retrying, this, [this](const QString &error, int delayMs) {
        {
            std::lock_guard lock(m_statsMutex);
            ++m_stats.retries;
            m_stats.failing = true;
            m_stats.lastError = error.toStdString();
        }
        emit retrying(error, delayMs);
    });
    connect(s, &Shipper::finished, this, &Forwarder::onShipped);
    s->start();
}

void Forwarder::onShipped(bool ok)
{
    std::string error;
    if (m_shipper) {
        error = m_shipper->outcome().error;
        m_shipper->deleteLater();
        m_shipper = nullptr;
    }
    if (m_stopped)
        return;
    if (!ok) {
        {
            std::lock_guard lock(m_statsMutex);
            m_stats.failing = true;
            m_stats.lastError = error;
        }
        if (m_opts.giveUpOnRefusal)
            return fail(error);
        // refused (credentials, missing table, ...): the journal keeps the records; try again
        // later, the same run, in case the server is put right
        {
            std::lock_guard lock(m_statsMutex);
            ++m_stats.retries;
        }
        emit retrying(QString::fromStdString(error), m_opts.maxBackoffMs);
        return schedule(m_opts.maxBackoffMs);
    }
    std::string cpError;
    const bool saved = m_source->commit(m_chunk, cpError);
    const uint64_t behind = m_source->behind();
    uint64_t total = 0;
    {
        std::lock_guard lock(m_statsMutex);
        m_stats.forwarded += m_snap.size();
        ++m_stats.runs;
        m_stats.failing = false;
        m_stats.behind = behind;
        total = m_stats.forwarded;
    }
    m_haveChunk = false;
    m_snap = Snapshot{};
    if (!saved)
        emit problem(QString::fromStdString(cpError + " (the records are in ClickHouse; after a restart they are sent again)"));
    emit forwarded(total, behind);
    schedule(0); // the next run at once: a backlog goes out back to back
}

void Forwarder::fail(const std::string &error)
{
    m_stopped = true;
    m_gaveUp = true;
    if (m_poll)
        m_poll->stop();
    if (m_next)
        m_next->stop();
    {
        std::lock_guard lock(m_statsMutex);
        m_stats.failing = true;
        m_stats.lastError = error;
    }
    emit drained(false);
}

} // namespace auditlens::clickhouse
