// SPDX-License-Identifier: MIT
// The trail table's queries and their answers: stats, search, and the views' requests
// (counts, buckets, pages, one record's raw bytes) as SQL, and the parsing of what comes back.
// The table itself (its columns, init, the rows ship writes) is trail.cpp.
#include "trail.h"

#include "client.h"
#include "kqlsql.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <unordered_map>

namespace auditlens::clickhouse {

namespace {

/// The trail's records that pass `where`, each once: the copies of a record that ClickHouse has
/// not merged yet collapse as its merges will, by the table's key (account, time, ID). With no
/// constraint, FINAL (a sort-merge of the parts, no hash of every ID); with one, the rows that
/// pass it are read first and only then one kept per key (LIMIT 1 BY: copies are the same
/// record), which is faster than FINAL with its constraint tested as the parts are merged (a text
/// search over 1M records: 1.3 s against 3.3 s; one actor: 0.07 against 0.15 s). `columns`: what
/// the rows read give the query around them. The constraint goes in WHERE (ClickHouse moves what
/// it can to PREWHERE): a Distributed table's PREWHERE lost the key's columns on 18.16.
// `arrays`: `columns` reads the field arrays, which FINAL's merge of the parts copies slowly
// (the field list of 1M records: 3.4 s with FINAL, 0.8 s with LIMIT 1 BY), so never FINAL.
QByteArray recordsFrom(const TrailTable &t, const QByteArray &columns, const QByteArray &arrayJoin, const QByteArray &where,
                       bool arrays = false)
{
    if (where == "1" && !arrays)
        return t.qualified() + " FINAL" + arrayJoin;
    return "(SELECT " + columns + " FROM " + t.qualified() + " WHERE " + where + " LIMIT 1 BY time_ns, id, account)" + arrayJoin;
}

} // namespace

QByteArray statsSummarySql(const TrailTable &t)
{
    // -9223372036854775808 (INT64_MIN) is the store's "no time"
    return "SELECT count(), countIf(time_ns < -9223372036854775807), minIf(time_ns, time_ns >= -9223372036854775807), "
           "maxIf(time_ns, time_ns >= -9223372036854775807), countIf(schema = 0), countIf(schema = 1), "
           "countIf(schema = 2), countIf(result = 0), countIf(result = 1), countIf(result = 2) FROM "
        + recordsFrom(t, {}, {}, "1") + " FORMAT TabSeparated";
}

QByteArray statsTopSql(const TrailTable &t, int k, uint64_t n)
{
    static const char *const cols[] = {"actor", "action", "resource_type"};
    const QByteArray c = cols[std::clamp(k, 0, 2)];
    QByteArray sql = "SELECT " + c + " AS v, count() AS n FROM " + recordsFrom(t, {}, {}, "1") + " GROUP BY v ORDER BY n DESC, v ASC";
    if (n)
        sql += " LIMIT " + QByteArray::number(qulonglong(n));
    return sql + " FORMAT TabSeparated";
}

std::string unescapeTsv(std::string_view f)
{
    std::string out;
    out.reserve(f.size());
    for (size_t i = 0; i < f.size(); ++i) {
        if (f[i] != '\\' || i + 1 == f.size()) {
            out += f[i];
            continue;
        }
        const char c = f[++i];
        switch (c) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case '0': out += '\0'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        default: out += c; break; // \\ \' and anything else: the character itself
        }
    }
    return out;
}

namespace {

std::vector<std::string_view> splitTabs(std::string_view line)
{
    std::vector<std::string_view> out;
    size_t b = 0;
    for (;;) {
        const size_t e = line.find('\t', b);
        out.push_back(line.substr(b, e == std::string_view::npos ? std::string_view::npos : e - b));
        if (e == std::string_view::npos)
            return out;
        b = e + 1;
    }
}


} // namespace

bool parseStatsSummary(const QByteArray &tsv, TrailStats &out, std::string &error)
{
    std::string_view line(tsv.constData(), size_t(tsv.size()));
    while (!line.empty() && line.back() == '\n')
        line.remove_suffix(1);
    const auto f = splitTabs(line);
    bool ok = f.size() == 10 && readNumber(f[0], out.records) && readNumber(f[1], out.noTime) && readNumber(f[2], out.from)
        && readNumber(f[3], out.to);
    for (size_t k = 0; ok && k < 3; ++k)
        ok = readNumber(f[4 + k], out.schemas[k]) && readNumber(f[7 + k], out.results[k]);
    if (!ok)
        error = "unexpected answer from ClickHouse to the stats query: " + std::string(line.substr(0, 200));
    return ok;
}

bool parseStatsTop(const QByteArray &tsv, std::vector<std::pair<std::string, uint64_t>> &out, std::string &error)
{
    std::string_view all(tsv.constData(), size_t(tsv.size()));
    out.clear();
    while (!all.empty()) {
        const size_t nl = all.find('\n');
        const std::string_view line = all.substr(0, nl);
        all.remove_prefix(nl == std::string_view::npos ? all.size() : nl + 1);
        const size_t tab = line.rfind('\t');
        uint64_t n = 0;
        if (tab == std::string_view::npos || !readNumber(line.substr(tab + 1), n)) {
            error = "unexpected answer from ClickHouse to a top-values query: " + std::string(line.substr(0, 200));
            return false;
        }
        out.emplace_back(unescapeTsv(line.substr(0, tab)), n);
    }
    return true;
}

bool isTrailColumn(const std::string &name)
{
    static const char *const names[] = {"actor", "action", "resource_type", "actor_type", "interface",
                                        "source_ip", "account", "source", "id"};
    for (const char *n : names)
        if (name == n)
            return true;
    return false;
}

namespace {

QByteArray whereOf(const TrailQuery &q)
{
    QByteArray w = "1";
    if (!q.text.empty())
        w += " AND " + textSql(q.text);
    if (!q.kql.empty())
        w += " AND " + kqlToSql(q.kql).where;
    for (const auto &[col, value] : q.equals)
        if (isTrailColumn(col))
            w += " AND " + QByteArray::fromStdString(col) + " = " + quoteString(value);
    // the same bounds on `time` too, so that ClickHouse skips the months outside them
    auto second = [](int64_t ns) { return QByteArray::number(qlonglong(std::clamp<int64_t>(ns / 1000000000, 0, 4294967295LL))); };
    if (q.from != INT64_MIN)
        w += " AND time_ns >= " + QByteArray::number(qlonglong(q.from)) + " AND time >= toDateTime(" + second(q.from) + ")";
    if (q.to != INT64_MAX)
        w += " AND time_ns <= " + QByteArray::number(qlonglong(q.to)) + " AND time <= toDateTime(" + second(q.to) + ")";
    if (q.result >= 0)
        w += " AND result = " + QByteArray::number(q.result);
    return w;
}

} // namespace

QByteArray searchSql(const TrailTable &t, const TrailQuery &q)
{
    QByteArray sql = "SELECT raw FROM " + recordsFrom(t, "raw, time_ns, id", {}, whereOf(q)) + " ORDER BY time_ns, id";
    if (q.limit)
        sql += " LIMIT " + QByteArray::number(qulonglong(q.limit));
    return sql + " FORMAT TabSeparated";
}

QByteArray countSql(const TrailTable &t, const TrailQuery &q)
{
    return "SELECT count() FROM " + recordsFrom(t, "1", {}, whereOf(q)) + " FORMAT TabSeparated";
}

namespace {

// the table's column for each Column, in Column's order
const char *const kColumnSql[kColumnCount] = {"actor",     "action",    "resource_type", "actor_type",
                                              "interface", "source_ip", "account",       "source"};

QByteArray num(int64_t v)
{
    return QByteArray::number(qlonglong(v));
}

QByteArray valueList(const std::vector<std::string> &vs)
{
    QByteArray out;
    for (const std::string &v : vs) {
        if (!out.isEmpty())
            out += ", ";
        out += quoteString(v);
    }
    return out;
}

std::vector<std::string_view> lines(const QByteArray &tsv)
{
    std::vector<std::string_view> out;
    std::string_view all(tsv.constData(), size_t(tsv.size()));
    while (!all.empty()) {
        const size_t nl = all.find('\n');
        out.push_back(all.substr(0, nl));
        all.remove_prefix(nl == std::string_view::npos ? all.size() : nl + 1);
    }
    return out;
}

/// The filter tests the raw record (a text search, a query): too costly to test twice, and
/// its rows best found before their copies collapse.
bool readsRawRecord(const TrailFilter &f)
{
    return !f.text.empty() || !f.query.empty();
}

} // namespace

QByteArray trailWhere(const TrailFilter &f, const std::vector<bool> &skip)
{
    TrailQuery q;
    q.text = f.text;
    q.from = f.from;
    q.to = f.to;
    q.result = f.withoutResult ? int(Result::Unknown) : f.result == Result::Unknown ? -1 : int(f.result);
    q.kql = f.query;
    QByteArray w = whereOf(q);
    for (size_t c = 0; c < kColumnCount; ++c)
        if (c >= skip.size() || !skip[c])
            if (const QByteArray own = columnConstraint(f, Column(c)); own != "1")
                w += " AND " + own;
    return w;
}

QByteArray columnConstraint(const TrailFilter &f, Column col)
{
    const size_t c = std::min(size_t(col), kColumnCount - 1);
    QByteArray w;
    if (!f.include[c].empty())
        w += QByteArray(kColumnSql[c]) + " IN (" + valueList(f.include[c]) + ")";
    if (!f.exclude[c].empty())
        w += (w.isEmpty() ? "" : " AND ") + QByteArray(kColumnSql[c]) + " NOT IN (" + valueList(f.exclude[c]) + ")";
    return w.isEmpty() ? QByteArray("1") : w;
}

QByteArray trailCountsSql(const TrailTable &t, const TrailFilter &f, const std::vector<Column> &facets, size_t topN)
{
    // One pass over the rows: each row is joined to one line per answer, (0, '') for the
    // total, (1, '') for the match count and (2 + k, its value of facet k), kept when the row
    // passes the constraints that line counts under (none; all of them; all but facet k's). One
    // scan of the table (FINAL, its costliest part), not one per facet. A filter that reads the
    // raw record (text, KQL), with the constraints of the columns that are no facet, is tested
    // first instead (recordsFrom), so that the rows it drops are read no further, and the
    // total is then a second branch over the whole table. Every branch gives
    // (UInt32, String, UInt64), as UNION ALL needs on 18.16.
    std::vector<bool> facet(kColumnCount, false);
    std::vector<QByteArray> own;
    for (Column c : facets) {
        facet[std::min(size_t(c), kColumnCount - 1)] = true;
        own.push_back(columnConstraint(f, c));
    }
    const bool readsRaw = readsRawRecord(f);
    const QByteArray rest = trailWhere(f, facet); // the constraints of the columns that are no facet
    auto allBut = [&](size_t skip) {
        QByteArray w = readsRaw || rest == "1" ? QByteArray() : rest;
        for (size_t k = 0; k < own.size(); ++k)
            if (k != skip && own[k] != "1")
                w += (w.isEmpty() ? "" : " AND ") + own[k];
        return w.isEmpty() ? QByteArray("1") : "(" + w + ")";
    };
    // the lines: (k, v, p) each
    std::vector<std::array<QByteArray, 3>> lines;
    if (!readsRaw)
        lines.push_back({"toUInt32(0)", "''", "1"});
    lines.push_back({"toUInt32(1)", "''", allBut(facets.size())});
    for (size_t k = 0; k < facets.size(); ++k)
        lines.push_back({num(int64_t(k) + 2), kColumnSql[std::min(size_t(facets[k]), kColumnCount - 1)], allBut(k)});
    QByteArray ks, vs, ps;
    for (const auto &[key, value, passes] : lines) {
        const char *sep = ks.isEmpty() ? "[" : ", ";
        ks += sep + key;
        vs += sep + value;
        ps += sep + passes;
    }
    const QByteArray join = " ARRAY JOIN " + ks + "] AS k, " + vs + "] AS v, " + ps + "] AS p";
    QByteArray read = "time_ns"; // what the lines need of a record read under the constraints
    for (size_t c = 0; c < kColumnCount; ++c)
        if (facet[c])
            read += ", " + QByteArray(kColumnSql[c]);
    // the match line's v: the matched records' time extent, "<timed> <min> <max>" (minIf of no row is 0)
    QByteArray sql = "SELECT k, if(k = 1, concat(toString(tc), ' ', toString(lo), ' ', toString(hi)), v) AS v, n FROM "
                     "(SELECT k, v, count() AS n, countIf(time_ns >= -9223372036854775807) AS tc, "
                     "minIf(time_ns, time_ns >= -9223372036854775807) AS lo, maxIf(time_ns, time_ns >= -9223372036854775807) AS hi FROM "
        + recordsFrom(t, read, join, readsRaw ? rest : QByteArray("1")) + " WHERE p GROUP BY k, v ORDER BY k ASC, n DESC, v ASC";
    if (topN)
        sql += " LIMIT " + QByteArray::number(qulonglong(topN)) + " BY k";
    sql += ")";
    if (readsRaw)
        sql += "\nUNION ALL SELECT toUInt32(0) AS k, '' AS v, count() AS n FROM " + recordsFrom(t, {}, {}, "1");
    return sql + "\nFORMAT TabSeparated";
}

namespace {

/// "<timed> <min> <max>" of the counts query: first and last stay kNoTime when none is timed.
bool parseExtent(std::string_view v, TrailCounts &out)
{
    const size_t a = v.find(' '), b = a == std::string_view::npos ? a : v.find(' ', a + 1);
    uint64_t timed = 0;
    int64_t lo = 0, hi = 0;
    if (b == std::string_view::npos || !readNumber(v.substr(0, a), timed) || !readNumber(v.substr(a + 1, b - a - 1), lo)
        || !readNumber(v.substr(b + 1), hi))
        return false;
    if (timed)
        out.first = lo, out.last = hi;
    return true;
}

} // namespace

bool parseTrailCounts(const QByteArray &tsv, size_t facets, TrailCounts &out, std::string &error)
{
    out.top.assign(facets, {});
    bool seenTotal = false;
    out.matched = 0;
    for (std::string_view line : lines(tsv)) {
        const auto f = splitTabs(line);
        uint32_t k = 0;
        uint64_t n = 0;
        if (f.size() != 3 || !readNumber(f[0], k) || !readNumber(f[2], n) || k >= facets + 2) {
            error = "unexpected answer from ClickHouse to the counts query: " + std::string(line.substr(0, 200));
            return false;
        }
        if (k == 0)
            out.total = n, seenTotal = true;
        else if (k == 1)
            if (!parseExtent(f[1], out)) {
                error = "unexpected answer from ClickHouse to the counts query: " + std::string(line.substr(0, 200));
                return false;
            } else {
                out.matched = n;
            }
        else
            out.top[k - 2].emplace_back(unescapeTsv(f[1]), n);
    }
    // UNION ALL gives its branches in any order: each facet's own order is restored here
    for (auto &top : out.top)
        std::sort(top.begin(), top.end(), [](const auto &a, const auto &b) {
            return a.second != b.second ? a.second > b.second : a.first < b.first;
        });
    // no line (1, …): no row passed the filter (no extent either)
    if (!seenTotal) {
        error = "unexpected answer from ClickHouse to the counts query: no total";
        return false;
    }
    return true;
}

QByteArray trailBucketsSql(const TrailTable &t, const TrailFilter &f, int64_t from, int64_t to, int n)
{
    const int64_t w = trailBucketWidth(from, to, n);
    // (time_ns - from wraps in Int64; as UInt64 it is the exact distance, time_ns >= from)
    return "SELECT if(time_ns < -9223372036854775807, toInt64(-1), toInt64(intDiv(toUInt64(time_ns - toInt64(" + num(from)
        + ")), toUInt64(" + QByteArray::number(qulonglong(w)) + ")))) AS b, count() FROM "
        + recordsFrom(t, "time_ns", {}, trailWhere(f)) + " WHERE time_ns < -9223372036854775807 OR (time_ns >= " + num(from)
        + " AND time_ns <= " + num(to) + ") GROUP BY b FORMAT TabSeparated";
}

bool parseTrailBuckets(const QByteArray &tsv, int64_t from, int64_t to, int n, TrailBuckets &out, std::string &error)
{
    out.from = from;
    out.width = trailBucketWidth(from, to, n);
    out.counts.assign(size_t(std::max(n, 0)), 0);
    out.noTime = 0;
    for (std::string_view line : lines(tsv)) {
        const auto f = splitTabs(line);
        int64_t b = 0;
        uint64_t c = 0;
        if (f.size() != 2 || !readNumber(f[0], b) || !readNumber(f[1], c) || b < -1 || b >= int64_t(out.counts.size())) {
            error = "unexpected answer from ClickHouse to the buckets query: " + std::string(line.substr(0, 200));
            return false;
        }
        if (b < 0)
            out.noTime += c;
        else
            out.counts[size_t(b)] += c;
    }
    return true;
}

namespace {

/// How many rows a page's query reads for n rows: room for every record to have one copy not
/// merged yet; with more copies the page is shorter, and the next one goes on after it.
size_t pageWindow(size_t n)
{
    return 2 * (n + 1);
}

} // namespace

QByteArray trailPageSql(const TrailTable &t, const TrailFilter &f, const TrailKey &after, size_t n, bool descending,
                        bool resourceIds, bool withRaw, int sortColumn)
{
    const bool byColumn = sortColumn >= 0 && sortColumn < int(kColumnCount);
    QByteArray w = trailWhere(f);
    const char *op = descending ? " < " : " > ";
    const QByteArray afterTime = "(time_ns" + QByteArray(op) + num(after.time) + " OR (time_ns = " + num(after.time) + " AND id" + op
        + quoteString(after.id) + "))";
    const QByteArray col = byColumn ? QByteArray(kColumnSql[sortColumn]) : QByteArray();
    if (after.valid && byColumn)
        w += " AND (" + col + op + quoteString(after.value) + " OR (" + col + " = " + quoteString(after.value) + " AND " + afterTime + "))";
    else if (after.valid)
        w += " AND " + afterTime;
    const QByteArray dir = descending ? " DESC" : " ASC";
    const QByteArray order = (byColumn ? " ORDER BY " + col + dir + "," : QByteArray(" ORDER BY")) + " time_ns" + dir + ", id" + dir;
    const QByteArray limit = " LIMIT " + QByteArray::number(qulonglong(pageWindow(n)));
    const QByteArray columns = "SELECT time_ns, id, result, schema, actor, action, resource_type, actor_type, interface, "
                               "source_ip, account, source, "
        + QByteArray(resourceIds ? "resource_id" : "''") + (withRaw ? ", raw" : "") + " FROM " + t.qualified();
    if (readsRawRecord(f)) {
        // A filter that reads the raw record: the rows that pass it, a top-N sort of them
        // (their other columns are read only where it holds). One query with no subquery,
        // which 18.16 stops at once when it is killed (a query building the set of an IN
        // subquery went on to its end).
        return columns + " WHERE " + w + order + limit + " FORMAT TabSeparated";
    }
    if (byColumn) {
        // Ordered by a column, under column constraints: the window's bound on that column
        // first, from the column alone (the last value among the window's rows: no row of the
        // page lies past it), then a top-N sort of the rows within it only, instead of one of
        // every row with all its columns (first page by actor on 1M records: 101 -> 80 ms).
        // After a key, the bound is found among the rows strictly past its value (a simple
        // condition, tested on the column alone: the exact one over every row cost 40 ms more),
        // the window-th of them, and never below the key's own value (rows of it may follow the
        // key): the page after one by actor, 117 -> 88 ms.
        const QByteArray value = quoteString(after.value);
        const QByteArray past = col + op + value, from = col + (descending ? " <= " : " >= ") + value;
        const QByteArray pick = "(SELECT " + QByteArray(descending ? "min(" : "max(") + col + ") FROM (SELECT " + col + " FROM "
            + t.qualified() + (after.valid ? " PREWHERE " + past : QByteArray()) + " WHERE " + trailWhere(f) + " ORDER BY " + col + dir
            + limit + "))";
        // (18.16's greatest() and least() take no strings)
        const QByteArray bound = after.valid ? QByteArray(descending ? "arrayReduce('min', [" : "arrayReduce('max', [") + value + ", "
                + pick + "])"
                                             : pick;
        return columns + " PREWHERE " + (after.valid ? from + " AND " : QByteArray()) + col + (descending ? " >= " : " <= ") + bound
            + " WHERE " + w + order + limit + " FORMAT TabSeparated";
    }
    // A filter of columns only, cheap to test twice: the window's time bound first, from
    // time_ns alone (the window's last time among the rows strictly before the key's time:
    // never past the page's own last time, so no row of the page is cut), then the page's rows
    // read only at or past that bound, instead of a top-N sort of every row's key.
    QByteArray w0 = trailWhere(f);
    if (after.valid)
        w0 += " AND time_ns" + QByteArray(op) + num(after.time);
    const QByteArray none = after.valid ? num(after.time) : QByteArray(descending ? "-9223372036854775807" : "9223372036854775807");
    const QByteArray bound = "(SELECT if(count() = 0, toInt64(" + none + "), " + (descending ? "min" : "max")
        + "(time_ns)) FROM (SELECT time_ns FROM " + t.qualified() + " WHERE " + w0
        + (descending ? " ORDER BY time_ns DESC" : " ORDER BY time_ns ASC") + limit + "))";
    return columns + " PREWHERE time_ns " + (descending ? ">= " : "<= ") + bound + " WHERE " + w + order + limit
        + " FORMAT TabSeparated";
}

bool parseTrailPage(const QByteArray &tsv, size_t n, TrailPage &out, std::string &error, bool withRaw)
{
    const size_t fields = withRaw ? 14 : 13;
    out.rows.clear();
    out.more = false;
    size_t read = 0;
    for (std::string_view line : lines(tsv)) {
        ++read;
        const auto f = splitTabs(line);
        TrailRow row;
        unsigned r = 0, s = 0;
        if (f.size() != fields || !readNumber(f[0], row.time) || !readNumber(f[2], r) || !readNumber(f[3], s) || r > 2 || s > 2) {
            error = "unexpected answer from ClickHouse to the page query: " + std::string(line.substr(0, 200));
            return false;
        }
        row.id = unescapeTsv(f[1]);
        if (!out.rows.empty() && out.rows.back().time == row.time && out.rows.back().id == row.id)
            continue; // a copy not merged yet
        if (out.rows.size() == n) {
            out.more = true;
            break;
        }
        row.result = Result(r);
        row.schema = Schema(s);
        for (size_t c = 0; c < kColumnCount; ++c)
            row.values[c] = unescapeTsv(f[4 + c]);
        row.resourceId = unescapeTsv(f[12]);
        if (withRaw)
            row.raw = unescapeTsv(f[13]);
        out.rows.push_back(std::move(row));
    }
    // a full window may have ended inside a run of copies: rows may follow it
    out.more = out.more || read >= pageWindow(n);
    return true;
}

QByteArray trailRawSql(const TrailTable &t, const std::string &id, int64_t time)
{
    // by its time first (PREWHERE: the 8 bytes of time_ns a row read, not its ID: 70 -> 10 ms on
    // 1M records), then its ID
    const QByteArray byId = " WHERE id = " + quoteString(id);
    const QByteArray sql = "SELECT raw FROM " + t.qualified() + (time != kNoTime ? " PREWHERE time_ns = " + num(time) + byId : byId);
    return sql + " LIMIT 1 FORMAT TabSeparated";
}

} // namespace auditlens::clickhouse

namespace auditlens::clickhouse {

QByteArray trailFieldsSql(const TrailTable &t, bool names)
{
    // each key once a record (arrayEnumerateUniq: its first occurrence in the row), its types
    // as bits; the names from every copy (a name is a path's, whichever copy holds it)
    QByteArray sql = "SELECT toUInt8(0) AS w, k, toUInt64(countIf(u = 1)) AS n, toUInt64(groupBitOr(bitShiftLeft(toUInt8(1), ty))) "
                     "AS b, '' AS p FROM "
        + recordsFrom(t, "field_key, field_type", " ARRAY JOIN field_key AS k, field_type AS ty, arrayEnumerateUniq(field_key) AS u",
                      "1", true)
        + " GROUP BY k";
    if (names)
        sql += "\nUNION ALL SELECT toUInt8(1) AS w, toUInt64(0) AS k, toUInt64(0) AS n, toUInt64(0) AS b, p FROM (SELECT DISTINCT p FROM "
            + t.qualified() + " ARRAY JOIN field_names AS p)";
    return sql + " FORMAT TabSeparated";
}

bool parseTrailFields(const QByteArray &tsv, TrailFields &out, std::string &error)
{
    out = {};
    struct Stat
    {
        uint64_t records = 0, types = 0;
    };
    std::unordered_map<uint64_t, Stat> keys;
    std::vector<std::string> names;
    for (std::string_view line : lines(tsv)) {
        const auto f = splitTabs(line);
        unsigned w = 0;
        uint64_t k = 0;
        Stat s;
        if (f.size() != 5 || !readNumber(f[0], w) || w > 1 || !readNumber(f[1], k) || !readNumber(f[2], s.records)
            || !readNumber(f[3], s.types)) {
            error = "unexpected answer from ClickHouse to the field list query: " + std::string(line.substr(0, 200));
            return false;
        }
        if (w == 0)
            keys[k] = s;
        else
            names.push_back(unescapeTsv(f[4]));
    }
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    size_t named = 0;
    for (std::string &p : names)
        if (auto it = keys.find(fieldKey(p)); it != keys.end()) {
            out.fields.push_back({std::move(p), it->second.records, uint8_t(it->second.types & 0x1e)}); // (never Null)
            ++named;
        }
    out.unnamed = keys.size() - std::min(keys.size(), named);
    return true;
}

QByteArray trailValuesSql(const TrailTable &t, const TrailFilter &f, const std::string &path, size_t n)
{
    using query::ValueType;
    // each row's values of the path picked out of its arrays first (before its copies collapse
    // and the rest is joined: 0.8 s for 1M records against 2.6 s)
    const QByteArray keep = "k = " + QByteArray::number(qulonglong(fieldKey(path))) + " AND y IN (" + num(int(ValueType::Bool)) + ", "
        + num(int(ValueType::Number)) + ", " + num(int(ValueType::String)) + ")";
    QByteArray sql = "SELECT ty, txt, count() AS c FROM "
        + recordsFrom(t,
                      "arrayFilter((x, k, y) -> " + keep + ", field_text, field_key, field_type) AS ts, arrayFilter((y, k) -> " + keep
                          + ", field_type, field_key) AS ys",
                      " ARRAY JOIN ts AS txt, ys AS ty", trailWhere(f), true)
        + " GROUP BY ty, txt ORDER BY c DESC, txt ASC, ty ASC";
    if (n)
        sql += " LIMIT " + QByteArray::number(qulonglong(n));
    return sql + " FORMAT TabSeparated";
}

bool parseTrailValues(const QByteArray &tsv, TrailValues &out, std::string &error)
{
    out.top.clear();
    for (std::string_view line : lines(tsv)) {
        const auto f = splitTabs(line);
        unsigned ty = 0;
        TrailValue v;
        if (f.size() != 3 || !readNumber(f[0], ty) || ty < 1 || ty > 3 || !readNumber(f[2], v.count)) {
            error = "unexpected answer from ClickHouse to the field values query: " + std::string(line.substr(0, 200));
            return false;
        }
        v.type = query::ValueType(ty);
        v.text = unescapeTsv(f[1]);
        out.top.push_back(std::move(v));
    }
    return true;
}

} // namespace auditlens::clickhouse
