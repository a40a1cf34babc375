// SPDX-License-Identifier: MIT
#include "normalizer.h"

#include "source/reader.h"
#include "store/eventstore.h"

namespace auditlens::intake {

NormalizedRecord normalizeRecord(const IntakeParser &parser, std::string_view raw, int maxDepth, bool explain)
{
    // simdjson needs padding after the bytes
    std::string padded;
    padded.reserve(raw.size() + kRecordPadding);
    padded.assign(raw);
    padded.append(kRecordPadding, '\0');
    return normalizeRecordPadded(parser, std::string_view(padded.data(), raw.size()), padded.size(), maxDepth, explain);
}

NormalizedRecord normalizeRecordPadded(const IntakeParser &parser, std::string_view raw, size_t capacity, int maxDepth,
                                       bool explain)
{
    NormalizedRecord out;
    Json parsed;
    if (!parseRecordJson(raw, capacity, maxDepth, parsed, out.error, out.errorAt, parser.usedRawKeys()))
        return out;
    const std::string message = compactJson(raw);
    out.result = parser.run(message, explain, &parsed);
    out.ok = true;
    return out;
}

} // namespace auditlens::intake
