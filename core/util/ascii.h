// SPDX-License-Identifier: MIT
// ASCII case and white space: log fields, JSON keys and format names are ASCII, and these
// never depend on the process locale.
#pragma once

#include <string>
#include <string_view>

namespace auditlens {

inline char asciiLower(char c) { return c >= 'A' && c <= 'Z' ? char(c | 0x20) : c; }
inline char asciiUpper(char c) { return c >= 'a' && c <= 'z' ? char(c & ~0x20) : c; }

inline std::string asciiLower(std::string s)
{
    for (char &c : s)
        c = asciiLower(c);
    return s;
}

inline std::string asciiUpper(std::string s)
{
    for (char &c : s)
        c = asciiUpper(c);
    return s;
}

inline bool asciiIEquals(std::string_view a, std::string_view b)
{
    if (a.size() != b.size())
        return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (asciiLower(a[i]) != asciiLower(b[i]))
            return false;
    return true;
}

inline bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

/// `s` without the white space at its start (`left`) and its end (`right`).
inline std::string_view trimSpace(std::string_view s, bool left = true, bool right = true)
{
    if (left)
        while (!s.empty() && isSpace(s.front()))
            s.remove_prefix(1);
    if (right)
        while (!s.empty() && isSpace(s.back()))
            s.remove_suffix(1);
    return s;
}

} // namespace auditlens
