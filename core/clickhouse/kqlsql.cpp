// SPDX-License-Identifier: MIT
#include "kqlsql.h"

#include "client.h"
#include "query/eval.h"
#include "query/fields.h"
#include "query/flatfields.h"
#include "source/timestamp.h"

#include <cctype>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <optional>

namespace auditlens::clickhouse {

namespace {

using query::Node;
using query::ValueType;

QByteArray typeCode(ValueType t)
{
    return QByteArray::number(int(t));
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

using query::kEntry;
using query::kSep;

/// Whether `s` can be in a key or a text: UTF-8 never holds the separators' bytes (when the
/// query does, it matches nothing, here as in the store).
bool plain(const std::string &s)
{
    return s.find(kEntry) == std::string::npos && s.find(kSep) == std::string::npos;
}

/// The entry of `path` with type letter `type` and text `text`, whole: found by substring search.
QByteArray hasEntry(const std::string &path, char type, const std::string &text)
{
    return "position(fields, " + quoteString(std::string(1, kEntry) + path + kSep + type + text + kEntry) + ") > 0";
}

/// Whether an entry of `path` whose type letter is in `types` has a text for which test(text)
/// holds: the entries split apart, for what a substring cannot say (a pattern, an order).
QByteArray anyEntry(const std::string &path, const char *types, const std::function<QByteArray(const QByteArray &)> &test)
{
    const std::string head = path + kSep;
    const QByteArray at = QByteArray::number(qulonglong(head.size() + 1)); // the type letter (1-based)
    QByteArray letters;
    for (const char *t = types; *t; ++t)
        letters += QByteArray(letters.isEmpty() ? "" : ", ") + quoteString(std::string(1, *t));
    return "arrayExists(e -> startsWith(e, " + quoteString(head) + ") AND substring(e, " + at + ", 1) IN (" + letters
        + ") AND (" + test("substring(e, " + QByteArray::number(qulonglong(head.size() + 2)) + ")")
        + "), splitByChar(" + quoteString(std::string(1, kEntry)) + ", fields))";
}

QByteArray matchSql(const Node &n)
{
    if (!plain(n.field) || !plain(n.value))
        return "0";
    if (n.wildcard)
        return anyEntry(n.field, "SNB", [&n](const QByteArray &x) -> QByteArray {
            return "match(" + x + ", " + quoteString(wildcardRegex(n.pattern).toStdString()) + ")";
        });
    // as the store: a quoted value is the text of a string, number or boolean; else a string or
    // boolean with that text, or a number written so or (a number) of that value
    QByteArray any = hasEntry(n.field, 'S', n.value) + " OR " + hasEntry(n.field, 'B', n.value) + " OR "
        + hasEntry(n.field, 'N', n.value);
    if (!n.quoted)
        if (const auto d = query::fullNumber(n.value))
            any += " OR " + hasEntry(n.field, '#', query::numberKey(*d));
    return "(" + any + ")";
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
    // else compares strings byte by byte; the keys' byte order is the numbers' and times' order
    if (!plain(n.field))
        return "0";
    const char *op = opSql(n.op);
    auto compare = [op](const std::string &bound) {
        return [op, b = quoteString(bound)](const QByteArray &x) -> QByteArray { return x + op + b; };
    };
    if (const auto d = query::fullNumber(n.value))
        return anyEntry(n.field, "#", compare(query::numberKey(*d)));
    if (const auto t = parseTimestampNs(n.value))
        return anyEntry(n.field, "T", compare(query::timeKey(*t)));
    return anyEntry(n.field, "S", compare(n.value));
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
                return plain(n.field)
                    ? "position(fields, " + quoteString(std::string(1, kEntry) + n.field + kSep) + ") > 0"
                    : QByteArray("0");
            return n.kind == Node::Kind::Match ? matchSql(n) : rangeSql(n);
        }
        return "0";
    }
};

} // namespace

bool kqlReadsFields(const std::string &text)
{
    const auto q = query::Query::parse(text);
    return q->ok() && !q->fields().empty();
}

std::string fieldsRefusal(const QByteArray &table, bool hasColumns, uint64_t missing)
{
    if (!hasColumns)
        return "the trail table " + table.toStdString()
            + " was made before Auditlens stored the records' fields, which queries by field are tested on: run "
              "'auditlens-cli clickhouse init' on it (it adds them), then ship the records again";
    if (missing)
        return std::to_string(missing) + " rows of the trail table " + table.toStdString()
            + " were shipped before Auditlens stored the records' fields, which queries by field are tested on: ship "
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
    Translator tr;
    out.where = tr.sql(*q->root());
    out.error = tr.error;
    if (!out.ok())
        out.where = "0";
    return out;
}

} // namespace auditlens::clickhouse
