// SPDX-License-Identifier: MIT
#include "fields.h"

#include "intake/normalizer.h"
#include "source/bytesource.h"

#include <simdjson.h>


#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <future>
#include <thread>
#include <unordered_map>

namespace auditlens::query {

namespace od = simdjson::ondemand;

namespace {

constexpr size_t kPad = simdjson::SIMDJSON_PADDING;

std::vector<std::string> splitPath(std::string_view path)
{
    std::vector<std::string> out;
    size_t b = 0;
    while (b <= path.size()) {
        const size_t e = std::min(path.find('.', b), path.size());
        out.emplace_back(path.substr(b, e - b));
        b = e + 1;
    }
    return out;
}

/// Collects a record's values of one field, deduplicated into a thread's local dictionary.
struct LocalColumn
{
    std::vector<FieldValue> values;
    std::unordered_map<std::string, uint32_t> index; // type byte + text -> local id
    std::vector<uint32_t> start{0};
    std::vector<uint32_t> ids;
    size_t unreadable = 0;

    void add(ValueType t, std::string text, double number)
    {
        std::string key;
        key.reserve(text.size() + 1);
        key += char(t);
        key += text;
        auto [it, fresh] = index.try_emplace(std::move(key), uint32_t(values.size()));
        if (fresh)
            values.push_back({t, std::move(text), number});
        ids.push_back(it->second);
    }
    void endRow() { start.push_back(uint32_t(ids.size())); }
};

double numberOf(std::string_view text)
{
    const std::string s(text);
    return std::strtod(s.c_str(), nullptr); // ±HUGE_VAL beyond double; the text stays exact
}

std::string_view trimToken(std::string_view t)
{
    while (!t.empty() && (t.back() == ' ' || t.back() == '\n' || t.back() == '\r' || t.back() == '\t'))
        t.remove_suffix(1);
    return t;
}

std::string minified(std::string_view raw)
{
    std::string out(raw.size(), '\0');
    size_t len = 0;
    if (simdjson::minify(raw.data(), raw.size(), out.data(), len) != simdjson::SUCCESS)
        return std::string(raw);
    out.resize(len);
    return out;
}

/// Calls fn(element) for each element of an array value; false when it is not a readable array.
template<typename Fn>
bool forEachElement(od::value v, Fn &&fn)
{
    od::array a;
    if (v.get_array().get(a))
        return false;
    for (auto el : a) {
        od::value e;
        if (el.get(e))
            return false;
        fn(e);
    }
    return true;
}

/// Adds the value(s) at v: arrays are looked into (every element), objects kept as JSON.
void addValues(od::value v, LocalColumn &col)
{
    od::json_type t;
    if (v.type().get(t))
        return;
    switch (t) {
    case od::json_type::array: {
        forEachElement(v, [&](od::value e) { addValues(e, col); });
        return;
    }
    case od::json_type::object: {
        od::object o;
        std::string_view raw;
        if (v.get_object().get(o) || o.raw_json().get(raw))
            return;
        col.add(ValueType::Object, minified(raw), 0);
        return;
    }
    case od::json_type::string: {
        std::string_view s;
        if (!v.get_string().get(s))
            col.add(ValueType::String, std::string(s), 0);
        return;
    }
    case od::json_type::number: {
        std::string_view tok = trimToken(v.raw_json_token());
        col.add(ValueType::Number, std::string(tok), numberOf(tok));
        return;
    }
    case od::json_type::boolean: {
        bool b = false;
        if (!v.get_bool().get(b))
            col.add(ValueType::Bool, b ? "true" : "false", b ? 1 : 0);
        return;
    }
    case od::json_type::null: col.add(ValueType::Null, "null", 0); return;
    default: return;
    }
}

/// Follows segs[k..] from v; arrays on the way are looked into.
void walk(od::value v, const std::vector<std::string> &segs, size_t k, LocalColumn &col)
{
    if (k == segs.size()) {
        addValues(v, col);
        return;
    }
    od::json_type t;
    if (v.type().get(t))
        return;
    if (t == od::json_type::array) {
        forEachElement(v, [&](od::value e) { walk(e, segs, k, col); });
        return;
    }
    if (t != od::json_type::object)
        return;
    od::object o;
    if (v.get_object().get(o))
        return;
    for (auto field : o) {
        std::string_view key;
        od::value fv;
        if (field.unescaped_key().get(key) || field.value().get(fv))
            return;
        if (key == segs[k]) {
            walk(fv, segs, k + 1, col);
            continue;
        }
        // a key with dots in it ("a.b": 1) answers the path a.b too
        if (key.find('.') == std::string_view::npos || key.size() <= segs[k].size())
            continue;
        size_t m = k, at = 0;
        while (m < segs.size() && key.compare(at, segs[m].size(), segs[m]) == 0) {
            at += segs[m].size();
            ++m;
            if (at == key.size())
                break;
            if (key[at] != '.')
                break;
            ++at;
        }
        if (at == key.size() && m > k + 1)
            walk(fv, segs, m, col);
    }
}

/// The same for a JSON value the engine made.
void walkJson(const nlohmann::ordered_json &v, const std::vector<std::string> &segs, size_t k, LocalColumn &col)
{
    if (v.is_array()) {
        for (const auto &e : v)
            walkJson(e, segs, k, col);
        return;
    }
    if (k == segs.size()) {
        if (v.is_object())
            col.add(ValueType::Object, v.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace), 0);
        else if (v.is_string())
            col.add(ValueType::String, v.get<std::string>(), 0);
        else if (v.is_boolean())
            col.add(ValueType::Bool, v.get<bool>() ? "true" : "false", v.get<bool>() ? 1 : 0);
        else if (v.is_number()) {
            const std::string text = v.dump();
            col.add(ValueType::Number, text, v.get<double>());
        } else if (v.is_null())
            col.add(ValueType::Null, "null", 0);
        return;
    }
    if (!v.is_object())
        return;
    // ECS records may be nested ({"user": {"email": …}}) or use dotted keys
    if (auto it = v.find(segs[k]); it != v.end())
        walkJson(*it, segs, k + 1, col);
    std::string joined = segs[k];
    for (size_t m = k + 1; m < segs.size(); ++m) {
        joined += '.';
        joined += segs[m];
        if (auto it = v.find(joined); it != v.end())
            walkJson(*it, segs, m + 1, col);
    }
}

size_t threadsFor(size_t rows)
{
    if (rows < 20000)
        return 1;
    return std::max<size_t>(1, std::min<size_t>(std::thread::hardware_concurrency(), 16));
}

/// Runs fn(t, begin, end) over `threads` contiguous parts of [from, to).
template<typename Fn>
void inParts(size_t threads, size_t from, size_t to, Fn &&fn)
{
    if (threads <= 1) {
        fn(size_t(0), from, to);
        return;
    }
    std::vector<std::future<void>> running;
    for (size_t t = 0; t < threads; ++t) {
        const size_t b = from + (to - from) * t / threads, e = from + (to - from) * (t + 1) / threads;
        running.push_back(std::async(std::launch::async, [&fn, t, b, e] { fn(t, b, e); }));
    }
    for (auto &r : running)
        r.get();
}

} // namespace

const char *valueTypeName(ValueType t)
{
    switch (t) {
    case ValueType::Null: return "null";
    case ValueType::Bool: return "boolean";
    case ValueType::Number: return "number";
    case ValueType::String: return "string";
    case ValueType::Object: return "object";
    }
    return "?";
}

bool isEcsPath(std::string_view path) { return path.size() > 4 && path.substr(0, 4) == "ecs."; }

bool forEachRaw(const Snapshot &snap, size_t begin, size_t end,
                const std::function<void(size_t, std::string_view, size_t)> &fn, const std::atomic<bool> *cancel)
{
    end = std::min(end, snap.size());
    const auto &segs = snap.segments();
    const auto &starts = snap.segmentStarts();
    FileRangeReader file;
    std::string buf, one;
    size_t si = size_t(std::upper_bound(starts.begin(), starts.end(), begin) - starts.begin());
    si = si ? si - 1 : 0;
    for (; si < segs.size() && begin < end; ++si) {
        if (cancel && cancel->load(std::memory_order_relaxed))
            return false;
        const Segment &s = *segs[si];
        const size_t st = starts[si];
        const size_t n = std::min(s.size(), end - st);
        size_t i = begin - st;
        if (!s.fileBacked) {
            const std::string &mem = *s.memory;
            for (; i < n; ++i) {
                const std::string_view bytes(mem.data() + s.pos[i], s.len[i]);
                const size_t cap = mem.size() - s.pos[i];
                if (cap >= bytes.size() + kPad) {
                    fn(st + i, bytes, cap);
                } else {
                    one.assign(bytes);
                    one.append(kPad, '\0');
                    fn(st + i, std::string_view(one.data(), bytes.size()), one.size());
                }
            }
        } else {
            constexpr uint64_t kChunk = 256u << 10;
            const std::string &path = snap.source(s.sourceId).path;
            while (i < n) {
                if (cancel && cancel->load(std::memory_order_relaxed))
                    return false;
                size_t e = i + 1;
                while (e < n && uint64_t(s.pos[e]) + s.len[e] - s.pos[i] <= kChunk)
                    ++e;
                const uint64_t from = s.pos[i];
                const size_t bytes = size_t(uint64_t(s.pos[e - 1]) + s.len[e - 1] - from);
                const bool ok = file.read(path, s.streamOffset + from, bytes, buf);
                if (ok)
                    buf.append(kPad, '\0');
                for (size_t r = i; r < e; ++r) {
                    if (!ok) {
                        fn(st + r, std::string_view(), 0);
                        continue;
                    }
                    const size_t at = size_t(s.pos[r] - from);
                    fn(st + r, std::string_view(buf.data() + at, s.len[r]), buf.size() - at);
                }
                i = e;
            }
        }
        begin = st + n;
    }
    return !(cancel && cancel->load(std::memory_order_relaxed));
}

std::vector<std::shared_ptr<const FieldColumn>> extractColumns(const Snapshot &snap, const std::vector<std::string> &paths,
                                                               const std::vector<std::shared_ptr<const FieldColumn>> &base,
                                                               const intake::IntakeParser *parser,
                                                               const std::atomic<bool> *cancel)
{
    const size_t from = base.empty() ? 0 : base[0]->rows;
    const size_t to = snap.size();
    std::vector<std::vector<std::string>> segs;
    bool needEcs = false;
    for (const std::string &p : paths) {
        needEcs = needEcs || isEcsPath(p);
        segs.push_back(splitPath(isEcsPath(p) ? std::string_view(p).substr(4) : std::string_view(p)));
    }
    const size_t threads = threadsFor(to - from);
    std::vector<std::vector<LocalColumn>> parts(threads, std::vector<LocalColumn>(paths.size()));
    inParts(threads, from, to, [&](size_t t, size_t b, size_t e) {
        std::vector<LocalColumn> &cols = parts[t];
        od::parser jp;
        forEachRaw(
            snap, b, e,
            [&](size_t, std::string_view bytes, size_t cap) {
                if (bytes.empty()) {
                    for (LocalColumn &c : cols) {
                        ++c.unreadable;
                        c.endRow();
                    }
                    return;
                }
                std::optional<intake::NormalizedRecord> ecs;
                if (needEcs && parser)
                    ecs = intake::normalizeRecordPadded(*parser, bytes, cap);
                for (size_t k = 0; k < paths.size(); ++k) {
                    LocalColumn &c = cols[k];
                    if (isEcsPath(paths[k])) {
                        if (ecs && ecs->ok)
                            walkJson(ecs->result.event, segs[k], 0, c);
                    } else {
                        od::document doc;
                        if (!jp.iterate(bytes.data(), bytes.size(), cap).get(doc)) {
                            od::value root;
                            if (!doc.get_value().get(root))
                                walk(root, segs[k], 0, c);
                        }
                    }
                    c.endRow();
                }
            },
            cancel);
    });
    if (cancel && cancel->load())
        return {};
    std::vector<std::shared_ptr<const FieldColumn>> out;
    for (size_t k = 0; k < paths.size(); ++k) {
        auto col = std::make_shared<FieldColumn>();
        std::unordered_map<std::string, uint32_t> index;
        const auto key = [](const FieldValue &v) { return char(v.type) + v.text; };
        if (!base.empty()) {
            *col = *base[k];
            for (uint32_t id = 0; id < col->values.size(); ++id)
                index.emplace(key(col->values[id]), id);
        } else {
            col->path = paths[k];
            col->start.push_back(0);
        }
        for (std::vector<LocalColumn> &part : parts) {
            LocalColumn &lc = part[k];
            std::vector<uint32_t> remap(lc.values.size());
            for (uint32_t id = 0; id < lc.values.size(); ++id) {
                auto [it, fresh] = index.try_emplace(key(lc.values[id]), uint32_t(col->values.size()));
                if (fresh)
                    col->values.push_back(std::move(lc.values[id]));
                remap[id] = it->second;
            }
            const uint32_t offset = uint32_t(col->ids.size());
            for (uint32_t id : lc.ids)
                col->ids.push_back(remap[id]);
            for (size_t r = 1; r < lc.start.size(); ++r)
                col->start.push_back(offset + lc.start[r]);
            col->unreadable += lc.unreadable;
        }
        col->rows = col->start.size() - 1;
        out.push_back(std::move(col));
    }
    return out;
}

FieldCache::FieldCache(std::shared_ptr<const intake::IntakeParser> parser) : m_parser(std::move(parser)) {}

void FieldCache::setParser(std::shared_ptr<const intake::IntakeParser> parser)
{
    std::lock_guard lock(m_mutex);
    m_parser = std::move(parser);
    for (auto it = m_columns.begin(); it != m_columns.end();)
        it = isEcsPath(it->first) ? m_columns.erase(it) : std::next(it);
}

void FieldCache::clear()
{
    std::lock_guard lock(m_mutex);
    m_columns.clear();
    m_first.reset();
}

std::vector<std::shared_ptr<const FieldColumn>> FieldCache::columns(const Snapshot &snap, const std::vector<std::string> &paths,
                                                                    const std::atomic<bool> *cancel)
{
    std::unique_lock lock(m_mutex);
    const std::shared_ptr<const Segment> first = snap.segments().empty() ? nullptr : snap.segments().front();
    if (m_first.lock() != first || m_first.expired() != (first == nullptr)) {
        m_columns.clear();
        m_first = first;
    }
    std::shared_ptr<const intake::IntakeParser> parser = m_parser;
    // Group what must be read: new paths from row 0, known ones from where they stop.
    std::vector<std::shared_ptr<const FieldColumn>> out(paths.size());
    std::map<size_t, std::vector<size_t>> byStart; // first row to read -> indices into paths
    for (size_t k = 0; k < paths.size(); ++k) {
        auto it = m_columns.find(paths[k]);
        if (it != m_columns.end() && it->second->rows >= snap.size()) {
            out[k] = it->second;
            continue;
        }
        if (it != m_columns.end() && it->second->rows > snap.size()) {
            m_columns.erase(it);
            it = m_columns.end();
        }
        byStart[it == m_columns.end() ? 0 : it->second->rows].push_back(k);
    }
    lock.unlock();
    for (const auto &[startRow, ks] : byStart) {
        std::vector<std::string> ps;
        std::vector<std::shared_ptr<const FieldColumn>> base;
        {
            std::lock_guard relock(m_mutex);
            for (size_t k : ks) {
                ps.push_back(paths[k]);
                if (startRow > 0)
                    base.push_back(m_columns[paths[k]]);
            }
        }
        auto got = extractColumns(snap, ps, base, parser.get(), cancel);
        if (got.size() != ps.size())
            return {};
        std::lock_guard relock(m_mutex);
        for (size_t j = 0; j < ks.size(); ++j) {
            out[ks[j]] = got[j];
            auto &slot = m_columns[paths[ks[j]]];
            if (!slot || slot->rows < got[j]->rows)
                slot = got[j];
        }
    }
    return out;
}

std::shared_ptr<const FieldColumn> FieldCache::column(const Snapshot &snap, const std::string &path, const std::atomic<bool> *cancel)
{
    auto cols = columns(snap, {path}, cancel);
    return cols.empty() ? nullptr : cols[0];
}

namespace {

struct CatalogEntry
{
    uint64_t records = 0;
    uint8_t types = 0;
    size_t lastRow = SIZE_MAX;
};

void catalogWalk(od::value v, std::string &path, size_t row, std::unordered_map<std::string, CatalogEntry> &out, int depth,
                 int maxDepth, bool nulls)
{
    od::json_type t;
    if (v.type().get(t))
        return;
    if (t == od::json_type::array) {
        forEachElement(v, [&](od::value e) { catalogWalk(e, path, row, out, depth, maxDepth, nulls); });
        return;
    }
    ValueType vt = ValueType::Null;
    switch (t) {
    case od::json_type::object: vt = ValueType::Object; break;
    case od::json_type::string: vt = ValueType::String; break;
    case od::json_type::number: vt = ValueType::Number; break;
    case od::json_type::boolean: vt = ValueType::Bool; break;
    default: vt = ValueType::Null; break;
    }
    if (depth > 0 && (nulls || vt != ValueType::Null)) { // (the root is no field; a key may be "")
        CatalogEntry &e = out[path];
        if (e.lastRow != row) {
            e.lastRow = row;
            ++e.records;
        }
        e.types |= uint8_t(1u << unsigned(vt));
    }
    if (vt != ValueType::Object || depth >= maxDepth)
        return;
    od::object o;
    if (v.get_object().get(o))
        return;
    for (auto field : o) {
        std::string_view key;
        od::value fv;
        if (field.unescaped_key().get(key) || field.value().get(fv))
            return;
        const size_t keep = path.size();
        if (depth > 0) // (by depth, not by an empty path: {"":{"x":1}} has ".x", as queries name it)
            path += '.';
        path += key;
        catalogWalk(fv, path, row, out, depth + 1, maxDepth, nulls);
        path.resize(keep);
    }
}

} // namespace

std::vector<FieldStat> fieldCatalog(const Snapshot &snap, const std::atomic<bool> *cancel, int maxDepth, bool nulls)
{
    const size_t threads = threadsFor(snap.size());
    std::vector<std::unordered_map<std::string, CatalogEntry>> parts(threads);
    inParts(threads, 0, snap.size(), [&](size_t t, size_t b, size_t e) {
        od::parser jp;
        std::string path;
        forEachRaw(
            snap, b, e,
            [&](size_t row, std::string_view bytes, size_t cap) {
                od::document doc;
                od::value root;
                if (bytes.empty() || jp.iterate(bytes.data(), bytes.size(), cap).get(doc) || doc.get_value().get(root))
                    return;
                path.clear();
                catalogWalk(root, path, row, parts[t], 0, maxDepth, nulls);
            },
            cancel);
    });
    std::unordered_map<std::string, CatalogEntry> all = std::move(parts[0]);
    for (size_t t = 1; t < threads; ++t)
        for (auto &[p, e] : parts[t]) {
            CatalogEntry &a = all[p];
            a.records += e.records;
            a.types |= e.types;
        }
    std::vector<FieldStat> out;
    out.reserve(all.size());
    for (auto &[p, e] : all)
        out.push_back({p, e.records, e.types});
    std::sort(out.begin(), out.end(), [](const FieldStat &a, const FieldStat &b) { return a.path < b.path; });
    return out;
}

std::vector<std::pair<uint32_t, uint64_t>> topValues(const FieldColumn &col, const std::vector<uint32_t> *rows, size_t n)
{
    std::vector<uint64_t> counts(col.values.size(), 0);
    const auto countRow = [&](size_t r) {
        if (r >= col.rows)
            return;
        for (uint32_t k = col.start[r]; k < col.start[r + 1]; ++k)
            ++counts[col.ids[k]];
    };
    if (rows)
        for (uint32_t r : *rows)
            countRow(r);
    else
        for (size_t r = 0; r < col.rows; ++r)
            countRow(r);
    std::vector<std::pair<uint32_t, uint64_t>> out;
    for (uint32_t id = 0; id < counts.size(); ++id)
        if (counts[id])
            out.emplace_back(id, counts[id]);
    const auto cmp = [&](const auto &a, const auto &b) {
        return a.second != b.second ? a.second > b.second : col.values[a.first].text < col.values[b.first].text;
    };
    if (n && out.size() > n) {
        std::partial_sort(out.begin(), out.begin() + long(n), out.end(), cmp);
        out.resize(n);
    } else {
        std::sort(out.begin(), out.end(), cmp);
    }
    return out;
}

} // namespace auditlens::query
