// SPDX-License-Identifier: MIT
// Python's view of values: truthiness, str() and repr(), and ast.literal_eval (the rendered
// text of a template is read back as a Python literal, as Jinja's NativeEnvironment does).
#include "jinja_p.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace auditlens::intake {

bool truthy(const Json &v)
{
    switch (v.type()) {
    case Json::value_t::discarded:
    case Json::value_t::null: return false;
    case Json::value_t::boolean: return v.get<bool>();
    case Json::value_t::number_integer: return v.get<int64_t>() != 0;
    case Json::value_t::number_unsigned: return v.get<uint64_t>() != 0;
    case Json::value_t::number_float: return v.get<double>() != 0.0;
    case Json::value_t::string: return !v.get_ref<const std::string &>().empty();
    case Json::value_t::array:
    case Json::value_t::object: return !v.empty();
    default: return true;
    }
}


namespace jinja {

std::string pyFloat(double d)
{
    if (std::isnan(d))
        return "nan";
    if (std::isinf(d))
        return d > 0 ? "inf" : "-inf";
    char buf[64];
    int prec = 1;
    for (; prec <= 17; ++prec) {
        std::snprintf(buf, sizeof buf, "%.*e", prec - 1, d);
        if (std::strtod(buf, nullptr) == d)
            break;
    }
    // buf: [-]d.ddde[+-]XX
    std::string s(buf);
    const size_t epos = s.find('e');
    const int exp = std::atoi(s.c_str() + epos + 1);
    std::string mant = s.substr(0, epos);
    const bool neg = !mant.empty() && mant[0] == '-';
    if (neg)
        mant.erase(0, 1);
    std::string digits;
    for (char c : mant)
        if (c != '.')
            digits += c;
    std::string out;
    if (exp >= -5 && exp < 16) {
        if (exp >= 0) {
            if (int(digits.size()) <= exp + 1) {
                out = digits + std::string(size_t(exp + 1 - int(digits.size())), '0') + ".0";
            } else {
                out = digits.substr(0, size_t(exp + 1)) + "." + digits.substr(size_t(exp + 1));
            }
        } else {
            out = "0." + std::string(size_t(-exp - 1), '0') + digits;
        }
    } else {
        out = digits.substr(0, 1);
        if (digits.size() > 1)
            out += "." + digits.substr(1);
        char e[16];
        std::snprintf(e, sizeof e, "e%c%02d", exp < 0 ? '-' : '+', std::abs(exp));
        out += e;
    }
    return (neg ? "-" : "") + out;
}

std::string pyRepr(const Json &v);

namespace {

std::string pyQuote(const std::string &s)
{
    const bool useDouble = s.find('\'') != std::string::npos && s.find('"') == std::string::npos;
    const char q = useDouble ? '"' : '\'';
    std::string out(1, q);
    for (unsigned char c : s) {
        if (c == '\\')
            out += "\\\\";
        else if (c == static_cast<unsigned char>(q))
            out += std::string("\\") + char(q);
        else if (c == '\n')
            out += "\\n";
        else if (c == '\r')
            out += "\\r";
        else if (c == '\t')
            out += "\\t";
        else if (c < 0x20 || c == 0x7f) {
            char b[8];
            std::snprintf(b, sizeof b, "\\x%02x", c);
            out += b;
        } else
            out += char(c);
    }
    out += q;
    return out;
}

} // namespace

std::string pyRepr(const Json &v)
{
    if (v.is_string())
        return pyQuote(v.get_ref<const std::string &>());
    return pyStr(v);
}

} // namespace jinja

using jinja::pyFloat;
using jinja::pyRepr;
using jinja::pyQuote;

std::string pyStr(const Json &v)
{
    switch (v.type()) {
    case Json::value_t::discarded: return "";
    case Json::value_t::null: return "None";
    case Json::value_t::boolean: return v.get<bool>() ? "True" : "False";
    case Json::value_t::number_integer: return std::to_string(v.get<int64_t>());
    case Json::value_t::number_unsigned: return std::to_string(v.get<uint64_t>());
    case Json::value_t::number_float: return pyFloat(v.get<double>());
    case Json::value_t::string: return v.get<std::string>();
    case Json::value_t::array: {
        std::string out = "[";
        bool first = true;
        for (const Json &e : v) {
            if (!first)
                out += ", ";
            first = false;
            out += pyRepr(e);
        }
        return out + "]";
    }
    case Json::value_t::object: {
        std::string out = "{";
        bool first = true;
        for (auto it = v.begin(); it != v.end(); ++it) {
            if (!first)
                out += ", ";
            first = false;
            out += pyQuote(it.key()) + ": " + pyRepr(it.value());
        }
        return out + "}";
    }
    default: return "";
    }
}

namespace {

using jinja::kMaxNesting;

struct LitParser
{
    const std::string &s;
    size_t i = 0;
    bool ok = true;
    int depth = 0; ///< nesting of lists and dicts, bounded (a literal is data, not a stack test)

    void ws()
    {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
            ++i;
    }
    bool eat(char c)
    {
        ws();
        if (i < s.size() && s[i] == c) {
            ++i;
            return true;
        }
        return false;
    }
    Json fail()
    {
        ok = false;
        return Json();
    }
    Json value()
    {
        ws();
        if (i >= s.size())
            return fail();
        const char c = s[i];
        if ((c == '[' || c == '(' || c == '{') && depth >= kMaxNesting)
            return fail();
        struct Level
        {
            int &d;
            explicit Level(int &x) : d(++x) {}
            ~Level() { --d; }
        } level(depth);
        if (c == '[' || c == '(') {
            const char close = c == '[' ? ']' : ')';
            ++i;
            Json arr = Json::array();
            if (eat(close))
                return arr;
            for (;;) {
                arr.push_back(value());
                if (!ok)
                    return Json();
                if (eat(',')) {
                    if (eat(close))
                        return arr;
                    continue;
                }
                if (eat(close))
                    return arr;
                return fail();
            }
        }
        if (c == '{') {
            ++i;
            Json obj = Json::object();
            if (eat('}'))
                return obj;
            for (;;) {
                Json k = value();
                if (!ok || !eat(':'))
                    return fail();
                Json v = value();
                if (!ok)
                    return Json();
                obj[k.is_string() ? k.get<std::string>() : pyStr(k)] = v;
                if (eat(',')) {
                    if (eat('}'))
                        return obj;
                    continue;
                }
                if (eat('}'))
                    return obj;
                return fail();
            }
        }
        if (c == '\'' || c == '"') {
            std::string out;
            while (i < s.size() && (s[i] == '\'' || s[i] == '"')) { // adjacent literals concatenate
                const char q = s[i++];
                for (;;) {
                    if (i >= s.size())
                        return fail();
                    const char ch = s[i++];
                    if (ch == q)
                        break;
                    if (ch == '\n')
                        return fail();
                    if (ch == '\\' && i < s.size()) {
                        const char e = s[i++];
                        switch (e) {
                        case 'n': out += '\n'; break;
                        case 't': out += '\t'; break;
                        case 'r': out += '\r'; break;
                        case '\\': out += '\\'; break;
                        case '\'': out += '\''; break;
                        case '"': out += '"'; break;
                        case '0': out += '\0'; break;
                        default: out += '\\'; out += e; break;
                        }
                        continue;
                    }
                    out += ch;
                }
                ws();
            }
            return out;
        }
        if (s.compare(i, 4, "None") == 0) { i += 4; return Json(); }
        if (s.compare(i, 4, "True") == 0) { i += 4; return true; }
        if (s.compare(i, 5, "False") == 0) { i += 5; return false; }
        // number
        size_t j = i;
        if (j < s.size() && (s[j] == '-' || s[j] == '+'))
            ++j;
        const size_t digitsStart = j;
        bool isFloat = false;
        while (j < s.size() && (std::isdigit(static_cast<unsigned char>(s[j])) || s[j] == '_'))
            ++j;
        if (j < s.size() && s[j] == '.') {
            isFloat = true;
            ++j;
            while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j])))
                ++j;
        }
        if (j == digitsStart || (j == digitsStart + 1 && s[digitsStart] == '.'))
            return fail();
        if (j < s.size() && (s[j] == 'e' || s[j] == 'E')) {
            size_t k = j + 1;
            if (k < s.size() && (s[k] == '-' || s[k] == '+'))
                ++k;
            if (k < s.size() && std::isdigit(static_cast<unsigned char>(s[k]))) {
                isFloat = true;
                j = k;
                while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j])))
                    ++j;
            }
        }
        std::string num;
        for (size_t k = i; k < j; ++k)
            if (s[k] != '_')
                num += s[k];
        // Python 3 rejects leading zeros in non-zero ints ("0123")
        const std::string body = num[0] == '-' || num[0] == '+' ? num.substr(1) : num;
        if (!isFloat && body.size() > 1 && body[0] == '0')
            return fail();
        i = j;
        if (isFloat)
            return std::strtod(num.c_str(), nullptr);
        errno = 0;
        const long long v = std::strtoll(num.c_str(), nullptr, 10);
        if (errno == ERANGE)
            return std::strtod(num.c_str(), nullptr);
        return int64_t(v);
    }
};

} // namespace

Json literalEval(const std::string &text)
{
    LitParser p{text};
    Json v = p.value();
    p.ws();
    if (!p.ok || p.i != text.size())
        return undefinedValue();
    return v;
}

bool jinja::literalContainer(const std::string &text, Json &out)
{
    const size_t a = text.find_first_not_of(" \t\r\n");
    if (a == std::string::npos || !(text[a] == '[' || text[a] == '{' || text[a] == '(' || text.compare(a, 4, "None") == 0))
        return false;
    const size_t b = text.find_last_not_of(" \t\r\n");
    Json lit = literalEval(text.substr(a, b - a + 1));
    if (isUndefined(lit) || !(lit.is_array() || lit.is_object() || lit.is_null()))
        return false;
    out = std::move(lit);
    return true;
}

} // namespace auditlens::intake
