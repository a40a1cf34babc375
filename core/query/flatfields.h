// SPDX-License-Identifier: MIT
#pragma once

#include "fields.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace auditlens::query {

/// One value of a record, under the path the query language names it by: what a server that
/// cannot run this engine (ClickHouse) stores beside the raw record, so that a query is tested
/// there as here (clickhouse/kqlsql.h).
struct FlatField
{
    std::string path;  ///< dotted keys from the record's root; arrays add nothing (a.b for {"a":[{"b":1}]})
    ValueType type = ValueType::String; ///< never Null (a null has no value to match or to exist)
    std::string text;  ///< as FieldValue::text; empty for an object
    double number = 0; ///< numbers: FieldValue::number
    int64_t time = 0;  ///< what a time range compares (parseTimestampNs of a string, epochToNs of a number)
    bool hasTime = false;
    bool inArray = false; ///< an element of an array, or within one
};

/// Every value of a record, depth first in the record's order: each object (but the root) as
/// one Object value, then its members; each array element under the array's path. A path of
/// FieldColumn (fields.h) has, on a record, exactly the values listed here under that path
/// (keys with dots in them included), so `field:value` tested on these agrees with the store.
/// `capacity` >= raw.size() + 64 counts the readable bytes from raw.data(). Replaces the contents
/// of `out` (reusing its entries' buffers). Returns false (and what was read before) when the
/// record is not valid JSON.
bool flattenFields(std::string_view raw, size_t capacity, std::vector<FlatField> &out);

} // namespace auditlens::query
