// SPDX-License-Identifier: MIT
// Byte-level helpers of the readers (internal to core/source): line ends, BOMs, and a scanner
// that follows JSON strings and nesting without parsing.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace auditlens::scan {

/// The deepest nesting any limit allows: simdjson's own limit (the index pass caps it too).
constexpr int kMaxDepthCap = 1024;

/// JSON white space.
bool isWs(char c);

/// A UTF-8 byte order mark at d[i] (where a record may start: at the start of the input, of a
/// line, or between records, e.g. files with BOMs joined by `cat`).
bool isBom(const char *d, size_t i, size_t n);

/// The first bytes of a BOM cut off at the end of the bytes read so far.
bool isBomPrefix(const char *d, size_t i, size_t n);

/// Line ends are LF, CRLF or a lone CR (old Mac files): a CR ends a line unless an LF follows.
/// At the end of the bytes read so far a CR is decided by the next byte: `more` says whether
/// one may still come.
bool isLineEnd(const char *d, size_t k, size_t n, bool more);

/// The first line end at or after i (see isLineEnd): the LF (of a CRLF too) or a lone CR; n
/// when none is known yet.
size_t findLineEnd(const char *d, size_t i, size_t n, bool more);

/// The start of a line for a message: at most 24 characters, control bytes as \\xNN.
std::string preview(const char *p, size_t n);

/// True when `text` nests deeper than `limit` (outside strings).
bool nestsDeeperThan(std::string_view text, int limit);

/// The keys at depth 1 of the first object in `text` (looked at within its first 64 KiB).
std::vector<std::string> firstObjectKeys(std::string_view text);

/// Follows strings and nesting one byte at a time.
struct ValueScanner
{
    int depth = 0;
    bool inStr = false, esc = false;
    /// Feeds one byte; true when it closes the outermost value.
    bool feed(char ch)
    {
        if (inStr) {
            if (esc)
                esc = false;
            else if (ch == '\\')
                esc = true;
            else if (ch == '"')
                inStr = false;
            return false;
        }
        if (ch == '"')
            inStr = true;
        else if (ch == '{' || ch == '[')
            ++depth;
        else if ((ch == '}' || ch == ']') && --depth == 0)
            return true;
        return false;
    }
};

} // namespace auditlens::scan
