// SPDX-License-Identifier: MIT
// libFuzzer harness: the store's index pass (indexRecord: what `stats` and the GUI count) and
// the record parser (parseRecordJson: what `normalize` and `validate` read) must agree on every
// record: one accepting what the other rejects aborts. Both also see the record's JSON with a
// small and a huge nesting limit, where their depth rules must agree too. indexRecord's two
// ways (the DOM check and the on-demand walk) must agree as well.
#include "source/reader.h"
#include "store/eventstore.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

using namespace auditlens;

namespace {

void agree(const std::string &padded, size_t len, int maxDepth)
{
    const std::string_view rec(padded.data(), len);
    const IndexedRecord r = indexRecord(rec, padded.size(), maxDepth);
    nlohmann::ordered_json out;
    std::string error;
    size_t at = 0;
    const bool parsed = parseRecordJson(rec, padded.size(), maxDepth, out, error, at);
    if (r.ok != parsed) {
        std::fprintf(stderr, "index pass %s, record parser %s (depth limit %d)\nindex: %s\nparser: %s\n",
                     r.ok ? "accepts" : "rejects", parsed ? "accepts" : "rejects", maxDepth, r.error.c_str(),
                     error.c_str());
        std::abort();
    }
    if (parsed && !out.is_object())
        std::abort();
    if (!r.ok && r.error.empty())
        std::abort(); // a rejection always says why
    // indexRecord decides most records with simdjson's DOM: the on-demand walk alone must give
    // the same answer, field for field
    const IndexedRecord w = indexRecordWalk(rec, padded.size(), maxDepth);
    if (w.ok != r.ok || w.error != r.error || w.errorAt != r.errorAt || w.values != r.values || w.time != r.time
        || w.result != r.result || w.schema != r.schema || w.id != r.id || w.timeWarning != r.timeWarning) {
        std::fprintf(stderr,
                     "index pass: the DOM check and the walk differ (depth limit %d): ok %d/%d, time %lld/%lld, "
                     "error '%s'/'%s', time warning '%s'/'%s'\n",
                     maxDepth, int(r.ok), int(w.ok), (long long)r.time, (long long)w.time, r.error.c_str(), w.error.c_str(),
                     r.timeWarning.c_str(), w.timeWarning.c_str());
        std::abort();
    }
    if (r.errorAt > len || at > len)
        std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    std::string padded(reinterpret_cast<const char *>(data), size);
    padded.append(kRecordPadding, '\0');
    agree(padded, size, 128);
    agree(padded, size, 3);
    agree(padded, size, 100000); // normalize --max-depth takes up to 100000
    return 0;
}
