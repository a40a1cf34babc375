// SPDX-License-Identifier: MIT
#pragma once

#include "engine.h"

#include <string>
#include <string_view>

namespace auditlens::intake {

/// One raw record through a parser: validation (same rules and messages as the index pass),
/// then the intake engine on the record's compact form.
struct NormalizedRecord
{
    bool ok = false;
    std::string error;  ///< why the record was rejected
    size_t errorAt = 0; ///< byte within the record
    NormalizeResult result;
};

NormalizedRecord normalizeRecord(const IntakeParser &parser, std::string_view raw, int maxDepth = 128,
                                 bool explain = false);
/// Same, for bytes followed by at least 64 readable bytes (`capacity` counts from raw.data()).
NormalizedRecord normalizeRecordPadded(const IntakeParser &parser, std::string_view raw, size_t capacity,
                                       int maxDepth = 128, bool explain = false);

} // namespace auditlens::intake
