// SPDX-License-Identifier: MIT
#include "dates.h"
#include "util/ascii.h"

#include "source/timestamp.h"

#include <QDateTime>
#include <QTimeZone>

#include <cmath>
#include <cstring>
#include <ctime>
#include <map>

namespace auditlens::intake {

namespace {

constexpr int64_t kNs = 1000000000LL;

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
    return (local - offset) * kNs + f.nanos;
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

std::optional<int64_t> epochScaled(const std::string &s)
{
    // numeric strings with at least 9 digits in the integer part are epochs scaled by that length
    size_t k = 0;
    if (k < s.size() && (s[k] == '-' || s[k] == '+'))
        ++k;
    const size_t start = k;
    while (k < s.size() && std::isdigit(static_cast<unsigned char>(s[k])))
        ++k;
    const size_t intLen = k - start;
    if (intLen < 9)
        return std::nullopt;
    if (k < s.size() && s[k] == '.') {
        ++k;
        while (k < s.size() && std::isdigit(static_cast<unsigned char>(s[k])))
            ++k;
    }
    if (k != s.size())
        return std::nullopt;
    const double v = std::strtod(s.c_str(), nullptr) * std::pow(10.0, 10.0 - double(intLen));
    return int64_t(std::llround(v * 1e6)) * 1000;
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
    // drop zone names other than UTC/GMT (dateutil ignores them)
    static const char *formats[] = {
        "%a, %d %b %Y %H:%M:%S %z", "%a, %d %b %Y %H:%M:%S", "%d %b %Y %H:%M:%S %z", "%d/%b/%Y:%H:%M:%S %z",
        "%d/%b/%Y:%H:%M:%S", "%Y-%m-%d %H:%M:%S.%f%z", "%Y-%m-%d %H:%M:%S%z", "%Y-%m-%d %H:%M:%S.%f",
        "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %I:%M:%S %p", "%b %d %H:%M:%S",
        "%b %d %Y %H:%M:%S", "%a %b %d %H:%M:%S %Y", "%d-%b-%Y %H:%M:%S", "%Y-%m-%d", "%m/%d/%Y", "%d %b %Y",
        "%b %d %H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S"};
    std::string t = s;
    // "… 18:00:02.009 CEST": a trailing zone name that is not UTC/GMT is ignored
    const size_t sp = t.rfind(' ');
    if (sp != std::string::npos) {
        const std::string tail = t.substr(sp + 1);
        if (!tail.empty() && std::all_of(tail.begin(), tail.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)); })
            && tail.size() <= 5 && monthIndex(tail) < 0) {
            if (tail == "UTC" || tail == "GMT")
                t = t.substr(0, sp) + " +0000";
            else
                t = t.substr(0, sp);
        }
    }
    for (const char *f : formats)
        if (auto r = strptime(t, f))
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
        if (!std::isfinite(v) || std::fabs(v) > 1e12)
            return std::nullopt;
        ns = int64_t(std::llround(v * 1e6)) * 1000; // datetime keeps microseconds
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
        else if (auto r = strptime(text, format)) {
            ns = toNs(*r, timezone);
        }
    }
    if (!ns)
        return std::nullopt;
    return formatRfc3339(*ns, FractionMode::Micro);
}

} // namespace auditlens::intake
