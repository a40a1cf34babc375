// SPDX-License-Identifier: MIT
#include "kql.h"

#include "util/ascii.h"

#include <algorithm>

namespace auditlens::query {

namespace {

constexpr char kStar = '\x01';
constexpr char kQuestion = '\x02';


bool isSpecial(char c) { return c == '\\' || c == '(' || c == ')' || c == ':' || c == '<' || c == '>' || c == '"'; }

/// An unquoted or quoted literal as read from the query.
struct Literal
{
    std::string text;    ///< unescaped, trimmed
    std::string pattern; ///< text with wildcards marked (kStar / kQuestion)
    bool wildcard = false;
    bool quoted = false;
    bool escaped = false; ///< any backslash escape
    size_t pos = 0;
};

class Parser
{
public:
    Parser(std::string_view q, int maxDepth) : m_q(q), m_maxDepth(maxDepth) {}

    ParsedQuery run()
    {
        ParsedQuery out;
        skipSpace();
        if (m_i < m_q.size()) {
            out.root = orExpr();
            if (!failed()) {
                skipSpace();
                if (m_i < m_q.size())
                    fail(m_q[m_i] == ')' ? "a ')' without its '('" : "expected 'and', 'or' or the end of the query", m_i);
            }
        }
        if (failed()) {
            out.root.reset();
            out.error = m_error;
            out.errorPos = m_errorPos;
        }
        return out;
    }

private:
    using NodePtr = std::unique_ptr<Node>;

    bool failed() const { return !m_error.empty(); }
    void fail(const std::string &what, size_t at)
    {
        if (failed())
            return;
        m_error = what;
        m_errorPos = at;
    }
    void skipSpace()
    {
        while (m_i < m_q.size() && isSpace(m_q[m_i]))
            ++m_i;
    }
    /// A keyword (and / or / not) at m_i, ended by white space, '(' or the end (case-insensitive).
    bool keywordAt(size_t at, std::string_view kw) const
    {
        if (at + kw.size() > m_q.size() || !asciiIEquals(m_q.substr(at, kw.size()), kw))
            return false;
        const size_t e = at + kw.size();
        return e == m_q.size() || isSpace(m_q[e]) || m_q[e] == '(' || m_q[e] == '"';
    }
    bool takeKeyword(std::string_view kw)
    {
        skipSpace();
        if (!keywordAt(m_i, kw))
            return false;
        m_i += kw.size();
        return true;
    }
    bool enter(size_t at)
    {
        if (++m_depth > m_maxDepth) {
            fail("the query is nested too deeply (more than " + std::to_string(m_maxDepth) + " levels)", at);
            return false;
        }
        return true;
    }
    void leave() { --m_depth; }

    static NodePtr make(Node::Kind k, size_t pos)
    {
        auto n = std::make_unique<Node>();
        n->kind = k;
        n->pos = pos;
        return n;
    }
    static NodePtr join(Node::Kind k, NodePtr a, NodePtr b)
    {
        if (a->kind == k) {
            a->kids.push_back(std::move(b));
            return a;
        }
        NodePtr n = make(k, a->pos);
        n->kids.push_back(std::move(a));
        n->kids.push_back(std::move(b));
        return n;
    }

    // query := or ; or := and ('or' and)* ; and := not ('and' not)* ; not := 'not' not | primary
    NodePtr orExpr(const std::string *field = nullptr)
    {
        NodePtr left = andExpr(field);
        while (!failed() && takeKeyword("or")) {
            NodePtr right = andExpr(field);
            if (failed())
                break;
            left = join(Node::Kind::Or, std::move(left), std::move(right));
        }
        return left;
    }
    NodePtr andExpr(const std::string *field)
    {
        NodePtr left = notExpr(field);
        while (!failed() && takeKeyword("and")) {
            NodePtr right = notExpr(field);
            if (failed())
                break;
            left = join(Node::Kind::And, std::move(left), std::move(right));
        }
        return left;
    }
    NodePtr notExpr(const std::string *field)
    {
        skipSpace();
        const size_t at = m_i;
        if (takeKeyword("not")) {
            if (!enter(at))
                return nullptr;
            NodePtr inner = notExpr(field);
            leave();
            if (failed())
                return nullptr;
            NodePtr n = make(Node::Kind::Not, at);
            n->kids.push_back(std::move(inner));
            return n;
        }
        return field ? valuePrimary(*field) : primary();
    }

    NodePtr group(const std::string *field)
    {
        const size_t at = m_i;
        ++m_i; // '('
        if (!enter(at))
            return nullptr;
        NodePtr inner = orExpr(field);
        leave();
        if (failed())
            return nullptr;
        skipSpace();
        if (m_i >= m_q.size() || m_q[m_i] != ')') {
            fail("a '(' is not closed", at);
            return nullptr;
        }
        ++m_i;
        return inner;
    }

    NodePtr primary()
    {
        skipSpace();
        if (m_i >= m_q.size()) {
            fail("a term is missing at the end of the query", m_i);
            return nullptr;
        }
        const char c = m_q[m_i];
        if (c == '(')
            return group(nullptr);
        if (c == ')' || c == ':' || c == '<' || c == '>') {
            fail(std::string("unexpected '") + c + "'", m_i);
            return nullptr;
        }
        Literal lit = literal();
        if (failed())
            return nullptr;
        skipSpace();
        if (!lit.quoted && m_i < m_q.size() && (m_q[m_i] == ':' || m_q[m_i] == '<' || m_q[m_i] == '>'))
            return fieldExpr(lit);
        return textNode(lit);
    }

    NodePtr textNode(const Literal &lit)
    {
        NodePtr n = make(Node::Kind::Text, lit.pos);
        n->quoted = lit.quoted;
        n->value = lit.text;
        if (lit.wildcard) {
            // Free text is a substring search: leading and trailing * say nothing more.
            std::string p = lit.pattern;
            while (!p.empty() && p.front() == kStar)
                p.erase(p.begin());
            while (!p.empty() && p.back() == kStar)
                p.pop_back();
            if (p.empty()) { // '*' alone matches every record
                NodePtr all = make(Node::Kind::And, lit.pos);
                return all;
            }
            if (p.find(kStar) != std::string::npos || p.find(kQuestion) != std::string::npos) {
                fail("wildcards inside a free-text term are not supported (use field:value, or quote the term)", lit.pos);
                return nullptr;
            }
            n->value = p;
        }
        return n;
    }

    NodePtr fieldExpr(const Literal &name)
    {
        if (name.wildcard || name.text.empty()) {
            fail(name.text.empty() ? "a field name is missing" : "wildcards in field names are not supported", name.pos);
            return nullptr;
        }
        for (char ch : name.text)
            if (isSpace(ch)) {
                fail("a field name cannot contain spaces: '" + name.text + "'", name.pos);
                return nullptr;
            }
        const char c = m_q[m_i];
        if (c == ':') {
            ++m_i;
            skipSpace();
            if (m_i < m_q.size() && m_q[m_i] == '(')
                return group(&name.text);
            return valuePrimary(name.text);
        }
        // range
        const size_t at = m_i;
        Node::Op op = c == '<' ? Node::Op::Lt : Node::Op::Gt;
        ++m_i;
        if (m_i < m_q.size() && m_q[m_i] == '=') {
            op = c == '<' ? Node::Op::Le : Node::Op::Ge;
            ++m_i;
        }
        skipSpace();
        if (m_i >= m_q.size()) {
            fail("a value is missing after the comparison", at);
            return nullptr;
        }
        Literal v = literal();
        if (failed())
            return nullptr;
        if (v.text.empty()) {
            fail("a value is missing after the comparison", at);
            return nullptr;
        }
        if (v.wildcard) {
            fail("wildcards cannot be compared with < or >", v.pos);
            return nullptr;
        }
        NodePtr n = make(Node::Kind::Range, name.pos);
        n->field = name.text;
        n->op = op;
        n->value = v.text;
        return n;
    }

    NodePtr valuePrimary(const std::string &field)
    {
        skipSpace();
        if (m_i >= m_q.size()) {
            fail("a value is missing after '" + field + ":'", m_i);
            return nullptr;
        }
        const char c = m_q[m_i];
        if (c == '(')
            return group(&field);
        if (c == ')' || c == ':' || c == '<' || c == '>') {
            fail(std::string("unexpected '") + c + "' where a value of '" + field + "' should be", m_i);
            return nullptr;
        }
        Literal v = literal();
        if (failed())
            return nullptr;
        if (v.text.empty() && !v.quoted) {
            fail("a value is missing after '" + field + ":'", v.pos);
            return nullptr;
        }
        if (!v.quoted && v.pattern.size() == 1 && v.pattern[0] == kStar) {
            NodePtr n = make(Node::Kind::Exists, v.pos);
            n->field = field;
            return n;
        }
        NodePtr n = make(Node::Kind::Match, v.pos);
        n->field = field;
        n->value = v.text;
        n->quoted = v.quoted;
        n->wildcard = v.wildcard;
        if (v.wildcard)
            n->pattern = v.pattern;
        return n;
    }

    /// A quoted string, or an unquoted literal up to a special character or a keyword.
    Literal literal()
    {
        Literal lit;
        lit.pos = m_i;
        if (m_q[m_i] == '"') {
            lit.quoted = true;
            ++m_i;
            while (m_i < m_q.size() && m_q[m_i] != '"') {
                if (m_q[m_i] == '\\' && m_i + 1 < m_q.size()) {
                    ++m_i;
                    lit.escaped = true;
                }
                lit.text += m_q[m_i++];
            }
            if (m_i >= m_q.size()) {
                fail("a quoted value is not closed", lit.pos);
                return lit;
            }
            ++m_i;
            lit.pattern = lit.text;
            return lit;
        }
        std::string pending; // white space kept only when more literal text follows
        std::string pendingPattern;
        while (m_i < m_q.size()) {
            const char c = m_q[m_i];
            if (isSpace(c)) {
                size_t j = m_i;
                while (j < m_q.size() && isSpace(m_q[j]))
                    ++j;
                if (j >= m_q.size() || keywordAt(j, "and") || keywordAt(j, "or") || keywordAt(j, "not") || (isSpecial(m_q[j]) && m_q[j] != '\\'))
                    break;
                pending.append(m_q.substr(m_i, j - m_i));
                m_i = j;
                continue;
            }
            if (c == '\\') {
                if (m_i + 1 >= m_q.size()) {
                    fail("a '\\' at the end of the query escapes nothing", m_i);
                    return lit;
                }
                lit.text += pending;
                lit.pattern += pending;
                pending.clear();
                lit.text += m_q[m_i + 1];
                lit.pattern += m_q[m_i + 1];
                lit.escaped = true;
                m_i += 2;
                continue;
            }
            if (isSpecial(c))
                break;
            lit.text += pending;
            lit.pattern += pending;
            pending.clear();
            if (c == '*' || c == '?') {
                lit.wildcard = true;
                lit.pattern += c == '*' ? kStar : kQuestion;
            } else {
                lit.pattern += c;
            }
            lit.text += c;
            ++m_i;
        }
        if (lit.text.empty() && m_i < m_q.size() && m_q[m_i] == '\\')
            fail("unexpected '\\'", m_i);
        return lit;
    }

    std::string_view m_q;
    size_t m_i = 0;
    int m_depth = 0;
    int m_maxDepth;
    std::string m_error;
    size_t m_errorPos = 0;
};

void collectFields(const Node *n, std::vector<std::string> &out)
{
    if (!n)
        return;
    if (!n->field.empty() && std::find(out.begin(), out.end(), n->field) == out.end())
        out.push_back(n->field);
    for (const auto &k : n->kids)
        collectFields(k.get(), out);
}

std::string quote(const std::string &v)
{
    std::string out = "\"";
    for (char c : v) {
        if (c == '"' || c == '\\')
            out += '\\';
        out += c;
    }
    return out + '"';
}

std::string valueText(const Node &n)
{
    if (n.quoted)
        return quote(n.value);
    std::string out;
    for (size_t i = 0; i < n.value.size(); ++i) {
        const char c = n.value[i];
        const bool wild = n.wildcard && (n.pattern.size() == n.value.size()) && (n.pattern[i] == kStar || n.pattern[i] == kQuestion);
        if (isSpecial(c) || ((c == '*' || c == '?') && !wild))
            out += '\\';
        out += c;
    }
    return out;
}

} // namespace

ParsedQuery parseKql(std::string_view query, int maxDepth)
{
    return Parser(query, maxDepth).run();
}

std::vector<std::string> queryFields(const Node *root)
{
    std::vector<std::string> out;
    collectFields(root, out);
    return out;
}

bool isPlainText(const Node *root)
{
    if (!root)
        return true;
    if (root->kind == Node::Kind::Text)
        return true;
    if (root->kind != Node::Kind::And)
        return false;
    for (const auto &k : root->kids)
        if (k->kind != Node::Kind::Text)
            return false;
    return true;
}

bool wildcardMatch(std::string_view p, std::string_view t)
{
    // Iterative matcher with one backtrack point (linear in practice, no recursion).
    size_t pi = 0, ti = 0, star = std::string_view::npos, mark = 0;
    while (ti < t.size()) {
        if (pi < p.size() && (p[pi] == kQuestion || (p[pi] != kStar && p[pi] == t[ti]))) {
            if (p[pi] == kQuestion) {
                // '?' is one character: skip a whole UTF-8 sequence
                ++ti;
                while (ti < t.size() && (static_cast<unsigned char>(t[ti]) & 0xC0) == 0x80)
                    ++ti;
            } else {
                ++ti;
            }
            ++pi;
        } else if (pi < p.size() && p[pi] == kStar) {
            star = pi++;
            mark = ti;
        } else if (star != std::string_view::npos) {
            pi = star + 1;
            ti = ++mark;
        } else {
            return false;
        }
    }
    while (pi < p.size() && p[pi] == kStar)
        ++pi;
    return pi == p.size();
}

std::string toString(const Node *n)
{
    if (!n)
        return {};
    switch (n->kind) {
    case Node::Kind::And:
    case Node::Kind::Or: {
        if (n->kids.empty())
            return "*";
        std::string out;
        for (size_t i = 0; i < n->kids.size(); ++i) {
            if (i)
                out += n->kind == Node::Kind::And ? " and " : " or ";
            const Node &k = *n->kids[i];
            const bool paren = (k.kind == Node::Kind::Or && n->kind == Node::Kind::And);
            out += paren ? "(" + toString(&k) + ")" : toString(&k);
        }
        return out;
    }
    case Node::Kind::Not: {
        const Node &k = *n->kids[0];
        const bool paren = k.kind == Node::Kind::And || k.kind == Node::Kind::Or;
        return "not " + (paren ? "(" + toString(&k) + ")" : toString(&k));
    }
    case Node::Kind::Match: return n->field + ":" + valueText(*n);
    case Node::Kind::Exists: return n->field + ":*";
    case Node::Kind::Range: {
        static const char *ops[] = {"<", "<=", ">", ">="};
        return n->field + " " + ops[int(n->op)] + " " + quote(n->value);
    }
    case Node::Kind::Text: return n->quoted ? quote(n->value) : valueText(*n);
    }
    return {};
}

std::string fieldName(const std::string &path)
{
    if (path.empty())
        return {};
    std::string out;
    for (const char *k : {"and", "or", "not"})
        if (asciiIEquals(path, k))
            out += '\\'; // (a keyword escaped reads as a name)
    for (const char c : path) {
        if (isSpace(c))
            return {}; // (no escape makes white space part of a name)
        if (isSpecial(c) || c == '*' || c == '?')
            out += '\\';
        out += c;
    }
    return out;
}

} // namespace auditlens::query
