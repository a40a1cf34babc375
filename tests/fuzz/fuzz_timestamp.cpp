// SPDX-License-Identifier: MIT
// libFuzzer harness: the timestamp parsers and the formatter on any text (UBSan aborts on any
// overflow). A time that parses formats back to a time that parses to the same value.
#include "source/timestamp.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

using namespace auditlens;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const std::string text(reinterpret_cast<const char *>(data), size);
    TimeError why = TimeError::None;
    if (const auto ns = parseTimestampNs(text, &why)) {
        if (why != TimeError::None)
            std::abort();
        const std::string back = formatRfc3339(*ns, FractionMode::Nano);
        const auto again = parseTimestampNs(back);
        if (!again || *again != *ns)
            std::abort();
    } else if (why == TimeError::None) {
        std::abort(); // no time, and no reason
    }
    if (size >= 8) {
        int64_t i = 0;
        double d = 0;
        std::memcpy(&i, data, 8);
        std::memcpy(&d, data, 8);
        (void)epochToNs(i);
        (void)epochToNs(d);
        (void)formatRfc3339(i, FractionMode::Micro);
        if (size >= 11)
            (void)daysFromCivil(i, unsigned(data[8] % 12 + 1), unsigned(data[9] % 31 + 1));
    }
    return 0;
}
