// SPDX-License-Identifier: MIT
#pragma once

#include "fields.h"
#include "flatfields.h"
#include "store/diff.h"
#include "store/eventstore.h"
#include "store/trailsource.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <map>
#include "kql.h"

#include <optional>
#include <string>
#include <vector>

namespace auditlens::query {

/// A value quoted for a query: "…" with `"` and `\` escaped.
std::string quoteValue(const std::string &value);

/// The query for every record of the same resource as `record`: v1 ResourceID + ResourceType,
/// v2 also ResourceScope. Nothing when the record names no resource.
std::optional<std::string> resourceHistoryQuery(const nlohmann::ordered_json &record);
/// The query for everything the record's actor did: ActorEmail, else ActorID.
std::optional<std::string> actorHistoryQuery(const nlohmann::ordered_json &record);

/// One record of a history, with what it changed.
struct HistoryStep
{
    std::string id;               ///< the record in its trail source (TrailRow::id)
    int64_t time = kNoTime;
    std::string actor, action;
    Result result = Result::Unknown;
    std::string changesLabel;     ///< which pair was compared (OldValue → NewValue, …)
    std::vector<Change> changes;  ///< empty when the record carries no values to compare
    std::string error;            ///< the record could not be read back
};

/// How many records a history's next page asks for, `read` being read already: the pages grow
/// (first, then 4 times what is read, up to `most`), since on a server each page under a query
/// is a scan of its own: a long history is read in a few scans, its first steps shown soon.
constexpr size_t kHistoryFirstPage = 500;    ///< the rows a history asks for first
constexpr size_t kHistoryMostPage = 10000;   ///< … and at most a page
constexpr size_t kHistoryMaxRecords = 100000; ///< the records a history reads at most
inline size_t historyPageRows(size_t read, size_t first = kHistoryFirstPage, size_t most = kHistoryMostPage)
{
    return std::min(most, std::max(first, 4 * read));
}

/// The step of a row read with its raw record (TrailSource::records).
HistoryStep historyStep(const TrailRow &row);
/// Oldest first, the records without a time last (each group's order kept).
void orderHistory(std::vector<HistoryStep> &steps);

/// What an actor used: values with counts, most frequent first.
struct ActorSummary
{
    std::vector<std::pair<std::string, uint64_t>> ips, interfaces, userAgents, actions, resourceTypes;
};

/// The actor summary of the records added to it, one raw record at a time (as a trail source
/// gives them): each fact read from the first of its paths a record has (the IP from ActorIP,
/// else ActorIPAddress, …), by the paths the query language names fields by.
class ActorTally
{
public:
    void add(std::string_view raw);
    ActorSummary summary() const;

private:
    std::array<std::map<std::string, uint64_t>, 5> m_counts;
    std::vector<FlatField> m_fields;
    std::string m_padded;
};

} // namespace auditlens::query
