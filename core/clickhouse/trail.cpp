// SPDX-License-Identifier: MIT
#include "trail.h"

#include "client.h"
#include "kqlsql.h"
#include "query/flatfields.h"

#include <QCryptographicHash>
#include <QFile>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace auditlens::clickhouse {

QByteArray TrailTable::qualified() const
{
    return quoteIdent(database) + '.' + quoteIdent(table);
}

QByteArray TrailTable::qualifiedLocal() const
{
    return quoteIdent(database) + '.' + quoteIdent(localTable());
}

namespace {

// time_ns: the store's nanoseconds (INT64_MIN: no time); time: its second, clamped to
// DateTime's range, for the monthly partitions. The columns after `source` came later: a table
// made before them gets them from `clickhouse init` (upgradeStatements), in this order.
// fields_shipped: kFieldsShipped when the arrays after it were written as they are now (0 on rows
// shipped before they existed, 1 by the releases that wrote a number and a time for every value);
// field_*: the record's values (query::flattenFields), what KQL is tested on (kqlsql.h), each
// under its path's fieldKey, field_type a query::ValueType; number_* the numbers among them,
// time_* those that read as a time; field_names the paths of the keys that this row is the
// first of its batch to have (so each batch names every key it writes, and a record's last copy
// names what its batch met first: the names survive the merges). (Releases with fields_shipped 1 wrote the paths as strings
// and a number and a time for every value: a third more bytes, for the server to write.)
struct ColumnDef
{
    const char *name, *type;
};
constexpr ColumnDef kColumnDefs[] = {
    {"time_ns", "Int64"},        {"time", "DateTime"},          {"id", "String"},
    {"schema", "UInt8"},         {"result", "UInt8"},           {"actor", "String"},
    {"action", "String"},        {"resource_type", "String"},   {"actor_type", "String"},
    {"interface", "String"},     {"source_ip", "String"},       {"account", "String"},
    {"source", "String"},        {"resource_id", "String"},     {"raw", "String"},
    {"fields_shipped", "UInt8"}, {"field_key", "Array(UInt64)"}, {"field_type", "Array(UInt8)"},
    {"field_text", "Array(String)"}, {"number_key", "Array(UInt64)"}, {"number_value", "Array(Float64)"},
    {"time_key", "Array(UInt64)"}, {"time_value", "Array(Int64)"}, {"field_names", "Array(String)"},
};
constexpr size_t kFirstLaterColumn = 13; // resource_id

QByteArray columnsDdl()
{
    QByteArray out = "(\n";
    for (const ColumnDef &c : kColumnDefs)
        out += QByteArray("    ") + c.name + ' ' + c.type + (&c == std::end(kColumnDefs) - 1 ? "\n" : ",\n");
    return out + ")";
}

QByteArray insertColumns()
{
    QByteArray out = "(";
    for (const ColumnDef &c : kColumnDefs)
        out += QByteArray(&c == kColumnDefs ? "" : ", ") + c.name;
    return out + ")";
}

void appendEscaped(QByteArray &out, std::string_view s)
{
    size_t run = 0;
    for (size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        const char *esc = nullptr;
        switch (c) {
        case '\\': esc = "\\\\"; break;
        case '\t': esc = "\\t"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\0': esc = "\\0"; break;
        default: continue;
        }
        out.append(s.data() + run, qsizetype(i - run));
        out.append(esc);
        run = i + 1;
    }
    out.append(s.data() + run, qsizetype(s.size() - run));
}

template<typename T>
void appendNumber(QByteArray &out, T v)
{
    char buf[24];
    auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, qsizetype(p - buf));
}

} // namespace

std::vector<QByteArray> initStatements(const TrailTable &t, bool onCluster)
{
    std::vector<QByteArray> out;
    const QByteArray on = !t.cluster.isEmpty() && onCluster ? " ON CLUSTER " + quoteIdent(t.cluster) : QByteArray();
    if (t.database != QLatin1String("default"))
        out.push_back("CREATE DATABASE IF NOT EXISTS " + quoteIdent(t.database) + on);
    out.push_back("CREATE TABLE IF NOT EXISTS " + t.qualifiedLocal() + on + "\n" + columnsDdl()
                  + "\nENGINE = ReplacingMergeTree()\nPARTITION BY toYYYYMM(time)\nORDER BY (account, time_ns, id)");
    if (!t.cluster.isEmpty())
        out.push_back("CREATE TABLE IF NOT EXISTS " + t.qualified() + on + "\n" + columnsDdl() + "\nENGINE = Distributed("
                      + quoteString(t.cluster.toStdString()) + ", " + quoteString(t.database.toStdString()) + ", "
                      + quoteString(t.localTable().toStdString()) + ", cityHash64(id))");
    return out;
}

std::vector<QByteArray> upgradeStatements(const TrailTable &t, const QByteArray &table, const std::vector<std::string> &present,
                                          bool onCluster)
{
    const QByteArray on = !t.cluster.isEmpty() && onCluster ? " ON CLUSTER " + quoteIdent(t.cluster) : QByteArray();
    // 18.16 has no ADD COLUMN IF NOT EXISTS: the caller lists the columns first (tableColumnsSql)
    std::vector<QByteArray> out;
    for (size_t k = kFirstLaterColumn; k < std::size(kColumnDefs); ++k)
        if (std::find(present.begin(), present.end(), kColumnDefs[k].name) == present.end())
            out.push_back("ALTER TABLE " + quoteIdent(t.database) + '.' + quoteIdent(QString::fromUtf8(table)) + on
                          + " ADD COLUMN " + kColumnDefs[k].name + ' ' + kColumnDefs[k].type + " AFTER "
                          + kColumnDefs[k - 1].name);
    return out;
}

QByteArray tableColumnsSql(const TrailTable &t, const QByteArray &table)
{
    return "SELECT name FROM system.columns WHERE database = " + quoteString(t.database.toStdString())
        + " AND table = " + quoteString(table.toStdString()) + " FORMAT TabSeparated";
}

QByteArray insertSql(const TrailTable &t, InsertFormat f)
{
    return "INSERT INTO " + t.qualified() + ' ' + insertColumns() + (f == InsertFormat::RowBinary ? " FORMAT RowBinary" : " FORMAT TabSeparated");
}

namespace {

/// Room in `out` for rows [from, to) of `snap`: their raw size, three times over.
void reserveRows(QByteArray &out, const Snapshot &snap, size_t from, size_t to)
{
    uint64_t bytes = 0;
    const uint64_t rows = to > from ? to - from : 0;
    while (from < to) {
        auto [seg, i0] = snap.locate(from);
        const size_t n = std::min(seg->size() - i0, to - from);
        for (size_t i = i0; i < i0 + n; ++i)
            bytes += seg->len[i];
        from += n;
    }
    out.reserve(qsizetype(std::min<uint64_t>(uint64_t(out.size()) + bytes * 3 + 256 * rows, 1ull << 30)));
}

/// TabSeparated: fields escaped, tabs between, a line end after each row.
struct TsvWriter
{
    QByteArray &out;
    bool first = true;
    void reserveFor(const Snapshot &snap, size_t from, size_t to) { reserveRows(out, snap, from, to); }
    void sep()
    {
        if (!first)
            out += '\t';
        first = false;
    }
    void beginRow(size_t) {}
    void int64(int64_t v) { sep(), appendNumber(out, v); }
    void dateTime(uint32_t v) { sep(), appendNumber(out, v); }
    void uint8(uint8_t v) { sep(), appendNumber(out, v); }
    void str(std::string_view v) { sep(), appendEscaped(out, v); }
    /// [v, …] of the items `keep` takes: strings quoted ('…', with \' and the escapes above),
    /// numbers as text
    template<typename T, typename Keep, typename Get>
    void array(const std::vector<T> &items, Keep keep, Get get)
    {
        sep();
        out += '[';
        bool firstItem = true;
        for (const T &i : items)
            if (keep(i)) {
                if (!firstItem)
                    out += ',';
                firstItem = false;
                element(get(i));
            }
        out += ']';
    }
    void element(std::string_view v)
    {
        out += '\'';
        for (char c : v) {
            if (c == '\'')
                out += '\\';
            appendEscaped(out, std::string_view(&c, 1));
        }
        out += '\'';
    }
    void element(uint8_t v) { appendNumber(out, v); }
    void element(int64_t v) { appendNumber(out, v); }
    void element(uint64_t v) { appendNumber(out, v); }
    void element(double v)
    {
        // the shortest text that reads back as v (TabSeparated is for reading; ship sends RowBinary)
        char buf[32];
        const auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
        out.append(buf, qsizetype(p - buf));
    }
    void endRow()
    {
        out += '\n';
        first = true;
    }
};

/// RowBinary: little-endian numbers, strings as a LEB128 length and their bytes (nothing to
/// escape, nothing for the server to unescape). Each row is written into room made for it at
/// once (beginRow: about what it takes), not appended value by value; a write that would pass
/// that room makes more.
struct RowBinaryWriter
{
    QByteArray &out;
    char *p = nullptr, *end = nullptr;
    void reserveFor(const Snapshot &snap, size_t from, size_t to) { reserveRows(out, snap, from, to); }
    void beginRow(size_t bound) { room(bound); }
    /// at least n bytes writable at p
    void room(size_t n)
    {
        if (p && size_t(end - p) >= n)
            return;
        const qsizetype at = p ? qsizetype(p - out.constData()) : out.size();
        out.resize(at + qsizetype(std::max<size_t>(n, 4096))); // (the bytes past the row are cut at endRow)
        p = out.data() + at;
        end = out.data() + out.size();
    }
    template<typename T>
    void le(T v)
    {
        room(sizeof(T));
        for (size_t i = 0; i < sizeof(T); ++i)
            *p++ = char((uint64_t(v) >> (8 * i)) & 0xff);
    }
    void int64(int64_t v) { le(uint64_t(v)); }
    void dateTime(uint32_t v) { le(v); }
    void uint8(uint8_t v) { le(v); }
    void str(std::string_view v)
    {
        size(v.size());
        room(v.size());
        if (!v.empty()) // (an empty view may have no data at all)
            std::memcpy(p, v.data(), v.size());
        p += v.size();
    }
    /// an array of the items `keep` takes: its length, then its elements
    template<typename T, typename Keep, typename Get>
    void array(const std::vector<T> &items, Keep keep, Get get)
    {
        size(uint64_t(std::count_if(items.begin(), items.end(), keep)));
        for (const T &i : items)
            if (keep(i))
                element(get(i));
    }
    void element(std::string_view v) { str(v); }
    void element(uint8_t v) { uint8(v); }
    void element(int64_t v) { int64(v); }
    void element(uint64_t v) { le(v); }
    void element(double v)
    {
        uint64_t bits = 0;
        std::memcpy(&bits, &v, sizeof bits);
        le(bits);
    }
    void size(uint64_t n)
    {
        room(10);
        do {
            const uint8_t byte = uint8_t(n & 0x7f);
            n >>= 7;
            *p++ = char(n ? byte | 0x80 : byte);
        } while (n);
    }
    void endRow()
    {
        out.resize(qsizetype(p - out.constData()));
        p = end = nullptr;
    }
};

/// resourceIdOf() of a record whose fields are `fields`: a string ResourceID is its text, none
/// (or null) is empty; anything else (a number, an object, a repeated key) as resourceIdOf says.
std::string resourceIdFrom(const std::vector<query::FlatField> &fields, const std::string &padded, size_t size)
{
    const query::FlatField *found = nullptr;
    for (const query::FlatField &f : fields)
        if (f.path == "ResourceID") {
            if (found || f.type != query::ValueType::String)
                return resourceIdOf(std::string_view(padded.data(), size), padded.size());
            found = &f;
        }
    return found ? found->text : std::string();
}

} // namespace

std::string trailRecordId(std::string_view raw, size_t capacity, const std::vector<query::FlatField> &fields, bool flat)
{
    std::string id;
    if (flat) {
        // as the index pass: the last top-level member that names the record and is a string
        // (a nested one's path has a dot: never "ID")
        for (const query::FlatField &f : fields)
            if (!f.inArray && f.type == query::ValueType::String)
                if (std::string own = recordIdFrom(f.path, f.text); !own.empty())
                    id = std::move(own);
    } else {
        id = indexRecord(raw, capacity, 1024).id;
    }
    if (id.empty())
        id = "raw:" + QCryptographicHash::hash(QByteArrayView(raw.data(), qsizetype(raw.size())), QCryptographicHash::Sha1).toHex().toStdString();
    return id;
}

namespace {

template<typename W>
bool writeRows(const Snapshot &snap, size_t from, size_t to, W &w, std::string &error)
{
    to = std::min(to, snap.size());
    // room for the rows at once (the raw records and their fields, about three times their
    // size): no copy of the batch each time it outgrows its buffer
    w.reserveFor(snap, from, to);
    std::string padded;
    std::vector<query::FlatField> fields;
    FieldKeys keys;
    std::vector<uint64_t> recordKeys; // of the record's fields, by position
    std::vector<uint8_t> freshKeys;   // … whether this batch meets the path first here
    while (from < to) {
        auto [seg, i0] = snap.locate(from);
        const size_t n = std::min(seg->size() - i0, to - from);
        // the raw bytes of this run of rows, read once
        std::string fileBytes;
        const char *base = nullptr;
        uint64_t baseOffset = 0;
        if (seg->fileBacked) {
            const SourceInfo &src = snap.source(seg->sourceId);
            const uint64_t b = seg->pos[i0], e = uint64_t(seg->pos[i0 + n - 1]) + seg->len[i0 + n - 1];
            QFile f(QString::fromStdString(src.path));
            if (!f.open(QIODevice::ReadOnly) || !f.seek(qint64(seg->streamOffset + b))) {
                error = src.label + ": cannot read the records back: " + f.errorString().toStdString();
                return false;
            }
            fileBytes.resize(e - b);
            if (f.read(fileBytes.data(), qint64(e - b)) != qint64(e - b)) {
                error = src.label + ": the file changed since it was read (records cut short)";
                return false;
            }
            base = fileBytes.data();
            baseOffset = b;
        } else {
            base = seg->memory->data();
        }
        for (size_t k = 0; k < n; ++k) {
            const size_t i = i0 + k;
            const std::string_view raw(base + (seg->pos[i] - baseOffset), seg->len[i]);
            const int64_t t = seg->time[i];
            padded.assign(raw);
            padded.append(64, '\0');
            // the fields first: the ID and the resource ID are among them (the record parsed once)
            const bool flat = query::flattenFields(std::string_view(padded.data(), raw.size()), padded.size(), fields);
            const std::string id = trailRecordId(std::string_view(padded.data(), raw.size()), padded.size(), fields, flat);
            const std::string resourceId = flat ? resourceIdFrom(fields, padded, raw.size())
                                                : resourceIdOf(std::string_view(padded.data(), raw.size()), padded.size());
            static constexpr Column order[] = {Column::Actor,     Column::Action,   Column::ResourceType, Column::ActorType,
                                               Column::Interface, Column::SourceIp, Column::Account,      Column::Source};
            std::array<std::string, std::size(order)> values; // (the dictionary's strings, copied: it is locked)
            // about what the row takes (10 bytes for each length, 8 for each number): room made once
            size_t bound = 8 + 4 + 2 + 1 + 7 * 10 + id.size() + resourceId.size() + raw.size() + (3 + values.size()) * 10;
            for (size_t c = 0; c < values.size(); ++c) {
                const uint32_t v = order[c] == Column::Source ? seg->sourceLabelId : seg->cols[size_t(order[c])][i];
                values[c] = v ? snap.dict(order[c]).at(v) : std::string();
                bound += values[c].size();
            }
            for (const query::FlatField &f : fields)
                bound += 8 + 1 + 10 + f.text.size() + 4 * 8 + 10 + f.path.size();
            w.beginRow(bound);
            w.int64(t);
            w.dateTime(uint32_t(t == kNoTime || t < 0 ? 0 : std::min<int64_t>(t / 1000000000, 4294967295LL)));
            w.str(id);
            w.uint8(seg->schema[i]);
            w.uint8(seg->result[i]);
            for (const std::string &v : values)
                w.str(v);
            w.str(resourceId);
            w.str(raw);
            w.uint8(kFieldsShipped);
            using query::FlatField;
            const auto all = [](const FlatField &) { return true; };
            const auto isNumber = [](const FlatField &f) { return f.type == query::ValueType::Number; };
            const auto hasTime = [](const FlatField &f) { return f.hasTime; };
            recordKeys.resize(fields.size()); // (each path asked for once, in order: as FieldKeys remembers them)
            freshKeys.resize(fields.size());
            for (size_t e = 0; e < fields.size(); ++e) {
                bool fresh = false;
                recordKeys[e] = keys(fields[e].path, &fresh);
                freshKeys[e] = fresh;
            }
            const auto path = [&](const FlatField &f) { return recordKeys[size_t(&f - fields.data())]; };
            w.array(fields, all, path);
            w.array(fields, all, [](const FlatField &f) { return uint8_t(f.type); });
            w.array(fields, all, [](const FlatField &f) { return std::string_view(f.text); });
            w.array(fields, isNumber, path);
            w.array(fields, isNumber, [](const FlatField &f) { return f.number; });
            w.array(fields, hasTime, path);
            w.array(fields, hasTime, [](const FlatField &f) { return f.time; });
            w.array(fields, [&](const FlatField &f) { return freshKeys[size_t(&f - fields.data())] != 0; },
                    [](const FlatField &f) { return std::string_view(f.path); });
            w.endRow();
        }
        from += n;
    }
    return true;
}

} // namespace

bool rowsTsv(const Snapshot &snap, size_t from, size_t to, QByteArray &out, std::string &error)
{
    TsvWriter w{out};
    return writeRows(snap, from, to, w, error);
}

bool rowsRowBinary(const Snapshot &snap, size_t from, size_t to, QByteArray &out, std::string &error)
{
    RowBinaryWriter w{out};
    return writeRows(snap, from, to, w, error);
}

QByteArray trailEngineSql(const TrailTable &t)
{
    const QByteArray column = "(SELECT count() FROM system.columns WHERE database = " + quoteString(t.database.toStdString())
        + " AND table = " + quoteString(t.table.toStdString()) + " AND name = ";
    // the field columns: present when the last of them is (`clickhouse init` adds them in order);
    // the names of their paths came later
    return "SELECT engine, " + column + "'resource_id'), " + column + "'time_value'), " + column + "'field_names') FROM system.tables WHERE "
           "database = " + quoteString(t.database.toStdString()) + " AND name = " + quoteString(t.table.toStdString())
        + " FORMAT TabSeparated";
}

bool parseTrailProbe(const QByteArray &tsv, TrailProbe &out)
{
    const QList<QByteArray> f = tsv.trimmed().split('\t');
    if (f.size() != 4 || f[0].isEmpty())
        return false;
    out.resourceIds = f[1] == "1";
    out.fields = f[2] == "1";
    out.names = f[3] == "1";
    return true;
}

QByteArray fieldsMissingSql(const TrailTable &t)
{
    // every copy, not only the last (FINAL): a copy without fields that is not merged away yet
    // would still be tested (and pass `not …`) beside the record's newer copy
    return "SELECT count() FROM " + t.qualified() + " WHERE fields_shipped < " + QByteArray::number(kFieldsShipped)
        + " FORMAT TabSeparated";
}

} // namespace auditlens::clickhouse
