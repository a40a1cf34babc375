// SPDX-License-Identifier: MIT
// Python methods that leak through Jinja into the public parsers (`x.split(',')`,
// `d.get('k')`, `l.append(v)`…), per type of their object, and the global functions (range,
// dict, len, str, int, float). A template calling any other is refused when it compiles.
#include "jinja_p.h"
#include "util/ascii.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace auditlens::intake::jinja {

namespace {

// ------------------------------------------------------------------------------------------
// str

Json sLower(const Json &s, const Args &) { return asciiLower(s.get<std::string>()); }
Json sUpper(const Json &s, const Args &) { return asciiUpper(s.get<std::string>()); }

Json sRemovePrefix(const Json &self, const Args &a)
{
    const std::string &s = self.get_ref<const std::string &>();
    const std::string &p = strArg(a, 0, "removeprefix");
    return s.compare(0, p.size(), p) == 0 ? s.substr(p.size()) : s;
}
Json sRemoveSuffix(const Json &self, const Args &a)
{
    const std::string &s = self.get_ref<const std::string &>();
    const std::string &p = strArg(a, 0, "removesuffix");
    return s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0 ? s.substr(0, s.size() - p.size()) : s;
}

Json strip(const Json &self, const Args &a, bool left, bool right)
{
    const Json c = a.get(0, "chars", Json());
    return stripStr(self.get_ref<const std::string &>(), c.is_string() ? c.get<std::string>() : std::string(), left, right);
}
Json sStrip(const Json &s, const Args &a) { return strip(s, a, true, true); }
Json sLstrip(const Json &s, const Args &a) { return strip(s, a, true, false); }
Json sRstrip(const Json &s, const Args &a) { return strip(s, a, false, true); }

Json sSplit(const Json &self, const Args &a)
{
    return splitStr(self.get_ref<const std::string &>(), a.get(0, "sep", Json()), toI(a.get(1, "maxsplit", int64_t(-1))));
}
Json sRsplit(const Json &self, const Args &a)
{
    const std::string &s = self.get_ref<const std::string &>();
    const Json sep = a.get(0, "sep", Json());
    const int64_t maxs = toI(a.get(1, "maxsplit", int64_t(-1)));
    if (maxs < 0 || !sep.is_string())
        return splitStr(s, sep, maxs);
    Json all = splitStr(s, sep, -1);
    if (int64_t(all.size()) - 1 <= maxs)
        return all;
    const size_t headCount = all.size() - size_t(maxs);
    std::string head;
    for (size_t i = 0; i < headCount; ++i)
        head += (i ? sep.get<std::string>() : std::string()) + all[i].get<std::string>();
    Json out = Json::array({head});
    for (size_t i = headCount; i < all.size(); ++i)
        out.push_back(all[i]);
    return out;
}

Json sSplitlines(const Json &self, const Args &)
{
    const std::string &s = self.get_ref<const std::string &>();
    Json out = Json::array();
    size_t i = 0;
    while (i < s.size()) {
        const size_t j = s.find_first_of("\r\n", i);
        if (j == std::string::npos) {
            out.push_back(s.substr(i));
            break;
        }
        out.push_back(s.substr(i, j - i));
        i = j + ((s[j] == '\r' && j + 1 < s.size() && s[j + 1] == '\n') ? 2 : 1);
    }
    return out;
}

Json sReplace(const Json &self, const Args &a)
{
    return replaceAll(self.get<std::string>(), strArg(a, 0, "replace()"), strArg(a, 1, "replace()"),
                      a.size() > 2 ? toI(a[2]) : -1);
}

Json affix(const Json &self, const Args &a, bool start)
{
    const std::string &s = self.get_ref<const std::string &>();
    const Json p = a.get(0, "prefix", Json());
    std::vector<std::string> opts;
    if (p.is_string())
        opts.push_back(p.get<std::string>());
    else if (p.is_array())
        for (const Json &e : p)
            if (e.is_string())
                opts.push_back(e.get<std::string>());
    for (const std::string &o : opts)
        if (start ? s.compare(0, o.size(), o) == 0 : (s.size() >= o.size() && s.compare(s.size() - o.size(), o.size(), o) == 0))
            return true;
    return false;
}
Json sStartswith(const Json &s, const Args &a) { return affix(s, a, true); }
Json sEndswith(const Json &s, const Args &a) { return affix(s, a, false); }

Json find(const Json &self, const Args &a, bool reverse, bool raise)
{
    const std::string &s = self.get_ref<const std::string &>();
    const std::string &sub = strArg(a, 0, "find()");
    const size_t p = reverse ? s.rfind(sub) : s.find(sub);
    if (p == std::string::npos) {
        if (raise)
            fail("substring not found");
        return int64_t(-1);
    }
    return int64_t(p);
}
Json sFind(const Json &s, const Args &a) { return find(s, a, false, false); }
Json sRfind(const Json &s, const Args &a) { return find(s, a, true, false); }
Json sIndex(const Json &s, const Args &a) { return find(s, a, false, true); }

Json sCount(const Json &self, const Args &a)
{
    const std::string &s = self.get_ref<const std::string &>();
    const std::string &sub = strArg(a, 0, "count()");
    if (sub.empty())
        return int64_t(s.size() + 1);
    int64_t c = 0;
    for (size_t p = s.find(sub); p != std::string::npos; p = s.find(sub, p + sub.size()))
        ++c;
    return c;
}

Json sJoin(const Json &self, const Args &a)
{
    const std::string &s = self.get_ref<const std::string &>();
    const Json seq = a.get(0, "iterable", Json::array());
    std::string out;
    bool first = true;
    for (const Json &e : seq) {
        if (!e.is_string())
            fail("join() expects strings");
        if (!first)
            out += s;
        first = false;
        out += e.get_ref<const std::string &>();
    }
    return out;
}

template<int (*Pred)(int)>
Json allOf(const Json &self, const Args &)
{
    const std::string &s = self.get_ref<const std::string &>();
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return Pred(static_cast<unsigned char>(c)) != 0; });
}
int isDigit(int c) { return std::isdigit(c); }
int isAlpha(int c) { return std::isalpha(c); }
int isAlnum(int c) { return std::isalnum(c); }

Json sCapitalize(const Json &self, const Args &)
{
    const std::string &s = self.get_ref<const std::string &>();
    return s.empty() ? s : asciiUpper(s.substr(0, 1)) + asciiLower(s.substr(1));
}

Json sTitle(const Json &self, const Args &)
{
    std::string out = self.get<std::string>();
    bool start = true;
    for (char &c : out) {
        c = start ? asciiUpper(c) : asciiLower(c);
        start = !std::isalpha(static_cast<unsigned char>(c));
    }
    return out;
}

Json sZfill(const Json &self, const Args &a)
{
    const int64_t w = toI(a.get(0, "width", int64_t(0)));
    std::string out = self.get<std::string>();
    if (int64_t(out.size()) < w) {
        const bool sign = !out.empty() && (out[0] == '-' || out[0] == '+');
        out.insert(sign ? 1 : 0, std::string(size_t(w - int64_t(out.size())), '0'));
    }
    return out;
}

/// One replacement field of str.format: `value` formatted by a spec such as `>8`, `02x`, `.2f`.
std::string formatField(const Json &value, const std::string &spec)
{
    if (spec.empty())
        return pyStr(value);
    size_t i = 0;
    char fill = ' ', align = 0;
    auto isAlign = [](char c) { return c == '<' || c == '>' || c == '^' || c == '='; };
    if (spec.size() >= 2 && isAlign(spec[1])) {
        fill = spec[0];
        align = spec[1];
        i = 2;
    } else if (isAlign(spec[0])) {
        align = spec[0];
        i = 1;
    }
    std::string flags;
    while (i < spec.size() && std::strchr("+- #0", spec[i]))
        flags += spec[i++];
    size_t width = 0;
    while (i < spec.size() && std::isdigit(static_cast<unsigned char>(spec[i])))
        width = std::min<size_t>(width * 10 + size_t(spec[i++] - '0'), 4096);
    std::string precision;
    if (i < spec.size() && spec[i] == '.') {
        precision = ".";
        ++i;
        while (i < spec.size() && std::isdigit(static_cast<unsigned char>(spec[i])))
            precision += spec[i++];
    }
    std::string type;
    if (i < spec.size() && std::strchr("sdfFxXoeEgGbc%", spec[i]))
        type = spec[i++];
    if (i != spec.size())
        fail("format spec '" + spec + "' is not supported");
    const bool number = isNum(value) && !value.is_boolean();
    if (type == "b" || type == "c")
        fail("format spec '" + spec + "' is not supported");
    if (type.empty() && !precision.empty())
        type = number ? "g" : "s";
    const bool zeroPad = flags.find('0') != std::string::npos && !align && number;
    std::string text;
    if (type.empty())
        text = flags.empty() ? pyStr(value) : pyPercentFormat("%" + flags + (number && isInt(value) ? "d" : "s"), {value});
    else
        text = pyPercentFormat("%" + flags + (zeroPad ? std::to_string(width) : std::string()) + precision + type, {value});
    if (!align)
        align = number ? '>' : '<';
    const size_t len = codePointStarts(text).size() - 1;
    if (len >= width)
        return text;
    const size_t pad = width - len;
    if (align == '<')
        return text + std::string(pad, fill);
    if (align == '^')
        return std::string(pad / 2, fill) + text + std::string(pad - pad / 2, fill);
    if (align == '=' && !text.empty() && (text[0] == '-' || text[0] == '+'))
        return text.substr(0, 1) + std::string(pad, fill) + text.substr(1);
    return std::string(pad, fill) + text;
}

/// Python's str.format: `{}`, `{0}`, `{name}`, `{!r}`, `{:spec}`, `{{` and `}}`.
Json sFormat(const Json &self, const Args &a)
{
    const std::string &fmt = self.get_ref<const std::string &>();
    std::string out;
    size_t next = 0;
    bool numbered = false, automatic = false;
    for (size_t i = 0; i < fmt.size(); ++i) {
        const char c = fmt[i];
        if (c == '}') {
            if (i + 1 < fmt.size() && fmt[i + 1] == '}') {
                out += '}';
                ++i;
                continue;
            }
            fail("Single '}' encountered in format string");
        }
        if (c != '{') {
            out += c;
            continue;
        }
        if (i + 1 < fmt.size() && fmt[i + 1] == '{') {
            out += '{';
            ++i;
            continue;
        }
        const size_t close = fmt.find('}', i + 1);
        if (close == std::string::npos)
            fail("Single '{' encountered in format string");
        std::string field = fmt.substr(i + 1, close - i - 1);
        i = close;
        std::string spec, conversion;
        if (const size_t colon = field.find(':'); colon != std::string::npos) {
            spec = field.substr(colon + 1);
            field.resize(colon);
        }
        if (const size_t bang = field.find('!'); bang != std::string::npos) {
            conversion = field.substr(bang + 1);
            field.resize(bang);
            if (conversion != "r" && conversion != "s")
                fail("unknown conversion '!" + conversion + "' in format string");
        }
        Json value;
        if (field.empty() || std::all_of(field.begin(), field.end(), [](char d) { return std::isdigit(static_cast<unsigned char>(d)); })) {
            size_t index = next;
            if (field.empty()) {
                automatic = true;
                ++next;
            } else {
                numbered = true;
                index = size_t(std::min<uint64_t>(std::strtoull(field.c_str(), nullptr, 10), SIZE_MAX));
            }
            if (automatic && numbered)
                fail("cannot switch between automatic and manual field numbering");
            if (index >= a.size())
                fail("Replacement index " + std::to_string(index) + " out of range for positional args tuple");
            value = a[index];
        } else {
            auto kw = std::find_if(a.kw.begin(), a.kw.end(), [&](const auto &k) { return *k.first == field; });
            if (kw == a.kw.end())
                fail("KeyError: '" + field + "' in format string");
            value = kw->second;
        }
        if (conversion == "r")
            value = pyRepr(value);
        else if (conversion == "s")
            value = pyStr(value);
        out += formatField(value, spec);
    }
    return out;
}

Json sPartition(const Json &self, const Args &a)
{
    const std::string &s = self.get_ref<const std::string &>();
    const std::string &sep = strArg(a, 0, "partition()");
    const size_t p = s.find(sep);
    if (p == std::string::npos)
        return Json::array({s, "", ""});
    return Json::array({s.substr(0, p), sep, s.substr(p + sep.size())});
}

// ------------------------------------------------------------------------------------------
// list

Json lIndex(const Json &self, const Args &a)
{
    const Json x = a.get(0, "x", Json());
    for (size_t i = 0; i < self.size(); ++i)
        if (pyEq(self[i], x))
            return int64_t(i);
    fail("value is not in the list");
}

Json lCount(const Json &self, const Args &a)
{
    const Json x = a.get(0, "x", Json());
    int64_t c = 0;
    for (const Json &e : self)
        c += pyEq(e, x) ? 1 : 0;
    return c;
}

Json copyOf(const Json &self, const Args &) { return self; }

Json lAppend(Json &self, const Args &a)
{
    if (a.size() != 1)
        fail("append() takes exactly one argument");
    self.push_back(a[0]);
    return Json();
}

Json lExtend(Json &self, const Args &a)
{
    if (a.size() != 1)
        fail("extend() takes exactly one argument");
    const Json &src = a[0];
    if (src.is_array())
        for (const Json &e : src)
            self.push_back(e);
    else if (src.is_object())
        for (auto it = src.begin(); it != src.end(); ++it)
            self.push_back(it.key());
    else if (src.is_string()) {
        const std::string &s = src.get_ref<const std::string &>();
        const std::vector<size_t> at = codePointStarts(s);
        for (size_t i = 0; i + 1 < at.size(); ++i)
            self.push_back(s.substr(at[i], at[i + 1] - at[i]));
    }
    else
        fail("'" + typeName(src) + "' object is not iterable");
    return Json();
}

Json lInsert(Json &self, const Args &a)
{
    if (a.size() != 2 || !isInt(a[0]))
        fail("insert() takes an index and a value");
    int64_t i = toI(a[0]);
    const int64_t len = int64_t(self.size());
    if (i < 0)
        i = std::max<int64_t>(0, i + len);
    i = std::min(i, len);
    self.insert(self.begin() + i, a[1]);
    return Json();
}

Json lPop(Json &self, const Args &a)
{
    if (self.empty())
        fail("pop from empty list");
    int64_t i = a.empty() ? int64_t(self.size()) - 1 : toI(a[0]);
    if (i < 0)
        i += int64_t(self.size());
    if (i < 0 || i >= int64_t(self.size()))
        fail("pop index out of range");
    Json v = std::move(self[size_t(i)]);
    self.erase(self.begin() + i);
    return v;
}

Json lRemove(Json &self, const Args &a)
{
    if (a.size() != 1)
        fail("remove() takes exactly one argument");
    for (auto it = self.begin(); it != self.end(); ++it)
        if (pyEq(*it, a[0])) {
            self.erase(it);
            return Json();
        }
    fail("list.remove(x): x not in list");
}

Json lClear(Json &self, const Args &)
{
    self = Json::array();
    return Json();
}

// ------------------------------------------------------------------------------------------
// dict

Json dGet(const Json &self, const Args &a)
{
    if (a.empty())
        fail("get() needs a key");
    auto it = self.find(keyOf(a[0]));
    return it != self.end() ? *it : a.get(1, "default", Json());
}

Json dKeys(const Json &self, const Args &)
{
    Json arr = Json::array();
    for (auto it = self.begin(); it != self.end(); ++it)
        arr.push_back(it.key());
    return arr;
}
Json dValues(const Json &self, const Args &)
{
    Json arr = Json::array();
    for (auto it = self.begin(); it != self.end(); ++it)
        arr.push_back(it.value());
    return arr;
}
Json dItems(const Json &self, const Args &)
{
    Json arr = Json::array();
    for (auto it = self.begin(); it != self.end(); ++it)
        arr.push_back(Json::array({it.key(), it.value()}));
    return arr;
}

Json dUpdate(Json &self, const Args &a)
{
    for (const Json &d : a.pos) {
        if (!d.is_object())
            fail("dict.update() needs a dict");
        for (auto it = d.begin(); it != d.end(); ++it)
            self[it.key()] = it.value();
    }
    return Json();
}

Json dSetdefault(Json &self, const Args &a)
{
    if (a.empty())
        fail("setdefault() needs a key");
    const std::string k = keyOf(a[0]);
    if (!self.contains(k))
        self[k] = a.size() > 1 ? a[1] : Json();
    return self[k];
}

Json dPop(Json &self, const Args &a)
{
    if (a.empty())
        fail("pop() needs a key");
    const std::string k = keyOf(a[0]);
    auto it = self.find(k);
    if (it == self.end()) {
        if (a.size() > 1)
            return a[1];
        fail("KeyError: " + k);
    }
    Json v = std::move(*it);
    self.erase(it);
    return v;
}

Json dClear(Json &self, const Args &)
{
    self = Json::object();
    return Json();
}

/// Sorted by name (findMethod searches it).
const MethodEntry kMethods[] = {
    // name          str              list     dict     list mutator  dict mutator
    {"append", nullptr, nullptr, nullptr, lAppend},
    {"capitalize", sCapitalize},
    {"clear", nullptr, nullptr, nullptr, lClear, dClear},
    {"copy", nullptr, copyOf, copyOf},
    {"count", sCount, lCount},
    {"endswith", sEndswith},
    {"extend", nullptr, nullptr, nullptr, lExtend},
    {"find", sFind},
    {"format", sFormat},
    {"get", nullptr, nullptr, dGet},
    {"index", sIndex, lIndex},
    {"insert", nullptr, nullptr, nullptr, lInsert},
    {"isalnum", allOf<isAlnum>},
    {"isalpha", allOf<isAlpha>},
    {"isdecimal", allOf<isDigit>},
    {"isdigit", allOf<isDigit>},
    {"isnumeric", allOf<isDigit>},
    {"items", nullptr, nullptr, dItems},
    {"join", sJoin},
    {"keys", nullptr, nullptr, dKeys},
    {"lower", sLower},
    {"lstrip", sLstrip},
    {"partition", sPartition},
    {"pop", nullptr, nullptr, nullptr, lPop, dPop},
    {"remove", nullptr, nullptr, nullptr, lRemove},
    {"removeprefix", sRemovePrefix},
    {"removesuffix", sRemoveSuffix},
    {"replace", sReplace},
    {"rfind", sRfind},
    {"rsplit", sRsplit},
    {"rstrip", sRstrip},
    {"setdefault", nullptr, nullptr, nullptr, nullptr, dSetdefault},
    {"split", sSplit},
    {"splitlines", sSplitlines},
    {"startswith", sStartswith},
    {"strip", sStrip},
    {"title", sTitle},
    {"update", nullptr, nullptr, nullptr, nullptr, dUpdate},
    {"upper", sUpper},
    {"values", nullptr, nullptr, dValues},
    {"zfill", sZfill},
};

// ------------------------------------------------------------------------------------------
// Global functions

Json fnRange(const Args &a)
{
    int64_t from = 0, to = 0, step = 1;
    if (a.size() == 1)
        to = toI(a[0]);
    else if (a.size() >= 2) {
        from = toI(a[0]);
        to = toI(a[1]);
        if (a.size() > 2)
            step = toI(a[2]);
    }
    if (step == 0)
        fail("range() step must not be zero");
    Json arr = Json::array();
    for (int64_t i = from; (step > 0 ? i < to : i > to) && arr.size() < 100000; i += step)
        arr.push_back(i);
    return arr;
}

Json fnDict(const Args &a)
{
    Json o = Json::object();
    for (const auto &[k, v] : a.kw)
        o[*k] = v;
    return o;
}

const Json &oneArg(const Args &a, const char *name)
{
    if (a.size() != 1)
        fail(std::string(name) + "() takes exactly one argument");
    return a[0];
}
Json fnLen(const Args &a) { return pyLen(oneArg(a, "len")); }
Json fnStr(const Args &a) { return pyStr(oneArg(a, "str")); }
Json fnInt(const Args &a) { return toIntValue(oneArg(a, "int"), Json()); }
Json fnFloat(const Args &a) { return toFloatValue(oneArg(a, "float"), Json()); }

const FunctionEntry kFunctions[] = {
    {"dict", fnDict}, {"float", fnFloat}, {"int", fnInt}, {"len", fnLen}, {"range", fnRange}, {"str", fnStr},
};

} // namespace

const MethodEntry *findMethod(std::string_view name) { return findIn(kMethods, name); }
const FunctionEntry *findFunction(std::string_view name) { return findIn(kFunctions, name); }

} // namespace auditlens::intake::jinja
