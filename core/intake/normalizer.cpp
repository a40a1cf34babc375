// SPDX-License-Identifier: MIT
#include "normalizer.h"

#include "source/reader.h"
#include "store/eventstore.h"

namespace auditlens::intake {

NormalizedRecord normalizeRecord(const IntakeParser &parser, std::string_view raw, int maxDepth, bool explain)
{
    NormalizedRecord out;
    // simdjson needs padding after the bytes
    std::string padded;
    padded.reserve(raw.size() + 64);
    padded.assign(raw);
    padded.append(64, '\0');
    const IndexedRecord ix = indexRecord(std::string_view(padded.data(), raw.size()), padded.size(), maxDepth);
    if (!ix.ok) {
        out.error = ix.error;
        out.errorAt = ix.errorAt;
        return out;
    }
    const std::string message = compactJson(raw);
    Json parsed = Json::parse(message, nullptr, false);
    if (parsed.is_discarded()) {
        out.error = "not valid JSON";
        return out;
    }
    out.result = parser.run(message, explain, &parsed);
    out.ok = true;
    return out;
}

} // namespace auditlens::intake
