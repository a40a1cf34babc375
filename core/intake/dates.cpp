// SPDX-License-Identifier: MIT
#include "dates.h"
#include "util/ascii.h"

#include "source/timestamp.h"

#include <QDateTime>
#include <QTimeZone>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <ctime>
#include <map>
#include <vector>

namespace auditlens::intake {

namespace {

constexpr int64_t kNs = 1000000000LL;

/// Epoch seconds to nanoseconds at microsecond precision (as Python's datetime keeps them);
/// nothing outside the int64 nanosecond range (about 1677 to 2262).
std::optional<int64_t> secondsToNs(double v)
{
    if (!std::isfinite(v) || std::fabs(v) >= 9.2e9)
        return std::nullopt;
    return int64_t(std::llround(v * 1e6)) * 1000;
}

const char *kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};

int monthIndex(std::string_view s)
{
    if (s.size() < 3)
        return -1;
    for (int i = 0; i < 12; ++i)
        if (asciiIEquals(s.substr(0, 3), kMonths[i]))
            return i;
    return -1;
}


/// Parses "+HH:MM", "+HHMM", "-HH", "Z", "UTC", "GMT".
std::optional<int64_t> parseOffset(std::string_view s)
{
    if (s == "Z" || s == "z" || s == "UTC" || s == "GMT" || s == "utc" || s == "gmt")
        return 0;
    if (s.size() < 2 || (s[0] != '+' && s[0] != '-'))
        return std::nullopt;
    int h = 0, m = 0;
    size_t i = 1;
    auto digit = [&](size_t k) { return k < s.size() && s[k] >= '0' && s[k] <= '9'; };
    if (!digit(1) || !digit(2))
        return std::nullopt;
    h = (s[1] - '0') * 10 + (s[2] - '0');
    i = 3;
    if (i < s.size() && s[i] == ':')
        ++i;
    if (digit(i) && digit(i + 1)) {
        m = (s[i] - '0') * 10 + (s[i + 1] - '0');
        i += 2;
    }
    if (i != s.size() || h > 23 || m > 59)
        return std::nullopt;
    const int64_t off = h * 3600 + m * 60;
    return s[0] == '-' ? -off : off;
}

struct Fields
{
    int64_t year = -1, month = -1, day = -1, hour = 0, minute = 0, second = 0, nanos = 0;
    std::optional<int64_t> offset;
    bool pm = false, hasAmPm = false;
};

std::optional<int64_t> toNs(const Fields &f, const std::string &timezone)
{
    if (f.month < 1 || f.month > 12 || f.day < 1 || f.day > 31 || f.hour > 23 || f.minute > 59 || f.second > 60)
        return std::nullopt;
    int64_t year = f.year;
    if (year < 0) { // missing year: this year (as dateutil does)
        const time_t now = time(nullptr);
        struct tm tm;
        gmtime_r(&now, &tm);
        year = tm.tm_year + 1900;
    }
    int64_t hour = f.hour;
    if (f.hasAmPm) {
        hour %= 12;
        if (f.pm)
            hour += 12;
    }
    const int64_t local = daysFromCivil(year, unsigned(f.month), unsigned(f.day)) * 86400 + hour * 3600 + f.minute * 60 + f.second;
    int64_t offset = 0;
    if (f.offset)
        offset = *f.offset;
    else if (!timezone.empty()) {
        auto z = zoneOffset(timezone, local);
        if (!z)
            return std::nullopt;
        offset = *z;
    }
    int64_t ns = 0; // beyond int64 nanoseconds (before 1677, after 2262) is not a time here
    if (__builtin_mul_overflow(local - offset, kNs, &ns) || __builtin_add_overflow(ns, int64_t(f.nanos), &ns))
        return std::nullopt;
    return ns;
}

/// A mini strptime: %Y %y %m %d %e %H %I %M %S %f %z %Z %b %B %h %a %A %p %j %T %D %F %%.
std::optional<Fields> strptime(std::string_view s, std::string_view fmt)
{
    Fields f;
    size_t i = 0;
    auto num = [&](int maxDigits, int64_t &out) {
        size_t k = i;
        bool neg = false;
        if (k < s.size() && (s[k] == '+' || s[k] == '-') && maxDigits > 4) {
            neg = s[k] == '-';
            ++k;
        }
        int64_t v = 0;
        int n = 0;
        while (k < s.size() && n < maxDigits && s[k] >= '0' && s[k] <= '9') {
            v = v * 10 + (s[k] - '0');
            ++k;
            ++n;
        }
        if (n == 0)
            return false;
        out = neg ? -v : v;
        i = k;
        return true;
    };
    for (size_t p = 0; p < fmt.size(); ++p) {
        const char c = fmt[p];
        if (c == ' ') {
            while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i])))
                ++i;
            continue;
        }
        if (c != '%' || p + 1 >= fmt.size()) {
            if (i >= s.size() || s[i] != c)
                return std::nullopt;
            ++i;
            continue;
        }
        const char d = fmt[++p];
        int64_t v = 0;
        switch (d) {
        case 'Y': if (!num(4, f.year)) return std::nullopt; break;
        case 'y': if (!num(2, v)) return std::nullopt; f.year = v < 69 ? 2000 + v : 1900 + v; break;
        case 'm': if (!num(2, f.month)) return std::nullopt; break;
        case 'd': case 'e': while (i < s.size() && s[i] == ' ') ++i; if (!num(2, f.day)) return std::nullopt; break;
        case 'H': if (!num(2, f.hour)) return std::nullopt; break;
        case 'I': if (!num(2, f.hour)) return std::nullopt; f.hasAmPm = true; break;
        case 'M': if (!num(2, f.minute)) return std::nullopt; break;
        case 'S': if (!num(2, f.second)) return std::nullopt; break;
        case 'j': if (!num(3, v)) return std::nullopt; f.month = 1; f.day = v; break; // day of year: coarse
        case 'f': {
            const size_t start = i;
            if (!num(9, v))
                return std::nullopt;
            const size_t digits = i - start;
            for (size_t k = digits; k < 9; ++k)
                v *= 10;
            f.nanos = v;
            break;
        }
        case 'z': case 'Z': {
            size_t k = i;
            while (k < s.size() && !std::isspace(static_cast<unsigned char>(s[k])))
                ++k;
            std::string_view tok = s.substr(i, k - i);
            if (auto o = parseOffset(tok))
                f.offset = o;
            else if (d == 'Z') {
                auto z = zoneOffset(std::string(tok), 0);
                if (!z)
                    return std::nullopt;
                f.offset = z;
            } else
                return std::nullopt;
            i = k;
            break;
        }
        case 'b': case 'B': case 'h': {
            const int m = monthIndex(s.substr(i));
            if (m < 0)
                return std::nullopt;
            f.month = m + 1;
            while (i < s.size() && std::isalpha(static_cast<unsigned char>(s[i])))
                ++i;
            break;
        }
        case 'a': case 'A':
            while (i < s.size() && std::isalpha(static_cast<unsigned char>(s[i])))
                ++i;
            break;
        case 'p': {
            const std::string t = asciiLower(std::string(s.substr(i, 2)));
            if (t != "am" && t != "pm")
                return std::nullopt;
            f.pm = t == "pm";
            f.hasAmPm = true;
            i += 2;
            break;
        }
        case 'T': {
            auto r = strptime(s.substr(i), "%H:%M:%S");
            if (!r)
                return std::nullopt;
            f.hour = r->hour; f.minute = r->minute; f.second = r->second;
            i += 8;
            break;
        }
        case 'F': {
            if (!num(4, f.year) || i >= s.size() || s[i++] != '-' || !num(2, f.month) || i >= s.size() || s[i++] != '-'
                || !num(2, f.day))
                return std::nullopt;
            break;
        }
        case '%':
            if (i >= s.size() || s[i] != '%')
                return std::nullopt;
            ++i;
            break;
        default: return std::nullopt;
        }
    }
    if (i != s.size())
        return std::nullopt;
    return f;
}

/// Numeric text with at least `minLength` characters in its integer part (the sign counts) is
/// an epoch scaled by that length: value x 10^(10 - length), so 10 characters are seconds, 13
/// milliseconds, 16 microseconds, 19 nanoseconds (and "-11644473600000" is 1966, as the
/// reference reads it).
std::optional<int64_t> epochScaled(const std::string &s, size_t minLength = 9)
{
    size_t k = 0;
    if (k < s.size() && (s[k] == '-' || s[k] == '+'))
        ++k;
    const size_t start = k;
    while (k < s.size() && std::isdigit(static_cast<unsigned char>(s[k])))
        ++k;
    const size_t intLen = k; // the sign included
    if (k == start || intLen < minLength)
        return std::nullopt;
    if (k < s.size() && s[k] == '.') {
        ++k;
        while (k < s.size() && std::isdigit(static_cast<unsigned char>(s[k])))
            ++k;
    }
    if (k != s.size() || intLen > 24)
        return std::nullopt;
    const double v = std::strtod(s.c_str(), nullptr) * std::pow(10.0, 10.0 - double(intLen));
    return secondsToNs(v);
}

/// A dateutil-like reading of free-form dates: numbers, month and weekday names, times
/// (H:M[:S[.f]]), AM/PM, offsets (+HH[:MM], +HHMM), UTC/GMT/Z; other zone names are ignored.
/// Numeric dates are read year-first when the first number has four digits, else month-first
/// unless the first number cannot be a month. A missing year is this year.
std::optional<Fields> freeForm(const std::string &s)
{
    struct Tok
    {
        enum Kind { Num, Word, Sep } kind;
        std::string text;
    };
    std::vector<Tok> toks;
    for (size_t i = 0; i < s.size();) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        size_t j = i;
        if (std::isdigit(c)) {
            while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j])))
                ++j;
            toks.push_back({Tok::Num, s.substr(i, j - i)});
        } else if (std::isalpha(c)) {
            while (j < s.size() && std::isalpha(static_cast<unsigned char>(s[j])))
                ++j;
            toks.push_back({Tok::Word, s.substr(i, j - i)});
        } else {
            j = i + 1;
            if (!std::isspace(c))
                toks.push_back({Tok::Sep, s.substr(i, 1)});
            else if (toks.empty() || toks.back().text != " ")
                toks.push_back({Tok::Sep, " "});
        }
        i = j;
        if (toks.size() > 64)
            return std::nullopt;
    }
    Fields f;
    struct Part
    {
        int64_t value;
        size_t digits;
        bool month;
    };
    std::vector<Part> ymd;
    bool haveTime = false, zoneWord = false;
    auto isSep = [&](size_t k, const char *t) { return k < toks.size() && toks[k].kind == Tok::Sep && toks[k].text == t; };
    auto isNum = [&](size_t k) { return k < toks.size() && toks[k].kind == Tok::Num; };
    auto num = [&](size_t k) { return std::strtoll(toks[k].text.c_str(), nullptr, 10); };
    static const char *kDays[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
    static const char *kFull[] = {"january", "february", "march", "april", "may", "june", "july", "august",
                                  "september", "october", "november", "december"};
    for (size_t k = 0; k < toks.size(); ++k) {
        const Tok &t = toks[k];
        if (t.kind == Tok::Num) {
            const size_t n = t.text.size();
            // a number before ':' starts the time, as dateutil reads it ("01/24/2025:12:06:37" is
            // hour 2025, so not a date: the reference gives such texts no date), except the year
            // of a common log format date after its month name ("07/Jul/2022:22:42:06")
            const bool clfYear = n == 4 && std::any_of(ymd.begin(), ymd.end(), [](const Part &p) { return p.month; });
            if (!haveTime && !clfYear && isSep(k + 1, ":") && isNum(k + 2)) { // H:M[:S[.f]]
                if (n > 2)
                    return std::nullopt;
                f.hour = num(k);
                f.minute = num(k + 2);
                k += 2;
                if (isSep(k + 1, ":") && isNum(k + 2)) {
                    f.second = num(k + 2);
                    k += 2;
                    if ((isSep(k + 1, ".") || isSep(k + 1, ",")) && isNum(k + 2)) {
                        std::string frac = toks[k + 2].text.substr(0, 9);
                        frac.resize(9, '0');
                        f.nanos = std::strtoll(frac.c_str(), nullptr, 10);
                        f.nanos -= f.nanos % 1000; // datetime keeps microseconds
                        k += 2;
                    }
                }
                haveTime = true;
                continue;
            }
            if (ymd.empty() && (n == 8 || n == 12 || n == 14) && !haveTime) { // YYYYMMDD[hhmm[ss]]
                auto d = [&](size_t from, size_t len) { return std::strtoll(t.text.substr(from, len).c_str(), nullptr, 10); };
                ymd.push_back({d(0, 4), 4, false});
                ymd.push_back({d(4, 2), 2, false});
                ymd.push_back({d(6, 2), 2, false});
                if (n >= 12) {
                    f.hour = d(8, 2);
                    f.minute = d(10, 2);
                    if (n == 14)
                        f.second = d(12, 2);
                    haveTime = true;
                }
                continue;
            }
            if (n > 4 || ymd.size() >= 3)
                return std::nullopt;
            ymd.push_back({num(k), n, false});
            continue;
        }
        if (t.kind == Tok::Sep) {
            if ((t.text == "+" || t.text == "-") && haveTime && isNum(k + 1)) { // an offset after the time
                const std::string &d = toks[k + 1].text;
                int64_t h = 0, m = 0;
                if (d.size() == 4) {
                    h = std::strtoll(d.substr(0, 2).c_str(), nullptr, 10);
                    m = std::strtoll(d.substr(2, 2).c_str(), nullptr, 10);
                    k += 1;
                } else if (d.size() <= 2) {
                    h = num(k + 1);
                    k += 1;
                    if (isSep(k + 1, ":") && isNum(k + 2)) {
                        m = num(k + 2);
                        k += 2;
                    }
                } else
                    return std::nullopt;
                if (h > 23 || m > 59)
                    return std::nullopt;
                int64_t off = (h * 3600 + m * 60) * (t.text == "-" ? -1 : 1);
                if (zoneWord) // "GMT+3" means "my time + 3 is GMT", as dateutil reads it
                    off = -off;
                f.offset = off;
                continue;
            }
            continue;
        }
        // words
        const std::string w = asciiLower(t.text);
        if (w == "t" && haveTime == false)
            continue;
        if (w == "am" || w == "pm" || w == "a" || w == "p") {
            f.hasAmPm = true;
            f.pm = w[0] == 'p';
            continue;
        }
        if (w == "z" || w == "utc" || w == "gmt" || w == "ut") {
            f.offset = 0;
            zoneWord = true;
            continue;
        }
        const int m = w.size() >= 3 ? monthIndex(w) : -1;
        if (m >= 0 && (w.size() == 3 || w == "sept" || std::string(kFull[m]).compare(0, w.size(), w) == 0)) {
            ymd.push_back({m + 1, 0, true});
            continue;
        }
        bool day = false;
        for (const char *dn : kDays)
            if (w.size() >= 3 && w.compare(0, 3, dn) == 0)
                day = true;
        if (day)
            continue;
        if (t.text.size() <= 5 && std::all_of(t.text.begin(), t.text.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) {
            zoneWord = true; // a zone name: ignored, as dateutil does
            continue;
        }
        if (w == "at" || w == "on" || w == "of")
            continue;
        return std::nullopt;
    }
    // year, month and day from the numbers
    auto twoDigitYear = [](int64_t y) {
        const time_t now = time(nullptr);
        struct tm tm;
        gmtime_r(&now, &tm);
        const int64_t thisYear = tm.tm_year + 1900;
        int64_t full = thisYear / 100 * 100 + y;
        if (full >= thisYear + 50)
            full -= 100;
        else if (full < thisYear - 50)
            full += 100;
        return full;
    };
    auto yearOf = [&](const Part &p) { return p.digits <= 2 && p.value < 100 ? twoDigitYear(p.value) : p.value; };
    int monthAt = -1;
    for (size_t k = 0; k < ymd.size(); ++k)
        if (ymd[k].month) {
            if (monthAt >= 0)
                return std::nullopt;
            monthAt = int(k);
        }
    std::vector<Part> nums;
    for (const Part &p : ymd)
        if (!p.month)
            nums.push_back(p);
    if (monthAt >= 0) {
        f.month = ymd[size_t(monthAt)].value;
        if (nums.size() == 1) {
            if (nums[0].digits == 4 || nums[0].value > 31)
                f.year = nums[0].value;
            else
                f.day = nums[0].value;
        } else if (nums.size() == 2) {
            if (nums[0].digits == 4 || nums[0].value > 31) { // 2023 Jan 11
                f.year = nums[0].value;
                f.day = nums[1].value;
            } else { // Jan 13 2023, 13 Jan 2023
                f.day = nums[0].value;
                f.year = yearOf(nums[1]);
            }
        } else if (!nums.empty())
            return std::nullopt;
    } else if (nums.size() == 3) {
        if (nums[0].digits == 4 || nums[0].value > 31) { // 2023/07/04
            f.year = nums[0].value;
            f.month = nums[1].value;
            f.day = nums[2].value;
        } else if (nums[0].value > 12) { // 13/08/2025
            f.day = nums[0].value;
            f.month = nums[1].value;
            f.year = yearOf(nums[2]);
        } else { // 01/24/2025, 9/16/19: month first
            f.month = nums[0].value;
            f.day = nums[1].value;
            f.year = yearOf(nums[2]);
        }
    } else if (nums.size() == 2) {
        if (nums[0].digits == 4) { // 2023-05
            f.year = nums[0].value;
            f.month = nums[1].value;
            f.day = 1;
        } else {
            f.month = nums[0].value;
            f.day = nums[1].value;
        }
    } else if (!nums.empty() || !haveTime)
        return std::nullopt;
    if (f.month < 0 || f.day < 0) { // a time alone, or a month without a day: today's
        const time_t now = time(nullptr);
        struct tm tm;
        gmtime_r(&now, &tm);
        if (f.month < 0)
            f.month = tm.tm_mon + 1;
        if (f.day < 0)
            f.day = tm.tm_mday;
    }
    if (f.hasAmPm && (f.hour < 1 || f.hour > 12))
        return std::nullopt;
    return f;
}

std::optional<int64_t> autoDetect(const std::string &text, const std::string &timezone)
{
    const std::string s(trimSpace(text));
    if (s.empty())
        return std::nullopt;
    if (auto e = epochScaled(s))
        return e;
    // ISO 8601 with an explicit offset or Z
    const bool hasZone = s.back() == 'Z' || s.back() == 'z'
                         || (s.size() > 6 && (s[s.size() - 6] == '+' || s[s.size() - 6] == '-') && s[s.size() - 3] == ':');
    if (s.size() >= 10 && s[4] == '-' && s[7] == '-') {
        if (hasZone || timezone.empty())
            if (auto v = parseTimestampNs(s))
                return v;
        if (!hasZone)
            if (auto v = parseTimestampNs(s)) {
                const int64_t local = *v / kNs;
                auto z = zoneOffset(timezone, local);
                if (z)
                    return *v - *z * kNs;
            }
    }
    if (auto r = freeForm(s))
        return toNs(*r, timezone);
    return std::nullopt;
}

} // namespace

std::optional<int64_t> zoneOffset(const std::string &zone, int64_t utcSeconds)
{
    if (auto o = parseOffset(zone))
        return o;
    static const std::map<std::string, int64_t> abbreviations = {
        {"CET", 3600}, {"CEST", 7200}, {"WET", 0}, {"WEST", 3600}, {"EET", 7200}, {"EEST", 10800}, {"BST", 3600},
        {"IST", 19800}, {"JST", 32400}, {"KST", 32400}, {"HKT", 28800}, {"SGT", 28800}, {"AEST", 36000},
        {"AEDT", 39600}, {"EST", -18000}, {"EDT", -14400}, {"CST", -21600}, {"CDT", -18000}, {"MST", -25200},
        {"MDT", -21600}, {"PST", -28800}, {"PDT", -25200}, {"BRT", -10800}, {"ART", -10800}, {"MSK", 10800}};
    auto it = abbreviations.find(zone);
    if (it != abbreviations.end())
        return it->second;
    const QTimeZone tz(QByteArray::fromStdString(zone));
    if (!tz.isValid())
        return std::nullopt;
    return tz.offsetFromUtc(QDateTime::fromSecsSinceEpoch(utcSeconds, Qt::UTC));
}

std::optional<std::string> parseDate(const Json &input, const std::string &format, const std::string &timezone)
{
    std::optional<int64_t> ns;
    if (format == "timestamp") {
        double v = 0;
        if (input.is_number())
            v = input.get<double>();
        else if (input.is_string()) {
            char *end = nullptr;
            const std::string &s = input.get_ref<const std::string &>();
            v = std::strtod(s.c_str(), &end);
            if (s.empty() || !end || *end != '\0')
                return std::nullopt;
        } else
            return std::nullopt;
        if (!std::isfinite(v))
            return std::nullopt;
        // past ten characters the value is in ms, µs or ns (scaled by its length)
        const std::string text = input.is_string() ? input.get<std::string>() : (input.is_number_float() ? pyStr(input) : input.dump());
        if (auto scaled = epochScaled(text, 11))
            ns = scaled;
        else if (std::fabs(v) > 1e11)
            return std::nullopt;
        else if (!(ns = secondsToNs(v)))
            return std::nullopt;
    } else {
        std::string text;
        if (input.is_string())
            text = input.get<std::string>();
        else if (input.is_number())
            text = input.is_number_float() ? pyStr(input) : input.dump();
        else
            return std::nullopt;
        if (format.empty())
            ns = autoDetect(text, timezone);
        else if (auto r = strptime(text, format))
            ns = toNs(*r, timezone);
        else // as the reference does: a number the format does not fit is read as an epoch
            ns = epochScaled(std::string(trimSpace(text)));
    }
    if (!ns)
        return std::nullopt;
    return formatRfc3339(*ns, FractionMode::Micro);
}

} // namespace auditlens::intake
