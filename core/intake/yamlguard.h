// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <string>

namespace YAML {
class Node;
}

namespace auditlens::intake {

/// Limits on parser and fields files: a hostile file ("billion laughs" aliases, huge nesting)
/// is refused before anything expands it.
struct YamlLimits
{
    size_t maxBytes = 16u << 20;      ///< the file's size
    size_t maxNodes = 500000;         ///< nodes once every alias is expanded
};

/// Parses `text` (the first document) into `root`. False and a message naming `label` and the
/// line on malformed YAML or when the limits are exceeded; never throws.
bool loadYamlBounded(const std::string &text, const std::string &label, YAML::Node &root, std::string &error,
                     const YamlLimits &limits = {});

} // namespace auditlens::intake
