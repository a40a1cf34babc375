// SPDX-License-Identifier: MIT
#include "jsonout.h"

#include "source/reader.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstring>

namespace auditlens::intake {

namespace {

/// True when `s` is valid UTF-8 (the fast path: ASCII runs).
bool validUtf8(std::string_view s)
{
    size_t i = 0;
    const size_t n = s.size();
    while (i < n) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            ++i;
            continue;
        }
        size_t len = 0;
        uint32_t cp = 0;
        if ((c & 0xE0) == 0xC0) {
            len = 2;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4;
            cp = c & 0x07;
        } else
            return false;
        if (i + len > n)
            return false;
        for (size_t k = 1; k < len; ++k) {
            const unsigned char cc = static_cast<unsigned char>(s[i + k]);
            if ((cc & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (cc & 0x3F);
        }
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))
            || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += len;
    }
    return true;
}

/// Bytes of `w` that need a look: control characters, '"', '\\' and non-ASCII. The lowest
/// flagged byte is always a true one (the borrows of the subtractions only reach above it).
inline uint64_t specialBytes(uint64_t w)
{
    constexpr uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
    const uint64_t quote = w ^ (ones * '"'), backslash = w ^ (ones * '\\');
    return (((w - ones * 0x20) & ~w) | ((quote - ones) & ~quote) | ((backslash - ones) & ~backslash) | w) & high;
}

/// The length of the valid UTF-8 sequence at p[0] (a byte >= 0x80), or 0.
size_t utf8Sequence(const unsigned char *p, size_t avail)
{
    const unsigned char c = p[0];
    const size_t need = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    if (!need || need > avail)
        return 0;
    return validUtf8(std::string_view(reinterpret_cast<const char *>(p), need)) ? need : 0;
}

/// `s` as a JSON string, escaped as appendJsonString does, checking UTF-8 on the way: eight
/// bytes at a time through a stack buffer (most bytes need nothing). False when `s` is not
/// valid UTF-8 (`out` is then left as it was).
bool appendStringFast(std::string &out, std::string_view s)
{
    static const char hex[] = "0123456789abcdef";
    const size_t mark = out.size();
    char buf[1024];
    size_t n = 0;
    buf[n++] = '"';
    const auto *p = reinterpret_cast<const unsigned char *>(s.data());
    const size_t len = s.size();
    size_t i = 0;
    while (i < len) {
        if (n > sizeof buf - 16) {
            out.append(buf, n);
            n = 0;
        }
        if (i + 8 <= len) {
            uint64_t w;
            std::memcpy(&w, p + i, 8);
            std::memcpy(buf + n, p + i, 8);
            const uint64_t m = specialBytes(w);
            if (!m) {
                n += 8;
                i += 8;
                continue;
            }
            const size_t k = size_t(__builtin_ctzll(m)) / 8;
            n += k;
            i += k;
        }
        const unsigned char c = p[i];
        if (c >= 0x80) {
            const size_t seq = utf8Sequence(p + i, len - i);
            if (!seq) {
                out.resize(mark);
                return false;
            }
            std::memcpy(buf + n, p + i, seq);
            n += seq;
            i += seq;
            continue;
        }
        ++i;
        if (c >= 0x20 && c != '"' && c != '\\') {
            buf[n++] = char(c);
            continue;
        }
        buf[n++] = '\\';
        switch (c) {
        case '"': buf[n++] = '"'; break;
        case '\\': buf[n++] = '\\'; break;
        case '\n': buf[n++] = 'n'; break;
        case '\r': buf[n++] = 'r'; break;
        case '\t': buf[n++] = 't'; break;
        case '\b': buf[n++] = 'b'; break;
        case '\f': buf[n++] = 'f'; break;
        default:
            buf[n++] = 'u';
            buf[n++] = '0';
            buf[n++] = '0';
            buf[n++] = hex[c >> 4];
            buf[n++] = hex[c & 15];
        }
    }
    buf[n++] = '"';
    out.append(buf, n);
    return true;
}

void appendString(std::string &out, const std::string &s)
{
    if (!appendStringFast(out, s))
        out += Json(s).dump(-1, ' ', false, Json::error_handler_t::replace); // replacement characters
}

} // namespace

void appendJson(std::string &out, const Json &v)
{
    switch (v.type()) {
    case Json::value_t::object: {
        out += '{';
        bool first = true;
        for (auto it = v.begin(); it != v.end(); ++it) {
            if (!first)
                out += ',';
            first = false;
            appendString(out, it.key());
            out += ':';
            appendJson(out, it.value());
        }
        out += '}';
        return;
    }
    case Json::value_t::array: {
        out += '[';
        bool first = true;
        for (const Json &e : v) {
            if (!first)
                out += ',';
            first = false;
            appendJson(out, e);
        }
        out += ']';
        return;
    }
    case Json::value_t::string: appendString(out, v.get_ref<const std::string &>()); return;
    case Json::value_t::boolean: out += v.get<bool>() ? "true" : "false"; return;
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned: {
        char buf[24];
        const auto r = v.is_number_unsigned() ? std::to_chars(buf, buf + sizeof buf, v.get<uint64_t>())
                                              : std::to_chars(buf, buf + sizeof buf, v.get<int64_t>());
        out.append(buf, size_t(r.ptr - buf));
        return;
    }
    case Json::value_t::number_float: out += v.dump(); return; // nlohmann's own shortest form
    case Json::value_t::null:
    case Json::value_t::discarded:
    case Json::value_t::binary: out += "null"; return;
    }
}

} // namespace auditlens::intake
