// SPDX-License-Identifier: MIT
#pragma once

#include "source/reader.h"
#include "store/eventstore.h"

#include <string>
#include <string_view>

namespace auditlens::receiver {

/// Calls fn(pos, line, indexed) for each non-blank line of `text` (trailing CR and spaces
/// left out), checked by the index pass in place: the padding is appended here.
template<typename Fn>
void indexLines(std::string &text, Fn &&fn)
{
    const size_t len = text.size();
    text.append(kRecordPadding, '\0');
    const int maxDepth = ReaderLimits{}.maxDepth;
    size_t start = 0;
    while (start < len) {
        size_t nl = text.find('\n', start);
        if (nl == std::string::npos || nl > len)
            nl = len;
        std::string_view line(text.data() + start, nl - start);
        while (!line.empty() && (line.back() == '\r' || line.back() == ' '))
            line.remove_suffix(1);
        const size_t pos = start;
        start = nl + 1;
        if (!line.empty())
            fn(pos, line, indexRecord(line, text.size() - pos, maxDepth));
    }
}

} // namespace auditlens::receiver
