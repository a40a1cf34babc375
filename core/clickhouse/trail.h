// SPDX-License-Identifier: MIT
#pragma once

// The audit trail as a ClickHouse table: its DDL, the rows of the embedded store's snapshot as
// INSERT data, and the stats queries. Duplicates of a record ID collapse: the table is a
// ReplacingMergeTree whose key ends with the ID, the Distributed table shards by the ID (so
// copies of a record meet on one shard), and every count reads the copies collapsed by the
// table's key, account, time and ID, as the merges will (FINAL, or LIMIT 1 BY that key under a
// filter), so counts are exact before ClickHouse has merged the copies away. The table and its
// rows are trail.cpp; the queries and their answers trailsql.cpp.
//
// SQL kept to what ClickHouse 18.16 and current releases both accept: the PARTITION BY /
// ORDER BY MergeTree syntax, Distributed(cluster, db, table, cityHash64(id)), -If combinators,
// TabSeparated in and out.

#include "query/flatfields.h"
#include "store/eventstore.h"

#include <QByteArray>
#include <QString>

#include <array>
#include <charconv>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace auditlens::clickhouse {

/// A whole number in decimal, as ClickHouse's answers and our checkpoints write it: nothing
/// before or after it (false, and `v` unspecified, otherwise).
template <typename T>
bool readNumber(std::string_view s, T &v)
{
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return ec == std::errc() && p == s.data() + s.size();
}

struct TrailTable
{
    QString database = QStringLiteral("default");
    QString table = QStringLiteral("auditlens_trail");
    QString cluster; ///< empty: one node
    /// The table that holds the rows on each node: `table` on one node, `table_local` on a cluster.
    QString localTable() const { return cluster.isEmpty() ? table : table + QStringLiteral("_local"); }
    QByteArray qualified() const;      ///< `db`.`table` (the one to insert into and query)
    QByteArray qualifiedLocal() const; ///< `db`.`table_local`
};

/// The statements that create the trail, in order, all idempotent (IF NOT EXISTS). With a
/// cluster and `onCluster` they carry ON CLUSTER (the server runs them on every node: needs
/// ClickHouse's distributed DDL, i.e. ZooKeeper or Keeper); without `onCluster` they are meant
/// to be run on each node in turn.
std::vector<QByteArray> initStatements(const TrailTable &t, bool onCluster);
/// The columns `table` (a name in t.database) has: one name a line.
QByteArray tableColumnsSql(const TrailTable &t, const QByteArray &table);
/// What brings a trail table made before some of the columns up to date: one ALTER per column
/// it lacks (`present`: what tableColumnsSql listed). Rows already in it get the defaults
/// (no resource ID, fields_shipped 0, empty arrays).
std::vector<QByteArray> upgradeStatements(const TrailTable &t, const QByteArray &table, const std::vector<std::string> &present,
                                          bool onCluster);

/// How the rows of an INSERT are written: RowBinary (the default: nothing to escape or parse
/// as text; what `ship` and forwarding send) or TabSeparated (readable, for tests and debugging).
enum class InsertFormat { RowBinary, TabSeparated };

/// The INSERT statement, its column list in the order the rows are written.
QByteArray insertSql(const TrailTable &t, InsertFormat f = InsertFormat::RowBinary);

/// Rows [from, to) of `snap` as INSERT data for insertSql(). The ID is the record's own
/// (ID / AuditLogID, as the index pass names it), else a hash of its raw bytes. False + error
/// when the raw bytes of a file-backed row cannot be read back.
bool rowsTsv(const Snapshot &snap, size_t from, size_t to, QByteArray &out, std::string &error);
/// The trail's ID of a record: its own as the index pass reads it (indexRecord's "v1:<ID>" /
/// "v2:<AuditLogID>", the last top-level string of those keys), else "raw:" and the SHA-1 of
/// its bytes. `fields`: what flattenFields listed for it (`flat`: it succeeded), which holds the
/// ID, so the record is not parsed a second time; when it failed, the index pass is asked.
std::string trailRecordId(std::string_view raw, size_t capacity, const std::vector<query::FlatField> &fields, bool flat);
bool rowsRowBinary(const Snapshot &snap, size_t from, size_t to, QByteArray &out, std::string &error);

/// What `auditlens-cli stats` prints, computed by the server.
struct TrailStats
{
    uint64_t records = 0, noTime = 0;
    int64_t from = 0, to = 0;             ///< valid when records > noTime
    std::array<uint64_t, 3> schemas{};    ///< by Schema
    std::array<uint64_t, 3> results{};    ///< by Result
    std::array<std::vector<std::pair<std::string, uint64_t>>, 3> top; ///< actor, action, resource type
};
QByteArray statsSummarySql(const TrailTable &t);
/// k: 0 actor, 1 action, 2 resource type; n = 0: all values. Ordered by count, then value.
QByteArray statsTopSql(const TrailTable &t, int k, uint64_t n);
bool parseStatsSummary(const QByteArray &tsv, TrailStats &out, std::string &error);
bool parseStatsTop(const QByteArray &tsv, std::vector<std::pair<std::string, uint64_t>> &out, std::string &error);

/// One TabSeparated field, escapes undone.
std::string unescapeTsv(std::string_view field);

} // namespace auditlens::clickhouse

namespace auditlens::clickhouse {

/// What `search --clickhouse` asks for: a plain text (case-insensitive, ASCII, over the raw
/// record: positionCaseInsensitive), a KQL query (kqlsql.h: the caller checks it first) and
/// exact column values; all given constraints must hold.
struct TrailQuery
{
    std::string text;
    std::string kql;
    std::vector<std::pair<std::string, std::string>> equals; ///< column name -> value
    int64_t from = INT64_MIN, to = INT64_MAX;                ///< time_ns, inclusive
    int result = -1;                                         ///< Result, -1: any
    uint64_t limit = 0;                                      ///< 0: all
};
/// The columns `equals` may name.
bool isTrailColumn(const std::string &name);
/// Matching records (one per ID) in time order, their raw text one per row (TabSeparated).
QByteArray searchSql(const TrailTable &t, const TrailQuery &q);
/// How many records (one per ID) match.
QByteArray countSql(const TrailTable &t, const TrailQuery &q);

} // namespace auditlens::clickhouse

#include "store/trailsource.h"

namespace auditlens::clickhouse {

// The SQL behind RemoteTrail (remotetrail.h), over the trail with the copies of a record that
// ClickHouse has not merged yet counted once: counts and buckets read it with FINAL, pages
// drop a row whose (time, ID) repeats the one before it. Every constraint
// of a TrailFilter is tested on the table's rows: copies of a record are the same bytes, so
// filtering a copy is filtering the record. `query` (KQL) is tested on the field arrays
// (kqlsql.h): the caller first checks that kqlToSql accepts it and that the table's rows all
// have them (fieldsMissingSql).

/// The filter's WHERE (with `query` through kqlToSql, which the caller has checked: a query it
/// refuses matches nothing here), leaving out the own constraints of every column c with
/// skip[c] (the facets', counted under the others' only); no skip: all of them.
QByteArray trailWhere(const TrailFilter &f, const std::vector<bool> &skip = {});
/// One column's own include / exclude constraint, "1" when it has none.
QByteArray columnConstraint(const TrailFilter &f, Column col);
/// Rows: (0, '', total), (1, '<timed> <first> <last>', matched): the matched records' time extent
/// (no such row: none matched), then (2 + k, value, count) per facet k, its top `topN`
/// by count desc, value asc; the records with no value count under "" (as the store's
/// dictionary id 0, the facet lists' "(none)").
QByteArray trailCountsSql(const TrailTable &t, const TrailFilter &f, const std::vector<Column> &facets, size_t topN);
bool parseTrailCounts(const QByteArray &tsv, size_t facets, TrailCounts &out, std::string &error);
/// Rows: (bucket, count) for the matched records in [from, to]; bucket -1: the records without a time.
QByteArray trailBucketsSql(const TrailTable &t, const TrailFilter &f, int64_t from, int64_t to, int n);
bool parseTrailBuckets(const QByteArray &tsv, int64_t from, int64_t to, int n, TrailBuckets &out, std::string &error);
/// The rows after the key, 2(n + 1) of them (room for one copy of each not merged yet). A filter
/// of columns only: the window's time bound found first from time_ns, then the rows at or past
/// it; a filter that reads the raw record: a top-N sort of the rows that pass it. `resourceIds`:
/// the table has the resource_id column (tables made before it do not). `withRaw`: each row's
/// raw record too, last (records()). `sortColumn` (a Column, -1: by time): the rows ordered by
/// that column's value first, then time and ID (a top-N sort of the rows that pass the filter).
QByteArray trailPageSql(const TrailTable &t, const TrailFilter &f, const TrailKey &after, size_t n, bool descending,
                        bool resourceIds = false, bool withRaw = false, int sortColumn = -1);
/// The table's engine ("Distributed", "ReplacingMergeTree", …), 1 when it has the resource_id
/// column, 1 when it has the field columns queries test (their last, time_value), 1 when it has
/// field_names: one line, empty when the table is absent.
QByteArray trailEngineSql(const TrailTable &t);
/// What trailEngineSql answered; false when the table is absent (or the answer is not one).
struct TrailProbe
{
    bool resourceIds = false; ///< it has the resource_id column
    bool fields = false;      ///< it has the field columns queries test (field_* … time_value)
    bool names = false;       ///< it has field_names (the paths of the keys)
};
bool parseTrailProbe(const QByteArray &tsv, TrailProbe &out);
/// What fields_shipped holds on the rows this release writes: their fields as the queries read them.
constexpr int kFieldsShipped = 2;
/// How many rows (copies not merged away included) were shipped without their fields, or with
/// them as an earlier release wrote them (fields_shipped < kFieldsShipped): one number.
QByteArray fieldsMissingSql(const TrailTable &t);
bool parseTrailPage(const QByteArray &tsv, size_t n, TrailPage &out, std::string &error, bool withRaw = false);
/// Every field key of the trail's records (the copies not merged yet counted once): lines
/// (0, key, records with it, bit per type), then, with `names` (the table has field_names),
/// lines (1, 0, 0, 0, path) for the paths named.
QByteArray trailFieldsSql(const TrailTable &t, bool names);
/// The paths named, with their counts, by path; keys no line names counted in `unnamed`.
bool parseTrailFields(const QByteArray &tsv, TrailFields &out, std::string &error);
/// Lines (type, text, count) of the `n` most frequent values of `path` (String, Number or Bool)
/// among the records that pass the filter: count desc, text, type.
QByteArray trailValuesSql(const TrailTable &t, const TrailFilter &f, const std::string &path, size_t n);
bool parseTrailValues(const QByteArray &tsv, TrailValues &out, std::string &error);
/// The raw record of an ID (time: kNoTime for any).
QByteArray trailRawSql(const TrailTable &t, const std::string &id, int64_t time);

} // namespace auditlens::clickhouse
