// SPDX-License-Identifier: MIT
#pragma once

// The trail as a view sees it: one narrow interface served by the embedded store
// (`EmbeddedTrail`, over an EventStore snapshot) and by a ClickHouse table
// (`clickhouse::RemoteTrail`). A view asks for counts, facets, time buckets, a page of rows
// and one record's raw bytes; it never holds the whole trail and never sees dictionary ids,
// so the same model, facet list and timeline work on either back end.
//
// Asynchronous by contract: every request returns at once and its answer is delivered later,
// exactly once, on the thread of `context` (a QObject living on the asking thread, usually
// the GUI thread), never from inside the call. A new request of one kind (counts, buckets,
// page, records, raw, fields, values) supersedes the pending one of that kind: the old one is cancelled (on ClickHouse,
// on the server too) and its callback is called with `TrailError::Cancelled`, or not at all
// when the source is destroyed first. Errors are values (`TrailError`), never exceptions.

#include "query/fields.h"
#include "store/eventstore.h"

#include <QObject>

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace auditlens {

/// What to show, by value (the back ends have no common ids). Empty sets: no constraint.
struct TrailFilter
{
    std::array<std::vector<std::string>, kColumnCount> include; ///< per Column, any of these
    std::array<std::vector<std::string>, kColumnCount> exclude; ///< per Column, none of these
    int64_t from = INT64_MIN; ///< inclusive, ns
    int64_t to = INT64_MAX;   ///< inclusive, ns
    Result result = Result::Unknown; ///< Unknown: all
    bool withoutResult = false; ///< only the records that state no result (`result` is then Unknown)
    std::string text;  ///< case-insensitive substring of the raw record (ASCII case folding)
    std::string query; ///< KQL (query/kql.h) over raw fields; empty: none
    bool operator==(const TrailFilter &) const = default;
};

enum class TrailErrorKind { None, Cancelled, Unreachable, Timeout, Auth, Syntax, MissingTable, Query, Server };

struct TrailError
{
    TrailErrorKind kind = TrailErrorKind::None;
    std::string message; ///< plain: what and where (a query error gives its position); no secret
    bool ok() const { return kind == TrailErrorKind::None; }
};

/// Counts under a filter: the records that pass, and per facet column the top values, each
/// counted under the filter without that column's own constraint (as the embedded store's
/// evaluate() does), ordered by count desc then value; the records with no value there count
/// under "" (a facet list's "(none)").
struct TrailCounts
{
    uint64_t total = 0;   ///< records in the trail (one per ID)
    uint64_t matched = 0; ///< records that pass the filter
    /// The earliest and latest time of the matched records (kNoTime for both when none of
    /// them has a time): the extent a timeline of the matched records covers.
    int64_t first = kNoTime, last = kNoTime;
    std::vector<Column> facets;
    std::vector<std::vector<std::pair<std::string, uint64_t>>> top; ///< one per facet
    /// Per facet, how many values it has under the filter (as `top` counts them, all of them
    /// however many `top` lists); empty when the back end does not count them (ClickHouse).
    std::vector<uint64_t> distinct;
    /// When nothing matched: the fields the query names that no record of the trail has (on
    /// which `field:*` matches nothing), in the query's order; a misspelt name, most often.
    std::vector<std::string> absentFields;
};

/// Records per time bucket under the filter: bucket i covers [from + i*width, from + (i+1)*width).
struct TrailBuckets
{
    int64_t from = 0, width = 1;
    std::vector<uint64_t> counts;
    uint64_t noTime = 0; ///< matched records without a time
};

/// The width of each of `n` buckets over [from, to], the same on every back end: the span
/// divided by n, rounded up, at least 1 (the whole int64 range included; n <= 0 or to < from: 1).
inline int64_t trailBucketWidth(int64_t from, int64_t to, int n)
{
    if (n <= 0 || to < from)
        return 1;
    const uint64_t span = uint64_t(to) - uint64_t(from) + 1; // 0: the whole int64 range
    const uint64_t w = span == 0 ? (UINT64_MAX / uint64_t(n)) + 1 : (span + uint64_t(n) - 1) / uint64_t(n);
    return int64_t(std::min<uint64_t>(std::max<uint64_t>(w, 1), uint64_t(INT64_MAX)));
}

/// One row of the trail. The key orders the trail (time, then id) and names the record for raw().
struct TrailRow
{
    int64_t time = kNoTime;
    /// Names the record within its source, opaque to views: on ClickHouse the record's ID as
    /// `ship` wrote it (v1:/v2: ID, else a hash of the raw bytes), in the embedded store its row.
    std::string id;
    std::array<std::string, kColumnCount> values;
    Result result = Result::Unknown;
    Schema schema = Schema::Unknown;
    std::string resourceId; ///< ResourceID / resource id, empty when none
    std::string raw; ///< the raw record: in an answer to records() only, else empty
};

/// Where a page starts: after the row with this key, in the page's order; a default key is the
/// trail's start. Keyset paging: no offset, so a deep page costs what the first one does.
struct TrailKey
{
    bool valid = false;
    int64_t time = kNoTime;
    std::string id;
    std::string value; ///< in a page ordered by a column: that row's value of it
    /// The key of a row, in a page ordered by `column` (a Column; -1: by time).
    static TrailKey after(const TrailRow &r, int column = -1)
    {
        return {true, r.time, r.id, column >= 0 && column < int(kColumnCount) ? r.values[size_t(column)] : std::string()};
    }
};

/// The order of a page: by time, then id (`column` -1), or by a Column's value, then time, then
/// id; ascending, or descending. Values compare byte by byte (as ClickHouse compares Strings).
struct TrailOrder
{
    int column = -1;
    bool descending = false;
};

struct TrailPage
{
    std::vector<TrailRow> rows;
    bool more = false; ///< rows follow the last one
};

/// A field path of the trail's records, as queries name it (query::flattenFields: dotted keys
/// from the root, arrays looked into): how many records have a value there (null is no value,
/// as for `path:*`) and the types of those values.
struct TrailField
{
    std::string path;
    uint64_t records = 0;
    uint8_t types = 0; ///< bit (1 << query::ValueType) per type seen (never Null)
    bool operator==(const TrailField &) const = default;
};

struct TrailFields
{
    std::vector<TrailField> fields; ///< by path, byte order
    /// Paths the back end has values of but no name for (ClickHouse: rows shipped by a release
    /// that did not write the names): not listed, counted here.
    uint64_t unnamed = 0;
};

/// One value of a field and how often the matched records have it (an array's elements each count).
struct TrailValue
{
    query::ValueType type = query::ValueType::String; ///< String, Number or Bool
    std::string text; ///< as query::FieldValue::text
    uint64_t count = 0;
    bool operator==(const TrailValue &) const = default;
};

struct TrailValues
{
    std::string path;
    /// The most frequent values under the filter: count desc, then text, then type. Objects and
    /// nulls are not listed (a query names neither by value).
    std::vector<TrailValue> top;
};

class TrailSource
{
public:
    virtual ~TrailSource() = default;

    /// For the title bar and messages: a file name, or the ClickHouse URL (no user or password).
    virtual std::string label() const = 0;

    template <typename T>
    using Answer = std::function<void(T value, TrailError error)>;

    virtual void counts(const TrailFilter &f, const std::vector<Column> &facets, size_t topN, QObject *context,
                        Answer<TrailCounts> done) = 0;
    virtual void buckets(const TrailFilter &f, int64_t from, int64_t to, int n, QObject *context,
                         Answer<TrailBuckets> done) = 0;
    /// At most `n` rows after `after` (TrailKey::after with the order's column) in `order`.
    virtual void pageBy(const TrailFilter &f, const TrailOrder &order, const TrailKey &after, size_t n, QObject *context,
                        Answer<TrailPage> done) = 0;
    /// At most `n` rows after `after`, oldest first (`descending`: newest first).
    void page(const TrailFilter &f, const TrailKey &after, size_t n, bool descending, QObject *context, Answer<TrailPage> done)
    {
        pageBy(f, TrailOrder{-1, descending}, after, n, context, std::move(done));
    }
    /// At most `n` rows after `after`, oldest first, each with its raw record (TrailRow::raw):
    /// what a history reads (every record of a resource, or of an actor). A kind of its own, so
    /// it never supersedes the table's page. The raw bytes of a page are bounded (256 MiB): a
    /// page may end before `n` rows with `more` set, never with a row left out.
    virtual void records(const TrailFilter &f, const TrailKey &after, size_t n, QObject *context,
                         Answer<TrailPage> done) = 0;
    /// Every field path of the trail (the whole trail: no filter), for a field list and completion.
    virtual void fields(QObject *context, Answer<TrailFields> done) = 0;
    /// The `n` most frequent values of a field path among the records that pass the filter
    /// (`ecs.` paths where the back end runs the engine: the embedded store; elsewhere a Query error).
    virtual void fieldValues(const TrailFilter &f, const std::string &path, size_t n, QObject *context,
                             Answer<TrailValues> done) = 0;
    /// The raw record of a row (the bytes as received), for the raw and ECS trees.
    virtual void raw(const std::string &id, int64_t time, QObject *context, Answer<std::string> done) = 0;
    /// Another source over the same trail, whose requests are its own (none supersedes this
    /// one's): for a dialog that asks while the window's table asks too.
    virtual std::unique_ptr<TrailSource> sibling() const = 0;
    /// Cancels every pending request (their callbacks get Cancelled).
    virtual void cancelAll() = 0;
};

} // namespace auditlens
