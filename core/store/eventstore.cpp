// SPDX-License-Identifier: MIT
#include "eventstore.h"
#include "util/ascii.h"
#include "textsearch.h"

#include "source/bytesource.h"

#include <simdjson.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>
#include <future>
#include <thread>

namespace auditlens {

static_assert(kRecordPadding >= simdjson::SIMDJSON_PADDING);

const char *columnName(Column c)
{
    switch (c) {
    case Column::Actor: return "actor";
    case Column::Action: return "action";
    case Column::ResourceType: return "resource type";
    case Column::ActorType: return "actor type";
    case Column::Interface: return "interface";
    case Column::SourceIp: return "source IP";
    case Column::Account: return "account";
    case Column::Source: return "source";
    }
    return "?";
}

const char *schemaName(Schema s)
{
    switch (s) {
    case Schema::V1: return "audit_logs";
    case Schema::V2: return "audit_logs_v2";
    case Schema::Unknown: break;
    }
    return "unknown";
}

// ------------------------------------------------------------------------------------------
// StringDict

StringDict::StringDict()
{
    m_offsets = {0, 0}; // id 0: ""
    m_table.assign(1024, 0);
    const size_t h = std::hash<std::string_view>{}(std::string_view());
    m_table[h & (m_table.size() - 1)] = 1;
}

std::string_view StringDict::viewLocked(uint32_t id) const
{
    return std::string_view(m_arena.data() + m_offsets[id], size_t(m_offsets[id + 1] - m_offsets[id]));
}

uint32_t StringDict::findLocked(std::string_view s, size_t hash) const
{
    const size_t mask = m_table.size() - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
        const uint32_t slot = m_table[i];
        if (slot == 0)
            return UINT32_MAX;
        if (viewLocked(slot - 1) == s)
            return slot - 1;
    }
}

void StringDict::growLocked()
{
    std::vector<uint32_t> table(m_table.size() * 2, 0);
    const size_t mask = table.size() - 1;
    const size_t n = m_offsets.size() - 1;
    for (uint32_t id = 0; id < n; ++id) {
        size_t i = std::hash<std::string_view>{}(viewLocked(id)) & mask;
        while (table[i])
            i = (i + 1) & mask;
        table[i] = id + 1;
    }
    m_table.swap(table);
}

uint32_t StringDict::intern(std::string_view s)
{
    const size_t h = std::hash<std::string_view>{}(s);
    {
        std::shared_lock lock(m_mutex);
        const uint32_t id = findLocked(s, h);
        if (id != UINT32_MAX)
            return id;
    }
    std::unique_lock lock(m_mutex);
    const uint32_t found = findLocked(s, h);
    if (found != UINT32_MAX)
        return found;
    const auto id = uint32_t(m_offsets.size() - 1);
    m_arena.append(s);
    m_offsets.push_back(m_arena.size());
    if ((m_offsets.size() - 1) * 2 > m_table.size())
        growLocked();
    else {
        const size_t mask = m_table.size() - 1;
        size_t i = h & mask;
        while (m_table[i])
            i = (i + 1) & mask;
        m_table[i] = id + 1;
    }
    return id;
}

std::string StringDict::at(uint32_t id) const
{
    std::shared_lock lock(m_mutex);
    return id + 1 < m_offsets.size() ? std::string(viewLocked(id)) : std::string();
}

std::optional<uint32_t> StringDict::find(std::string_view s) const
{
    std::shared_lock lock(m_mutex);
    const uint32_t id = findLocked(s, std::hash<std::string_view>{}(s));
    if (id == UINT32_MAX)
        return std::nullopt;
    return id;
}

size_t StringDict::size() const
{
    std::shared_lock lock(m_mutex);
    return m_offsets.size() - 1;
}

// ------------------------------------------------------------------------------------------
// Snapshot

std::pair<const Segment *, size_t> Snapshot::locate(size_t row) const
{
    auto it = std::upper_bound(m_starts.begin(), m_starts.end(), row);
    const size_t si = size_t(it - m_starts.begin()) - 1;
    return {m_segments[si].get(), row - m_starts[si]};
}

int64_t Snapshot::time(size_t row) const { auto [s, i] = locate(row); return s->time[i]; }
uint32_t Snapshot::id(size_t row, Column c) const
{
    auto [s, i] = locate(row);
    return c == Column::Source ? s->sourceLabelId : s->cols[size_t(c)][i];
}
Result Snapshot::result(size_t row) const { auto [s, i] = locate(row); return Result(s->result[i]); }
Schema Snapshot::schema(size_t row) const { auto [s, i] = locate(row); return Schema(s->schema[i]); }
uint64_t Snapshot::line(size_t row) const { auto [s, i] = locate(row); return s->line[i]; }
std::string Snapshot::value(size_t row, Column c) const { return dict(c).at(id(row, c)); }

std::string Snapshot::raw(size_t row, std::string *error) const
{
    auto [s, i] = locate(row);
    if (!s->fileBacked)
        return s->memory->substr(s->pos[i], s->len[i]);
    std::string out, err;
    if (!readFileRange(source(s->sourceId).path, s->streamOffset + s->pos[i], s->len[i], out, err)) {
        if (error)
            *error = source(s->sourceId).label + ": " + err;
        return {};
    }
    return out;
}

// ------------------------------------------------------------------------------------------
// EventStore

struct EventStore::Impl
{
    mutable std::mutex mutex; // guards segments, starts, rows, rejected, sources
    std::vector<std::shared_ptr<const Segment>> segments;
    std::vector<size_t> starts;
    size_t rows = 0;
    std::shared_ptr<std::array<std::unique_ptr<StringDict>, kColumnCount>> dicts;
    std::shared_ptr<std::deque<SourceInfo>> sources;
    std::vector<Diagnostic> rejected;
    std::mutex loadMutex; // one load at a time keeps record order per load

    Impl() { reset(); }
    void reset()
    {
        dicts = std::make_shared<std::array<std::unique_ptr<StringDict>, kColumnCount>>();
        for (auto &p : *dicts)
            p = std::make_unique<StringDict>();
        sources = std::make_shared<std::deque<SourceInfo>>();
        segments.clear();
        starts.clear();
        rows = 0;
        rejected.clear();
    }
};

EventStore::EventStore() : d(std::make_unique<Impl>()) {}
EventStore::~EventStore() = default;

Snapshot EventStore::snapshot() const
{
    std::lock_guard lock(d->mutex);
    Snapshot s;
    s.m_segments = d->segments;
    s.m_starts = d->starts;
    s.m_rows = d->rows;
    s.m_dicts = d->dicts;
    s.m_sources = d->sources;
    return s;
}

std::vector<Diagnostic> EventStore::rejected() const
{
    std::lock_guard lock(d->mutex);
    return d->rejected;
}

size_t EventStore::rejectedCount() const
{
    std::lock_guard lock(d->mutex);
    return d->rejected.size();
}

void EventStore::clear()
{
    std::lock_guard l1(d->loadMutex);
    std::lock_guard lock(d->mutex);
    d->reset();
}

/// A block with the index pass's result for each of its records (recs[i] is spans[i]'s).
struct Indexed
{
    Block block;
    std::vector<IndexedRecord> recs;
};

namespace {

Indexed indexBlock(Block &&b, int maxDepth)
{
    Indexed out;
    out.recs.reserve(b.spans.size());
    const size_t cap = b.data->size();
    for (const RecordSpan &sp : b.spans)
        out.recs.push_back(indexRecord(std::string_view(b.data->data() + sp.pos, sp.len), cap - sp.pos, maxDepth));
    out.block = std::move(b);
    return out;
}

} // namespace

/// One source being appended: registers it, turns indexed blocks into segments, records its
/// summary at the end.
struct EventStore::Ingest
{
    Impl &d;
    std::string label;
    std::function<void(const Diagnostic &)> diags;
    std::function<void(uint64_t, size_t)> progress;
    uint32_t sourceId = 0, sourceLabelId = 0;
    uint64_t bytesSeen = 0, indexErrors = 0;
    size_t rowsAdded = 0;
    bool columns = true;

    Ingest(Impl &impl, std::string sourceLabel, const std::string &path, std::function<void(const Diagnostic &)> onDiag)
        : d(impl), label(std::move(sourceLabel)), diags(std::move(onDiag))
    {
        std::lock_guard lock(d.mutex);
        // sources is shared with snapshots: copy on write
        auto copy = std::make_shared<std::deque<SourceInfo>>(*d.sources);
        copy->push_back(SourceInfo{label, path, false, {}, nullptr});
        sourceId = uint32_t(copy->size() - 1);
        d.sources = copy;
        sourceLabelId = (*d.dicts)[size_t(Column::Source)]->intern(label);
    }

    void report(Diagnostic &&dg)
    {
        if (diags)
            diags(dg);
        if (dg.severity == Diagnostic::Severity::Error) {
            std::lock_guard lock(d.mutex);
            d.rejected.push_back(std::move(dg));
        }
    }

    void merge(Indexed &&ix)
    {
        auto seg = std::make_shared<Segment>();
        seg->sourceId = sourceId;
        seg->sourceLabelId = sourceLabelId;
        seg->fileBacked = ix.block.fileBacked;
        seg->streamOffset = ix.block.streamOffset;
        if (!seg->fileBacked)
            seg->memory = ix.block.data;
        const size_t n = ix.recs.size();
        seg->time.reserve(n);
        for (auto &c : seg->cols)
            c.reserve(n);
        std::array<std::unordered_map<std::string, uint32_t>, kColumnCount> cache;
        for (size_t i = 0; i < n; ++i) {
            IndexedRecord &r = ix.recs[i];
            const RecordSpan &sp = ix.block.spans[i];
            if (!r.ok) {
                ++indexErrors;
                report(Diagnostic{Diagnostic::Severity::Error, label, sp.line, ix.block.streamOffset + sp.pos + r.errorAt,
                                  r.error + (r.errorAt ? " (at byte " + std::to_string(r.errorAt) + " of the record)" : std::string()) + "; skipped"});
                continue;
            }
            if (!r.timeWarning.empty())
                report(Diagnostic{Diagnostic::Severity::Warning, label, sp.line, ix.block.streamOffset + sp.pos, r.timeWarning});
            seg->time.push_back(r.time);
            for (size_t c = 0; columns && c < kColumnCount; ++c) {
                uint32_t id = 0;
                if (c == size_t(Column::Source))
                    id = sourceLabelId;
                else if (!r.values[c].empty()) {
                    auto it = cache[c].find(r.values[c]);
                    if (it != cache[c].end())
                        id = it->second;
                    else {
                        id = (*d.dicts)[c]->intern(r.values[c]);
                        cache[c].emplace(r.values[c], id);
                    }
                }
                seg->cols[c].push_back(id);
            }
            seg->result.push_back(uint8_t(r.result));
            seg->schema.push_back(uint8_t(r.schema));
            seg->line.push_back(sp.line);
            seg->pos.push_back(sp.pos);
            seg->len.push_back(sp.len);
        }
        bytesSeen = ix.block.streamOffset + ix.block.dataLen;
        if (seg->size() == 0)
            return;
        rowsAdded += seg->size();
        if (!columns)
            for (auto &c : seg->cols)
                c.assign(seg->size(), 0);
        seg->cols[size_t(Column::Source)].clear();
        seg->cols[size_t(Column::Source)].shrink_to_fit();
        {
            std::lock_guard lock(d.mutex);
            d.starts.push_back(d.rows);
            d.rows += seg->size();
            d.segments.push_back(std::move(seg));
        }
        if (progress)
            progress(bytesSeen, rowsAdded);
    }

    /// The reader's summary with the index pass's rejections counted in; kept with the source.
    ReadSummary finish(ReadSummary summary, std::shared_ptr<const MappedFile> mapped = nullptr)
    {
        summary.errors += indexErrors;
        summary.records -= std::min<uint64_t>(summary.records, indexErrors);
        std::lock_guard lock(d.mutex);
        auto copy = std::make_shared<std::deque<SourceInfo>>(*d.sources);
        (*copy)[sourceId].fileBacked = summary.fileBacked;
        (*copy)[sourceId].summary = summary;
        (*copy)[sourceId].mapped = std::move(mapped);
        d.sources = copy;
        return summary;
    }
};

ReadSummary EventStore::load(const SourceSpec &spec, const LoadOptions &opts,
                             const std::function<void(const Diagnostic &)> &diags)
{
    std::lock_guard loadLock(d->loadMutex);
    Ingest in(*d, spec.label, spec.kind == SourceSpec::Kind::File ? spec.path : std::string(), diags);
    in.progress = opts.progress;
    in.columns = opts.columns;
    const unsigned threads = opts.threads ? opts.threads : std::max(1u, std::thread::hardware_concurrency());
    std::deque<std::future<Indexed>> inflight;
    const int maxDepth = opts.limits.maxDepth;
    SourceReader reader(opts.limits);
    auto blockSink = [&](Block &&b) {
        if (threads <= 1) {
            in.merge(indexBlock(std::move(b), maxDepth));
            return;
        }
        inflight.push_back(std::async(std::launch::async, [blk = std::move(b), maxDepth]() mutable {
            return indexBlock(std::move(blk), maxDepth);
        }));
        while (inflight.size() > threads) {
            in.merge(inflight.front().get());
            inflight.pop_front();
        }
    };
    const ReadSummary read = reader.read(spec, blockSink, [&](Diagnostic &&dg) { in.report(std::move(dg)); }, opts.cancel);
    while (!inflight.empty()) {
        in.merge(inflight.front().get());
        inflight.pop_front();
    }
    std::shared_ptr<const MappedFile> mapped;
    if (opts.mapFiles && read.fileBacked && !(opts.cancel && opts.cancel->load())) {
        std::string why; // without a mapping, searches read the file instead
        mapped = MappedFile::open(spec.path, true, why);
    }
    return in.finish(read, std::move(mapped));
}

ReadSummary EventStore::appendIndexed(const std::string &label, Block block, std::vector<IndexedRecord> recs,
                                      const std::function<void(const Diagnostic &)> &diags)
{
    std::lock_guard loadLock(d->loadMutex);
    Ingest in(*d, label, std::string(), diags);
    ReadSummary read;
    read.format = InputFormat::Ndjson;
    read.opened = true;
    read.records = recs.size();
    read.bytesRead = block.dataLen;
    in.merge(Indexed{std::move(block), std::move(recs)});
    return in.finish(read);
}

// ------------------------------------------------------------------------------------------
// Filtering

namespace {

/// Sets hit[i] for the rows [0, n) of `s` whose raw record contains `needle` (lower case).
/// A file mapped at load is scanned in place. Otherwise file-backed records are read about 256 KiB at a time, cut at record boundaries, so that they
/// are scanned while still in the cache they were copied to. Unreadable bytes (the file
/// changed on disk) give no hits.
void segmentTextHits(const Snapshot &snap, const Segment &s, size_t n, const std::string &needle, FileRangeReader &file,
                     std::string &buf, uint8_t *hit)
{
    if (!s.fileBacked) {
        markRecordsContaining(*s.memory, 0, s.pos.data(), s.len.data(), n, needle, hit);
        return;
    }
    if (n == 0)
        return;
    const uint64_t segEnd = s.streamOffset + s.pos[n - 1] + s.len[n - 1];
    if (const MappedFile *map = snap.source(s.sourceId).mapped.get(); map && map->size() >= segEnd) {
        struct Job
        {
            std::string_view bytes;
            const Segment *s;
            size_t n;
            const std::string *needle;
            uint8_t *hit;
        } job{std::string_view(map->data() + s.streamOffset, size_t(segEnd - s.streamOffset)), &s, n, &needle, hit};
        const bool whole = map->guarded(
            [](void *p) {
                auto *j = static_cast<Job *>(p);
                markRecordsContaining(j->bytes, 0, j->s->pos.data(), j->s->len.data(), j->n, *j->needle, j->hit);
            },
            &job);
        if (whole)
            return;
        // the file shrank under the mapping: read what is left of it below
        std::fill(hit, hit + n, 0);
    }
    constexpr uint64_t kChunk = 256u << 10;
    const std::string &path = snap.source(s.sourceId).path;
    size_t r = 0;
    while (r < n) {
        size_t e = r + 1;
        while (e < n && uint64_t(s.pos[e]) + s.len[e] - s.pos[r] <= kChunk)
            ++e;
        const uint64_t from = s.pos[r];
        const size_t bytes = size_t(uint64_t(s.pos[e - 1]) + s.len[e - 1] - from);
        if (file.read(path, s.streamOffset + from, bytes, buf))
            markRecordsContaining(buf, from, s.pos.data() + r, s.len.data() + r, e - r, needle, hit + r);
        r = e;
    }
}


struct Prepared
{
    std::array<std::vector<uint8_t>, kColumnCount> inc, exc; // bitmaps by id
    std::array<bool, kColumnCount> hasInc{}, hasExc{};
};

Prepared prepare(const Snapshot &snap, const Filter &f)
{
    Prepared p;
    for (size_t c = 0; c < kColumnCount; ++c) {
        const size_t n = snap.dict(Column(c)).size() + 1;
        if (!f.include[c].empty()) {
            p.hasInc[c] = true;
            p.inc[c].assign(n, 0);
            for (uint32_t id : f.include[c])
                if (id < n)
                    p.inc[c][id] = 1;
        }
        if (!f.exclude[c].empty()) {
            p.hasExc[c] = true;
            p.exc[c].assign(n, 0);
            for (uint32_t id : f.exclude[c])
                if (id < n)
                    p.exc[c][id] = 1;
        }
    }
    return p;
}

/// Calls accept(segment, index, row, misses) for the rows of segments [segBegin, segEnd) that
/// pass the time, result and text constraints and miss at most `allowedMisses` column
/// constraints; `misses` has bit c set for each column constraint c the row fails.
/// When the text is searched here (not cached) and `hitsOut` is given, the matches are also
/// written to hitsOut[row].
template<typename Fn>
void scanRows(const Snapshot &snap, const Filter &f, const std::atomic<bool> *cancel, Fn &&accept,
          size_t segBegin, size_t segEnd, int allowedMisses, uint8_t *hitsOut)
{
    const Prepared p = prepare(snap, f);
    const std::string needle = asciiLower(f.text);
    const auto &segs = snap.segments();
    const auto &starts = snap.segmentStarts();
    const bool cached = !needle.empty() && f.textHits && f.textHits->size() >= snap.size();
    FileRangeReader file;
    std::string buf;
    std::vector<uint8_t> hit;
    for (size_t si = segBegin; si < std::min(segEnd, segs.size()); ++si) {
        if (cancel && cancel->load(std::memory_order_relaxed))
            return;
        const Segment &s = *segs[si];
        const size_t n = std::min(s.size(), snap.size() - starts[si]);
        if (cached) {
            hit.assign(f.textHits->begin() + long(starts[si]), f.textHits->begin() + long(starts[si] + n));
        } else if (!needle.empty()) {
            hit.assign(n, 0);
            segmentTextHits(snap, s, n, needle, file, buf, hit.data());
            if (hitsOut)
                std::copy(hit.begin(), hit.end(), hitsOut + starts[si]);
        }
        for (size_t i = 0; i < n; ++i) {
            uint32_t misses = 0;
            int missed = 0;
            for (size_t c = 0; c < kColumnCount && missed <= allowedMisses; ++c) {
                if (!p.hasInc[c] && !p.hasExc[c])
                    continue;
                const uint32_t id = c == size_t(Column::Source) ? s.sourceLabelId : s.cols[c][i];
                if ((p.hasInc[c] && !(id < p.inc[c].size() && p.inc[c][id])) || (p.hasExc[c] && id < p.exc[c].size() && p.exc[c][id])) {
                    misses |= 1u << c;
                    ++missed;
                }
            }
            if (missed > allowedMisses)
                continue;
            if (f.from != INT64_MIN || f.to != INT64_MAX) {
                const int64_t t = s.time[i];
                if (t == kNoTime || t < f.from || t > f.to)
                    continue;
            }
            if (f.result != Result::Unknown && s.result[i] != uint8_t(f.result))
                continue;
            if (f.withoutResult && s.result[i] != uint8_t(Result::Unknown))
                continue;
            if (!needle.empty() && !hit[i])
                continue;
            if (f.rowMask && (starts[si] + i >= f.rowMask->size() || !(*f.rowMask)[starts[si] + i]))
                continue;
            accept(s, i, starts[si] + i, misses);
        }
    }
}

} // namespace

EventStore::Evaluation EventStore::evaluate(const Snapshot &snap, const Filter &f, const std::vector<Column> &facets,
                                             const std::atomic<bool> *cancel)
{
    // One pass for the rows, their times and every facet's counts: a row that meets every
    // constraint counts in every facet; a row that misses exactly one column constraint counts
    // only in that column's facet (facet counts ignore their own column's constraint).
    struct Part
    {
        std::vector<uint32_t> rows;
        std::vector<int64_t> times;
        std::vector<std::vector<uint64_t>> counts;
    };
    const auto &segs = snap.segments();
    const size_t threads = snap.size() < 50000 ? 1 : std::max<size_t>(1, std::min<size_t>(std::thread::hardware_concurrency(), segs.size()));
    std::vector<Part> parts(threads);
    std::shared_ptr<std::vector<uint8_t>> hits;
    if (!f.text.empty() && !(f.textHits && f.textHits->size() >= snap.size()))
        hits = std::make_shared<std::vector<uint8_t>>(snap.size(), 0);
    const auto idOf = [](const Segment &s, size_t i, Column c) { return c == Column::Source ? s.sourceLabelId : s.cols[size_t(c)][i]; };
    const auto run = [&](size_t t) {
        Part &part = parts[t];
        part.counts.resize(facets.size());
        for (size_t k = 0; k < facets.size(); ++k)
            part.counts[k].assign(snap.dict(facets[k]).size() + 1, 0);
        const auto bump = [&](size_t k, uint32_t id) {
            std::vector<uint64_t> &v = part.counts[k];
            if (id >= v.size())
                v.resize(id + 1, 0);
            ++v[id];
        };
        scanRows(
            snap, f, cancel,
            [&](const Segment &s, size_t i, size_t row, uint32_t misses) {
                if (misses == 0) {
                    part.rows.push_back(uint32_t(row));
                    part.times.push_back(s.time[i]);
                    for (size_t k = 0; k < facets.size(); ++k)
                        bump(k, idOf(s, i, facets[k]));
                    return;
                }
                for (size_t k = 0; k < facets.size(); ++k)
                    if (misses == 1u << size_t(facets[k]))
                        bump(k, idOf(s, i, facets[k]));
            },
            segs.size() * t / threads, segs.size() * (t + 1) / threads, 1, hits ? hits->data() : nullptr);
    };
    if (threads == 1) {
        run(0);
    } else {
        std::vector<std::future<void>> running;
        for (size_t t = 0; t < threads; ++t)
            running.push_back(std::async(std::launch::async, run, t));
        for (auto &r : running)
            r.get();
    }
    Evaluation out;
    out.textHits = std::move(hits);
    out.rows = std::move(parts[0].rows);
    out.times = std::move(parts[0].times);
    out.counts = std::move(parts[0].counts);
    for (size_t t = 1; t < threads; ++t) {
        out.rows.insert(out.rows.end(), parts[t].rows.begin(), parts[t].rows.end());
        out.times.insert(out.times.end(), parts[t].times.begin(), parts[t].times.end());
        for (size_t k = 0; k < facets.size(); ++k) {
            std::vector<uint64_t> &sum = out.counts[k];
            const std::vector<uint64_t> &add = parts[t].counts[k];
            if (add.size() > sum.size())
                sum.resize(add.size(), 0);
            for (size_t id = 0; id < add.size(); ++id)
                sum[id] += add[id];
        }
    }
    return out;
}

std::vector<std::pair<uint32_t, uint64_t>> EventStore::top(const std::vector<uint64_t> &counts, size_t n)
{
    std::vector<std::pair<uint32_t, uint64_t>> v;
    for (size_t i = 0; i < counts.size(); ++i)
        if (counts[i])
            v.emplace_back(uint32_t(i), counts[i]);
    std::sort(v.begin(), v.end(), [](auto &a, auto &b) { return a.second != b.second ? a.second > b.second : a.first < b.first; });
    if (n && v.size() > n)
        v.resize(n);
    return v;
}

std::string resourceIdOf(std::string_view json, size_t capacity)
{
    static const std::vector<std::string> keep{"ResourceID"};
    nlohmann::ordered_json j;
    std::string error;
    size_t at = 0;
    if (!parseRecordJson(json, capacity, 1024, j, error, at, &keep) || !j.is_object())
        return {};
    const auto it = j.find("ResourceID");
    if (it == j.end() || it->is_null())
        return {};
    return it->is_string() ? it->get<std::string>() : it->dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::string resourceIdOf(std::string_view json)
{
    std::string padded(json);
    padded.append(64, '\0');
    return resourceIdOf(std::string_view(padded.data(), json.size()), padded.size());
}

} // namespace auditlens
