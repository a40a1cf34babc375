// SPDX-License-Identifier: MIT
// Python semantics of values as templates see them: equality, ordering, `in`, len(),
// arithmetic, subscripts, the string helpers the methods and filters share, and conversions.
#include "jinja_p.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>

namespace auditlens::intake::jinja {

int64_t toI(const Json &v)
{
    if (v.is_boolean())
        return v.get<bool>() ? 1 : 0;
    if (v.is_number_unsigned())
        return int64_t(std::min<uint64_t>(v.get<uint64_t>(), uint64_t(INT64_MAX)));
    if (v.is_number_integer())
        return v.get<int64_t>();
    return int64_t(v.get<double>());
}

std::string typeName(const Json &v)
{
    switch (v.type()) {
    case Json::value_t::discarded: return "undefined";
    case Json::value_t::null: return "None";
    case Json::value_t::boolean: return "bool";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned: return "int";
    case Json::value_t::number_float: return "float";
    case Json::value_t::string: return "str";
    case Json::value_t::array: return "list";
    case Json::value_t::object: return "dict";
    default: return "?";
    }
}

[[noreturn]] void fail(const std::string &msg) { throw EvalError(msg); }

bool pyEq(const Json &a, const Json &b)
{
    if (isUndefined(a) || isUndefined(b))
        return isUndefined(a) && isUndefined(b);
    if (isNum(a) && isNum(b)) {
        if (isInt(a) && isInt(b))
            return toI(a) == toI(b);
        return toD(a) == toD(b);
    }
    if (a.type() != b.type())
        return false;
    if (a.is_array()) {
        if (a.size() != b.size())
            return false;
        for (size_t i = 0; i < a.size(); ++i)
            if (!pyEq(a[i], b[i]))
                return false;
        return true;
    }
    if (a.is_object()) {
        if (a.size() != b.size())
            return false;
        for (auto it = a.begin(); it != a.end(); ++it) {
            auto f = b.find(it.key());
            if (f == b.end() || !pyEq(it.value(), *f))
                return false;
        }
        return true;
    }
    return a == b;
}

int pyCmp(const Json &a, const Json &b)
{
    if (isNum(a) && isNum(b)) {
        if (isInt(a) && isInt(b))
            return toI(a) < toI(b) ? -1 : toI(a) > toI(b) ? 1 : 0;
        return toD(a) < toD(b) ? -1 : toD(a) > toD(b) ? 1 : 0;
    }
    if (a.is_string() && b.is_string())
        return a.get_ref<const std::string &>().compare(b.get_ref<const std::string &>()) < 0 ? -1
               : a.get_ref<const std::string &>() == b.get_ref<const std::string &>()    ? 0 : 1;
    if (a.is_array() && b.is_array()) {
        for (size_t i = 0; i < std::min(a.size(), b.size()); ++i)
            if (int c = pyCmp(a[i], b[i]))
                return c;
        return a.size() < b.size() ? -1 : a.size() > b.size() ? 1 : 0;
    }
    fail("cannot compare " + typeName(a) + " with " + typeName(b));
}

bool pyIn(const Json &needle, const Json &hay)
{
    if (isUndefined(hay))
        return false;
    if (hay.is_string()) {
        if (!needle.is_string())
            fail("'in <string>' requires a string on the left, not " + typeName(needle));
        return hay.get_ref<const std::string &>().find(needle.get_ref<const std::string &>()) != std::string::npos;
    }
    if (hay.is_array()) {
        for (const Json &e : hay)
            if (pyEq(needle, e))
                return true;
        return false;
    }
    if (hay.is_object())
        return needle.is_string() && hay.contains(needle.get<std::string>());
    fail("argument of type '" + typeName(hay) + "' is not iterable");
}

std::vector<size_t> codePointStarts(const std::string &s)
{
    std::vector<size_t> starts;
    starts.reserve(s.size() + 1);
    for (size_t i = 0; i < s.size(); ++i)
        if (i == 0 || (static_cast<unsigned char>(s[i]) & 0xC0) != 0x80)
            starts.push_back(i);
    starts.push_back(s.size());
    return starts;
}

int64_t pyLen(const Json &v)
{
    if (v.is_string()) {
        int64_t n = 0;
        for (unsigned char c : v.get_ref<const std::string &>())
            if ((c & 0xC0) != 0x80)
                ++n;
        return n;
    }
    if (v.is_array() || v.is_object())
        return int64_t(v.size());
    if (isUndefined(v))
        return 0;
    fail("object of type '" + typeName(v) + "' has no len()");
}

const char *binOpName(BinOp op)
{
    switch (op) {
    case BinOp::Eq: return "==";
    case BinOp::Ne: return "!=";
    case BinOp::Lt: return "<";
    case BinOp::Gt: return ">";
    case BinOp::Le: return "<=";
    case BinOp::Ge: return ">=";
    case BinOp::In: return "in";
    case BinOp::Concat: return "~";
    case BinOp::Add: return "+";
    case BinOp::Sub: return "-";
    case BinOp::Mul: return "*";
    case BinOp::Div: return "/";
    case BinOp::FloorDiv: return "//";
    case BinOp::Mod: return "%";
    case BinOp::Pow: return "**";
    }
    return "?";
}

Json arith(BinOp op, const Json &a, const Json &b)
{
    if (isUndefined(a) || isUndefined(b))
        fail(std::string("undefined value in '") + binOpName(op) + "'");
    if (op == BinOp::Add) {
        if (a.is_string() && b.is_string())
            return a.get<std::string>() + b.get<std::string>();
        if (a.is_array() && b.is_array()) {
            Json r = a;
            for (const Json &e : b)
                r.push_back(e);
            return r;
        }
    }
    if (op == BinOp::Mul && ((a.is_string() && isInt(b)) || (isInt(a) && b.is_string()))) {
        const std::string &s = a.is_string() ? a.get_ref<const std::string &>() : b.get_ref<const std::string &>();
        const int64_t n = a.is_string() ? toI(b) : toI(a);
        std::string r;
        for (int64_t i = 0; i < n && r.size() < (1u << 20); ++i)
            r += s;
        return r;
    }
    if (op == BinOp::Mod && a.is_string())
        fail("printf-style formatting is not supported");
    if (!isNum(a) || !isNum(b))
        fail(std::string("unsupported operand types for ") + binOpName(op) + ": " + typeName(a) + " and " + typeName(b));
    const bool ints = isInt(a) && isInt(b);
    if (op == BinOp::Div) {
        if (toD(b) == 0)
            fail("division by zero");
        return toD(a) / toD(b);
    }
    if (ints) {
        const int64_t x = toI(a), y = toI(b);
        if (op == BinOp::Add) return x + y;
        if (op == BinOp::Sub) return x - y;
        if (op == BinOp::Mul) return x * y;
        if (op == BinOp::FloorDiv || op == BinOp::Mod) {
            if (y == 0)
                fail("division by zero");
            int64_t q = x / y, r = x % y;
            if (r != 0 && ((r < 0) != (y < 0))) {
                --q;
                r += y;
            }
            return op == BinOp::FloorDiv ? Json(q) : Json(r);
        }
        if (op == BinOp::Pow) {
            if (y < 0)
                return std::pow(double(x), double(y));
            return int64_t(std::llround(std::pow(double(x), double(y))));
        }
    }
    const double x = toD(a), y = toD(b);
    if (op == BinOp::Add) return x + y;
    if (op == BinOp::Sub) return x - y;
    if (op == BinOp::Mul) return x * y;
    if (op == BinOp::FloorDiv) { if (y == 0) fail("division by zero"); return std::floor(x / y); }
    if (op == BinOp::Mod) { if (y == 0) fail("division by zero"); return x - y * std::floor(x / y); }
    if (op == BinOp::Pow) return std::pow(x, y);
    fail(std::string("unknown operator ") + binOpName(op));
}

const std::string &strArg(const Args &args, size_t i, const char *what)
{
    if (i >= args.size() || !args[i].is_string())
        fail(std::string(what) + " expects a string argument");
    return args[i].get_ref<const std::string &>();
}

std::string stripStr(const std::string &s, const std::string &chars, bool left, bool right)
{
    auto in = [&](char c) {
        return chars.empty() ? std::isspace(static_cast<unsigned char>(c)) != 0 : chars.find(c) != std::string::npos;
    };
    size_t a = 0, b = s.size();
    if (left)
        while (a < b && in(s[a]))
            ++a;
    if (right)
        while (b > a && in(s[b - 1]))
            --b;
    return s.substr(a, b - a);
}

Json splitStr(const std::string &s, const Json &sepArg, int64_t maxsplit)
{
    Json out = Json::array();
    if (sepArg.is_null() || isUndefined(sepArg)) {
        size_t i = 0;
        int64_t n = 0;
        while (i < s.size()) {
            while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i])))
                ++i;
            if (i >= s.size())
                break;
            if (maxsplit >= 0 && n >= maxsplit) {
                std::string rest = stripStr(s.substr(i), "", false, true);
                out.push_back(rest);
                return out;
            }
            size_t j = i;
            while (j < s.size() && !std::isspace(static_cast<unsigned char>(s[j])))
                ++j;
            out.push_back(s.substr(i, j - i));
            ++n;
            i = j;
        }
        return out;
    }
    if (!sepArg.is_string())
        fail("split() separator must be a string");
    const std::string &sep = sepArg.get_ref<const std::string &>();
    if (sep.empty())
        fail("empty separator");
    size_t i = 0;
    int64_t n = 0;
    for (;;) {
        const size_t j = (maxsplit >= 0 && n >= maxsplit) ? std::string::npos : s.find(sep, i);
        if (j == std::string::npos) {
            out.push_back(s.substr(i));
            return out;
        }
        out.push_back(s.substr(i, j - i));
        i = j + sep.size();
        ++n;
    }
}

std::string replaceAll(std::string s, const std::string &from, const std::string &to, int64_t count)
{
    if (from.empty())
        return s;
    size_t pos = 0;
    int64_t n = 0;
    while ((count < 0 || n < count) && (pos = s.find(from, pos)) != std::string::npos) {
        s.replace(pos, from.size(), to);
        pos += to.size();
        ++n;
    }
    return s;
}

std::string toJsonText(const Json &v)
{
    // Python json.dumps(sort_keys=True) style, HTML-safe as Jinja's tojson
    std::function<std::string(const Json &)> dump = [&](const Json &x) -> std::string {
        if (x.is_object()) {
            std::vector<std::string> keys;
            for (auto it = x.begin(); it != x.end(); ++it)
                keys.push_back(it.key());
            std::sort(keys.begin(), keys.end());
            std::string out = "{";
            for (size_t i = 0; i < keys.size(); ++i) {
                if (i)
                    out += ", ";
                out += Json(keys[i]).dump() + ": " + dump(x.at(keys[i]));
            }
            return out + "}";
        }
        if (x.is_array()) {
            std::string out = "[";
            for (size_t i = 0; i < x.size(); ++i) {
                if (i)
                    out += ", ";
                out += dump(x[i]);
            }
            return out + "]";
        }
        if (isUndefined(x))
            return "null";
        if (x.is_number_float())
            return pyFloat(x.get<double>());
        return x.dump(-1, ' ', true, Json::error_handler_t::replace);
    };
    std::string s = dump(v);
    s = replaceAll(s, "<", "\\u003c");
    s = replaceAll(s, ">", "\\u003e");
    s = replaceAll(s, "&", "\\u0026");
    s = replaceAll(s, "'", "\\u0027");
    return s;
}

Json toIntValue(const Json &v, const Json &dflt)
{
    if (isInt(v))
        return toI(v);
    if (v.is_number_float())
        return int64_t(v.get<double>());
    if (v.is_string()) {
        const std::string s = stripStr(v.get<std::string>(), "", true, true);
        Json lit = literalEval(s);
        if (!isUndefined(lit) && lit.is_number_integer())
            return lit;
        char *end = nullptr;
        const double d = std::strtod(s.c_str(), &end);
        if (!s.empty() && end && *end == '\0' && std::isfinite(d))
            return int64_t(d);
    }
    return dflt;
}

Json toFloatValue(const Json &v, const Json &dflt)
{
    if (isNum(v))
        return toD(v);
    if (v.is_string()) {
        const std::string s = stripStr(v.get<std::string>(), "", true, true);
        char *end = nullptr;
        const double d = std::strtod(s.c_str(), &end);
        if (!s.empty() && end && *end == '\0')
            return d;
    }
    return dflt;
}

/// Python's `text % args` for %s %r %d %i %f %x %X %o %e %g %% with flags, width and precision.
std::string pyPercentFormat(const std::string &fmt, const std::vector<Json> &argsIn)
{
    std::vector<Json> args = argsIn;
    if (args.size() == 1 && args[0].is_array()) {
        const Json a = args[0];
        args.assign(a.begin(), a.end());
    }
    std::string out;
    size_t next = 0;
    for (size_t i = 0; i < fmt.size(); ++i) {
        if (fmt[i] != '%') {
            out += fmt[i];
            continue;
        }
        size_t j = i + 1;
        std::string spec = "%";
        while (j < fmt.size() && std::strchr("-+ #0", fmt[j]))
            spec += fmt[j++];
        while (j < fmt.size() && (std::isdigit(static_cast<unsigned char>(fmt[j])) || fmt[j] == '.'))
            spec += fmt[j++];
        if (j >= fmt.size())
            throw EvalError("incomplete format");
        const char conv = fmt[j];
        i = j;
        if (conv == '%') {
            out += '%';
            continue;
        }
        if (next >= args.size())
            throw EvalError("not enough arguments for format string");
        const Json &a = args[next++];
        char buf[512];
        // the format given to snprintf is built here from flags, digits and one conversion the
        // loop above checked, never taken as it is from the template
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
        if (conv == 's' || conv == 'r') {
            const std::string t = pyStr(a);
            std::snprintf(buf, sizeof buf, (spec + "s").c_str(), t.c_str());
            out += t.size() < 400 ? std::string(buf) : t;
        } else if (conv == 'd' || conv == 'i' || conv == 'x' || conv == 'X' || conv == 'o') {
            if (!a.is_number() && !a.is_boolean())
                throw EvalError(std::string("%") + conv + " format: a number is required");
            if (a.is_number_float() && !(std::fabs(a.get<double>()) < 9.2e18)) // NaN too: no cast past long long
                throw EvalError(std::string("%") + conv + " format: the number is out of range");
            const long long n = a.is_number_float() ? (long long)a.get<double>() : a.is_boolean() ? (a.get<bool>() ? 1 : 0) : a.get<long long>();
            std::snprintf(buf, sizeof buf, (spec + "ll" + (conv == 'i' ? 'd' : conv)).c_str(), n);
            out += buf;
        } else if (std::strchr("feEgG", conv)) {
            if (!a.is_number() && !a.is_boolean())
                throw EvalError(std::string("%") + conv + " format: a number is required");
            std::snprintf(buf, sizeof buf, (spec + conv).c_str(), a.is_boolean() ? (a.get<bool>() ? 1.0 : 0.0) : a.get<double>());
            out += buf;
        } else
            throw EvalError(std::string("unsupported format character '") + conv + "'");
#pragma GCC diagnostic pop
    }
    if (next < args.size())
        throw EvalError("not all arguments converted during string formatting");
    return out;
}

Json getItem(const Json &base, const Json &key)
{
    if (isUndefined(base))
        fail("subscript of an undefined value");
    if (base.is_object()) {
        const std::string k = key.is_string() ? key.get<std::string>() : pyStr(key);
        auto it = base.find(k);
        return it != base.end() ? *it : undefinedValue();
    }
    if ((base.is_array() || base.is_string()) && isInt(key)) {
        std::vector<size_t> starts;
        if (base.is_string())
            starts = codePointStarts(base.get_ref<const std::string &>());
        const int64_t len = base.is_array() ? int64_t(base.size()) : int64_t(starts.size() - 1);
        int64_t i = toI(key);
        if (i < 0)
            i += len;
        if (i < 0 || i >= len)
            return undefinedValue();
        if (base.is_array())
            return base[size_t(i)];
        const size_t from = starts[size_t(i)];
        return Json(base.get_ref<const std::string &>().substr(from, starts[size_t(i) + 1] - from));
    }
    return undefinedValue();
}

} // namespace auditlens::intake::jinja
