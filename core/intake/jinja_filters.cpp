// SPDX-License-Identifier: MIT
// The filters (`x | name(args)`) and tests (`x is name args`) templates may use: Jinja's
// built-in ones the public parsers need and Sekoia.io's own (is_ipaddress, to_rfc3339,
// re_match…). A template naming any other is refused when it compiles (jinja_parser.cpp).
#include "dates.h"
#include "jinja_p.h"
#include "util/ascii.h"

#include "source/timestamp.h"

#include <QHostAddress>
#include <QRegularExpression>
#include <QString>
#include <QUrl>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace auditlens::intake::jinja {

namespace {

// ------------------------------------------------------------------------------------------
// Helpers

/// Python's `re` reads a '-' right after a class escape in a set (`[\\w-\\.]`) as a literal
/// hyphen where PCRE refuses the range: such hyphens are escaped.
std::string literalHyphens(const std::string &pattern)
{
    std::string out;
    out.reserve(pattern.size());
    bool inSet = false;
    for (size_t i = 0; i < pattern.size(); ++i) {
        const char c = pattern[i];
        if (c == '\\' && i + 1 < pattern.size()) {
            const char e = pattern[i + 1];
            out += c;
            out += e;
            ++i;
            if (inSet && std::strchr("wdsWDS", e) && i + 2 < pattern.size() && pattern[i + 1] == '-' && pattern[i + 2] != ']') {
                out += "\\-";
                ++i;
            }
            continue;
        }
        if (c == '[' && !inSet) {
            inSet = true;
            out += c;
            if (i + 1 < pattern.size() && pattern[i + 1] == '^')
                out += pattern[++i];
            if (i + 1 < pattern.size() && pattern[i + 1] == ']') // `[]…]`: a literal ']'
                out += pattern[++i];
            continue;
        }
        if (c == ']' && inSet)
            inSet = false;
        out += c;
    }
    return out;
}

QRegularExpression pyRegex(const std::string &pattern)
{
    QString p = QString::fromStdString(literalHyphens(pattern));
    p.replace(QStringLiteral("(?P<"), QStringLiteral("(?<"));
    p.replace(QStringLiteral("(?P="), QStringLiteral("\\k<")); // rare
    QRegularExpression re(p);
    if (!re.isValid())
        fail("invalid regular expression: " + re.errorString().toStdString());
    return re;
}

/// A date from an epoch number or a date text, for to_rfc3339 and to_iso8601; with a strptime
/// `format` (`x | to_rfc3339('%d/%m/%Y %H:%M:%S')`) the text is read with it, as date.parse does.
std::optional<int64_t> dateOf(const Json &v, const Json &format)
{
    if (format.is_string() && !format.get_ref<const std::string &>().empty()) {
        const auto text = parseDate(v, format.get<std::string>(), std::string());
        return text ? parseTimestampNs(*text) : std::nullopt;
    }
    if (v.is_number_integer() || v.is_number_unsigned())
        return epochToNs(toI(v));
    if (v.is_number_float())
        return epochToNs(v.get<double>());
    if (!v.is_string())
        return std::nullopt;
    const std::string &s = v.get_ref<const std::string &>();
    if (auto ns = parseTimestampNs(s))
        return ns;
    // `2021-05-18 16:50:30 +0200`: the offset after a space (what dateutil reads as well)
    const size_t sp = s.find_last_of(' ');
    if (sp != std::string::npos && sp + 1 < s.size() && (s[sp + 1] == '+' || s[sp + 1] == '-')) {
        std::string off = s.substr(sp + 1);
        if (off.size() == 5 && off.find(':') == std::string::npos)
            off.insert(3, ":");
        if (auto ns = parseTimestampNs(s.substr(0, sp) + off))
            return ns;
    }
    // anything else date.parse reads without a format (as dateutil does)
    const auto text = parseDate(v, std::string(), std::string());
    return text ? parseTimestampNs(*text) : std::nullopt;
}

/// Elements of a value iterated as Jinja does: list items, dict keys, string characters.
template<typename F>
void forEachItem(const Json &v, F &&f)
{
    if (v.is_array())
        for (const Json &e : v)
            f(e);
    else if (v.is_object())
        for (auto it = v.begin(); it != v.end(); ++it)
            f(Json(it.key()));
    else if (v.is_string()) {
        const std::string &s = v.get_ref<const std::string &>();
        const std::vector<size_t> at = codePointStarts(s);
        for (size_t i = 0; i + 1 < at.size(); ++i)
            f(Json(s.substr(at[i], at[i + 1] - at[i])));
    }
    else
        fail("'" + typeName(v) + "' object is not iterable");
}

/// The value at a dotted attribute path below `e` (selectattr), or undefined.
Json attributeOf(const Json &e, const std::string &path)
{
    const Json *cur = &e;
    size_t a = 0;
    for (;;) {
        const size_t dot = path.find('.', a);
        const std::string key = path.substr(a, dot == std::string::npos ? std::string::npos : dot - a);
        if (!cur->is_object())
            return undefinedValue();
        auto it = cur->find(key);
        if (it == cur->end())
            return undefinedValue();
        cur = &*it;
        if (dot == std::string::npos)
            return *cur;
        a = dot + 1;
    }
}

// ------------------------------------------------------------------------------------------
// Filters

Json fDefault(Json &v, const Args &a)
{
    const bool boolean = truthy(a.get(1, "boolean", false));
    if (isUndefined(v) || (boolean && !truthy(v)))
        return a.get(0, "default_value", std::string());
    return std::move(v);
}

Json fLower(Json &v, const Args &) { return asciiLower(pyStr(v)); }
Json fUpper(Json &v, const Args &) { return asciiUpper(pyStr(v)); }
Json fTrim(Json &v, const Args &a)
{
    const Json c = a.get(0, "chars", Json());
    return stripStr(pyStr(v), c.is_string() ? c.get<std::string>() : std::string(), true, true);
}
Json fLength(Json &v, const Args &) { return pyLen(v); }
Json fString(Json &v, const Args &) { return pyStr(v); }
Json fInt(Json &v, const Args &a) { return toIntValue(v, a.get(0, "default", int64_t(0))); }
Json fFloat(Json &v, const Args &a) { return toFloatValue(v, a.get(0, "default", 0.0)); }

Json fAbs(Json &v, const Args &)
{
    if (isInt(v))
        return std::llabs(toI(v));
    if (v.is_number_float())
        return std::fabs(v.get<double>());
    fail("abs of " + typeName(v));
}

Json fRound(Json &v, const Args &a)
{
    const int64_t prec = toI(a.get(0, "precision", int64_t(0)));
    const std::string method = a.get(1, "method", std::string("common")).get<std::string>();
    const double p = std::pow(10.0, double(prec));
    double x = toD(v) * p;
    x = method == "ceil" ? std::ceil(x) : method == "floor" ? std::floor(x) : std::round(x);
    return x / p;
}

Json firstOrLast(const Json &v, bool first, const char *name)
{
    if (v.is_array())
        return v.empty() ? undefinedValue() : (first ? v.front() : v.back());
    if (v.is_string()) {
        const std::string &s = v.get_ref<const std::string &>();
        if (s.empty())
            return undefinedValue();
        const std::vector<size_t> at = codePointStarts(s);
        const size_t i = first ? 0 : at.size() - 2;
        return Json(s.substr(at[i], at[i + 1] - at[i]));
    }
    if (v.is_object())
        return v.empty() ? undefinedValue() : Json((first ? v.begin() : std::prev(v.end())).key());
    fail(std::string(name) + " of " + typeName(v));
}
Json fFirst(Json &v, const Args &) { return firstOrLast(v, true, "first"); }
Json fLast(Json &v, const Args &) { return firstOrLast(v, false, "last"); }

Json fJoin(Json &v, const Args &a)
{
    const std::string sep = pyStr(a.get(0, "d", std::string()));
    const Json attr = a.get(1, "attribute", undefinedValue());
    if (!v.is_array() && !v.is_string() && !v.is_object())
        fail("join of " + typeName(v));
    std::string out;
    bool first = true;
    forEachItem(v, [&](const Json &e) { // a string joins its characters, a dict its keys
        if (!first)
            out += sep;
        first = false;
        out += pyStr(attr.is_string() && e.is_object() ? e.value(attr.get<std::string>(), Json()) : e);
    });
    return out;
}

Json fReplace(Json &v, const Args &a)
{
    return replaceAll(pyStr(v), pyStr(a.get(0, "old", std::string())), pyStr(a.get(1, "new", std::string())),
                      a.size() > 2 ? toI(a[2]) : -1);
}

Json fToJson(Json &v, const Args &) { return toJsonText(v); }

Json fFromJson(Json &v, const Args &)
{
    if (!v.is_string())
        return std::move(v);
    Json j = Json::parse(v.get_ref<const std::string &>(), nullptr, false);
    if (j.is_discarded())
        fail("from_json: not valid JSON");
    return j;
}

Json fIsIpAddress(Json &v, const Args &)
{
    if (!v.is_string())
        return false;
    QHostAddress a;
    return a.setAddress(QString::fromStdString(v.get<std::string>()));
}

Json fList(Json &v, const Args &)
{
    if (v.is_array())
        return std::move(v);
    if (!v.is_string() && !v.is_object())
        fail("list of " + typeName(v));
    Json arr = Json::array();
    forEachItem(v, [&](const Json &e) { arr.push_back(e); });
    return arr;
}

Json fUnique(Json &v, const Args &)
{
    Json arr = Json::array();
    for (const Json &e : v)
        if (!pyIn(e, arr))
            arr.push_back(e);
    return arr;
}

Json fSort(Json &v, const Args &a)
{
    std::vector<Json> items(v.begin(), v.end());
    std::stable_sort(items.begin(), items.end(), [&](const Json &x, const Json &y) { return pyCmp(x, y) < 0; });
    if (truthy(a.get(0, "reverse", false)))
        std::reverse(items.begin(), items.end());
    return Json(items);
}

Json fReverse(Json &v, const Args &)
{
    if (v.is_string()) {
        const std::string &s = v.get_ref<const std::string &>();
        const std::vector<size_t> at = codePointStarts(s);
        std::string r;
        r.reserve(s.size());
        for (size_t i = at.size() - 1; i > 0; --i)
            r.append(s, at[i - 1], at[i] - at[i - 1]);
        return r;
    }
    std::vector<Json> items(v.begin(), v.end());
    std::reverse(items.begin(), items.end());
    return Json(items);
}

Json minMax(const Json &v, bool wantMin, const char *name)
{
    if (!v.is_array())
        fail(std::string(name) + " of " + typeName(v));
    if (v.empty())
        return undefinedValue();
    Json best = v[0];
    for (const Json &e : v)
        if (wantMin ? pyCmp(e, best) < 0 : pyCmp(e, best) > 0)
            best = e;
    return best;
}
Json fMin(Json &v, const Args &) { return minMax(v, true, "min"); }
Json fMax(Json &v, const Args &) { return minMax(v, false, "max"); }
/// sum(attribute=None, start=0): `start` may be a list (`sum(start=[])` flattens lists).
Json fSum(Json &v, const Args &a)
{
    if (!v.is_array())
        fail("sum of " + typeName(v));
    const Json attr = a.get(0, "attribute", Json());
    Json acc = a.get(1, "start", int64_t(0));
    for (const Json &e : v)
        acc = arith(BinOp::Add, acc, attr.is_string() ? attributeOf(e, attr.get<std::string>()) : e);
    return acc;
}

Json fCapitalize(Json &v, const Args &)
{
    const std::string s = pyStr(v);
    return s.empty() ? s : asciiUpper(s.substr(0, 1)) + asciiLower(s.substr(1));
}

Json fBasename(Json &v, const Args &)
{
    const std::string s = pyStr(v);
    const size_t p = s.find_last_of("/\\");
    return p == std::string::npos ? s : s.substr(p + 1);
}
Json fDirname(Json &v, const Args &)
{
    const std::string s = pyStr(v);
    const size_t p = s.find_last_of("/\\");
    return p == std::string::npos ? std::string() : s.substr(0, p);
}

QRegularExpressionMatch regexMatch(const Json &v, const Args &a, bool anchored, QRegularExpression &re)
{
    re = pyRegex(pyStr(a.get(0, "pattern", std::string())));
    return re.match(QString::fromStdString(pyStr(v)), 0, QRegularExpression::NormalMatch,
                    anchored ? QRegularExpression::AnchorAtOffsetMatchOption : QRegularExpression::NoMatchOption);
}

/// Sekoia's re_match: whether the pattern matches at the start (a bool, as
/// `x | re_match(p) == False` in the public parsers expects).
Json fReMatch(Json &v, const Args &a)
{
    QRegularExpression re;
    return regexMatch(v, a, true, re).hasMatch();
}

/// re_search: the match anywhere ({"0": whole, "groups": [...], named groups}) or None.
Json fReSearch(Json &v, const Args &a)
{
    QRegularExpression re;
    const QRegularExpressionMatch m = regexMatch(v, a, false, re);
    if (!m.hasMatch())
        return Json();
    Json out = Json::object();
    const QStringList names = re.namedCaptureGroups();
    Json groups = Json::array();
    for (int i = 1; i <= re.captureCount(); ++i) {
        Json g = m.capturedStart(i) < 0 ? Json() : Json(m.captured(i).toStdString());
        if (i < names.size() && !names[i].isEmpty())
            out[names[i].toStdString()] = g;
        groups.push_back(std::move(g));
    }
    out["0"] = m.captured(0).toStdString();
    out["groups"] = std::move(groups);
    return out;
}

Json fToRfc3339(Json &v, const Args &a)
{
    const auto ns = dateOf(v, a.get(0, "format", Json()));
    if (!ns)
        fail("to_rfc3339: not a date");
    return formatRfc3339(*ns, FractionMode::Micro);
}
Json fToIso8601(Json &v, const Args &a)
{
    const auto ns = dateOf(v, a.get(0, "format", Json()));
    if (!ns)
        fail("to_iso8601: not a date");
    return formatRfc3339(*ns, FractionMode::IfNonZero);
}

/// select(test, args…) / reject / selectattr(attribute, test, args…) / rejectattr; no test:
/// truthiness.
Json selectItems(const Json &v, const Args &a, bool byAttr, bool keep, const char *name)
{
    if (byAttr && (a.empty() || !a[0].is_string()))
        fail(std::string(name) + "() needs an attribute name");
    const size_t t0 = byAttr ? 1 : 0;
    const TestEntry *test = nullptr;
    if (a.size() > t0 && a[t0].is_string()) {
        test = findTest(a[t0].get_ref<const std::string &>());
        if (!test)
            fail("unknown test '" + a[t0].get<std::string>() + "'");
    }
    const std::vector<Json> targs(a.size() > t0 + 1 ? a.pos.begin() + long(t0 + 1) : a.pos.end(), a.pos.end());
    Json arr = Json::array();
    forEachItem(v, [&](const Json &e) {
        const Json x = byAttr ? attributeOf(e, a[0].get_ref<const std::string &>()) : e;
        const bool ok = test ? test->fn(x, targs) : truthy(x);
        if (ok == keep)
            arr.push_back(e);
    });
    return arr;
}
Json fSelect(Json &v, const Args &a) { return selectItems(v, a, false, true, "select"); }
Json fReject(Json &v, const Args &a) { return selectItems(v, a, false, false, "reject"); }
Json fSelectAttr(Json &v, const Args &a) { return selectItems(v, a, true, true, "selectattr"); }
Json fRejectAttr(Json &v, const Args &a) { return selectItems(v, a, true, false, "rejectattr"); }

Json fBatch(Json &v, const Args &a)
{
    const int64_t size = toI(a.get(0, "linecount", int64_t(1)));
    if (size <= 0)
        fail("batch() needs a positive size");
    const Json fill = a.get(1, "fill_with", undefinedValue());
    if (!v.is_array() && !v.is_string())
        fail("'" + typeName(v) + "' object is not iterable");
    Json out = Json::array();
    Json cur = Json::array();
    forEachItem(v, [&](const Json &e) {
        cur.push_back(e);
        if (int64_t(cur.size()) == size) {
            out.push_back(std::move(cur));
            cur = Json::array();
        }
    });
    if (!cur.empty()) {
        if (!isUndefined(fill))
            while (int64_t(cur.size()) < size)
                cur.push_back(fill);
        out.push_back(std::move(cur));
    }
    return out;
}

Json fFormat(Json &v, const Args &a) { return pyPercentFormat(pyStr(v), a.pos); }

Json fToMacAddress(Json &v, const Args &)
{
    // any separators, any case: upper-case pairs joined by ':'; not a MAC: None
    std::string hex;
    for (char c : pyStr(v))
        if (std::isxdigit(static_cast<unsigned char>(c)))
            hex += char(std::toupper(static_cast<unsigned char>(c)));
        else if (c != ':' && c != '-' && c != '.' && c != ' ')
            return Json();
    if (hex.size() != 12)
        return Json();
    std::string out;
    for (size_t i = 0; i < 12; i += 2)
        out += (i ? ":" : "") + hex.substr(i, 2);
    return out;
}

Json ipOfProtocol(const Json &v, bool v4)
{
    if (!v.is_string())
        return false;
    QHostAddress a;
    if (!a.setAddress(QString::fromStdString(v.get<std::string>())))
        return false;
    return (a.protocol() == QAbstractSocket::IPv4Protocol) == v4;
}
Json fIsIpv4(Json &v, const Args &) { return ipOfProtocol(v, true); }
Json fIsIpv6(Json &v, const Args &) { return ipOfProtocol(v, false); }

Json fIsUrl(Json &v, const Args &)
{
    if (!v.is_string())
        return false;
    const QUrl u(QString::fromStdString(v.get<std::string>()), QUrl::StrictMode);
    return u.isValid() && !u.scheme().isEmpty() && !u.host().isEmpty();
}

Json fMap(Json &v, const Args &a)
{
    const Json attr = a.get(0, "attribute", undefinedValue());
    if (!attr.is_string())
        fail("map() supports attribute= only");
    const std::string &key = attr.get_ref<const std::string &>();
    Json arr = Json::array();
    for (const Json &e : v)
        arr.push_back(e.is_object() && e.contains(key) ? e[key] : undefinedValue());
    return arr;
}

Json fDictsort(Json &v, const Args &)
{
    std::vector<std::string> keys;
    for (auto it = v.begin(); it != v.end(); ++it)
        keys.push_back(it.key());
    std::sort(keys.begin(), keys.end());
    Json arr = Json::array();
    for (auto &k : keys)
        arr.push_back(Json::array({k, v[k]}));
    return arr;
}

Json fItems(Json &v, const Args &)
{
    Json arr = Json::array();
    for (auto it = v.begin(); it != v.end(); ++it)
        arr.push_back(Json::array({it.key(), it.value()}));
    return arr;
}

/// Jinja's escape: the HTML special characters as entities.
Json fEscape(Json &v, const Args &)
{
    std::string out;
    for (char c : pyStr(v)) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&#34;"; break;
        case '\'': out += "&#39;"; break;
        default: out += c;
        }
    }
    return out;
}

using U = OnUndefined;
/// Sorted by name (findFilter searches it).
const FilterEntry kFilters[] = {
    {"abs", fAbs},
    {"basename", fBasename, U::AsText},
    {"batch", fBatch, U::AsEmpty},
    {"capitalize", fCapitalize, U::AsText},
    {"count", fLength, U::Pass},
    {"d", fDefault, U::Pass, true},
    {"default", fDefault, U::Pass, true},
    {"dictsort", fDictsort},
    {"dirname", fDirname, U::AsText},
    {"e", fEscape, U::AsText},
    {"escape", fEscape, U::AsText},
    {"first", fFirst, U::AsEmpty},
    {"float", fFloat},
    {"format", fFormat, U::AsText},
    {"from_json", fFromJson},
    {"fromjson", fFromJson},
    {"int", fInt},
    {"is_ipaddress", fIsIpAddress, U::Pass},
    {"is_ipv4", fIsIpv4},
    {"is_ipv6", fIsIpv6},
    {"is_url", fIsUrl},
    {"items", fItems},
    {"join", fJoin, U::AsEmpty},
    {"last", fLast, U::AsEmpty},
    {"length", fLength, U::Pass},
    {"list", fList, U::AsEmpty},
    {"lower", fLower, U::AsText},
    {"map", fMap, U::AsEmpty},
    {"max", fMax, U::AsEmpty},
    {"min", fMin, U::AsEmpty},
    {"re_match", fReMatch},
    {"re_search", fReSearch},
    {"reject", fReject, U::AsEmpty},
    {"rejectattr", fRejectAttr, U::AsEmpty},
    {"replace", fReplace, U::AsText},
    {"reverse", fReverse, U::AsEmpty},
    {"round", fRound},
    {"select", fSelect, U::AsEmpty},
    {"selectattr", fSelectAttr, U::AsEmpty},
    {"sort", fSort, U::AsEmpty},
    {"string", fString, U::Pass},
    {"strip", fTrim, U::AsText},
    {"sum", fSum, U::AsEmpty},
    {"to_iso8601", fToIso8601},
    {"to_json", fToJson},
    {"to_mac_address", fToMacAddress},
    {"to_rfc3339", fToRfc3339},
    {"tojson", fToJson, U::Pass},
    {"trim", fTrim, U::AsText},
    {"unique", fUnique, U::AsEmpty},
    {"upper", fUpper, U::AsText},
};

// ------------------------------------------------------------------------------------------
// Tests

bool tDefined(const Json &v, const std::vector<Json> &) { return !isUndefined(v); }
bool tUndefined(const Json &v, const std::vector<Json> &) { return isUndefined(v); }
bool tNone(const Json &v, const std::vector<Json> &) { return v.is_null(); }
bool tEq(const Json &v, const std::vector<Json> &a) { return !a.empty() && pyEq(v, a[0]); }
bool tNe(const Json &v, const std::vector<Json> &a) { return a.empty() || !pyEq(v, a[0]); }
bool tGt(const Json &v, const std::vector<Json> &a) { return !a.empty() && pyCmp(v, a[0]) > 0; }
bool tLt(const Json &v, const std::vector<Json> &a) { return !a.empty() && pyCmp(v, a[0]) < 0; }
bool tGe(const Json &v, const std::vector<Json> &a) { return !a.empty() && pyCmp(v, a[0]) >= 0; }
bool tLe(const Json &v, const std::vector<Json> &a) { return !a.empty() && pyCmp(v, a[0]) <= 0; }
bool tTrue(const Json &v, const std::vector<Json> &) { return v.is_boolean() && v.get<bool>(); }
bool tFalse(const Json &v, const std::vector<Json> &) { return v.is_boolean() && !v.get<bool>(); }
bool tNumber(const Json &v, const std::vector<Json> &) { return v.is_number(); }
bool tInteger(const Json &v, const std::vector<Json> &) { return v.is_number_integer(); }
bool tFloat(const Json &v, const std::vector<Json> &) { return v.is_number_float(); }
bool tString(const Json &v, const std::vector<Json> &) { return v.is_string(); }
bool tBoolean(const Json &v, const std::vector<Json> &) { return v.is_boolean(); }
bool tMapping(const Json &v, const std::vector<Json> &) { return v.is_object(); }
bool tSequence(const Json &v, const std::vector<Json> &) { return v.is_array() || v.is_string() || v.is_object(); }
bool tIn(const Json &v, const std::vector<Json> &a)
{
    if (a.empty())
        fail("'is in' needs a container");
    return pyIn(v, a[0]);
}
bool tLower(const Json &v, const std::vector<Json> &)
{
    return v.is_string() && asciiLower(v.get<std::string>()) == v.get_ref<const std::string &>();
}
bool tUpper(const Json &v, const std::vector<Json> &)
{
    return v.is_string() && asciiUpper(v.get<std::string>()) == v.get_ref<const std::string &>();
}
bool tOdd(const Json &v, const std::vector<Json> &) { return isInt(v) && toI(v) % 2 != 0; }
bool tEven(const Json &v, const std::vector<Json> &) { return isInt(v) && toI(v) % 2 == 0; }
bool tDivisibleBy(const Json &v, const std::vector<Json> &a)
{
    return !a.empty() && toI(a[0]) != 0 && toI(v) % toI(a[0]) == 0;
}

/// Sorted by name (byte order: the operators first).
const TestEntry kTests[] = {
    {"!=", tNe},
    {"<", tLt},
    {"<=", tLe},
    {"==", tEq},
    {">", tGt},
    {">=", tGe},
    {"boolean", tBoolean},
    {"defined", tDefined, true},
    {"divisibleby", tDivisibleBy},
    {"eq", tEq},
    {"equalto", tEq},
    {"even", tEven},
    {"false", tFalse},
    {"float", tFloat},
    {"ge", tGe},
    {"greaterthan", tGt},
    {"gt", tGt},
    {"in", tIn},
    {"integer", tInteger},
    {"iterable", tSequence},
    {"le", tLe},
    {"lessthan", tLt},
    {"lower", tLower},
    {"lt", tLt},
    {"mapping", tMapping},
    {"ne", tNe},
    {"none", tNone},
    {"number", tNumber},
    {"odd", tOdd},
    {"sameas", tEq},
    {"sequence", tSequence},
    {"string", tString},
    {"true", tTrue},
    {"undefined", tUndefined, true},
    {"upper", tUpper},
};

} // namespace

const FilterEntry *findFilter(std::string_view name) { return findIn(kFilters, name); }
const TestEntry *findTest(std::string_view name) { return findIn(kTests, name); }

} // namespace auditlens::intake::jinja
