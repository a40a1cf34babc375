// SPDX-License-Identifier: MIT
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace auditlens {

/// One difference between two JSON values.
struct Change
{
    enum class Kind { Added, Removed, Changed };
    Kind kind = Kind::Changed;
    std::string path; ///< "settings.tls_decrypt.enabled", "networks[0].network"
    nlohmann::ordered_json before; ///< null when added
    nlohmann::ordered_json after;  ///< null when removed
};

/// Structural diff: objects by key, arrays by position; a type change is a Changed at that path.
std::vector<Change> diffJson(const nlohmann::ordered_json &before, const nlohmann::ordered_json &after);

/// What changed in an audit record: OldValue -> NewValue (v1), or for v2 ResourceRequest /
/// ResourceResponse / ResourceValue against nothing. `label` says which pair was compared.
std::vector<Change> recordChanges(const nlohmann::ordered_json &record, std::string &label);

const char *changeKindName(Change::Kind k);

} // namespace auditlens
