// SPDX-License-Identifier: MIT
#pragma once

#include "fields.h"
#include "store/diff.h"
#include "store/eventstore.h"

#include <nlohmann/json.hpp>

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
    uint32_t row = 0;
    int64_t time = kNoTime;
    std::string actor, action;
    Result result = Result::Unknown;
    std::string changesLabel;     ///< which pair was compared (OldValue → NewValue, …)
    std::vector<Change> changes;  ///< empty when the record carries no values to compare
    std::string error;            ///< the record could not be read back
};

/// The steps for `rows`, oldest first (records without a time last, in store order).
std::vector<HistoryStep> buildHistory(const Snapshot &snap, const std::vector<uint32_t> &rows);

/// What an actor used: values with counts, most frequent first.
struct ActorSummary
{
    std::vector<std::pair<std::string, uint64_t>> ips, interfaces, userAgents, actions, resourceTypes;
};
ActorSummary summarizeActor(const Snapshot &snap, const std::vector<uint32_t> &rows, FieldCache &cache);

} // namespace auditlens::query
