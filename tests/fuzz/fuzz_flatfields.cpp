// SPDX-License-Identifier: MIT
// libFuzzer harness: what a ClickHouse trail stores so that queries by field run there
// (query::flattenFields) must list, under every path, exactly the values the store's field
// columns read for that path (query::extractColumns: what the embedded query engine tests), on
// any record; the trail's record ID read from them must be the index pass's; and every query
// the parser accepts must translate to SQL (or be refused saying why), never crash. The
// input's first line is a query, the rest records. A raw path under a top-level key "ecs" is
// not compared: the store reads "ecs.*" from the ECS form, and a ClickHouse query on such a
// path is refused (kqlToSql), so neither back end answers it from the raw fields.
#include "clickhouse/kqlsql.h"
#include "clickhouse/trail.h"
#include "query/fields.h"
#include "query/flatfields.h"
#include "store/eventstore.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <vector>

using namespace auditlens;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const std::string input(reinterpret_cast<const char *>(data), size);
    const size_t nl = input.find('\n');
    const std::string query = input.substr(0, nl);
    const clickhouse::KqlSql sql = clickhouse::kqlToSql(query);
    if (!sql.ok() && sql.error.empty())
        std::abort();
    if (nl == std::string::npos)
        return 0;

    EventStore store;
    store.load(SourceSpec::memory("fuzz", input.substr(nl + 1)), {});
    const Snapshot snap = store.snapshot();
    if (snap.size() == 0 || snap.size() > 64)
        return 0;
    std::vector<std::vector<query::FlatField>> flat(snap.size());
    std::set<std::string> paths;
    for (size_t r = 0; r < snap.size(); ++r) {
        const std::string raw = snap.raw(r);
        std::string padded = raw + std::string(64, '\0');
        if (!query::flattenFields(std::string_view(padded.data(), raw.size()), padded.size(), flat[r]))
            return 0; // (a record the store kept is valid JSON; a deeper one than simdjson reads is not compared)
        // the trail's ID, read from these fields, is the index pass's
        const std::string_view rec(padded.data(), raw.size());
        if (clickhouse::trailRecordId(rec, padded.size(), flat[r], true) != clickhouse::trailRecordId(rec, padded.size(), {}, false)) {
            std::fprintf(stderr, "row %zu: the trail's ID differs from the index pass's\n", r);
            std::abort();
        }
        for (const query::FlatField &f : flat[r])
            if (!query::isEcsPath(f.path))
                paths.insert(f.path);
    }
    if (paths.size() > 200)
        return 0;
    const std::vector<std::string> all(paths.begin(), paths.end());
    const auto cols = query::extractColumns(snap, all, {}, nullptr);
    if (cols.size() != all.size())
        std::abort();
    for (size_t k = 0; k < all.size(); ++k)
        for (size_t r = 0; r < snap.size(); ++r) {
            std::vector<std::string> want, got;
            for (uint32_t i = cols[k]->start[r]; i < cols[k]->start[r + 1]; ++i) {
                const query::FieldValue &v = cols[k]->values[cols[k]->ids[i]];
                if (v.type != query::ValueType::Null)
                    want.push_back(std::to_string(int(v.type)) + (v.type == query::ValueType::Object ? "" : v.text));
            }
            for (const query::FlatField &f : flat[r])
                if (f.path == all[k])
                    got.push_back(std::to_string(int(f.type)) + f.text);
            std::sort(want.begin(), want.end());
            std::sort(got.begin(), got.end());
            if (got != want) {
                std::fprintf(stderr, "path '%s', row %zu: %zu values flattened, %zu in the store's column\n", all[k].c_str(), r,
                             got.size(), want.size());
                std::abort();
            }
        }
    return 0;
}
