// SPDX-License-Identifier: MIT
// A Jinja subset as the Sekoia.io intake language uses it: expressions, filters, tests,
// method calls on strings/dicts/lists, and the statements if/elif/else, for and set.
#include "jinja.h"
#include "util/ascii.h"

#include <QHostAddress>
#include <QRegularExpression>
#include <QUrl>
#include <QString>

#include "source/timestamp.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <set>

namespace auditlens::intake {

// ------------------------------------------------------------------------------------------
// Value helpers

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

namespace {

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

std::string pyRepr(const Json &v)
{
    if (v.is_string())
        return pyQuote(v.get_ref<const std::string &>());
    return pyStr(v);
}

} // namespace

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

// ------------------------------------------------------------------------------------------
// Python literals

namespace {

/// How deep templates, expressions and literals may nest. Deeper input is refused at compile
/// (or, for a literal, not read as one) instead of exhausting the stack while parsing or
/// evaluating it.
constexpr int kMaxNesting = 128;

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

// ------------------------------------------------------------------------------------------
// AST

struct Node
{
    enum Kind {
        Lit, Name, Attr, Index, Slice, Call, Filter, Test, Not, Neg, Bin, And, Or, Cond, List, Dict,
        Text, Output, If, For, Set, Seq
    };
    Kind kind = Lit;
    Json lit;
    std::string name;                         // Name, Attr, Filter, Test, Bin op, Text
    std::vector<std::shared_ptr<Node>> kids;  // operands / args / bodies
    std::vector<std::string> kwnames;         // Call/Filter: keyword arg names for the tail args
    std::vector<std::string> targets;         // For/Set
    bool negate = false;                      // Test "is not", Bin "not in"
    bool hasElse = false;                     // If/For
    int depth = 1;                            // height of the tree below (bounded at compile)
};
using NodeP = std::shared_ptr<Node>;

namespace {

NodeP mk(Node::Kind k)
{
    auto n = std::make_shared<Node>();
    n->kind = k;
    return n;
}

// ------------------------------------------------------------------------------------------
// Lexer

struct Tok
{
    enum T { End, Name, Num, Str, Op } t = End;
    std::string s;
    Json num;
    size_t pos = 0;
};

std::vector<Tok> lex(const std::string &src, size_t base)
{
    std::vector<Tok> out;
    size_t i = 0;
    const size_t n = src.size();
    while (i < n) {
        const char c = src[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            ++i;
            continue;
        }
        Tok t;
        t.pos = base + i;
        if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
            size_t j = i;
            while (j < n && (std::isalnum(static_cast<unsigned char>(src[j])) || src[j] == '_'))
                ++j;
            t.t = Tok::Name;
            t.s = src.substr(i, j - i);
            i = j;
        } else if (std::isdigit(static_cast<unsigned char>(c))) {
            size_t j = i;
            bool isFloat = false;
            while (j < n && (std::isdigit(static_cast<unsigned char>(src[j])) || src[j] == '_'))
                ++j;
            if (j + 1 < n && src[j] == '.' && std::isdigit(static_cast<unsigned char>(src[j + 1]))) {
                isFloat = true;
                ++j;
                while (j < n && std::isdigit(static_cast<unsigned char>(src[j])))
                    ++j;
            }
            if (j < n && (src[j] == 'e' || src[j] == 'E')) {
                size_t k = j + 1;
                if (k < n && (src[k] == '+' || src[k] == '-'))
                    ++k;
                if (k < n && std::isdigit(static_cast<unsigned char>(src[k]))) {
                    isFloat = true;
                    j = k;
                    while (j < n && std::isdigit(static_cast<unsigned char>(src[j])))
                        ++j;
                }
            }
            std::string num;
            for (size_t k = i; k < j; ++k)
                if (src[k] != '_')
                    num += src[k];
            t.t = Tok::Num;
            if (isFloat)
                t.num = std::strtod(num.c_str(), nullptr);
            else {
                errno = 0;
                const long long v = std::strtoll(num.c_str(), nullptr, 10);
                t.num = errno == ERANGE ? Json(std::strtod(num.c_str(), nullptr)) : Json(int64_t(v));
            }
            i = j;
        } else if (c == '\'' || c == '"') {
            std::string s;
            size_t j = i + 1;
            bool closed = false;
            while (j < n) {
                const char ch = src[j++];
                if (ch == c) {
                    closed = true;
                    break;
                }
                if (ch == '\\' && j < n) {
                    const char e = src[j++];
                    switch (e) {
                    case 'n': s += '\n'; break;
                    case 't': s += '\t'; break;
                    case 'r': s += '\r'; break;
                    case '\\': s += '\\'; break;
                    case '\'': s += '\''; break;
                    case '"': s += '"'; break;
                    default: s += '\\'; s += e; break;
                    }
                    continue;
                }
                s += ch;
            }
            if (!closed)
                throw CompileError("string is not closed", base + i);
            t.t = Tok::Str;
            t.s = s;
            i = j;
        } else {
            static const char *ops[] = {"**", "//", "==", "!=", "<=", ">=", "(", ")", "[", "]", "{", "}", ".", ",", ":",
                                        "|", "~", "+", "-", "*", "/", "%", "<", ">", "="};
            bool found = false;
            for (const char *op : ops) {
                const size_t len = std::strlen(op);
                if (src.compare(i, len, op) == 0) {
                    t.t = Tok::Op;
                    t.s = op;
                    i += len;
                    found = true;
                    break;
                }
            }
            if (!found)
                throw CompileError(std::string("unexpected character '") + c + "'", base + i);
        }
        out.push_back(std::move(t));
    }
    Tok end;
    end.pos = base + n;
    out.push_back(end);
    return out;
}

// ------------------------------------------------------------------------------------------
// Expression parser (Jinja's precedence)

class ExprParser
{
public:
    explicit ExprParser(std::vector<Tok> toks) : m_t(std::move(toks)) {}

    NodeP parseAll()
    {
        NodeP e = parseTuple();
        if (peek().t != Tok::End)
            throw CompileError("unexpected '" + peek().s + "'", peek().pos);
        return e;
    }
    const Tok &peek(size_t k = 0) const { return m_t[std::min(m_i + k, m_t.size() - 1)]; }
    bool atEnd() const { return peek().t == Tok::End; }
    bool isOp(const char *s, size_t k = 0) const { return peek(k).t == Tok::Op && peek(k).s == s; }
    bool isName(const char *s, size_t k = 0) const { return peek(k).t == Tok::Name && peek(k).s == s; }
    void expectOp(const char *s)
    {
        if (!isOp(s))
            throw CompileError(std::string("expected '") + s + "'", peek().pos);
        ++m_i;
    }
    std::string expectName()
    {
        if (peek().t != Tok::Name)
            throw CompileError("expected a name", peek().pos);
        return m_t[m_i++].s;
    }
    void skipName() { ++m_i; }

    /// Checks the height of a finished node (its kids are sealed already).
    NodeP sealed(NodeP n) const
    {
        int d = 0;
        for (const NodeP &k : n->kids)
            if (k)
                d = std::max(d, k->depth);
        n->depth = d + 1;
        if (n->depth > kMaxNesting)
            throw CompileError("the expression nests more than " + std::to_string(kMaxNesting) + " levels deep", peek().pos);
        return n;
    }
    /// Bounds the parser's own recursion (parentheses, lists, `not not …`, `- - …`).
    struct Level
    {
        ExprParser &p;
        explicit Level(ExprParser &parser) : p(parser)
        {
            if (++p.m_level > kMaxNesting)
                throw CompileError("the expression nests more than " + std::to_string(kMaxNesting) + " levels deep", p.peek().pos);
        }
        ~Level() { --p.m_level; }
    };

    NodeP parseTuple()
    {
        NodeP first = parseExpr();
        if (!isOp(","))
            return first;
        NodeP list = mk(Node::List);
        list->kids.push_back(first);
        while (isOp(",")) {
            ++m_i;
            if (atEnd() || isOp(")"))
                break;
            list->kids.push_back(parseExpr());
        }
        return sealed(list);
    }

    NodeP parseExpr()
    {
        Level level(*this);
        NodeP e = parseOr();
        if (isName("if")) {
            ++m_i;
            NodeP cond = parseOr();
            NodeP other;
            if (isName("else")) {
                ++m_i;
                other = parseExpr();
            }
            NodeP n = mk(Node::Cond);
            n->kids = {cond, e, other};
            return sealed(n);
        }
        return e;
    }

private:
    NodeP parseOr()
    {
        NodeP l = parseAnd();
        while (isName("or")) {
            ++m_i;
            NodeP n = mk(Node::Or);
            n->kids = {l, parseAnd()};
            l = sealed(n);
        }
        return l;
    }
    NodeP parseAnd()
    {
        NodeP l = parseNot();
        while (isName("and")) {
            ++m_i;
            NodeP n = mk(Node::And);
            n->kids = {l, parseNot()};
            l = sealed(n);
        }
        return l;
    }
    NodeP parseNot()
    {
        Level level(*this);
        if (isName("not")) {
            ++m_i;
            NodeP n = mk(Node::Not);
            n->kids = {parseNot()};
            return sealed(n);
        }
        return parseCompare();
    }
    NodeP parseCompare()
    {
        NodeP l = parseAdd();
        for (;;) {
            std::string op;
            bool neg = false;
            if (peek().t == Tok::Op && (peek().s == "==" || peek().s == "!=" || peek().s == "<" || peek().s == ">"
                                        || peek().s == "<=" || peek().s == ">=")) {
                op = m_t[m_i++].s;
            } else if (isName("in")) {
                ++m_i;
                op = "in";
            } else if (isName("not") && isName("in", 1)) {
                m_i += 2;
                op = "in";
                neg = true;
            } else
                break;
            NodeP n = mk(Node::Bin);
            n->name = op;
            n->negate = neg;
            n->kids = {l, parseAdd()};
            l = sealed(n);
        }
        return l;
    }
    /// One left-associative binary level: `next (op next)*` with any of `ops`.
    NodeP parseBinary(std::initializer_list<const char *> ops, NodeP (ExprParser::*next)())
    {
        NodeP l = (this->*next)();
        for (;;) {
            const char *const *op = std::find_if(ops.begin(), ops.end(), [&](const char *o) { return isOp(o); });
            if (op == ops.end())
                return l;
            ++m_i;
            NodeP n = mk(Node::Bin);
            n->name = *op;
            n->kids = {l, (this->*next)()};
            l = sealed(n);
        }
    }
    NodeP parseAdd() { return parseBinary({"+", "-"}, &ExprParser::parseConcat); }
    NodeP parseConcat() { return parseBinary({"~"}, &ExprParser::parseMul); }
    NodeP parseMul() { return parseBinary({"*", "/", "//", "%"}, &ExprParser::parsePow); }
    NodeP parsePow() { return parseBinary({"**"}, &ExprParser::parseUnary); }
    NodeP parseUnary()
    {
        Level level(*this);
        if (isOp("-")) {
            ++m_i;
            NodeP n = mk(Node::Neg);
            n->kids = {parseUnary()};
            return sealed(n);
        }
        if (isOp("+")) {
            ++m_i;
            return parseUnary();
        }
        NodeP e = parsePostfix(parsePrimary());
        return parseFilters(e);
    }
    void parseArgs(NodeP &call)
    {
        // after '('
        while (!isOp(")")) {
            if (peek().t == Tok::Name && isOp("=", 1)) {
                call->kwnames.push_back(m_t[m_i].s);
                m_i += 2;
                call->kids.push_back(parseExpr());
            } else {
                if (!call->kwnames.empty())
                    throw CompileError("positional argument after a keyword argument", peek().pos);
                call->kids.push_back(parseExpr());
            }
            if (!isOp(","))
                break;
            ++m_i;
        }
        expectOp(")");
    }
    NodeP parseFilters(NodeP e)
    {
        for (;;) {
            if (isOp("|")) {
                ++m_i;
                NodeP f = mk(Node::Filter);
                f->name = expectName();
                while (isOp(".")) { // dotted filter names
                    ++m_i;
                    f->name += "." + expectName();
                }
                f->kids.push_back(e);
                if (isOp("(")) {
                    ++m_i;
                    parseArgs(f);
                }
                e = parsePostfix(sealed(f));
            } else if (isName("is")) {
                ++m_i;
                NodeP t = mk(Node::Test);
                if (isName("not")) {
                    ++m_i;
                    t->negate = true;
                }
                if (isName("none") || isName("None")) {
                    ++m_i;
                    t->name = "none";
                } else if (isName("true") || isName("True") || isName("false") || isName("False")) {
                    t->name = m_t[m_i++].s;
                    std::transform(t->name.begin(), t->name.end(), t->name.begin(), ::tolower);
                } else
                    t->name = expectName();
                t->kids.push_back(e);
                if (isOp("(")) {
                    ++m_i;
                    parseArgs(t);
                } else if (!atEnd() && (peek().t == Tok::Str || peek().t == Tok::Num || isOp("[")
                                        || (peek().t == Tok::Name && !isName("and") && !isName("or") && !isName("else")
                                            && !isName("if") && !isName("is") && !isName("in") && !isName("not")))) {
                    t->kids.push_back(parsePostfix(parsePrimary())); // `is in [..]`, `is divisibleby 3`
                }
                e = sealed(t);
            } else
                return e;
        }
    }
    NodeP parsePrimary()
    {
        const Tok &t = peek();
        if (t.t == Tok::Num) {
            ++m_i;
            NodeP n = mk(Node::Lit);
            n->lit = t.num;
            return sealed(n);
        }
        if (t.t == Tok::Str) {
            std::string s = t.s;
            ++m_i;
            while (peek().t == Tok::Str) // implicit concatenation
                s += m_t[m_i++].s;
            NodeP n = mk(Node::Lit);
            n->lit = s;
            return sealed(n);
        }
        if (t.t == Tok::Name) {
            ++m_i;
            NodeP n = mk(Node::Lit);
            if (t.s == "None" || t.s == "none")
                n->lit = nullptr;
            else if (t.s == "True" || t.s == "true")
                n->lit = true;
            else if (t.s == "False" || t.s == "false")
                n->lit = false;
            else {
                n->kind = Node::Name;
                n->name = t.s;
            }
            return sealed(n);
        }
        if (t.t == Tok::Op && t.s == "(") {
            ++m_i;
            if (isOp(")")) {
                ++m_i;
                NodeP n = mk(Node::List);
                return sealed(n);
            }
            NodeP e = parseTuple();
            expectOp(")");
            return e;
        }
        if (t.t == Tok::Op && t.s == "[") {
            ++m_i;
            NodeP n = mk(Node::List);
            while (!isOp("]")) {
                n->kids.push_back(parseExpr());
                if (!isOp(","))
                    break;
                ++m_i;
            }
            expectOp("]");
            return sealed(n);
        }
        if (t.t == Tok::Op && t.s == "{") {
            ++m_i;
            NodeP n = mk(Node::Dict);
            while (!isOp("}")) {
                n->kids.push_back(parseExpr());
                expectOp(":");
                n->kids.push_back(parseExpr());
                if (!isOp(","))
                    break;
                ++m_i;
            }
            expectOp("}");
            return sealed(n);
        }
        if (t.t == Tok::End)
            throw CompileError("expression is incomplete", t.pos);
        throw CompileError("unexpected '" + t.s + "'", t.pos);
    }
    NodeP parsePostfix(NodeP e)
    {
        for (;;) {
            if (isOp(".")) {
                ++m_i;
                NodeP n = mk(Node::Attr);
                if (peek().t == Tok::Num && peek().num.is_number_integer()) {
                    n->kind = Node::Index;
                    NodeP idx = mk(Node::Lit);
                    idx->lit = m_t[m_i++].num;
                    n->kids = {e, idx};
                } else {
                    n->name = expectName();
                    n->kids = {e};
                }
                e = sealed(n);
            } else if (isOp("[")) {
                ++m_i;
                NodeP a, b, c;
                bool slice = false;
                if (!isOp(":"))
                    a = parseExpr();
                if (isOp(":")) {
                    slice = true;
                    ++m_i;
                    if (!isOp("]") && !isOp(":"))
                        b = parseExpr();
                    if (isOp(":")) {
                        ++m_i;
                        if (!isOp("]"))
                            c = parseExpr();
                    }
                }
                expectOp("]");
                NodeP n = mk(slice ? Node::Slice : Node::Index);
                n->kids = {e, a, b, c};
                if (!slice)
                    n->kids.resize(2);
                e = sealed(n);
            } else if (isOp("(")) {
                ++m_i;
                NodeP n = mk(Node::Call);
                n->kids.push_back(e);
                parseArgs(n);
                e = sealed(n);
            } else
                return e;
        }
    }

    std::vector<Tok> m_t;
    size_t m_i = 0;
    int m_level = 0;
};

// ------------------------------------------------------------------------------------------
// Template parser

struct TagTok
{
    enum K { Text, Expr, Stmt } k;
    std::string s;
    size_t pos;
};

std::vector<TagTok> splitTemplate(const std::string &src)
{
    std::vector<TagTok> out;
    size_t i = 0;
    std::string text;
    size_t textPos = 0;
    bool stripNextLeading = false;
    auto flushText = [&](bool stripTrailing) {
        text = std::string(trimSpace(text, stripNextLeading, stripTrailing));
        if (!text.empty())
            out.push_back({TagTok::Text, text, textPos});
        text.clear();
    };
    while (i < src.size()) {
        if (src[i] == '{' && i + 1 < src.size() && (src[i + 1] == '{' || src[i + 1] == '%' || src[i + 1] == '#')) {
            const char kind = src[i + 1];
            const char *close = kind == '{' ? "}}" : kind == '%' ? "%}" : "#}";
            size_t start = i + 2;
            bool stripBefore = start < src.size() && src[start] == '-';
            if (stripBefore)
                ++start;
            // find the closing delimiter outside string literals
            size_t j = start;
            char q = 0;
            for (; j + 1 < src.size(); ++j) {
                if (kind != '#') {
                    if (q) {
                        if (src[j] == '\\')
                            ++j;
                        else if (src[j] == q)
                            q = 0;
                        continue;
                    }
                    if (src[j] == '\'' || src[j] == '"') {
                        q = src[j];
                        continue;
                    }
                }
                if (src[j] == close[0] && src[j + 1] == close[1])
                    break;
            }
            if (j + 1 >= src.size())
                throw CompileError(std::string("'") + src.substr(i, 2) + "' is not closed with '" + close + "'", i);
            size_t end = j;
            bool stripAfter = end > start && src[end - 1] == '-';
            if (stripAfter)
                --end;
            flushText(stripBefore);
            stripNextLeading = stripAfter;
            if (kind != '#')
                out.push_back({kind == '{' ? TagTok::Expr : TagTok::Stmt, src.substr(start, end - start), start});
            i = j + 2;
            textPos = i;
            continue;
        }
        if (text.empty())
            textPos = i;
        text += src[i++];
    }
    flushText(false);
    return out;
}

class TemplateParser
{
public:
    explicit TemplateParser(std::vector<TagTok> toks) : m_t(std::move(toks)) {}

    NodeP parse()
    {
        NodeP body = parseBody({});
        if (m_i < m_t.size())
            throw CompileError("unexpected '{% " + m_t[m_i].s + " %}'", m_t[m_i].pos);
        return body;
    }

private:
    /// `{% if x: %}`, `{% else: %}`: a Python habit the public parsers have; the colon is dropped.
    static std::string withoutColon(const std::string &stmt)
    {
        size_t e = stmt.find_last_not_of(" \t\r\n");
        if (e != std::string::npos && stmt[e] == ':')
            return stmt.substr(0, e);
        return stmt;
    }

    static std::string keyword(const std::string &stmt)
    {
        size_t a = 0;
        while (a < stmt.size() && std::isspace(static_cast<unsigned char>(stmt[a])))
            ++a;
        size_t b = a;
        while (b < stmt.size() && (std::isalnum(static_cast<unsigned char>(stmt[b])) || stmt[b] == '_'))
            ++b;
        return stmt.substr(a, b - a);
    }

    NodeP parseBody(const std::vector<std::string> &stops)
    {
        if (++m_level > kMaxNesting / 4)
            throw CompileError("statements nest more than " + std::to_string(kMaxNesting / 4) + " levels deep",
                               m_i < m_t.size() ? m_t[m_i].pos : 0);
        struct Leave
        {
            int &l;
            ~Leave() { --l; }
        } leave{m_level};
        NodeP seq = mk(Node::Seq);
        while (m_i < m_t.size()) {
            const TagTok &t = m_t[m_i];
            if (t.k == TagTok::Text) {
                NodeP n = mk(Node::Text);
                n->name = t.s;
                seq->kids.push_back(n);
                ++m_i;
            } else if (t.k == TagTok::Expr) {
                NodeP n = mk(Node::Output);
                n->kids.push_back(ExprParser(lex(t.s, t.pos)).parseAll());
                seq->kids.push_back(n);
                ++m_i;
            } else {
                const std::string kw = keyword(t.s);
                if (std::find(stops.begin(), stops.end(), kw) != stops.end())
                    return seq;
                seq->kids.push_back(parseStatement(kw));
            }
        }
        if (!stops.empty())
            throw CompileError("'{% " + stops.back() + " %}' is missing", m_t.empty() ? 0 : m_t.back().pos);
        return seq;
    }

    NodeP parseStatement(const std::string &kw)
    {
        const TagTok t = m_t[m_i++];
        ExprParser p(lex(withoutColon(t.s), t.pos));
        p.skipName();
        if (kw == "if") {
            NodeP n = mk(Node::If);
            n->kids.push_back(p.parseExpr());
            if (!p.atEnd())
                throw CompileError("unexpected text after the if condition", t.pos);
            n->kids.push_back(parseBody({"elif", "else", "endif"}));
            for (;;) {
                const TagTok &s = m_t[m_i++];
                const std::string k = keyword(s.s);
                if (k == "endif")
                    return n;
                ExprParser q(lex(withoutColon(s.s), s.pos));
                q.skipName();
                if (k == "elif") {
                    n->kids.push_back(q.parseExpr());
                    n->kids.push_back(parseBody({"elif", "else", "endif"}));
                } else {
                    n->hasElse = true;
                    n->kids.push_back(parseBody({"endif"}));
                    ++m_i;
                    return n;
                }
            }
        }
        if (kw == "for") {
            NodeP n = mk(Node::For);
            n->targets.push_back(p.expectName());
            while (p.isOp(",")) {
                p.expectOp(",");
                n->targets.push_back(p.expectName());
            }
            if (!p.isName("in"))
                throw CompileError("expected 'in' in the for statement", t.pos);
            p.skipName();
            n->kids.push_back(p.parseExpr());
            NodeP cond;
            if (p.isName("if")) { // `for x in y if cond` is parsed by parseExpr as inline-if; keep simple
                p.skipName();
                cond = p.parseExpr();
            }
            n->kids.push_back(parseBody({"else", "endfor"}));
            const std::string k = keyword(m_t[m_i++].s);
            if (k == "else") {
                n->hasElse = true;
                n->kids.push_back(parseBody({"endfor"}));
                ++m_i;
            } else
                n->kids.push_back(nullptr);
            n->kids.push_back(cond);
            return n;
        }
        if (kw == "set") {
            NodeP n = mk(Node::Set);
            n->targets.push_back(p.expectName());
            while (p.isOp(",")) {
                p.expectOp(",");
                n->targets.push_back(p.expectName());
            }
            p.expectOp("=");
            n->kids.push_back(p.parseTuple());
            if (!p.atEnd())
                throw CompileError("unexpected text after the set statement", t.pos);
            return n;
        }
        throw CompileError("unknown statement '{% " + kw + " %}'", t.pos);
    }

    std::vector<TagTok> m_t;
    size_t m_i = 0;
    int m_level = 0;
};

void collectPaths(const NodeP &n, std::vector<std::string> &out);

bool pathOf(const NodeP &n, std::string &path)
{
    if (!n)
        return false;
    if (n->kind == Node::Name) {
        path = n->name;
        return true;
    }
    if (n->kind == Node::Attr && pathOf(n->kids[0], path)) {
        path += "." + n->name;
        return true;
    }
    if (n->kind == Node::Index && n->kids[1] && n->kids[1]->kind == Node::Lit && pathOf(n->kids[0], path)) {
        path += "." + (n->kids[1]->lit.is_string() ? n->kids[1]->lit.get<std::string>() : n->kids[1]->lit.dump());
        return true;
    }
    return false;
}

void collectPaths(const NodeP &n, std::vector<std::string> &out)
{
    if (!n)
        return;
    std::string p;
    if (pathOf(n, p)) {
        if (std::find(out.begin(), out.end(), p) == out.end())
            out.push_back(p);
        return;
    }
    // `x.get('k')` reads x.k
    if (n->kind == Node::Call && n->kids[0] && n->kids[0]->kind == Node::Attr && n->kids[0]->name == "get"
        && n->kids.size() >= 2 && n->kids[1]->kind == Node::Lit && n->kids[1]->lit.is_string()
        && pathOf(n->kids[0]->kids[0], p)) {
        p += "." + n->kids[1]->lit.get<std::string>();
        if (std::find(out.begin(), out.end(), p) == out.end())
            out.push_back(p);
        for (size_t i = 2; i < n->kids.size(); ++i)
            collectPaths(n->kids[i], out);
        return;
    }
    for (const NodeP &k : n->kids)
        collectPaths(k, out);
}

// ------------------------------------------------------------------------------------------
// Evaluation

struct Env
{
    const Scope *outer;
    std::vector<std::pair<std::string, Json>> locals;
    size_t scope = 0; ///< locals from here on belong to the innermost for-loop body

    /// A local variable, for the methods that change their object in place (append, update…).
    Json *lookupLocal(const std::string &name)
    {
        for (auto it = locals.rbegin(); it != locals.rend(); ++it)
            if (it->first == name)
                return &it->second;
        return nullptr;
    }

    const Json *lookup(const std::string &name) const
    {
        for (auto it = locals.rbegin(); it != locals.rend(); ++it)
            if (it->first == name)
                return &it->second;
        return (*outer)(name);
    }
    /// `{% set %}` inside a for-loop body makes a variable of that iteration (Jinja's scoping):
    /// the outer one is read again by the next iteration and after the loop.
    void set(const std::string &name, Json v)
    {
        for (size_t i = locals.size(); i > scope; --i)
            if (locals[i - 1].first == name) {
                locals[i - 1].second = std::move(v);
                return;
            }
        locals.emplace_back(name, std::move(v));
    }
};

bool isNum(const Json &v) { return v.is_number() || v.is_boolean(); }
double toD(const Json &v) { return v.is_boolean() ? (v.get<bool>() ? 1.0 : 0.0) : v.get<double>(); }
bool isInt(const Json &v) { return v.is_number_integer() || v.is_boolean(); }
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

Json arith(const std::string &op, const Json &a, const Json &b)
{
    if (isUndefined(a) || isUndefined(b))
        fail("undefined value in '" + op + "'");
    if (op == "+") {
        if (a.is_string() && b.is_string())
            return a.get<std::string>() + b.get<std::string>();
        if (a.is_array() && b.is_array()) {
            Json r = a;
            for (const Json &e : b)
                r.push_back(e);
            return r;
        }
    }
    if (op == "*" && ((a.is_string() && isInt(b)) || (isInt(a) && b.is_string()))) {
        const std::string &s = a.is_string() ? a.get_ref<const std::string &>() : b.get_ref<const std::string &>();
        const int64_t n = a.is_string() ? toI(b) : toI(a);
        std::string r;
        for (int64_t i = 0; i < n && r.size() < (1u << 20); ++i)
            r += s;
        return r;
    }
    if (op == "%" && a.is_string())
        fail("printf-style formatting is not supported");
    if (!isNum(a) || !isNum(b))
        fail("unsupported operand types for " + op + ": " + typeName(a) + " and " + typeName(b));
    const bool ints = isInt(a) && isInt(b);
    if (op == "/") {
        if (toD(b) == 0)
            fail("division by zero");
        return toD(a) / toD(b);
    }
    if (ints) {
        const int64_t x = toI(a), y = toI(b);
        if (op == "+") return x + y;
        if (op == "-") return x - y;
        if (op == "*") return x * y;
        if (op == "//" || op == "%") {
            if (y == 0)
                fail("division by zero");
            int64_t q = x / y, r = x % y;
            if (r != 0 && ((r < 0) != (y < 0))) {
                --q;
                r += y;
            }
            return op == "//" ? Json(q) : Json(r);
        }
        if (op == "**") {
            if (y < 0)
                return std::pow(double(x), double(y));
            return int64_t(std::llround(std::pow(double(x), double(y))));
        }
    }
    const double x = toD(a), y = toD(b);
    if (op == "+") return x + y;
    if (op == "-") return x - y;
    if (op == "*") return x * y;
    if (op == "//") { if (y == 0) fail("division by zero"); return std::floor(x / y); }
    if (op == "%") { if (y == 0) fail("division by zero"); return x - y * std::floor(x / y); }
    if (op == "**") return std::pow(x, y);
    fail("unknown operator " + op);
}

const std::string &strArg(const std::vector<Json> &args, size_t i, const char *what)
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

std::string replaceAll(std::string s, const std::string &from, const std::string &to, int64_t count = -1)
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

QRegularExpression pyRegex(const std::string &pattern)
{
    QString p = QString::fromStdString(pattern);
    p.replace(QStringLiteral("(?P<"), QStringLiteral("(?<"));
    p.replace(QStringLiteral("(?P="), QStringLiteral("\\k<")); // rare
    QRegularExpression re(p);
    if (!re.isValid())
        fail("invalid regular expression: " + re.errorString().toStdString());
    return re;
}

Json matchToJson(const QRegularExpressionMatch &m, const QRegularExpression &re)
{
    Json out = Json::object();
    const QStringList names = re.namedCaptureGroups();
    Json groups = Json::array();
    for (int i = 1; i <= re.captureCount(); ++i) {
        const QString cap = m.captured(i);
        Json v = m.capturedStart(i) < 0 ? Json() : Json(cap.toStdString());
        groups.push_back(v);
        if (i < names.size() && !names[i].isEmpty())
            out[names[i].toStdString()] = v;
    }
    out["0"] = m.captured(0).toStdString();
    out["groups"] = groups;
    return out;
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
        if (conv == 's' || conv == 'r') {
            const std::string t = pyStr(a);
            std::snprintf(buf, sizeof buf, (spec + "s").c_str(), t.c_str());
            out += t.size() < 400 ? std::string(buf) : t;
        } else if (conv == 'd' || conv == 'i' || conv == 'x' || conv == 'X' || conv == 'o') {
            if (!a.is_number() && !a.is_boolean())
                throw EvalError(std::string("%") + conv + " format: a number is required");
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
    }
    if (next < args.size())
        throw EvalError("not all arguments converted during string formatting");
    return out;
}

class Evaluator
{
public:
    explicit Evaluator(Env &env) : m_env(env) {}

    Json eval(const NodeP &n)
    {
        switch (n->kind) {
        case Node::Lit: return n->lit;
        case Node::Name:
        case Node::Attr:
        case Node::Index: {
            Json tmp;
            const Json *p = ref(n, tmp);
            return p == &tmp ? std::move(tmp) : *p;
        }
        case Node::Slice: return slice(eval(n->kids[0]), n->kids[1], n->kids[2], n->kids[3]);
        case Node::Call: return call(n);
        case Node::Filter: return applyFilter(n);
        case Node::Test: {
            const bool r = applyTest(n);
            return n->negate ? !r : r;
        }
        case Node::Not: return !truthy(eval(n->kids[0]));
        case Node::Neg: {
            const Json v = eval(n->kids[0]);
            if (isInt(v))
                return -toI(v);
            if (v.is_number_float())
                return -v.get<double>();
            fail("bad operand type for unary -: " + typeName(v));
        }
        case Node::And: {
            Json a = eval(n->kids[0]);
            return truthy(a) ? eval(n->kids[1]) : a;
        }
        case Node::Or: {
            Json a = eval(n->kids[0]);
            return truthy(a) ? a : eval(n->kids[1]);
        }
        case Node::Cond: {
            if (truthy(eval(n->kids[0])))
                return eval(n->kids[1]);
            return n->kids[2] ? eval(n->kids[2]) : undefinedValue();
        }
        case Node::List: {
            Json arr = Json::array();
            for (const NodeP &k : n->kids)
                arr.push_back(eval(k));
            return arr;
        }
        case Node::Dict: {
            Json obj = Json::object();
            for (size_t i = 0; i + 1 < n->kids.size(); i += 2) {
                const Json k = eval(n->kids[i]);
                obj[k.is_string() ? k.get<std::string>() : pyStr(k)] = eval(n->kids[i + 1]);
            }
            return obj;
        }
        case Node::Bin: return binary(n);
        default: fail("statement used as an expression");
        }
    }

    void render(const NodeP &n, std::string &out)
    {
        switch (n->kind) {
        case Node::Seq:
            for (const NodeP &k : n->kids)
                render(k, out);
            return;
        case Node::Text: out += n->name; return;
        case Node::Output: out += pyStr(eval(n->kids[0])); return;
        case Node::If: {
            size_t i = 0;
            for (; i + 1 < n->kids.size(); i += 2) {
                if (truthy(eval(n->kids[i]))) {
                    render(n->kids[i + 1], out);
                    return;
                }
            }
            if (n->hasElse)
                render(n->kids.back(), out);
            return;
        }
        case Node::For: {
            Json seq = eval(n->kids[0]);
            Json items = Json::array();
            if (seq.is_array())
                items = seq;
            else if (seq.is_object()) {
                for (auto it = seq.begin(); it != seq.end(); ++it)
                    items.push_back(it.key());
            } else if (seq.is_string()) {
                for (char c : seq.get<std::string>())
                    items.push_back(std::string(1, c));
            } else if (!isUndefined(seq) && !seq.is_null())
                fail("'" + typeName(seq) + "' object is not iterable");
            else if (seq.is_null())
                fail("'NoneType' object is not iterable");
            const NodeP &cond = n->kids[3];
            if (cond) {
                Json kept = Json::array();
                for (const Json &it : items) {
                    bindTargets(n->targets, it);
                    if (truthy(eval(cond)))
                        kept.push_back(it);
                }
                items = kept;
            }
            const size_t mark = m_env.locals.size();
            const size_t outerScope = m_env.scope;
            m_env.scope = mark;
            const size_t len = items.size();
            for (size_t i = 0; i < len; ++i) {
                m_env.locals.resize(mark);
                Json loop = Json::object();
                loop["index"] = int64_t(i + 1);
                loop["index0"] = int64_t(i);
                loop["revindex"] = int64_t(len - i);
                loop["revindex0"] = int64_t(len - i - 1);
                loop["first"] = i == 0;
                loop["last"] = i + 1 == len;
                loop["length"] = int64_t(len);
                loop["previtem"] = i > 0 ? items[i - 1] : undefinedValue();
                loop["nextitem"] = i + 1 < len ? items[i + 1] : undefinedValue();
                m_loops.push_back(loop);
                bindTargets(n->targets, items[i]);
                render(n->kids[1], out);
                m_loops.pop_back();
            }
            m_env.locals.resize(mark); // for-loop scope: assignments inside do not leak (Jinja)
            m_env.scope = outerScope;
            if (len == 0 && n->hasElse && n->kids[2])
                render(n->kids[2], out);
            return;
        }
        case Node::Set: {
            Json v = eval(n->kids[0]);
            if (n->targets.size() == 1)
                m_env.set(n->targets[0], v);
            else
                bindTargets(n->targets, v, true);
            return;
        }
        default: out += pyStr(eval(n)); return;
        }
    }

private:
    /// Resolves variable paths without copying the containers they walk through.
    const Json *ref(const NodeP &n, Json &tmp)
    {
        switch (n->kind) {
        case Node::Lit: return &n->lit;
        case Node::Name: {
            if (n->name == "loop" && !m_loops.empty())
                return &m_loops.back();
            if (const Json *p = m_env.lookup(n->name))
                return p;
            tmp = undefinedValue();
            return &tmp;
        }
        case Node::Attr: {
            Json t2;
            const Json *b = ref(n->kids[0], t2);
            if (isUndefined(*b))
                fail("'" + n->name + "' of an undefined value");
            if (b->is_object()) {
                auto it = b->find(n->name);
                if (it != b->end()) {
                    if (b == &t2) {
                        tmp = *it;
                        return &tmp;
                    }
                    return &*it;
                }
            }
            tmp = undefinedValue();
            return &tmp;
        }
        case Node::Index: {
            Json t2;
            const Json *b = ref(n->kids[0], t2);
            const Json key = eval(n->kids[1]);
            if (b->is_object() && !isUndefined(*b)) {
                auto it = b->find(key.is_string() ? key.get<std::string>() : pyStr(key));
                if (it != b->end() && b != &t2)
                    return &*it;
            }
            tmp = getItem(*b, key);
            return &tmp;
        }
        default:
            tmp = eval(n);
            return &tmp;
        }
    }

    void bindTargets(const std::vector<std::string> &targets, const Json &v, bool assign = false)
    {
        if (targets.size() == 1) {
            m_env.set(targets[0], v);
            return;
        }
        Json seq = v;
        if (!seq.is_array() || seq.size() != targets.size())
            fail("cannot unpack " + typeName(v) + " into " + std::to_string(targets.size()) + " names");
        for (size_t i = 0; i < targets.size(); ++i)
            m_env.set(targets[i], seq[i]);
        (void)assign;
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
            const int64_t len = base.is_array() ? int64_t(base.size()) : int64_t(base.get_ref<const std::string &>().size());
            int64_t i = toI(key);
            if (i < 0)
                i += len;
            if (i < 0 || i >= len)
                return undefinedValue();
            return base.is_array() ? base[size_t(i)] : Json(std::string(1, base.get_ref<const std::string &>()[size_t(i)]));
        }
        return undefinedValue();
    }

    Json slice(const Json &base, const NodeP &a, const NodeP &b, const NodeP &c)
    {
        if (!base.is_array() && !base.is_string())
            fail("cannot slice " + typeName(base));
        const int64_t len = base.is_array() ? int64_t(base.size()) : int64_t(base.get_ref<const std::string &>().size());
        int64_t step = c ? toI(eval(c)) : 1;
        if (step == 0)
            fail("slice step cannot be zero");
        auto norm = [&](const NodeP &x, int64_t dflt) {
            if (!x)
                return dflt;
            const Json v = eval(x);
            if (v.is_null())
                return dflt;
            int64_t i = toI(v);
            if (i < 0)
                i += len;
            if (step > 0)
                return std::clamp<int64_t>(i, 0, len);
            return std::clamp<int64_t>(i, -1, len - 1);
        };
        const int64_t start = norm(a, step > 0 ? 0 : len - 1);
        const int64_t stop = norm(b, step > 0 ? len : -1);
        Json arr = Json::array();
        std::string s;
        for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
            if (base.is_array())
                arr.push_back(base[size_t(i)]);
            else
                s += base.get_ref<const std::string &>()[size_t(i)];
        }
        return base.is_array() ? arr : Json(s);
    }

    void evalArgs(const NodeP &n, size_t first, std::vector<Json> &args, std::map<std::string, Json> &kwargs)
    {
        const size_t nkw = n->kwnames.size();
        const size_t npos = n->kids.size() - first - nkw;
        for (size_t i = 0; i < npos; ++i)
            args.push_back(eval(n->kids[first + i]));
        for (size_t i = 0; i < nkw; ++i)
            kwargs[n->kwnames[i]] = eval(n->kids[first + npos + i]);
    }

    Json call(const NodeP &n)
    {
        std::vector<Json> args;
        std::map<std::string, Json> kwargs;
        const NodeP &callee = n->kids[0];
        if (callee->kind == Node::Attr) {
            Json tmp;
            const Json *self = ref(callee->kids[0], tmp);
            evalArgs(n, 1, args, kwargs);
            const std::string &m = callee->name;
            if (m == "append" || m == "extend" || m == "update" || m == "insert" || m == "pop" || m == "setdefault"
                || m == "clear" || m == "remove") {
                // Python changes the object itself: a local variable is changed in place, any
                // other value (a layer, a literal) is left as it is and only the result counts
                Json *target = mutableRef(callee->kids[0]);
                Json copy;
                if (!target) {
                    copy = *self;
                    target = &copy;
                }
                return mutate(*target, m, args);
            }
            return method(*self, callee->name, args, kwargs);
        }
        if (callee->kind == Node::Name) {
            evalArgs(n, 1, args, kwargs);
            const std::string &f = callee->name;
            if (f == "range") {
                int64_t a = 0, b = 0, s = 1;
                if (args.size() == 1)
                    b = toI(args[0]);
                else if (args.size() >= 2) {
                    a = toI(args[0]);
                    b = toI(args[1]);
                    if (args.size() > 2)
                        s = toI(args[2]);
                }
                if (s == 0)
                    fail("range() step must not be zero");
                Json arr = Json::array();
                for (int64_t i = a; (s > 0 ? i < b : i > b) && arr.size() < 100000; i += s)
                    arr.push_back(i);
                return arr;
            }
            if (f == "dict") {
                Json o = Json::object();
                for (auto &[k, v] : kwargs)
                    o[k] = v;
                return o;
            }
            if (f == "len" && args.size() == 1)
                return pyLen(args[0]);
            if (f == "str" && args.size() == 1)
                return pyStr(args[0]);
            if (f == "int" && args.size() == 1)
                return toIntValue(args[0], Json());
            if (f == "float" && args.size() == 1)
                return toFloatValue(args[0], Json());
            fail("unknown function '" + f + "'");
        }
        fail("this value cannot be called");
    }

    /// The local variable (or a member of one) an expression names, or nullptr.
    Json *mutableRef(const NodeP &n)
    {
        if (n->kind == Node::Name)
            return m_env.lookupLocal(n->name);
        if (n->kind == Node::Attr) {
            Json *base = mutableRef(n->kids[0]);
            if (!base || !base->is_object())
                return nullptr;
            auto it = base->find(n->name);
            return it != base->end() ? &*it : nullptr;
        }
        if (n->kind == Node::Index) {
            Json *base = mutableRef(n->kids[0]);
            if (!base)
                return nullptr;
            const Json key = eval(n->kids[1]);
            if (base->is_object() && key.is_string()) {
                auto it = base->find(key.get<std::string>());
                return it != base->end() ? &*it : nullptr;
            }
            if (base->is_array() && isInt(key)) {
                int64_t i = toI(key);
                if (i < 0)
                    i += int64_t(base->size());
                return i >= 0 && i < int64_t(base->size()) ? &(*base)[size_t(i)] : nullptr;
            }
        }
        return nullptr;
    }

    /// list.append/extend/insert/pop/remove/clear, dict.update/setdefault/pop/clear.
    Json mutate(Json &self, const std::string &name, const std::vector<Json> &args)
    {
        if (isUndefined(self))
            fail("'" + name + "()' on an undefined value");
        if (self.is_array()) {
            if (name == "append" && args.size() == 1) {
                self.push_back(args[0]);
                return Json();
            }
            if (name == "extend" && args.size() == 1) {
                if (args[0].is_array())
                    for (const Json &e : args[0])
                        self.push_back(e);
                else if (args[0].is_object())
                    for (auto it = args[0].begin(); it != args[0].end(); ++it)
                        self.push_back(it.key());
                else if (args[0].is_string())
                    for (char c : args[0].get<std::string>())
                        self.push_back(std::string(1, c));
                else
                    fail("'" + typeName(args[0]) + "' object is not iterable");
                return Json();
            }
            if (name == "insert" && args.size() == 2 && isInt(args[0])) {
                int64_t i = toI(args[0]);
                const int64_t len = int64_t(self.size());
                if (i < 0)
                    i = std::max<int64_t>(0, i + len);
                i = std::min(i, len);
                self.insert(self.begin() + i, args[1]);
                return Json();
            }
            if (name == "pop") {
                if (self.empty())
                    fail("pop from empty list");
                int64_t i = args.empty() ? int64_t(self.size()) - 1 : toI(args[0]);
                if (i < 0)
                    i += int64_t(self.size());
                if (i < 0 || i >= int64_t(self.size()))
                    fail("pop index out of range");
                Json v = self[size_t(i)];
                self.erase(self.begin() + i);
                return v;
            }
            if (name == "remove" && args.size() == 1) {
                for (auto it = self.begin(); it != self.end(); ++it)
                    if (pyEq(*it, args[0])) {
                        self.erase(it);
                        return Json();
                    }
                fail("list.remove(x): x not in list");
            }
            if (name == "clear") {
                self = Json::array();
                return Json();
            }
            fail("list has no method '" + name + "'");
        }
        if (self.is_object()) {
            if (name == "update") {
                for (const Json &a : args) {
                    if (!a.is_object())
                        fail("dict.update() needs a dict");
                    for (auto it = a.begin(); it != a.end(); ++it)
                        self[it.key()] = it.value();
                }
                return Json();
            }
            if (name == "setdefault" && !args.empty()) {
                const std::string k = args[0].is_string() ? args[0].get<std::string>() : pyStr(args[0]);
                if (!self.contains(k))
                    self[k] = args.size() > 1 ? args[1] : Json();
                return self[k];
            }
            if (name == "pop" && !args.empty()) {
                const std::string k = args[0].is_string() ? args[0].get<std::string>() : pyStr(args[0]);
                auto it = self.find(k);
                if (it == self.end()) {
                    if (args.size() > 1)
                        return args[1];
                    fail("KeyError: " + k);
                }
                Json v = *it;
                self.erase(it);
                return v;
            }
            if (name == "clear") {
                self = Json::object();
                return Json();
            }
            fail("dict has no method '" + name + "'");
        }
        fail("'" + typeName(self) + "' has no method '" + name + "'");
    }

    Json method(const Json &self, const std::string &name, const std::vector<Json> &args,
                const std::map<std::string, Json> &kwargs)
    {
        if (isUndefined(self))
            fail("'" + name + "()' on an undefined value");
        auto arg = [&](size_t i, const char *kw, Json dflt) -> Json {
            if (i < args.size())
                return args[i];
            auto it = kwargs.find(kw);
            return it != kwargs.end() ? it->second : dflt;
        };
        if (self.is_object()) {
            if (name == "get") {
                if (args.empty())
                    fail("get() needs a key");
                const std::string k = args[0].is_string() ? args[0].get<std::string>() : pyStr(args[0]);
                auto it = self.find(k);
                return it != self.end() ? *it : arg(1, "default", Json());
            }
            if (name == "keys" || name == "values" || name == "items") {
                Json arr = Json::array();
                for (auto it = self.begin(); it != self.end(); ++it) {
                    if (name == "keys")
                        arr.push_back(it.key());
                    else if (name == "values")
                        arr.push_back(it.value());
                    else
                        arr.push_back(Json::array({it.key(), it.value()}));
                }
                return arr;
            }
            fail("dict has no method '" + name + "'");
        }
        if (self.is_array()) {
            if (name == "index") {
                for (size_t i = 0; i < self.size(); ++i)
                    if (pyEq(self[i], arg(0, "x", Json())))
                        return int64_t(i);
                fail("value is not in the list");
            }
            if (name == "count") {
                int64_t c = 0;
                for (const Json &e : self)
                    c += pyEq(e, arg(0, "x", Json())) ? 1 : 0;
                return c;
            }
            fail("list has no method '" + name + "'");
        }
        if (!self.is_string())
            fail("'" + typeName(self) + "' has no method '" + name + "'");
        const std::string &s = self.get_ref<const std::string &>();
        if (name == "lower") return asciiLower(s);
        if (name == "removeprefix" || name == "removesuffix") {
            const std::string &a = strArg(args, 0, name.c_str());
            if (name == "removeprefix")
                return s.compare(0, a.size(), a) == 0 ? s.substr(a.size()) : s;
            return s.size() >= a.size() && s.compare(s.size() - a.size(), a.size(), a) == 0 ? s.substr(0, s.size() - a.size()) : s;
        }
        if (name == "upper") return asciiUpper(s);
        if (name == "strip" || name == "lstrip" || name == "rstrip") {
            const Json c = arg(0, "chars", Json());
            const std::string chars = c.is_string() ? c.get<std::string>() : std::string();
            return stripStr(s, chars, name != "rstrip", name != "lstrip");
        }
        if (name == "split" || name == "rsplit") {
            const Json sep = arg(0, "sep", Json());
            const int64_t maxs = toI(arg(1, "maxsplit", int64_t(-1)));
            if (name == "rsplit" && maxs >= 0 && sep.is_string()) {
                Json all = splitStr(s, sep, -1);
                if (int64_t(all.size()) - 1 <= maxs)
                    return all;
                const size_t keep = size_t(maxs);
                std::string head;
                const size_t headCount = all.size() - keep;
                for (size_t i = 0; i < headCount; ++i)
                    head += (i ? sep.get<std::string>() : std::string()) + all[i].get<std::string>();
                Json out = Json::array({head});
                for (size_t i = headCount; i < all.size(); ++i)
                    out.push_back(all[i]);
                return out;
            }
            return splitStr(s, sep, maxs);
        }
        if (name == "splitlines") {
            Json out = Json::array();
            size_t i = 0;
            while (i < s.size()) {
                size_t j = s.find_first_of("\r\n", i);
                if (j == std::string::npos) {
                    out.push_back(s.substr(i));
                    break;
                }
                out.push_back(s.substr(i, j - i));
                i = j + ((s[j] == '\r' && j + 1 < s.size() && s[j + 1] == '\n') ? 2 : 1);
            }
            return out;
        }
        if (name == "replace")
            return replaceAll(s, strArg(args, 0, "replace()"), strArg(args, 1, "replace()"),
                              args.size() > 2 ? toI(args[2]) : -1);
        if (name == "startswith" || name == "endswith") {
            const Json p = arg(0, "prefix", Json());
            std::vector<std::string> opts;
            if (p.is_string())
                opts.push_back(p.get<std::string>());
            else if (p.is_array())
                for (const Json &e : p)
                    if (e.is_string())
                        opts.push_back(e.get<std::string>());
            for (const std::string &o : opts) {
                if (name == "startswith" ? s.compare(0, o.size(), o) == 0
                                         : (s.size() >= o.size() && s.compare(s.size() - o.size(), o.size(), o) == 0))
                    return true;
            }
            return false;
        }
        if (name == "find" || name == "rfind" || name == "index") {
            const std::string &sub = strArg(args, 0, "find()");
            const size_t p = name == "rfind" ? s.rfind(sub) : s.find(sub);
            if (p == std::string::npos) {
                if (name == "index")
                    fail("substring not found");
                return int64_t(-1);
            }
            return int64_t(p);
        }
        if (name == "count") {
            const std::string &sub = strArg(args, 0, "count()");
            if (sub.empty())
                return int64_t(s.size() + 1);
            int64_t c = 0;
            for (size_t p = s.find(sub); p != std::string::npos; p = s.find(sub, p + sub.size()))
                ++c;
            return c;
        }
        if (name == "join") {
            const Json seq = arg(0, "iterable", Json::array());
            std::string out;
            bool first = true;
            for (const Json &e : seq) {
                if (!e.is_string())
                    fail("join() expects strings");
                if (!first)
                    out += s;
                first = false;
                out += e.get<std::string>();
            }
            return out;
        }
        if (name == "isdigit" || name == "isnumeric" || name == "isdecimal")
            return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
        if (name == "isalpha")
            return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)); });
        if (name == "isalnum")
            return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)); });
        if (name == "capitalize")
            return s.empty() ? s : asciiUpper(s.substr(0, 1)) + asciiLower(s.substr(1));
        if (name == "title") {
            std::string out = s;
            bool start = true;
            for (char &c : out) {
                c = start ? asciiUpper(c) : asciiLower(c);
                start = !std::isalpha(static_cast<unsigned char>(c));
            }
            return out;
        }
        if (name == "zfill") {
            const int64_t w = toI(arg(0, "width", int64_t(0)));
            std::string out = s;
            if (int64_t(out.size()) < w) {
                const bool sign = !out.empty() && (out[0] == '-' || out[0] == '+');
                out.insert(sign ? 1 : 0, std::string(size_t(w - int64_t(out.size())), '0'));
            }
            return out;
        }
        if (name == "partition") {
            const std::string &sep = strArg(args, 0, "partition()");
            const size_t p = s.find(sep);
            if (p == std::string::npos)
                return Json::array({s, "", ""});
            return Json::array({s.substr(0, p), sep, s.substr(p + sep.size())});
        }
        fail("str has no method '" + name + "'");
    }

    Json applyFilter(const NodeP &n)
    {
        const std::string &f = n->name;
        Json v;
        if (f == "default" || f == "d") {
            // `default` must not raise on undefined inputs whose parent exists
            try {
                v = eval(n->kids[0]);
            } catch (const EvalError &) {
                v = undefinedValue();
            }
        } else {
            v = eval(n->kids[0]);
        }
        std::vector<Json> args;
        std::map<std::string, Json> kwargs;
        evalArgs(n, 1, args, kwargs);
        auto arg = [&](size_t i, const char *kw, Json dflt) -> Json {
            if (i < args.size())
                return args[i];
            auto it = kwargs.find(kw);
            return it != kwargs.end() ? it->second : dflt;
        };
        if (f == "default" || f == "d") {
            const bool boolean = truthy(arg(1, "boolean", false));
            if (isUndefined(v) || (boolean && !truthy(v)))
                return arg(0, "default_value", std::string());
            return v;
        }
        if (isUndefined(v) && f != "string" && f != "length" && f != "count" && f != "tojson" && f != "is_ipaddress") {
            // Jinja's Undefined is '' to the string filters and an empty sequence to the others
            static const std::set<std::string> asText = {"lower", "upper", "trim", "strip", "capitalize", "replace",
                                                         "format", "basename", "dirname"};
            static const std::set<std::string> asEmpty = {"join", "list", "unique", "sort", "reverse", "first", "last",
                                                          "map", "select", "reject", "selectattr", "rejectattr", "batch",
                                                          "sum", "min", "max"};
            if (asText.count(f))
                v = std::string();
            else if (asEmpty.count(f))
                v = Json::array();
            else
                fail("filter '" + f + "' on an undefined value");
        }
        if (f == "lower") return asciiLower(pyStr(v));
        if (f == "upper") return asciiUpper(pyStr(v));
        if (f == "trim" || f == "strip") {
            const Json c = arg(0, "chars", Json());
            return stripStr(pyStr(v), c.is_string() ? c.get<std::string>() : std::string(), true, true);
        }
        if (f == "length" || f == "count") return pyLen(v);
        if (f == "string") return pyStr(v);
        if (f == "int") return toIntValue(v, arg(0, "default", int64_t(0)));
        if (f == "float") return toFloatValue(v, arg(0, "default", 0.0));
        if (f == "abs") {
            if (isInt(v)) return std::llabs(toI(v));
            if (v.is_number_float()) return std::fabs(v.get<double>());
            fail("abs of " + typeName(v));
        }
        if (f == "round") {
            const int64_t prec = toI(arg(0, "precision", int64_t(0)));
            const std::string method = arg(1, "method", std::string("common")).get<std::string>();
            const double p = std::pow(10.0, double(prec));
            double x = toD(v) * p;
            x = method == "ceil" ? std::ceil(x) : method == "floor" ? std::floor(x) : std::round(x);
            return x / p;
        }
        if (f == "first" || f == "last") {
            if (v.is_array())
                return v.empty() ? undefinedValue() : (f == "first" ? v.front() : v.back());
            if (v.is_string())
                return v.get<std::string>().empty() ? undefinedValue()
                                                    : Json(std::string(1, f == "first" ? v.get<std::string>().front() : v.get<std::string>().back()));
            if (v.is_object())
                return v.empty() ? undefinedValue() : Json((f == "first" ? v.begin() : std::prev(v.end())).key());
            fail(f + " of " + typeName(v));
        }
        if (f == "join") {
            const std::string sep = pyStr(arg(0, "d", std::string()));
            const Json attr = arg(1, "attribute", undefinedValue());
            std::string out;
            bool first = true;
            if (!v.is_array())
                fail("join of " + typeName(v));
            for (const Json &e : v) {
                if (!first)
                    out += sep;
                first = false;
                out += pyStr(attr.is_string() && e.is_object() ? e.value(attr.get<std::string>(), Json()) : e);
            }
            return out;
        }
        if (f == "replace")
            return replaceAll(pyStr(v), pyStr(arg(0, "old", std::string())), pyStr(arg(1, "new", std::string())),
                              args.size() > 2 ? toI(args[2]) : -1);
        if (f == "tojson" || f == "to_json") return toJsonText(v);
        if (f == "from_json" || f == "fromjson") {
            if (!v.is_string())
                return v;
            Json j = Json::parse(v.get<std::string>(), nullptr, false);
            if (j.is_discarded())
                fail("from_json: not valid JSON");
            return j;
        }
        if (f == "is_ipaddress") {
            if (!v.is_string())
                return false;
            QHostAddress a;
            return a.setAddress(QString::fromStdString(v.get<std::string>()));
        }
        if (f == "list") {
            if (v.is_array()) return v;
            if (v.is_string()) {
                Json arr = Json::array();
                for (char c : v.get<std::string>())
                    arr.push_back(std::string(1, c));
                return arr;
            }
            if (v.is_object()) {
                Json arr = Json::array();
                for (auto it = v.begin(); it != v.end(); ++it)
                    arr.push_back(it.key());
                return arr;
            }
            fail("list of " + typeName(v));
        }
        if (f == "unique") {
            Json arr = Json::array();
            for (const Json &e : v)
                if (!pyIn(e, arr))
                    arr.push_back(e);
            return arr;
        }
        if (f == "sort") {
            Json arr = v;
            std::vector<Json> items(arr.begin(), arr.end());
            std::stable_sort(items.begin(), items.end(), [&](const Json &a, const Json &b) { return pyCmp(a, b) < 0; });
            if (truthy(arg(0, "reverse", false)))
                std::reverse(items.begin(), items.end());
            return Json(items);
        }
        if (f == "reverse") {
            if (v.is_string()) {
                std::string s = v.get<std::string>();
                std::reverse(s.begin(), s.end());
                return s;
            }
            std::vector<Json> items(v.begin(), v.end());
            std::reverse(items.begin(), items.end());
            return Json(items);
        }
        if (f == "min" || f == "max" || f == "sum") {
            if (!v.is_array())
                fail(f + " of " + typeName(v));
            if (f == "sum") {
                Json acc = int64_t(0);
                for (const Json &e : v)
                    acc = arith("+", acc, e);
                return acc;
            }
            if (v.empty())
                return undefinedValue();
            Json best = v[0];
            for (const Json &e : v)
                if ((f == "min") ? pyCmp(e, best) < 0 : pyCmp(e, best) > 0)
                    best = e;
            return best;
        }
        if (f == "capitalize") { const std::string s = pyStr(v); return s.empty() ? s : asciiUpper(s.substr(0, 1)) + asciiLower(s.substr(1)); }
        if (f == "basename" || f == "dirname") {
            const std::string s = pyStr(v);
            const size_t p = s.find_last_of("/\\");
            if (f == "basename")
                return p == std::string::npos ? s : s.substr(p + 1);
            return p == std::string::npos ? std::string() : s.substr(0, p);
        }
        if (f == "re_match" || f == "re_search") {
            const QRegularExpression re = pyRegex(pyStr(arg(0, "pattern", std::string())));
            const QString subject = QString::fromStdString(pyStr(v));
            const QRegularExpressionMatch m = re.match(subject, 0, QRegularExpression::NormalMatch,
                                                       f == "re_match" ? QRegularExpression::AnchorAtOffsetMatchOption
                                                                       : QRegularExpression::NoMatchOption);
            if (!m.hasMatch())
                return Json();
            return matchToJson(m, re);
        }
        if (f == "to_rfc3339") {
            std::optional<int64_t> ns;
            if (v.is_number_integer() || v.is_number_unsigned())
                ns = epochToNs(toI(v));
            else if (v.is_number_float())
                ns = epochToNs(v.get<double>());
            else if (v.is_string())
                ns = parseTimestampNs(v.get<std::string>());
            if (!ns)
                fail("to_rfc3339: not a date");
            return formatRfc3339(*ns, FractionMode::Micro);
        }
        if (f == "select" || f == "reject" || f == "selectattr" || f == "rejectattr") {
            // select(test, args…) / selectattr(attribute, test, args…); no test: truthiness
            const bool byAttr = f == "selectattr" || f == "rejectattr";
            const bool keep = f == "select" || f == "selectattr";
            if (byAttr && (args.empty() || !args[0].is_string()))
                fail(f + "() needs an attribute name");
            const size_t t0 = byAttr ? 1 : 0;
            const std::string test = args.size() > t0 && args[t0].is_string() ? args[t0].get<std::string>() : std::string();
            const std::vector<Json> targs(args.size() > t0 + 1 ? args.begin() + long(t0 + 1) : args.end(), args.end());
            Json arr = Json::array();
            auto consider = [&](const Json &e) {
                Json x = e;
                if (byAttr) {
                    x = undefinedValue();
                    const Json *cur = &e;
                    const std::string &path = args[0].get_ref<const std::string &>();
                    size_t a = 0;
                    for (;;) {
                        const size_t dot = path.find('.', a);
                        const std::string key = path.substr(a, dot == std::string::npos ? std::string::npos : dot - a);
                        if (!cur->is_object() || !cur->contains(key)) {
                            cur = nullptr;
                            break;
                        }
                        cur = &(*cur)[key];
                        if (dot == std::string::npos)
                            break;
                        a = dot + 1;
                    }
                    if (cur)
                        x = *cur;
                }
                const bool ok = test.empty() ? truthy(x) : testValue(test, x, targs);
                if (ok == keep)
                    arr.push_back(e);
            };
            if (v.is_array())
                for (const Json &e : v)
                    consider(e);
            else if (v.is_object())
                for (auto it = v.begin(); it != v.end(); ++it)
                    consider(it.key());
            else if (v.is_string())
                for (char c : v.get<std::string>())
                    consider(std::string(1, c));
            else
                fail("'" + typeName(v) + "' object is not iterable");
            return arr;
        }
        if (f == "batch") {
            const int64_t size = toI(arg(0, "linecount", int64_t(1)));
            if (size <= 0)
                fail("batch() needs a positive size");
            const Json fill = arg(1, "fill_with", undefinedValue());
            Json out = Json::array();
            Json cur = Json::array();
            auto add = [&](const Json &e) {
                cur.push_back(e);
                if (int64_t(cur.size()) == size) {
                    out.push_back(std::move(cur));
                    cur = Json::array();
                }
            };
            if (v.is_array())
                for (const Json &e : v)
                    add(e);
            else if (v.is_string())
                for (char c : v.get<std::string>())
                    add(std::string(1, c));
            else
                fail("'" + typeName(v) + "' object is not iterable");
            if (!cur.empty()) {
                if (!isUndefined(fill))
                    while (int64_t(cur.size()) < size)
                        cur.push_back(fill);
                out.push_back(std::move(cur));
            }
            return out;
        }
        if (f == "format") return pyPercentFormat(pyStr(v), args);
        if (f == "to_mac_address") {
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
        if (f == "to_iso8601") {
            std::optional<int64_t> ns;
            if (v.is_number_integer() || v.is_number_unsigned())
                ns = epochToNs(toI(v));
            else if (v.is_number_float())
                ns = epochToNs(v.get<double>());
            else if (v.is_string())
                ns = parseTimestampNs(v.get<std::string>());
            if (!ns)
                fail("to_iso8601: not a date");
            return formatRfc3339(*ns, FractionMode::IfNonZero);
        }
        if (f == "is_ipv4" || f == "is_ipv6") {
            if (!v.is_string())
                return false;
            QHostAddress a;
            if (!a.setAddress(QString::fromStdString(v.get<std::string>())))
                return false;
            return (a.protocol() == QAbstractSocket::IPv4Protocol) == (f == "is_ipv4");
        }
        if (f == "is_url") {
            if (!v.is_string())
                return false;
            const QUrl u(QString::fromStdString(v.get<std::string>()), QUrl::StrictMode);
            return u.isValid() && !u.scheme().isEmpty() && !u.host().isEmpty();
        }
        if (f == "map") {
            const Json attr = arg(0, "attribute", undefinedValue());
            Json arr = Json::array();
            if (attr.is_string()) {
                for (const Json &e : v)
                    arr.push_back(e.is_object() && e.contains(attr.get<std::string>()) ? e[attr.get<std::string>()] : undefinedValue());
                return arr;
            }
            fail("map() supports attribute= only");
        }
        if (f == "dictsort") {
            std::vector<std::string> keys;
            for (auto it = v.begin(); it != v.end(); ++it)
                keys.push_back(it.key());
            std::sort(keys.begin(), keys.end());
            Json arr = Json::array();
            for (auto &k : keys)
                arr.push_back(Json::array({k, v[k]}));
            return arr;
        }
        if (f == "items") {
            Json arr = Json::array();
            for (auto it = v.begin(); it != v.end(); ++it)
                arr.push_back(Json::array({it.key(), it.value()}));
            return arr;
        }
        fail("unknown filter '" + f + "'");
    }

    bool applyTest(const NodeP &n)
    {
        const std::string &t = n->name;
        Json v;
        if (t == "defined" || t == "undefined") {
            try {
                v = eval(n->kids[0]);
            } catch (const EvalError &) {
                v = undefinedValue();
            }
            return (t == "defined") != isUndefined(v);
        }
        v = eval(n->kids[0]);
        std::vector<Json> args;
        std::map<std::string, Json> kwargs;
        evalArgs(n, 1, args, kwargs);
        return testValue(t, v, args);
    }

    /// A test by name (`is none`, `select("equalto", x)`…) on an evaluated value.
    bool testValue(const std::string &t, const Json &v, const std::vector<Json> &args)
    {
        if (t == "defined") return !isUndefined(v);
        if (t == "undefined") return isUndefined(v);
        if (t == "none") return v.is_null();
        if (t == "==" ) return !args.empty() && pyEq(v, args[0]);
        if (t == "!=") return args.empty() || !pyEq(v, args[0]);
        if (t == ">") return !args.empty() && pyCmp(v, args[0]) > 0;
        if (t == "<") return !args.empty() && pyCmp(v, args[0]) < 0;
        if (t == ">=") return !args.empty() && pyCmp(v, args[0]) >= 0;
        if (t == "<=") return !args.empty() && pyCmp(v, args[0]) <= 0;
        if (t == "true") return v.is_boolean() && v.get<bool>();
        if (t == "false") return v.is_boolean() && !v.get<bool>();
        if (t == "number") return v.is_number();
        if (t == "integer") return v.is_number_integer();
        if (t == "float") return v.is_number_float();
        if (t == "string") return v.is_string();
        if (t == "boolean") return v.is_boolean();
        if (t == "mapping") return v.is_object();
        if (t == "sequence" || t == "iterable") return v.is_array() || v.is_string() || v.is_object();
        if (t == "in") {
            if (args.empty())
                fail("'is in' needs a container");
            return pyIn(v, args[0]);
        }
        if (t == "eq" || t == "equalto" || t == "sameas") return !args.empty() && pyEq(v, args[0]);
        if (t == "ne") return args.empty() || !pyEq(v, args[0]);
        if (t == "lower") return v.is_string() && asciiLower(v.get<std::string>()) == v.get<std::string>();
        if (t == "upper") return v.is_string() && asciiUpper(v.get<std::string>()) == v.get<std::string>();
        if (t == "odd" || t == "even") return isInt(v) && ((toI(v) % 2 != 0) == (t == "odd"));
        if (t == "divisibleby") return !args.empty() && toI(args[0]) != 0 && toI(v) % toI(args[0]) == 0;
        if (t == "gt" || t == "greaterthan") return !args.empty() && pyCmp(v, args[0]) > 0;
        if (t == "lt" || t == "lessthan") return !args.empty() && pyCmp(v, args[0]) < 0;
        if (t == "ge") return !args.empty() && pyCmp(v, args[0]) >= 0;
        if (t == "le") return !args.empty() && pyCmp(v, args[0]) <= 0;
        fail("unknown test '" + t + "'");
    }

    Json binary(const NodeP &n)
    {
        const std::string &op = n->name;
        const Json a = eval(n->kids[0]);
        const Json b = eval(n->kids[1]);
        if (op == "==") return pyEq(a, b);
        if (op == "!=") return !pyEq(a, b);
        if (op == "in") {
            const bool r = pyIn(a, b);
            return n->negate ? !r : r;
        }
        if (op == "~") return pyStr(a) + pyStr(b);
        if (op == "<" || op == ">" || op == "<=" || op == ">=") {
            if (isUndefined(a) || isUndefined(b))
                fail("comparison with an undefined value");
            const int c = pyCmp(a, b);
            if (op == "<") return c < 0;
            if (op == ">") return c > 0;
            if (op == "<=") return c <= 0;
            return c >= 0;
        }
        return arith(op, a, b);
    }

    Env &m_env;
    std::vector<Json> m_loops;
};

} // namespace

// ------------------------------------------------------------------------------------------
// Template

namespace {

/// The filters and tests the evaluator knows (applyFilter, testValue): a template naming any
/// other is refused when it compiles, so the parser's warning says so once, at load.
const std::set<std::string> kFilters = {
    "abs", "basename", "batch", "capitalize", "count", "d", "default", "dictsort", "dirname", "first",
    "float", "format", "from_json", "fromjson", "int", "is_ipaddress", "is_ipv4", "is_ipv6", "is_url",
    "items", "join", "last", "length", "list", "lower", "map", "max", "min", "re_match", "re_search",
    "reject", "rejectattr", "replace", "reverse", "round", "select", "selectattr", "sort", "string", "strip",
    "sum", "to_iso8601", "to_json", "to_mac_address", "to_rfc3339", "tojson", "trim", "unique", "upper"
};
const std::set<std::string> kTests = {
    "boolean", "defined", "divisibleby", "eq", "equalto", "even", "false", "float", "ge", "greaterthan",
    "gt", "in", "integer", "iterable", "le", "lessthan", "lower", "lt", "mapping", "ne", "none", "number",
    "odd", "sameas", "sequence", "string", "true", "undefined", "upper"
};

/// Throws CompileError at the first filter or test no evaluator knows. (Trees are at most
/// kMaxNesting deep: the recursion is bounded.)
void checkNames(const NodeP &n)
{
    if (!n)
        return;
    if (n->kind == Node::Filter && !kFilters.count(n->name))
        throw CompileError("unknown filter '" + n->name + "'", 0);
    if (n->kind == Node::Test && !kTests.count(n->name))
        throw CompileError("unknown test '" + n->name + "'", 0);
    for (const NodeP &k : n->kids)
        checkNames(k);
}

} // namespace

Template::Template(const std::string &source) : m_source(source)
{
    std::string src = source;
    if (!src.empty() && src.back() == '\n') // Jinja drops a single trailing newline
        src.pop_back();
    m_root = TemplateParser(splitTemplate(src)).parse();
    checkNames(m_root);
    collectPaths(m_root, m_paths);
    detectPlainPath();
}

void Template::detectPlainPath()
{
    m_plainPath.clear();
    if (!m_root || m_root->kids.size() != 1 || m_root->kids[0]->kind != Node::Output)
        return;
    std::vector<Seg> segs;
    NodeP n = m_root->kids[0]->kids[0];
    for (;;) {
        if (n->kind == Node::Name) {
            if (n->name == "loop")
                return;
            segs.push_back({n->name, 0, false});
            break;
        }
        if (n->kind == Node::Attr) {
            segs.push_back({n->name, 0, false});
            n = n->kids[0];
            continue;
        }
        if (n->kind == Node::Index && n->kids[1] && n->kids[1]->kind == Node::Lit
            && (n->kids[1]->lit.is_string() || n->kids[1]->lit.is_number_integer())) {
            const Json &k = n->kids[1]->lit;
            segs.push_back(k.is_string() ? Seg{k.get<std::string>(), 0, false} : Seg{std::string(), k.get<int64_t>(), true});
            n = n->kids[0];
            continue;
        }
        return;
    }
    m_plainPath.assign(segs.rbegin(), segs.rend());
}

bool Template::tryEvaluate(const Scope &scope, Json &out, std::string &error) const
{
    return evaluatePlain(scope, out, error, true);
}

bool Template::tryEvaluateValue(const Scope &scope, Json &out, std::string &error) const
{
    return evaluatePlain(scope, out, error, false);
}

bool Template::evaluatePlain(const Scope &scope, Json &out, std::string &error, bool literal) const
{
    if (m_plainPath.empty()) {
        try {
            out = evaluate(scope);
            return true;
        } catch (const EvalError &e) {
            error = e.what();
            return false;
        }
    }
    const Json *cur = scope(m_plainPath[0].key);
    static const Json undef = undefinedValue();
    if (!cur)
        cur = &undef;
    for (size_t i = 1; i < m_plainPath.size(); ++i) {
        const Seg &s = m_plainPath[i];
        if (isUndefined(*cur)) {
            error = "'" + s.key + "' of an undefined value";
            return false;
        }
        const Json *next = &undef;
        if (cur->is_object() && !s.isIndex) {
            auto it = cur->find(s.key);
            if (it != cur->end())
                next = &*it;
        } else if (cur->is_array() && s.isIndex) {
            int64_t k = s.index < 0 ? s.index + int64_t(cur->size()) : s.index;
            if (k >= 0 && k < int64_t(cur->size()))
                next = &(*cur)[size_t(k)];
        } else if (cur->is_object() && s.isIndex) {
            auto it = cur->find(std::to_string(s.index));
            if (it != cur->end())
                next = &*it;
        }
        cur = next;
    }
    out = *cur;
    if (literal && out.is_string()) {
        const std::string &str = out.get_ref<const std::string &>();
        const size_t a = str.find_first_not_of(" \t\r\n");
        if (a != std::string::npos && (str[a] == '[' || str[a] == '{' || str[a] == '(' || str.compare(a, 4, "None") == 0)) {
            Json lit = literalEval(stripStr(str, "", true, true));
            if (!isUndefined(lit) && (lit.is_array() || lit.is_object() || lit.is_null()))
                out = std::move(lit);
        }
    }
    return true;
}

Template compileExpression(const std::string &expr)
{
    Template t;
    auto seq = mk(Node::Seq);
    auto out = mk(Node::Output);
    out->kids.push_back(ExprParser(lex(expr, 0)).parseAll());
    seq->kids.push_back(out);
    t.m_source = "{{" + expr + "}}";
    t.m_root = seq;
    checkNames(seq);
    collectPaths(seq, t.m_paths);
    t.detectPlainPath();
    return t;
}

bool Template::isConstant() const
{
    return !m_root || (m_root->kids.size() <= 1 && (m_root->kids.empty() || m_root->kids[0]->kind == Node::Text));
}

Json Template::evaluate(const Scope &scope) const
{
    if (!m_root || m_root->kids.empty())
        return std::string();
    Env env{&scope, {}};
    Evaluator ev(env);
    if (m_root->kids.size() == 1 && m_root->kids[0]->kind == Node::Output) {
        Json v = ev.eval(m_root->kids[0]->kids[0]);
        if (v.is_string()) {
            const std::string &s = v.get_ref<const std::string &>();
            const std::string t = stripStr(s, "", true, true);
            if (!t.empty() && (t[0] == '[' || t[0] == '{' || t[0] == '(' || t == "None")) {
                Json lit = literalEval(t);
                if (!isUndefined(lit) && (lit.is_array() || lit.is_object() || lit.is_null()))
                    return lit;
            }
        }
        return v;
    }
    std::string out;
    ev.render(m_root, out);
    if (m_root->kids.size() == 1 && m_root->kids[0]->kind == Node::Text)
        return out; // constant text: list/dict literals are handled by the caller
    Json lit = literalEval(out);
    if (!isUndefined(lit))
        return lit;
    return out;
}


} // namespace auditlens::intake
