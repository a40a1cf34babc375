// SPDX-License-Identifier: MIT
// Typing: a value converted to the type fields.yml, Sekoia or ECS declares for its field.
#include "engine.h"

#include "source/timestamp.h"

#include <QHostAddress>
#include <QString>

#include <algorithm>
#include <cerrno>
#include <optional>
#include <functional>

namespace auditlens::intake {

namespace {

/// "a.b.c.d" with each part 0-255 and no leading zeros: already canonical.
bool isCanonicalIpv4(const std::string &s)
{
    int parts = 0;
    size_t i = 0;
    while (i < s.size()) {
        size_t j = i;
        int v = 0;
        while (j < s.size() && s[j] >= '0' && s[j] <= '9' && j - i < 4) {
            v = v * 10 + (s[j] - '0');
            ++j;
        }
        const size_t len = j - i;
        if (len == 0 || len > 3 || v > 255 || (len > 1 && s[i] == '0'))
            return false;
        ++parts;
        if (j == s.size())
            break;
        if (s[j] != '.' || parts == 4)
            return false;
        i = j + 1;
        if (i == s.size())
            return false;
    }
    return parts == 4;
}

/// Python's int() of a text of decimal digits (sign, leading zeros and surrounding white space
/// allowed); nothing when it is not one or does not fit 64 bits.
std::optional<int64_t> decimalInteger(const std::string &s)
{
    size_t a = s.find_first_not_of(" \t\r\n"), b = s.find_last_not_of(" \t\r\n");
    if (a == std::string::npos)
        return std::nullopt;
    const size_t digits = a + (s[a] == '+' || s[a] == '-' ? 1 : 0);
    if (digits > b || !std::all_of(s.begin() + long(digits), s.begin() + long(b) + 1, [](char c) { return c >= '0' && c <= '9'; }))
        return std::nullopt;
    errno = 0;
    char *end = nullptr;
    const std::string t = s.substr(a, b - a + 1);
    const long long x = std::strtoll(t.c_str(), &end, 10);
    if (errno != 0 || !end || *end != '\0')
        return std::nullopt;
    return int64_t(x);
}

bool isEcsDateLike(const FieldInfo &info) { return info.type == "date" || info.type == "datetime"; }

std::string keywordText(const Json &v)
{
    if (v.is_string())
        return v.get<std::string>();
    if (v.is_boolean())
        return v.get<bool>() ? "true" : "false";
    if (v.is_null())
        return "null";
    if (v.is_number_float())
        return pyStr(v);
    if (v.is_number())
        return v.dump();
    // dicts and lists become compact JSON with sorted keys
    std::function<Json(const Json &)> sortKeys = [&](const Json &x) -> Json {
        if (x.is_object()) {
            std::vector<std::string> keys;
            for (auto it = x.begin(); it != x.end(); ++it)
                keys.push_back(it.key());
            std::sort(keys.begin(), keys.end());
            Json o = Json::object();
            for (auto &k : keys)
                o[k] = sortKeys(x.at(k));
            return o;
        }
        if (x.is_array()) {
            Json a = Json::array();
            for (const Json &e : x)
                a.push_back(sortKeys(e));
            return a;
        }
        return x;
    };
    return sortKeys(v).dump();
}

} // namespace

Json typeValue(const Json &v, const FieldInfo &info, std::string *note)
{
    const std::string &t = info.type;
    const bool custom = info.origin != FieldInfo::Origin::Ecs;
    auto noted = [&](const char *what) {
        if (note)
            *note = what;
    };
    if (t == "keyword" || t == "string" || t == "text" || t == "wildcard" || t == "constant_keyword"
        || t == "match_only_text") {
        if (v.is_array()) {
            Json out = Json::array();
            for (const Json &e : v)
                out.push_back(e.is_string() ? e : Json(keywordText(e)));
            return out;
        }
        if (!v.is_string())
            noted("converted to text");
        return v.is_string() ? v : Json(keywordText(v));
    }
    if (t == "long" || (!custom && (t == "integer" || t == "short" || t == "byte"))) {
        if (v.is_string()) {
            Json lit = literalEval(v.get<std::string>());
            if (!isUndefined(lit) && lit.is_number_integer()) {
                noted("text converted to a number");
                return lit;
            }
            if (!isUndefined(lit) && lit.is_number_float()) {
                noted("text converted to a number");
                return lit;
            }
            // int() also takes leading zeros and white space, which no literal has ("080211")
            if (const auto n = decimalInteger(v.get_ref<const std::string &>())) {
                noted("text converted to a number");
                return Json(*n);
            }
            return v;
        }
        if (v.is_number_unsigned() && v.get<uint64_t>() > uint64_t(INT64_MAX)) {
            noted("clamped to the largest long");
            return Json(INT64_MAX);
        }
        return v;
    }
    if (t == "integer" || t == "int" || t == "short")
        return v; // custom integer types are left as they are
    if (t == "float" || t == "double" || t == "scaled_float" || t == "half_float" || t == "number") {
        if (v.is_string()) {
            Json lit = literalEval(v.get<std::string>());
            if (!isUndefined(lit) && lit.is_number()) {
                noted("text converted to a number");
                return (t == "number" || custom) ? lit : Json(lit.get<double>());
            }
            return v;
        }
        return v;
    }
    if (t == "boolean" || t == "bool") {
        if (v.is_string()) {
            std::string s = v.get<std::string>();
            std::transform(s.begin(), s.end(), s.begin(), ::tolower);
            if (s == "true" || s == "1" || s == "yes") {
                noted("text converted to a boolean");
                return true;
            }
            if (s == "false" || s == "0" || s == "no") {
                noted("text converted to a boolean");
                return false;
            }
            return v;
        }
        if (v.is_number()) {
            noted("number converted to a boolean");
            return truthy(v);
        }
        return v;
    }
    if (t == "ip") {
        auto one = [&](const Json &x) -> Json {
            if (!x.is_string())
                return undefinedValue();
            if (isCanonicalIpv4(x.get_ref<const std::string &>()))
                return x;
            const QString s = QString::fromStdString(x.get<std::string>()).trimmed();
            QHostAddress a;
            if (!a.setAddress(s))
                return undefinedValue();
            if (a.protocol() == QAbstractSocket::IPv6Protocol) {
                bool isV4 = false;
                a.toIPv4Address(&isV4);
                if (isV4 && s.contains(QLatin1Char('.')))
                    return x; // an IPv4-mapped address keeps its dotted quad
            }
            const std::string canon = a.toString().toStdString();
            if (canon != x.get<std::string>())
                noted("written in canonical form");
            return canon;
        };
        if (v.is_array()) {
            Json out = Json::array();
            for (const Json &e : v) {
                Json c = one(e);
                if (!isUndefined(c))
                    out.push_back(c);
            }
            return out;
        }
        Json c = one(v);
        if (isUndefined(c))
            noted("not an IP address: dropped");
        return c;
    }
    if (isEcsDateLike(info)) {
        std::optional<int64_t> ns;
        bool hadFraction = false;
        if (v.is_string()) {
            const std::string &s = v.get_ref<const std::string &>();
            ns = parseTimestampNs(s);
            const size_t tpos = s.find_first_of("Tt ");
            hadFraction = tpos != std::string::npos && s.find('.', tpos) != std::string::npos;
        } else if (v.is_number_integer() || v.is_number_unsigned())
            ns = epochToNs(v.get<int64_t>());
        else if (v.is_number_float())
            ns = epochToNs(v.get<double>());
        if (!ns) {
            noted("not a date: dropped");
            return undefinedValue();
        }
        const std::string out = formatRfc3339(*ns, custom && hadFraction ? FractionMode::Micro : FractionMode::IfNonZero);
        if (!v.is_string() || out != v.get<std::string>())
            noted("date normalized");
        return out;
    }
    if (t == "array") {
        if (!v.is_array()) {
            noted("scalar wrapped in a list");
            return Json::array({v});
        }
        return v;
    }
    return v; // object, nested, flattened, dict, geo_point…
}

} // namespace auditlens::intake
