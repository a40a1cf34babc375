// SPDX-License-Identifier: MIT
#pragma once

#include "source/diagnostic.h"
#include "source/reader.h"

#include <nlohmann/json.hpp>

#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace auditlens {

/// Dictionary-encoded columns of the store.
enum class Column : uint8_t {
    Actor,        ///< ActorEmail, else ActorID
    Action,       ///< ActionType
    ResourceType, ///< ResourceType
    ActorType,    ///< ActorType
    Interface,    ///< Interface (v1) / ActorContext (v2)
    SourceIp,     ///< ActorIP (v1) / ActorIPAddress (v2)
    Account,      ///< OwnerID (v1) / AccountID (v2)
    Source,       ///< the file / stream the record came from
};
constexpr size_t kColumnCount = 8;
const char *columnName(Column c);

enum class Result : uint8_t { Unknown = 0, Success = 1, Failure = 2 };
enum class Schema : uint8_t { Unknown = 0, V1 = 1, V2 = 2 };
const char *schemaName(Schema s);

constexpr int64_t kNoTime = INT64_MIN;

/// Append-only string dictionary; id 0 is the empty string (value absent). Thread-safe.
/// Compact: the strings live in one arena and the index is an open-addressing table of ids
/// (about 12 bytes per entry plus the text), so a million distinct IPs stay small.
class StringDict
{
public:
    StringDict();
    uint32_t intern(std::string_view s);
    std::string at(uint32_t id) const;
    std::optional<uint32_t> find(std::string_view s) const;
    size_t size() const;

private:
    std::string_view viewLocked(uint32_t id) const;
    uint32_t findLocked(std::string_view s, size_t hash) const;
    void growLocked();

    mutable std::shared_mutex m_mutex;
    std::string m_arena;
    std::vector<uint64_t> m_offsets; ///< start of string id; m_offsets[size] is the end
    std::vector<uint32_t> m_table;   ///< id + 1, 0 = empty slot
};

/// A run of records indexed together. Immutable once published.
struct Segment
{
    uint32_t sourceId = 0;      ///< index of the SourceInfo (where to re-read raw bytes)
    uint32_t sourceLabelId = 0; ///< dictionary id of the source label (the Source column)
    bool fileBacked = false;
    std::shared_ptr<const std::string> memory; ///< raw bytes when not file-backed
    uint64_t streamOffset = 0;                 ///< offset of memory[0] / of the block in the file
    std::vector<int64_t> time;
    std::array<std::vector<uint32_t>, kColumnCount> cols;
    std::vector<uint8_t> result;
    std::vector<uint8_t> schema;
    std::vector<uint64_t> line;
    std::vector<uint32_t> pos; ///< start of the record relative to streamOffset
    std::vector<uint32_t> len;
    size_t size() const { return time.size(); }
};

class MappedFile;

struct SourceInfo
{
    std::string label;
    std::string path; ///< empty when not a file
    bool fileBacked = false;
    ReadSummary summary;
    std::shared_ptr<const MappedFile> mapped; ///< when loaded with LoadOptions::mapFiles
};

/// A consistent view of the store. Cheap to copy; stays valid while the store grows.
class Snapshot
{
public:
    size_t size() const { return m_rows; }
    int64_t time(size_t row) const;
    uint32_t id(size_t row, Column c) const;
    Result result(size_t row) const;
    Schema schema(size_t row) const;
    uint64_t line(size_t row) const;
    std::string value(size_t row, Column c) const; ///< the string of a dictionary column
    /// The raw record bytes (read back from the file when file-backed). Empty + error on failure.
    std::string raw(size_t row, std::string *error = nullptr) const;

    const std::vector<std::shared_ptr<const Segment>> &segments() const { return m_segments; }
    const std::vector<size_t> &segmentStarts() const { return m_starts; }
    std::pair<const Segment *, size_t> locate(size_t row) const;
    const StringDict &dict(Column c) const { return *(*m_dicts)[size_t(c)]; }
    const SourceInfo &source(uint32_t id) const { return (*m_sources)[id]; }

private:
    friend class EventStore;
    std::vector<std::shared_ptr<const Segment>> m_segments;
    std::vector<size_t> m_starts;
    size_t m_rows = 0;
    std::shared_ptr<const std::array<std::unique_ptr<StringDict>, kColumnCount>> m_dicts;
    std::shared_ptr<const std::deque<SourceInfo>> m_sources;
};

/// What to show. Empty sets mean "no constraint".
struct Filter
{
    std::array<std::vector<uint32_t>, kColumnCount> include;
    std::array<std::vector<uint32_t>, kColumnCount> exclude;
    int64_t from = INT64_MIN; ///< inclusive, ns
    int64_t to = INT64_MAX;   ///< inclusive, ns
    Result result = Result::Unknown; ///< Unknown = all
    bool withoutResult = false; ///< only records that state no result (ActionResult absent or unreadable)
    std::string text;         ///< case-insensitive substring of the raw record
    /// Optional: whether each row matches `text`, as evaluate() returned them for this text
    /// (a filter change then does not read the raw records again).
    std::shared_ptr<const std::vector<uint8_t>> textHits;
    /// Optional: the rows a query matched (1 = passes, see query/eval.h); rows past its end
    /// (appended since the query ran) do not pass.
    std::shared_ptr<const std::vector<uint8_t>> rowMask;
};

struct IndexedRecord;

/// Loaded audit-log records: raw bytes kept once, compact columns for filtering.
class EventStore
{
public:
    EventStore();
    ~EventStore();
    EventStore(const EventStore &) = delete;
    EventStore &operator=(const EventStore &) = delete;

    struct LoadOptions
    {
        ReaderLimits limits;
        unsigned threads = 0; ///< 0: one per core
        const std::atomic<bool> *cancel = nullptr;
        std::function<void(uint64_t bytes, size_t rows)> progress; ///< called from the loading thread
        /// Keep a read-only mapping of a file source, its pages mapped at the end of the load,
        /// so that text searches read the page cache in place (the GUI; the CLI reads once).
        bool mapFiles = false;
        /// Build the dictionary columns (actor, action, …). A reader that never looks at them
        /// (`search` counting or printing records) turns this off: the load is then mostly the
        /// index pass's checks, and every column reads as absent (id 0).
        bool columns = true;
    };

    /// Reads and indexes a source, appending to the store. Diagnostics (reader and indexer) go
    /// to `diags` and are kept in rejected(). Thread-safe against snapshot()/other appends.
    ReadSummary load(const SourceSpec &spec, const LoadOptions &opts,
                     const std::function<void(const Diagnostic &)> &diags = {});
    /// Appends records the caller has already split and indexed (the receiver checks every line
    /// before journaling it): recs[i] is the index pass's result for block.spans[i]. Rejected
    /// records are reported like load()'s.
    ReadSummary appendIndexed(const std::string &label, Block block, std::vector<IndexedRecord> recs,
                              const std::function<void(const Diagnostic &)> &diags = {});

    Snapshot snapshot() const;
    std::vector<Diagnostic> rejected() const;
    size_t rejectedCount() const;
    void clear();

    /// What a view needs after a filter change, computed in one pass (in parallel on large
    /// stores): the rows that pass `f`, their times, and for each of `facets` the counts per
    /// dictionary id under `f` without that column's own constraint.
    struct Evaluation
    {
        std::vector<uint32_t> rows;
        std::vector<int64_t> times;
        std::vector<std::vector<uint64_t>> counts; ///< one per facet column, indexed by id
        /// The text matches of every row, when `f` has a text without textHits (they were
        /// searched in the same pass): keep them in the filter for the next changes.
        std::shared_ptr<const std::vector<uint8_t>> textHits;
    };
    static Evaluation evaluate(const Snapshot &snap, const Filter &f, const std::vector<Column> &facets,
                               const std::atomic<bool> *cancel = nullptr);
    /// (id, count) sorted by count desc then value, at most n (0 = all), zero counts left out.
    static std::vector<std::pair<uint32_t, uint64_t>> top(const std::vector<uint64_t> &counts, size_t n);

private:
    struct Impl;
    struct Ingest;
    std::unique_ptr<Impl> d;
};

/// Fields pulled out of one record by the index pass (no DOM is built). Exposed for tests.
struct IndexedRecord
{
    bool ok = false;
    std::string error;       ///< why the record was rejected
    size_t errorAt = 0;      ///< byte within the record
    Schema schema = Schema::Unknown;
    int64_t time = kNoTime;
    std::string timeWarning; ///< time present but unreadable
    std::string id;          ///< "v1:<ID>" or "v2:<AuditLogID>" when the record has one (duplicates)
    Result result = Result::Unknown;
    std::array<std::string, kColumnCount> values;
};
IndexedRecord indexRecord(std::string_view json, size_t capacity, int maxDepth);
/// A record's ID from one of its top-level members whose value is the string `value`:
/// "v1:<ID>", "v2:<AuditLogID>"; "" for any other key. The index pass keeps the last such member.
std::string recordIdFrom(std::string_view key, std::string_view value);
/// The same with simdjson's on-demand walk alone: indexRecord takes it for the records its
/// faster DOM check leaves undecided (invalid, large, too deep, huge numbers). Exposed so that
/// tests and the fuzzer can check that both ways give the same answer on every record.
IndexedRecord indexRecordWalk(std::string_view json, size_t capacity, int maxDepth);

/// Parses one record into a JSON value with the same validation and messages as the index
/// pass (used to normalize records and to show them). `capacity` >= size + 64 (padding).
/// `keep`, when given, lists the top-level keys to build; the others are validated only.
bool parseRecordJson(std::string_view json, size_t capacity, int maxDepth, nlohmann::ordered_json &out,
                     std::string &error, size_t &errorAt, const std::vector<std::string> *keep = nullptr);

/// A record's top-level ResourceID as the trail shows it: a string as is, another value as its
/// compact JSON, empty when absent, null or the record is not a JSON object. `capacity` >=
/// size + 64 (padding); without it the bytes are copied into a padded buffer first.
std::string resourceIdOf(std::string_view json, size_t capacity);
std::string resourceIdOf(std::string_view json);

} // namespace auditlens
