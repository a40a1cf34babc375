// SPDX-License-Identifier: MIT
#pragma once

// A KQL query (query/kql.h) as a ClickHouse WHERE condition with the store's answers. The
// fields a query names are tested on the arrays `ship` writes beside each raw record
// (query::flattenFields: every value under its dotted path, its type, text, number and time),
// so a query matches on the server exactly the records it matches in the embedded store:
// arrayExists over those arrays (18.16 and current releases), no JSON parsed by the server.
// Free text is positionCaseInsensitive over the raw record, as the trail's text search.

#include <QByteArray>

#include <cstdint>
#include <string>

namespace auditlens::clickhouse {

struct KqlSql
{
    QByteArray where;  ///< the condition; "1" for an empty query
    std::string error; ///< empty when translated; else what and where (the query's position)
    bool readsFields = false; ///< the query names fields (not only free text): it needs the table's
                              ///< field_* columns and every row shipped with them
    bool ok() const { return error.empty(); }
};

/// Translates `query`. Refused (error): a malformed query, and fields of the ECS record
/// (`ecs.…`), which the intake parser computes on this machine and the server does not hold.
KqlSql kqlToSql(const std::string &query);

/// Why a query that reads fields cannot run on `table` ("" when it can): `hasColumns`, the table
/// has the field_* columns (trailEngineSql); `missing`, its rows shipped without them
/// (fieldsMissingSql).
std::string fieldsRefusal(const QByteArray &table, bool hasColumns, uint64_t missing);

/// The case-insensitive text search over the raw record.
QByteArray textSql(const std::string &needle);

} // namespace auditlens::clickhouse
