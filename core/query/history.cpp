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

/// Where each fact of an actor summary is read, first path first (ActorSummary's order).
const std::array<std::vector<std::string>, 5> kActorPaths = {{
    {"ActorIP", "ActorIPAddress"},
    {"Interface", "ActorContext"},
    {"Raw.user_agent", "Metadata.user_agent", "UserAgent"},
    {"ActionType"},
    {"ResourceType"},
}};

std::vector<std::pair<std::string, uint64_t>> byCount(const std::map<std::string, uint64_t> &counts)
{
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

HistoryStep historyStep(const TrailRow &row)
{
    HistoryStep s;
    s.id = row.id;
    s.time = row.time;
    s.actor = row.values[size_t(Column::Actor)];
    s.action = row.values[size_t(Column::Action)];
    s.result = row.result;
    if (row.raw.empty()) {
        s.error = "the record could not be read back";
        return s;
    }
    std::string padded = row.raw;
    padded.append(64, '\0');
    J rec;
    std::string err;
    size_t at = 0;
    if (!parseRecordJson(std::string_view(padded.data(), row.raw.size()), padded.size(), 128, rec, err, at))
        s.error = err;
    else
        s.changes = recordChanges(rec, s.changesLabel);
    return s;
}

void orderHistory(std::vector<HistoryStep> &steps)
{
    std::stable_sort(steps.begin(), steps.end(), [](const HistoryStep &a, const HistoryStep &b) {
        if ((a.time == kNoTime) != (b.time == kNoTime))
            return b.time == kNoTime;
        return a.time < b.time;
    });
}

void ActorTally::add(std::string_view raw)
{
    m_padded.assign(raw);
    m_padded.append(64, '\0');
    if (!flattenFields(std::string_view(m_padded.data(), raw.size()), m_padded.size(), m_fields))
        return; // (not a record: nothing to count)
    for (size_t k = 0; k < kActorPaths.size(); ++k)
        for (const std::string &path : kActorPaths[k]) {
            bool present = false;
            for (const FlatField &f : m_fields)
                if (f.path == path) {
                    present = true;
                    if (f.type != ValueType::Object)
                        ++m_counts[k][f.text];
                }
            if (present)
                break; // the first path the record has
        }
}

ActorSummary ActorTally::summary() const
{
    ActorSummary s;
    s.ips = byCount(m_counts[0]);
    s.interfaces = byCount(m_counts[1]);
    s.userAgents = byCount(m_counts[2]);
    s.actions = byCount(m_counts[3]);
    s.resourceTypes = byCount(m_counts[4]);
    return s;
}

} // namespace auditlens::query
