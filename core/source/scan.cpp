// SPDX-License-Identifier: MIT
#include "scan.h"

#include <cstdio>
#include <cstring>

namespace auditlens::scan {

bool isWs(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/// A UTF-8 byte order mark at d[i] (where a record may start: at the start of the input, of a
/// line, or between records, e.g. files with BOMs joined by `cat`).
bool isBom(const char *d, size_t i, size_t n)
{
    return i + 3 <= n && d[i] == '\xEF' && d[i + 1] == '\xBB' && d[i + 2] == '\xBF';
}

/// The first bytes of a BOM cut off at the end of the bytes read so far.
bool isBomPrefix(const char *d, size_t i, size_t n)
{
    return i < n && n - i < 3 && d[i] == '\xEF' && (i + 1 == n || d[i + 1] == '\xBB');
}

/// Line ends are LF, CRLF or a lone CR (old Mac files): a CR ends a line unless an LF follows.
/// At the end of the bytes read so far a CR is decided by the next byte: `more` says whether
/// one may still come.
bool isLineEnd(const char *d, size_t k, size_t n, bool more)
{
    if (d[k] == '\n')
        return true;
    if (d[k] != '\r')
        return false;
    return k + 1 < n ? d[k + 1] != '\n' : !more;
}

/// The first line end at or after i (see isLineEnd), n when none is known yet. `lfAt` is
/// where the line's terminator ends minus one (the LF of a CRLF, or the lone CR).
size_t findLineEnd(const char *d, size_t i, size_t n, bool more)
{
    const char *nl = static_cast<const char *>(std::memchr(d + i, '\n', n - i));
    const size_t lf = nl ? size_t(nl - d) : n;
    // a lone CR before the LF ends the line earlier
    for (const char *cr = static_cast<const char *>(std::memchr(d + i, '\r', lf - i)); cr;
         cr = static_cast<const char *>(std::memchr(cr + 1, '\r', lf - size_t(cr + 1 - d)))) {
        const size_t k = size_t(cr - d);
        if (k + 1 == lf && nl)
            break; // CRLF
        if (isLineEnd(d, k, n, more))
            return k;
        if (k + 1 >= lf)
            break;
    }
    return lf;
}

std::string preview(const char *p, size_t n)
{
    std::string out;
    for (size_t i = 0; i < n && out.size() < 24; ++i) {
        const unsigned char c = static_cast<unsigned char>(p[i]);
        if (c == '\n' || c == '\r')
            break;
        if (c < 0x20 || c == 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}



/// True when `text` nests deeper than `limit` (outside strings).
bool nestsDeeperThan(std::string_view text, int limit)
{
    ValueScanner scan;
    for (const char c : text) {
        scan.feed(c);
        if (scan.depth > limit)
            return true;
    }
    return false;
}

/// The keys at depth 1 of the first object in `text` (looked at within its first 64 KiB).
std::vector<std::string> firstObjectKeys(std::string_view text)
{
    std::vector<std::string> keys;
    int depth = 0;
    int objectDepth = -1; // depth at which the first object's keys live
    bool expectKey = false;
    const size_t n = std::min<size_t>(text.size(), 65536);
    for (size_t i = 0; i < n; ++i) {
        const char c = text[i];
        if (c == '"') {
            size_t j = i + 1;
            std::string s;
            while (j < n && text[j] != '"') {
                if (text[j] == '\\')
                    ++j;
                if (j < n)
                    s += text[j];
                ++j;
            }
            if (expectKey && depth == objectDepth)
                keys.push_back(s);
            expectKey = false;
            i = j;
            continue;
        }
        if (c == '{') {
            ++depth;
            if (objectDepth < 0)
                objectDepth = depth;
            expectKey = depth == objectDepth;
        } else if (c == '[') {
            ++depth;
        } else if (c == '}' || c == ']') {
            if (depth == objectDepth && c == '}')
                break;
            --depth;
        } else if (c == ',') {
            expectKey = depth == objectDepth;
        }
    }
    return keys;
}

} // namespace auditlens::scan
