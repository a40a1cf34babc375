// SPDX-License-Identifier: MIT
#include "embeddedtrail.h"

#include "query/eval.h"
#include "query/fields.h"

#include <QMetaObject>
#include <QPointer>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <mutex>
#include <tuple>

namespace auditlens {

namespace {

enum Kind { CountsKind, BucketsKind, PageKind, RecordsKind, RawKind, FieldsKind, ValuesKind, KindCount };

constexpr uint32_t kNoSuchValue = UINT32_MAX; ///< an include value the store has never seen
constexpr int kCatalogDepth = 1 << 20; ///< a field catalog's depth: all of it (simdjson stops at 1024)

TrailError cancelled() { return {TrailErrorKind::Cancelled, "cancelled"}; }

} // namespace

struct EmbeddedTrail::State
{
    Snapshot snap;
    std::string label;
    std::shared_ptr<query::FieldCache> cache;
    size_t recordsPageBytes = 256u << 20; ///< the raw bytes of a records() page at most (then it ends early)
    std::mutex mutex;
    std::array<uint64_t, KindCount> generation{};
    std::array<std::shared_ptr<std::atomic<bool>>, KindCount> cancel;

    /// Starts a request of `kind`: the pending one of that kind is cancelled.
    std::pair<uint64_t, std::shared_ptr<std::atomic<bool>>> begin(Kind kind)
    {
        std::lock_guard lock(mutex);
        if (cancel[kind])
            cancel[kind]->store(true);
        cancel[kind] = std::make_shared<std::atomic<bool>>(false);
        return {++generation[kind], cancel[kind]};
    }
    bool current(Kind kind, uint64_t gen)
    {
        std::lock_guard lock(mutex);
        return generation[kind] == gen;
    }

    /// The rows that pass a filter, by key ascending ((rank of the order column's value,) time,
    /// store row): kept for the last filter and order column of each kind, so that the next
    /// page of them (a history read a page at a time, a table scrolled) is a binary search, not
    /// another pass over the store.
    struct Key
    {
        uint32_t rank; ///< the value's place among the column's values in byte order (0 by time)
        uint32_t row;
        int64_t time;
        auto tuple() const { return std::tie(rank, time, row); }
        bool operator<(const Key &o) const { return tuple() < o.tuple(); }
    };
    struct Keys
    {
        std::vector<Key> keys;
        std::vector<std::string> names; ///< by rank: the values of the order column (none by time)
    };
    struct SortedRows
    {
        TrailFilter filter;
        int column = -1;
        std::shared_ptr<const Keys> keys;
    };
    std::array<SortedRows, KindCount> sorted;

    /// Rows found for a key and kept for the next requests of any kind: every row's matches of
    /// the last text searched (as evaluate() gives them), and the rows of the last query
    /// evaluated (its mask), so that neither reads a raw record again.
    struct Kept
    {
        std::string key;
        std::shared_ptr<const std::vector<uint8_t>> rows;
    };
    Kept hits, mask;
    std::shared_ptr<const std::vector<uint8_t>> keptFor(const Kept &k, const std::string &key)
    {
        std::lock_guard lock(mutex);
        return k.rows && k.key == key && k.rows->size() == snap.size() ? k.rows : nullptr;
    }
    void keep(Kept &k, const std::string &key, std::shared_ptr<const std::vector<uint8_t>> rows)
    {
        if (key.empty() || !rows || rows->size() != snap.size())
            return;
        std::lock_guard lock(mutex);
        k = {key, std::move(rows)};
    }
    EventStore::Evaluation evaluate(const Filter &f, const std::vector<Column> &facets, const std::atomic<bool> *stop)
    {
        EventStore::Evaluation ev = EventStore::evaluate(snap, f, facets, stop);
        if (!(stop && stop->load()))
            keep(hits, f.text, ev.textHits);
        return ev;
    }
    std::shared_ptr<const Keys> sortedFor(Kind kind, const TrailFilter &f, int column)
    {
        std::lock_guard lock(mutex);
        const SortedRows &k = sorted[kind];
        return k.keys && k.column == column && k.filter == f ? k.keys : nullptr;
    }
    void keepSorted(Kind kind, const TrailFilter &f, int column, std::shared_ptr<const Keys> keys)
    {
        std::lock_guard lock(mutex);
        sorted[kind] = {f, column, std::move(keys)};
    }
};

namespace {

/// The store's filter for a TrailFilter: values to dictionary ids, the query to a row mask.
/// False + error when the query does not parse; cancelled: false with an empty error.
bool toFilter(EmbeddedTrail::State &s, const TrailFilter &tf, const std::atomic<bool> *cancel, Filter &f,
              TrailError &error)
{
    for (size_t c = 0; c < kColumnCount; ++c) {
        const StringDict &dict = s.snap.dict(Column(c));
        for (const std::string &v : tf.include[c])
            f.include[c].push_back(dict.find(v).value_or(kNoSuchValue));
        for (const std::string &v : tf.exclude[c])
            if (auto id = dict.find(v))
                f.exclude[c].push_back(*id);
    }
    f.from = tf.from;
    f.to = tf.to;
    f.result = tf.withoutResult ? Result::Unknown : tf.result;
    f.withoutResult = tf.withoutResult;
    f.text = tf.text;
    if (!f.text.empty())
        f.textHits = s.keptFor(s.hits, f.text);
    if (tf.query.empty())
        return true;
    const auto q = query::Query::parse(tf.query);
    if (!q->ok()) {
        error = {TrailErrorKind::Query, "query, at character " + std::to_string(q->errorPos() + 1) + ": " + q->error()};
        return false;
    }
    if (q->matchesAll())
        return true;
    if (auto kept = s.keptFor(s.mask, tf.query)) {
        f.rowMask = std::move(kept);
        return true;
    }
    auto mask = query::evaluateQuery(*q, s.snap, *s.cache, cancel);
    if (!mask) {
        error = cancelled();
        return false;
    }
    s.keep(s.mask, tf.query, mask);
    f.rowMask = std::move(mask);
    return true;
}

/// Runs `work` on the pool and hands its answer to `done` on the context's thread, unless a
/// newer request of the same kind (or cancelAll) came first: then `done` gets Cancelled.
template<typename T, typename Work>
void dispatch(const std::shared_ptr<EmbeddedTrail::State> &s, Kind kind, QObject *context,
              TrailSource::Answer<T> done, Work work)
{
    auto [gen, cancel] = s->begin(kind);
    std::weak_ptr<EmbeddedTrail::State> weak = s;
    QPointer<QObject> ctx(context);
    auto job = [state = s, kind, gen = gen, cancel = cancel, weak, ctx, done = std::move(done), work = std::move(work)]() mutable {
        T value{};
        TrailError error;
        if (cancel->load())
            error = cancelled();
        else
            work(*state, cancel.get(), value, error);
        if (cancel->load())
            error = cancelled();
        state.reset(); // the snapshot is not kept alive by a delivery that waits
        if (!ctx)
            return;
        QMetaObject::invokeMethod(
            ctx.data(),
            [weak, kind, gen, done = std::move(done), value = std::move(value), error = std::move(error)]() mutable {
                auto alive = weak.lock();
                if (!alive)
                    return; // the source is gone: nobody to answer
                if (error.ok() && !alive->current(kind, gen))
                    error = cancelled();
                done(error.ok() ? std::move(value) : T{}, std::move(error));
            },
            Qt::QueuedConnection);
    };
    (void)QtConcurrent::run(std::move(job));
}

std::string nameOf(const Snapshot &snap, Column c, uint32_t id) { return snap.dict(c).at(id); }

} // namespace

EmbeddedTrail::EmbeddedTrail(Snapshot snap, std::string label, std::shared_ptr<query::FieldCache> cache)
    : d(std::make_shared<State>())
{
    d->snap = std::move(snap);
    d->label = std::move(label);
    d->cache = cache ? std::move(cache) : std::make_shared<query::FieldCache>();
}

EmbeddedTrail::~EmbeddedTrail() { cancelAll(); }

std::string EmbeddedTrail::label() const { return d->label; }

void EmbeddedTrail::counts(const TrailFilter &tf, const std::vector<Column> &facets, size_t topN, QObject *context,
                           Answer<TrailCounts> done)
{
    dispatch<TrailCounts>(d, CountsKind, context, std::move(done),
                          [tf, facets, topN](State &s, const std::atomic<bool> *cancel, TrailCounts &out, TrailError &error) {
        Filter f;
        if (!toFilter(s, tf, cancel, f, error))
            return;
        const auto ev = s.evaluate(f, facets, cancel);
        out.total = s.snap.size();
        out.matched = ev.rows.size();
        for (int64_t t : ev.times)
            if (t != kNoTime) {
                out.first = out.first == kNoTime ? t : std::min(out.first, t);
                out.last = std::max(out.last, t); // kNoTime is INT64_MIN
            }
        out.facets = facets;
        out.top.resize(facets.size());
        out.distinct.assign(facets.size(), 0);
        for (size_t k = 0; k < facets.size() && k < ev.counts.size(); ++k) {
            // all values, then ties by the value's text (the store's top() breaks them by id),
            // so that the top N are the same values on every back end
            auto &top = out.top[k];
            for (const auto &[id, n] : EventStore::top(ev.counts[k], 0))
                top.emplace_back(nameOf(s.snap, facets[k], id), n);
            std::sort(top.begin(), top.end(), [](const auto &a, const auto &b) {
                return a.second != b.second ? a.second > b.second : a.first < b.first;
            });
            out.distinct[k] = top.size();
            if (topN && top.size() > topN)
                top.resize(topN);
        }
        if (out.matched == 0 && !tf.query.empty())
            if (const auto q = query::Query::parse(tf.query); q->ok())
                out.absentFields = query::absentFields(*q, s.snap, *s.cache, cancel);
    });
}

void EmbeddedTrail::buckets(const TrailFilter &tf, int64_t from, int64_t to, int n, QObject *context,
                            Answer<TrailBuckets> done)
{
    dispatch<TrailBuckets>(d, BucketsKind, context, std::move(done),
                           [tf, from, to, n](State &s, const std::atomic<bool> *cancel, TrailBuckets &out, TrailError &error) {
        Filter f;
        if (!toFilter(s, tf, cancel, f, error))
            return;
        const auto ev = s.evaluate(f, {}, cancel);
        const size_t buckets = size_t(std::max(1, n));
        out.from = from;
        out.width = trailBucketWidth(from, to, n);
        out.counts.assign(buckets, 0);
        for (int64_t t : ev.times) {
            if (t == kNoTime)
                ++out.noTime;
            else if (t >= from && t <= to)
                ++out.counts[std::min(buckets - 1, size_t((uint64_t(t) - uint64_t(from)) / uint64_t(out.width)))];
        }
    });
}

namespace {

/// The rows that pass `tf` sorted by `column`'s value (-1: by time), then time, then row.
std::shared_ptr<const EmbeddedTrail::State::Keys> sortedRows(EmbeddedTrail::State &s, Kind kind, const TrailFilter &tf, int column,
                                                             const std::atomic<bool> *cancel, TrailError &error)
{
    using Keys = EmbeddedTrail::State::Keys;
    if (auto kept = s.sortedFor(kind, tf, column))
        return kept;
    Filter f;
    if (!toFilter(s, tf, cancel, f, error))
        return nullptr;
    const auto ev = s.evaluate(f, {}, cancel);
    if (cancel && cancel->load())
        return nullptr; // (answered Cancelled)
    auto sorted = std::make_shared<Keys>();
    // a value's rank: its place among the column's values in byte order
    std::vector<uint32_t> rankOf;
    if (column >= 0) {
        const StringDict &dict = s.snap.dict(Column(column));
        std::vector<uint32_t> ids(dict.size());
        std::vector<std::string> names(dict.size());
        for (uint32_t id = 0; id < ids.size(); ++id) {
            ids[id] = id;
            names[id] = dict.at(id);
        }
        std::sort(ids.begin(), ids.end(), [&names](uint32_t a, uint32_t b) { return names[a] < names[b]; });
        rankOf.assign(ids.size(), 0);
        sorted->names.reserve(ids.size());
        for (uint32_t r = 0; r < ids.size(); ++r) {
            rankOf[ids[r]] = r;
            sorted->names.push_back(std::move(names[ids[r]]));
        }
    }
    sorted->keys.reserve(ev.rows.size());
    for (size_t i = 0; i < ev.rows.size(); ++i) {
        const uint32_t id = column >= 0 ? s.snap.id(ev.rows[i], Column(column)) : 0;
        sorted->keys.push_back({column >= 0 && id < rankOf.size() ? rankOf[id] : 0, ev.rows[i], ev.times[i]});
    }
    std::sort(sorted->keys.begin(), sorted->keys.end());
    s.keepSorted(kind, tf, column, sorted);
    return sorted;
}

/// At most n rows after `after` in `order`; `withRaw`: each with its raw record.
void pageRows(EmbeddedTrail::State &s, Kind kind, const TrailFilter &tf, const TrailOrder &order, const TrailKey &after, size_t n,
              bool withRaw, const std::atomic<bool> *cancel, TrailPage &out, TrailError &error)
{
    using RowKey = EmbeddedTrail::State::Key;
    const int column = order.column >= 0 && order.column < int(kColumnCount) ? order.column : -1;
    const auto sorted = sortedRows(s, kind, tf, column, cancel, error);
    if (!sorted)
        return;
    const std::vector<RowKey> &keys = sorted->keys;
    // the key of a row: ((value,) time, store row); an id that is not "row:N" starts the trail
    uint64_t afterRow = 0;
    const bool keyed = after.valid && after.id.rfind("row:", 0) == 0
        && std::from_chars(after.id.data() + 4, after.id.data() + after.id.size(), afterRow).ec == std::errc();
    // the rows past the pivot, in the page's order: [begin, end) ascending, or back from end
    auto begin = keys.begin(), end = keys.end();
    if (keyed) {
        // the pivot's rank: its value's place among the column's values (a value the column
        // does not hold falls between two ranks: every row of the ranks above it follows)
        uint32_t rank = 0;
        bool between = false;
        if (column >= 0) {
            const auto at = std::lower_bound(sorted->names.begin(), sorted->names.end(), after.value);
            rank = uint32_t(at - sorted->names.begin());
            between = at == sorted->names.end() || *at != after.value;
        }
        // (no store row reaches UINT32_MAX: a larger one orders as it does)
        const RowKey pivot{rank, uint32_t(std::min<uint64_t>(afterRow, UINT32_MAX)), after.time};
        const auto rankFirst = [&] {
            return std::lower_bound(keys.begin(), keys.end(), rank, [](const RowKey &k, uint32_t r) { return k.rank < r; });
        };
        if (order.descending)
            end = between ? rankFirst() : std::lower_bound(keys.begin(), keys.end(), pivot);
        else
            begin = between ? rankFirst() : std::upper_bound(keys.begin(), keys.end(), pivot);
    }
    const size_t available = size_t(end - begin);
    const size_t take = std::min(n, available);
    out.more = available > take;
    out.rows.reserve(take);
    size_t rawBytes = 0;
    for (size_t k = 0; k < take; ++k) {
        const RowKey &key = order.descending ? *(end - ptrdiff_t(k) - 1) : *(begin + ptrdiff_t(k));
        const uint32_t row = key.row;
        TrailRow r;
        r.time = key.time;
        r.id = "row:" + std::to_string(row);
        for (size_t c = 0; c < kColumnCount; ++c)
            r.values[c] = nameOf(s.snap, Column(c), s.snap.id(row, Column(c)));
        r.result = s.snap.result(row);
        r.schema = s.snap.schema(row);
        std::string raw = s.snap.raw(row); // (empty when a file's bytes cannot be read back)
        r.resourceId = resourceIdOf(raw);
        if (withRaw) {
            // a page's raw bytes bounded (records of up to 64 MiB each): past the bound it ends
            // early, the rest following
            if (!out.rows.empty() && rawBytes + raw.size() > s.recordsPageBytes) {
                out.more = true;
                break;
            }
            rawBytes += raw.size();
            r.raw = std::move(raw);
        }
        out.rows.push_back(std::move(r));
    }
}

} // namespace

void EmbeddedTrail::pageBy(const TrailFilter &tf, const TrailOrder &order, const TrailKey &after, size_t n, QObject *context,
                           Answer<TrailPage> done)
{
    dispatch<TrailPage>(d, PageKind, context, std::move(done),
                        [tf, order, after, n](State &s, const std::atomic<bool> *cancel, TrailPage &out, TrailError &error) {
        pageRows(s, PageKind, tf, order, after, n, false, cancel, out, error);
    });
}

void EmbeddedTrail::records(const TrailFilter &tf, const TrailKey &after, size_t n, QObject *context, Answer<TrailPage> done)
{
    dispatch<TrailPage>(d, RecordsKind, context, std::move(done),
                        [tf, after, n](State &s, const std::atomic<bool> *cancel, TrailPage &out, TrailError &error) {
        pageRows(s, RecordsKind, tf, TrailOrder{}, after, n, true, cancel, out, error);
    });
}

void EmbeddedTrail::fields(QObject *context, Answer<TrailFields> done)
{
    dispatch<TrailFields>(d, FieldsKind, context, std::move(done),
                          [](State &s, const std::atomic<bool> *cancel, TrailFields &out, TrailError &) {
        // every depth (as the queries and ClickHouse's field arrays have them), nulls no value
        for (query::FieldStat &f : query::fieldCatalog(s.snap, cancel, kCatalogDepth, false))
            out.fields.push_back({std::move(f.path), f.records, f.types});
    });
}

void EmbeddedTrail::fieldValues(const TrailFilter &tf, const std::string &path, size_t n, QObject *context,
                                Answer<TrailValues> done)
{
    dispatch<TrailValues>(d, ValuesKind, context, std::move(done),
                          [tf, path, n](State &s, const std::atomic<bool> *cancel, TrailValues &out, TrailError &error) {
        out.path = path;
        Filter f;
        if (!toFilter(s, tf, cancel, f, error))
            return;
        const auto ev = s.evaluate(f, {}, cancel);
        const auto column = s.cache->column(s.snap, path, cancel);
        if (!column) {
            if (!cancel || !cancel->load())
                error = {TrailErrorKind::Query, "the values of " + path + " could not be read"};
            return;
        }
        using query::ValueType;
        for (const auto &[id, count] : query::topValues(*column, &ev.rows, 0)) {
            const query::FieldValue &v = column->values[id];
            if (v.type == ValueType::String || v.type == ValueType::Number || v.type == ValueType::Bool)
                out.top.push_back({v.type, v.text, count});
        }
        std::sort(out.top.begin(), out.top.end(), [](const TrailValue &a, const TrailValue &b) {
            return std::tie(b.count, a.text, a.type) < std::tie(a.count, b.text, b.type);
        });
        if (n && out.top.size() > n)
            out.top.resize(n);
    });
}

std::unique_ptr<TrailSource> EmbeddedTrail::sibling() const
{
    auto other = std::make_unique<EmbeddedTrail>(d->snap, d->label, d->cache);
    other->setRecordsPageBytes(d->recordsPageBytes);
    return other;
}

void EmbeddedTrail::setRecordsPageBytes(size_t bytes) { d->recordsPageBytes = std::max<size_t>(bytes, 1); }

void EmbeddedTrail::keepTextHits(const std::string &text, std::shared_ptr<const std::vector<uint8_t>> hits)
{
    d->keep(d->hits, text, std::move(hits));
}

void EmbeddedTrail::keepQueryRows(const std::string &query, std::shared_ptr<const std::vector<uint8_t>> mask)
{
    d->keep(d->mask, query, std::move(mask));
}

void EmbeddedTrail::raw(const std::string &id, int64_t, QObject *context, Answer<std::string> done)
{
    dispatch<std::string>(d, RawKind, context, std::move(done),
                          [id](State &s, const std::atomic<bool> *, std::string &out, TrailError &error) {
        uint64_t row = 0;
        if (id.rfind("row:", 0) != 0
            || std::from_chars(id.data() + 4, id.data() + id.size(), row).ec != std::errc() || row >= s.snap.size()) {
            error = {TrailErrorKind::Query, "no record " + id + " in " + s.label};
            return;
        }
        std::string readError;
        out = s.snap.raw(size_t(row), &readError);
        if (!readError.empty())
            error = {TrailErrorKind::Server, s.label + ": " + readError};
    });
}

void EmbeddedTrail::cancelAll()
{
    std::lock_guard lock(d->mutex);
    for (size_t k = 0; k < KindCount; ++k) {
        if (d->cancel[k])
            d->cancel[k]->store(true);
        ++d->generation[k];
    }
}

} // namespace auditlens
