// SPDX-License-Identifier: MIT
#pragma once

// The trail table in ClickHouse as a TrailSource (store/trailsource.h): every request is SQL
// run on the server (counts and facets in one pass over the trail with its copies collapsed
// (FINAL), time buckets, keyset pages by (time, ID), one raw record by ID, the text search as
// positionCaseInsensitive, a KQL query as SQL over the records' field arrays (kqlsql.h)), over
// the asynchronous Client. A superseded request is cancelled on the server (each request its
// own query id, stopped with KILL QUERY). Requests wait for the table's probe (its engine and
// columns; for a query by field, that every row has its fields), a few milliseconds.

#include "clickhouse/client.h"
#include "clickhouse/trail.h"
#include "store/trailsource.h"

#include <memory>

namespace auditlens::clickhouse {

struct RemoteTrailOptions
{
    /// The reply to a records() page at most (max_result_bytes): over it the server refuses the
    /// page, and it is asked again for a quarter of the rows, down to one.
    uint64_t recordsReplyBytes = 256ull << 20;
};

/// A source over `table` at `ep`. Lives on the thread that uses it (its Client is a QObject
/// there); the first request finds out whether the server and table answer.
std::unique_ptr<TrailSource> openRemoteTrail(const Endpoint &ep, const TrailTable &table, const RemoteTrailOptions &opts = {});

} // namespace auditlens::clickhouse
