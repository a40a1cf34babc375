// SPDX-License-Identifier: MIT
#pragma once

// A KQL query (query/kql.h) as a ClickHouse WHERE condition with the store's answers. The
// fields a query names are tested on the arrays `ship` writes beside each raw record
// (query::flattenFields: every value under its dotted path's key (fieldKey) with its type and
// text; the numbers again under their keys with their values, and so the values that read as a
// time),
// so a query matches on the server exactly the records it matches in the embedded store:
// arrayExists over those arrays (18.16 and current releases), no JSON parsed by the server.
// Free text is positionCaseInsensitive over the raw record, as the trail's text search.

#include <QByteArray>

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace auditlens::clickhouse {

struct KqlSql
{
    QByteArray where;  ///< the condition; "1" for an empty query
    std::string error; ///< empty when translated; else what and where (the query's position)
    bool readsFields = false; ///< the query names fields (not only free text): it needs the table's
                              ///< field columns and every row shipped with them
    bool ok() const { return error.empty(); }
};

/// Translates `query`. Refused (error): a malformed query, and fields of the ECS record
/// (`ecs.…`), which the intake parser computes on this machine and the server does not hold.
KqlSql kqlToSql(const std::string &query);

/// Why a query that reads fields cannot run on `table` ("" when it can): `hasColumns`, the table
/// has the field columns (trailEngineSql); `missing`, its rows shipped without them, or with an
/// earlier release's (fieldsMissingSql).
std::string fieldsRefusal(const QByteArray &table, bool hasColumns, uint64_t missing);

/// What the trail stores for a field's path (field_key, number_key, time_key) and a query tests
/// it by: the first eight bytes of its SHA-256, little-endian. Eight bytes where a path is
/// about eighteen, and numbers for the server to compare; a path that matches another's key
/// would have to be found against SHA-256 (a collision only adds a match, never hides one).
uint64_t fieldKey(std::string_view path);

/// The condition that a row has a value of `path` (KQL's `path:*`).
QByteArray fieldExistsSql(const std::string &path);
/// One line: for each path, 1 when some row of `table` has it (fieldExistsSql), else 0.
QByteArray fieldsPresentSql(const QByteArray &table, const std::vector<std::string> &paths);
/// The paths of that answer whose value is 0, in order; false + error when it is not one.
bool parseFieldsPresent(const QByteArray &tsv, const std::vector<std::string> &paths, std::vector<std::string> &absent,
                        std::string &error);

/// fieldKey() remembered for the paths seen (a trail has few distinct ones): what `ship` uses,
/// asking for every path of every record in order. Records of a kind list the same paths in the
/// same order, so the path that followed this one last time is compared first (no hash).
class FieldKeys
{
public:
    /// `fresh`: set when the path was not asked for before (or since the keys were forgotten:
    /// past 100,000 distinct paths they are).
    uint64_t operator()(const std::string &path, bool *fresh = nullptr);

private:
    struct Entry
    {
        uint64_t key = 0;
        const std::string *path = nullptr; ///< its key in m_keys
        Entry *next = nullptr;             ///< the path asked for after it last time
    };
    std::unordered_map<std::string, Entry> m_keys; // (nodes stay put as it grows)
    Entry *m_last = nullptr;
};

/// The case-insensitive text search over the raw record.
QByteArray textSql(const std::string &needle);

} // namespace auditlens::clickhouse
