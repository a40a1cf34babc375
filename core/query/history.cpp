// SPDX-License-Identifier: MIT
#include "history.h"

#include <algorithm>
#include <map>

namespace auditlens::query {

namespace {

using J = nlohmann::ordered_json;

std::optional<std::string> stringField(const J &record, const char *key)
{
    auto it = record.find(key);
    if (it == record.end() || !it->is_string() || it->get_ref<const std::string &>().empty())
        return std::nullopt;
    return it->get<std::string>();
}

/// Counts of the values of `paths` (the first path a row has wins) over `rows`.
std::vector<std::pair<std::string, uint64_t>> countValues(const Snapshot &snap, const std::vector<uint32_t> &rows, FieldCache &cache,
                                                          const std::vector<std::string> &paths)
{
    const auto cols = cache.columns(snap, paths);
    std::map<std::string, uint64_t> counts;
    for (uint32_t r : rows) {
        for (const auto &c : cols) {
            if (!c || r >= c->rows || c->start[r] == c->start[r + 1])
                continue;
            for (uint32_t k = c->start[r]; k < c->start[r + 1]; ++k)
                if (c->values[c->ids[k]].type != ValueType::Null && c->values[c->ids[k]].type != ValueType::Object)
                    ++counts[c->values[c->ids[k]].text];
            break;
        }
    }
    std::vector<std::pair<std::string, uint64_t>> out(counts.begin(), counts.end());
    std::stable_sort(out.begin(), out.end(), [](const auto &a, const auto &b) { return a.second > b.second; });
    return out;
}

} // namespace

std::string quoteValue(const std::string &value)
{
    std::string out = "\"";
    for (char c : value) {
        if (c == '"' || c == '\\')
            out += '\\';
        out += c;
    }
    return out + '"';
}

std::optional<std::string> resourceHistoryQuery(const J &record)
{
    const auto id = stringField(record, "ResourceID");
    if (!id)
        return std::nullopt;
    std::string q = "ResourceID:" + quoteValue(*id);
    if (const auto type = stringField(record, "ResourceType"))
        q += " and ResourceType:" + quoteValue(*type);
    else
        q += " and not ResourceType:*";
    if (const auto scope = stringField(record, "ResourceScope"))
        q += " and ResourceScope:" + quoteValue(*scope);
    return q;
}

std::optional<std::string> actorHistoryQuery(const J &record)
{
    if (const auto email = stringField(record, "ActorEmail"))
        return "ActorEmail:" + quoteValue(*email);
    if (const auto id = stringField(record, "ActorID"))
        return "ActorID:" + quoteValue(*id);
    return std::nullopt;
}

std::vector<HistoryStep> buildHistory(const Snapshot &snap, const std::vector<uint32_t> &rows)
{
    std::vector<HistoryStep> out;
    out.reserve(rows.size());
    std::string padded;
    for (uint32_t row : rows) {
        if (row >= snap.size())
            continue;
        HistoryStep s;
        s.row = row;
        s.time = snap.time(row);
        s.actor = snap.value(row, Column::Actor);
        s.action = snap.value(row, Column::Action);
        s.result = snap.result(row);
        std::string err;
        const std::string raw = snap.raw(row, &err);
        padded = raw;
        padded.append(64, '\0');
        J rec;
        size_t at = 0;
        if (raw.empty())
            s.error = "cannot be read back: " + err;
        else if (!parseRecordJson(std::string_view(padded.data(), raw.size()), padded.size(), 128, rec, err, at))
            s.error = err;
        else
            s.changes = recordChanges(rec, s.changesLabel);
        out.push_back(std::move(s));
    }
    std::stable_sort(out.begin(), out.end(), [](const HistoryStep &a, const HistoryStep &b) {
        if ((a.time == kNoTime) != (b.time == kNoTime))
            return b.time == kNoTime;
        return a.time < b.time;
    });
    return out;
}

ActorSummary summarizeActor(const Snapshot &snap, const std::vector<uint32_t> &rows, FieldCache &cache)
{
    ActorSummary s;
    s.ips = countValues(snap, rows, cache, {"ActorIP", "ActorIPAddress"});
    s.interfaces = countValues(snap, rows, cache, {"Interface", "ActorContext"});
    s.userAgents = countValues(snap, rows, cache, {"Raw.user_agent", "Metadata.user_agent", "UserAgent"});
    s.actions = countValues(snap, rows, cache, {"ActionType"});
    s.resourceTypes = countValues(snap, rows, cache, {"ResourceType"});
    return s;
}

} // namespace auditlens::query
