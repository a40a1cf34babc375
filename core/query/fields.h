// SPDX-License-Identifier: MIT
#pragma once

#include "store/eventstore.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace auditlens::intake {
class IntakeParser;
}

namespace auditlens::query {

enum class ValueType : uint8_t { Null, Bool, Number, String, Object };
const char *valueTypeName(ValueType t);

/// One distinct value of a field.
struct FieldValue
{
    ValueType type = ValueType::Null;
    std::string text; ///< string contents; a number's JSON text; "true"/"false"; an object's compact JSON
    double number = 0; ///< numbers (±inf beyond double's range, the text stays exact)
};

/// The values of one field path for the rows [0, rows) of a store, dictionary-encoded: row r
/// has the values ids[start[r] .. start[r+1]) (none: the field is absent; several: an array).
struct FieldColumn
{
    std::string path;
    size_t rows = 0;
    std::vector<FieldValue> values; ///< id -> value, each distinct (type, text) once
    std::vector<uint32_t> start;    ///< rows + 1 offsets into ids
    std::vector<uint32_t> ids;
    size_t unreadable = 0;          ///< rows whose raw record could not be read back
};

/// Paths are raw record paths (`Metadata.zone_name`; arrays are looked into, any element
/// counts) or, with the prefix `ecs.`, paths of the record the intake parser makes of it.
bool isEcsPath(std::string_view path);

/// Calls fn(row, bytes, capacity) for the rows [begin, end) of `snap` in order, reading
/// file-backed records about 256 KiB at a time. `capacity` >= bytes.size() + 64 counts the
/// readable bytes from bytes.data() (simdjson's padding). Unreadable rows get empty bytes.
/// Returns false when cancelled.
bool forEachRaw(const Snapshot &snap, size_t begin, size_t end,
                const std::function<void(size_t row, std::string_view bytes, size_t capacity)> &fn,
                const std::atomic<bool> *cancel = nullptr);

/// Extracts columns for `paths` over rows [from, snap.size()) in parallel, appended to `base`
/// (one per path, or empty to start at row 0). `parser` is needed for `ecs.` paths.
std::vector<std::shared_ptr<const FieldColumn>> extractColumns(const Snapshot &snap, const std::vector<std::string> &paths,
                                                               const std::vector<std::shared_ptr<const FieldColumn>> &base,
                                                               const intake::IntakeParser *parser,
                                                               const std::atomic<bool> *cancel = nullptr);

/// Extracted columns kept while the data is loaded: a path is read from the raw records on
/// first use, and only appended rows are read afterwards. Thread-safe. A store that was cleared
/// and loaded anew is noticed (its first segment differs) and the columns are read again.
class FieldCache
{
public:
    explicit FieldCache(std::shared_ptr<const intake::IntakeParser> parser = {});
    void setParser(std::shared_ptr<const intake::IntakeParser> parser); ///< drops the ecs. columns
    /// The columns of `paths` covering every row of `snap`; empty when cancelled.
    std::vector<std::shared_ptr<const FieldColumn>> columns(const Snapshot &snap, const std::vector<std::string> &paths,
                                                            const std::atomic<bool> *cancel = nullptr);
    std::shared_ptr<const FieldColumn> column(const Snapshot &snap, const std::string &path,
                                              const std::atomic<bool> *cancel = nullptr);
    void clear();

private:
    std::mutex m_mutex;
    std::shared_ptr<const intake::IntakeParser> m_parser;
    std::weak_ptr<const Segment> m_first;
    std::map<std::string, std::shared_ptr<const FieldColumn>> m_columns;
};

/// Every field path seen in the records, with how many records have it and the value types.
struct FieldStat
{
    std::string path;
    uint64_t records = 0;
    uint8_t types = 0; ///< bit (1 << ValueType)
};
/// `nulls` false: a null is no value (as for `path:*`): it neither counts a record nor sets a type.
std::vector<FieldStat> fieldCatalog(const Snapshot &snap, const std::atomic<bool> *cancel = nullptr, int maxDepth = 16,
                                    bool nulls = true);

/// (value id, count) of a column over `rows` (all rows when null), most frequent first, at most n.
std::vector<std::pair<uint32_t, uint64_t>> topValues(const FieldColumn &col, const std::vector<uint32_t> *rows, size_t n);

} // namespace auditlens::query
