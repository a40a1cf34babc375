// SPDX-License-Identifier: MIT
#include "timestamp.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace auditlens {

namespace {
constexpr int64_t kNsPerSec = 1000000000LL;

bool isDigit(char c) { return c >= '0' && c <= '9'; }

std::optional<int64_t> parseDigits(std::string_view s, size_t &i, size_t count)
{
    if (i + count > s.size())
        return std::nullopt;
    int64_t v = 0;
    for (size_t k = 0; k < count; ++k) {
        const char c = s[i + k];
        if (!isDigit(c))
            return std::nullopt;
        v = v * 10 + (c - '0');
    }
    i += count;
    return v;
}

std::optional<int64_t> fail(TimeError *why, TimeError e)
{
    if (why)
        *why = e;
    return std::nullopt;
}

/// INT64_MIN is kept free: it means "no time" where times are stored.
std::optional<int64_t> inRange(int64_t ns, TimeError *why)
{
    if (ns == INT64_MIN)
        return fail(why, TimeError::OutOfRange);
    return ns;
}

std::optional<int64_t> parseEpochString(std::string_view s, TimeError *why)
{
    size_t i = 0;
    bool neg = false;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) {
        neg = s[i] == '-';
        ++i;
    }
    const size_t intStart = i;
    while (i < s.size() && isDigit(s[i]))
        ++i;
    const size_t intLen = i - intStart;
    std::string_view intPart = s.substr(intStart, intLen);
    std::string_view fracPart;
    if (i < s.size() && s[i] == '.') {
        const size_t f = ++i;
        while (i < s.size() && isDigit(s[i]))
            ++i;
        fracPart = s.substr(f, i - f);
    }
    if (intLen == 0 || i != s.size())
        return fail(why, TimeError::Invalid);
    if (intLen > 19)
        return fail(why, TimeError::OutOfRange); // a number, but beyond any int64
    if (fracPart.empty()) {
        int64_t v = 0;
        for (char c : intPart) {
            if (v > (INT64_MAX - 9) / 10)
                return fail(why, TimeError::OutOfRange);
            v = v * 10 + (c - '0');
        }
        return epochToNs(neg ? -v : v, why);
    }
    const double d = std::strtod(std::string(s).c_str(), nullptr);
    return epochToNs(d, why);
}
} // namespace

std::optional<int64_t> epochToNs(int64_t v, TimeError *why)
{
    // |v| in unsigned arithmetic: INT64_MIN has no positive counterpart
    const uint64_t a = v < 0 ? 0 - uint64_t(v) : uint64_t(v);
    int64_t scale = 1; // nanoseconds
    if (a < 100000000000ULL) // < 1e11: seconds (until year 5138)
        scale = kNsPerSec;
    else if (a < 100000000000000ULL) // < 1e14: milliseconds
        scale = 1000000;
    else if (a < 100000000000000000ULL) // < 1e17: microseconds
        scale = 1000;
    int64_t ns = 0;
    if (__builtin_mul_overflow(v, scale, &ns))
        return fail(why, TimeError::OutOfRange);
    return inRange(ns, why);
}

std::optional<int64_t> epochToNs(double v, TimeError *why)
{
    if (std::isnan(v))
        return fail(why, TimeError::Invalid);
    if (!std::isfinite(v))
        return fail(why, TimeError::OutOfRange);
    const double a = std::fabs(v);
    int64_t scale = 1;
    if (a < 1e11)
        scale = kNsPerSec;
    else if (a < 1e14)
        scale = 1000000;
    else if (a < 1e17)
        scale = 1000;
    if (a * double(scale) >= 9223372036854775808.0) // 2^63
        return fail(why, TimeError::OutOfRange);
    // integer and fraction apart, so that 1638303588.25 s gives exactly ...250000000 ns
    const double whole = std::trunc(v);
    const double frac = v - whole;
    int64_t ns = 0;
    if (__builtin_mul_overflow(static_cast<int64_t>(whole), scale, &ns)
        || __builtin_add_overflow(ns, static_cast<int64_t>(std::llround(frac * double(scale))), &ns))
        return fail(why, TimeError::OutOfRange);
    return inRange(ns, why);
}

int64_t daysFromCivil(int64_t y, unsigned m, unsigned d)
{
    constexpr int64_t kYearLimit = int64_t(1) << 50; // keeps every product below in range
    y = std::clamp(y, -kYearLimit, kYearLimit);
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

std::optional<int64_t> parseTimestampNs(std::string_view s, TimeError *why)
{
    if (why)
        *why = TimeError::None;
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    if (s.empty())
        return fail(why, TimeError::Invalid);
    // A digit string (with optional sign / fraction) and nothing else is an epoch.
    if (s.size() >= 5 && s[4] != '-')
        return parseEpochString(s, why);
    if (s.size() < 5)
        return parseEpochString(s, why);

    size_t i = 0;
    auto year = parseDigits(s, i, 4);
    if (!year || i >= s.size() || s[i++] != '-')
        return fail(why, TimeError::Invalid);
    auto month = parseDigits(s, i, 2);
    if (!month || i >= s.size() || s[i++] != '-')
        return fail(why, TimeError::Invalid);
    auto day = parseDigits(s, i, 2);
    static const int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (!day || *month < 1 || *month > 12 || *day < 1 || *day > kDays[*month - 1])
        return fail(why, TimeError::Invalid);
    const bool leap = (*year % 4 == 0 && *year % 100 != 0) || *year % 400 == 0;
    if (*month == 2 && *day == 29 && !leap)
        return fail(why, TimeError::Invalid);
    int64_t hour = 0, minute = 0, second = 0, frac = 0;
    if (i < s.size()) {
        if (s[i] != 'T' && s[i] != 't' && s[i] != ' ')
            return fail(why, TimeError::Invalid);
        ++i;
        auto h = parseDigits(s, i, 2);
        if (!h || i >= s.size() || s[i++] != ':')
            return fail(why, TimeError::Invalid);
        auto mi = parseDigits(s, i, 2);
        if (!mi)
            return fail(why, TimeError::Invalid);
        std::optional<int64_t> se = 0;
        if (i < s.size() && s[i] == ':') {
            ++i;
            se = parseDigits(s, i, 2);
            if (!se)
                return fail(why, TimeError::Invalid);
        }
        hour = *h;
        minute = *mi;
        second = *se;
        if (hour > 23 || minute > 59 || second > 60)
            return fail(why, TimeError::Invalid);
        if (i < s.size() && (s[i] == '.' || s[i] == ',')) {
            ++i;
            int digits = 0;
            while (i < s.size() && isDigit(s[i])) {
                if (digits < 9) {
                    frac = frac * 10 + (s[i] - '0');
                    ++digits;
                }
                ++i;
            }
            if (digits == 0)
                return fail(why, TimeError::Invalid);
            for (int k = digits; k < 9; ++k)
                frac *= 10;
        }
    }
    int64_t offsetSec = 0;
    if (i < s.size()) {
        if (s[i] == 'Z' || s[i] == 'z') {
            ++i;
        } else if (s[i] == '+' || s[i] == '-') {
            const bool neg = s[i] == '-';
            ++i;
            auto oh = parseDigits(s, i, 2);
            if (!oh)
                return fail(why, TimeError::Invalid);
            if (i < s.size() && s[i] == ':')
                ++i;
            std::optional<int64_t> om = 0;
            if (i < s.size())
                om = parseDigits(s, i, 2);
            if (!om || *oh > 23 || *om > 59)
                return fail(why, TimeError::Invalid);
            offsetSec = (*oh * 3600 + *om * 60) * (neg ? -1 : 1);
        }
    }
    if (i != s.size())
        return fail(why, TimeError::Invalid);
    const int64_t days = daysFromCivil(*year, static_cast<unsigned>(*month), static_cast<unsigned>(*day));
    const int64_t secs = days * 86400 + hour * 3600 + minute * 60 + second - offsetSec;
    // a valid date-time (years 0000-9999), but int64 nanoseconds reach only 1677-2262
    // (before 1970 with a fraction: from the next second down, so that the last representable
    // nanoseconds of 1677 do not overflow on the way)
    int64_t ns = 0;
    const bool down = secs < 0 && frac > 0;
    if (__builtin_mul_overflow(down ? secs + 1 : secs, kNsPerSec, &ns)
        || __builtin_add_overflow(ns, down ? frac - kNsPerSec : frac, &ns))
        return fail(why, TimeError::OutOfRange);
    return inRange(ns, why);
}

std::string formatRfc3339(int64_t ns, FractionMode mode)
{
    int64_t secs = ns / kNsPerSec;
    int64_t rem = ns % kNsPerSec;
    if (rem < 0) {
        rem += kNsPerSec;
        --secs;
    }
    int64_t days = secs / 86400;
    int64_t sod = secs % 86400;
    if (sod < 0) {
        sod += 86400;
        --days;
    }
    // civil from days
    const int64_t z = days + 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t y0 = static_cast<int64_t>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    const int64_t y = y0 + (m <= 2);

    char buf[64];
    int n = std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld", static_cast<long long>(y), m, d,
                          static_cast<long long>(sod / 3600), static_cast<long long>((sod / 60) % 60),
                          static_cast<long long>(sod % 60));
    std::string out(buf, static_cast<size_t>(n));
    if (mode == FractionMode::Nano && rem % 1000 != 0) {
        std::snprintf(buf, sizeof buf, ".%09lld", static_cast<long long>(rem));
        out += buf;
    } else if (mode == FractionMode::Micro || rem / 1000 != 0) {
        std::snprintf(buf, sizeof buf, ".%06lld", static_cast<long long>(rem / 1000));
        out += buf;
    }
    out += 'Z';
    return out;
}

} // namespace auditlens
