// SPDX-License-Identifier: MIT
#include "kqlsql.h"

#include "client.h"
#include "query/eval.h"
#include "query/fields.h"
#include "source/timestamp.h"

#include <QCryptographicHash>

#include <cctype>
#include <cstdlib>
#include <cstring>
#include <optional>

namespace auditlens::clickhouse {

namespace {

using query::Node;
using query::ValueType;

QByteArray typeCode(ValueType t)
{
    return QByteArray::number(int(t));
}

/// A Float64 literal with exactly the bits of d: decimal literals are read approximately by
/// some ClickHouse releases (their fast float parsing).
QByteArray float64(double d)
{
    uint64_t bits = 0;
    std::memcpy(&bits, &d, sizeof bits);
    char hex[17];
    for (int i = 0; i < 8; ++i) // little-endian bytes, as reinterpretAsFloat64 reads a string
        std::snprintf(hex + 2 * i, 3, "%02X", unsigned((bits >> (8 * i)) & 0xff));
    return "reinterpretAsFloat64(unhex('" + QByteArray(hex, 16) + "'))";
}

/// A wildcard pattern (Node::pattern) as an anchored RE2 pattern, which ClickHouse matches by
/// UTF-8 characters (as the store's `?`: one character; the texts are valid UTF-8, simdjson
/// checks it): `*` any run, `?` one character, ASCII punctuation escaped by a backslash, other
/// bytes as they are.
QByteArray wildcardRegex(const std::string &pattern)
{
    QByteArray re = "^";
    for (char ch : pattern) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == 0x01)
            re += "(?s:.*)";
        else if (c == 0x02)
            re += "(?s:.)";
        else if (c == 0)
            re += "[\\x00]"; // (a pattern holds no NUL; in a class ClickHouse's own reading of it leaves it alone)
        else if (c < 0x80 && std::ispunct(c))
            re += '\\', re += char(c); // as `\.`: ClickHouse reads `\x2E` as an x, not a dot
        else
            re += char(c);
    }
    return re + "$";
}

QByteArray keyOf(const std::string &path)
{
    return QByteArray::number(qulonglong(fieldKey(path)));
}

/// arrayExists over `columns`, the first of them keys of paths (p), the others named by
/// `params`: true when an entry of `path` passes `test`.
QByteArray anyEntry(const std::string &path, const char *params, const char *columns, const QByteArray &test)
{
    return "arrayExists((p, " + QByteArray(params) + ") -> p = " + keyOf(path) + " AND (" + test + "), " + columns + ")";
}
/// … over the values of `path`: y its type, x its text.
QByteArray anyValue(const std::string &path, const QByteArray &test)
{
    return anyEntry(path, "y, x", "field_key, field_type, field_text", test);
}
/// … over the numbers of `path` (v: the number), or its times (v: nanoseconds).
QByteArray anyNumber(const std::string &path, const QByteArray &test)
{
    return anyEntry(path, "v", "number_key, number_value", test);
}
QByteArray anyTime(const std::string &path, const QByteArray &test)
{
    return anyEntry(path, "v", "time_key, time_value", test);
}

QByteArray matchSql(const Node &n)
{
    // (as the store: a scalar whose text is the value, or for a number also one equal to it)
    const QByteArray scalar = "y IN (" + typeCode(ValueType::Bool) + ", " + typeCode(ValueType::Number) + ", "
        + typeCode(ValueType::String) + ")";
    if (n.wildcard && !n.quoted)
        return anyValue(n.field, scalar + " AND match(x, " + quoteString(wildcardRegex(n.pattern).toStdString()) + ")");
    const QByteArray text = anyValue(n.field, scalar + " AND x = " + quoteString(n.value));
    if (n.quoted)
        return text;
    const auto d = query::fullNumber(n.value);
    return d ? "(" + text + " OR " + anyNumber(n.field, "v = " + float64(*d)) + ")" : text;
}

const char *opSql(Node::Op op)
{
    switch (op) {
    case Node::Op::Lt: return " < ";
    case Node::Op::Le: return " <= ";
    case Node::Op::Gt: return " > ";
    case Node::Op::Ge: return " >= ";
    }
    return " < ";
}

QByteArray rangeSql(const Node &n)
{
    // as the store: a number compares numbers, a time compares what reads as a time, anything
    // else compares strings byte by byte
    const char *op = opSql(n.op);
    if (const auto d = query::fullNumber(n.value))
        return anyNumber(n.field, "v" + QByteArray(op) + float64(*d));
    if (const auto t = parseTimestampNs(n.value))
        return anyTime(n.field, "v" + QByteArray(op) + QByteArray::number(qlonglong(*t)));
    return anyValue(n.field, "y = " + typeCode(ValueType::String) + " AND x" + op + quoteString(n.value));
}

struct Translator
{
    std::string error;

    QByteArray sql(const Node &n)
    {
        if (!error.empty())
            return "0";
        switch (n.kind) {
        case Node::Kind::And:
        case Node::Kind::Or: {
            QByteArray out = "(";
            for (size_t k = 0; k < n.kids.size(); ++k)
                out += (k ? (n.kind == Node::Kind::And ? " AND " : " OR ") : "") + sql(*n.kids[k]);
            return out + ")";
        }
        case Node::Kind::Not: return "NOT (" + sql(*n.kids[0]) + ")";
        case Node::Kind::Text: return n.value.empty() ? QByteArray("1") : textSql(n.value);
        case Node::Kind::Match:
        case Node::Kind::Exists:
        case Node::Kind::Range:
            if (query::isEcsPath(n.field)) {
                error = "query: " + n.field + " (the term whose value starts at character " + std::to_string(n.pos + 1)
                    + ") is a field of the ECS record, which the intake parser makes on this machine: a ClickHouse "
                      "trail can be queried by the raw record's fields only";
                return "0";
            }
            if (n.kind == Node::Kind::Exists)
                return fieldExistsSql(n.field);
            return n.kind == Node::Kind::Match ? matchSql(n) : rangeSql(n);
        }
        return "0";
    }
};

} // namespace

uint64_t fieldKey(std::string_view path)
{
    const QByteArray h = QCryptographicHash::hash(QByteArrayView(path.data(), qsizetype(path.size())), QCryptographicHash::Sha256);
    uint64_t key = 0;
    for (int i = 0; i < 8; ++i)
        key |= uint64_t(uint8_t(h[i])) << (8 * i);
    return key;
}

QByteArray fieldExistsSql(const std::string &path)
{
    return "has(field_key, " + keyOf(path) + ")";
}

QByteArray fieldsPresentSql(const QByteArray &table, const std::vector<std::string> &paths)
{
    // every copy: a record's copies hold the same fields (no FINAL needed to know whether any has one)
    QByteArray cols;
    for (const std::string &p : paths)
        cols += (cols.isEmpty() ? "" : ", ") + QByteArray("max(") + fieldExistsSql(p) + ")";
    return "SELECT " + (cols.isEmpty() ? QByteArray("1") : cols) + " FROM " + table + " FORMAT TabSeparated";
}

bool parseFieldsPresent(const QByteArray &tsv, const std::vector<std::string> &paths, std::vector<std::string> &absent,
                        std::string &error)
{
    absent.clear();
    if (paths.empty())
        return true;
    const QList<QByteArray> cells = tsv.trimmed().split('\t');
    bool ok = size_t(cells.size()) == paths.size();
    for (qsizetype k = 0; ok && k < cells.size(); ++k) {
        ok = cells[k] == "0" || cells[k] == "1";
        if (cells[k] == "0")
            absent.push_back(paths[size_t(k)]);
    }
    if (!ok) {
        absent.clear();
        error = "unexpected answer to which fields the trail has: " + tsv.left(200).toStdString();
    }
    return ok;
}

uint64_t FieldKeys::operator()(const std::string &path, bool *fresh)
{
    if (fresh)
        *fresh = false;
    if (m_last && m_last->next && *m_last->next->path == path) {
        m_last = m_last->next;
        return m_last->key;
    }
    auto it = m_keys.find(path);
    if (it == m_keys.end()) {
        if (fresh)
            *fresh = true;
        if (m_keys.size() >= 100000) { // (records whose keys are data: no unbounded memory)
            m_keys.clear();
            m_last = nullptr;
        }
        it = m_keys.emplace(path, Entry{fieldKey(path)}).first;
        it->second.path = &it->first;
    }
    if (m_last)
        m_last->next = &it->second;
    m_last = &it->second;
    return m_last->key;
}

std::string fieldsRefusal(const QByteArray &table, bool hasColumns, uint64_t missing)
{
    if (!hasColumns)
        return "the trail table " + table.toStdString()
            + " lacks the columns of the records' fields that queries by field are tested on (it was made before them, "
              "or by an earlier release that stored them otherwise): run "
              "'auditlens-cli clickhouse init' on it (it adds them), then ship the records again";
    if (missing)
        return std::to_string(missing) + " rows of the trail table " + table.toStdString()
            + " were shipped without the records' fields as queries by field are now tested on (before Auditlens "
              "stored them, or as an earlier release did): ship "
              "those records again, then drop the old copies (OPTIMIZE TABLE … FINAL on each node's table)";
    return {};
}

QByteArray textSql(const std::string &needle)
{
    return "positionCaseInsensitive(raw, " + quoteString(needle) + ") > 0";
}

KqlSql kqlToSql(const std::string &text)
{
    KqlSql out;
    const auto q = query::Query::parse(text);
    if (!q->ok()) {
        out.error = q->describeError();
        return out;
    }
    if (q->matchesAll()) {
        out.where = "1";
        return out;
    }
    out.readsFields = !q->fields().empty();
    Translator tr;
    out.where = tr.sql(*q->root());
    out.error = tr.error;
    if (!out.ok())
        out.where = "0";
    return out;
}

} // namespace auditlens::clickhouse
