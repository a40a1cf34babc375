// SPDX-License-Identifier: MIT
// The parser: tokens to a Node tree with Jinja's precedence (ExprParser), statements to
// nested bodies (TemplateParser), the variable paths a tree reads, and the resolution of every
// filter, test, method and function name against its table when the template compiles.
#include "jinja_p.h"

#include <algorithm>
#include <cctype>

namespace auditlens::intake::jinja {

NodeP mk(Node::Kind k, size_t pos)
{
    auto n = std::make_shared<Node>();
    n->kind = k;
    n->pos = pos;
    return n;
}

namespace {

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

    /// An expression without a trailing `x if c else y` (the iterable of a for statement,
    /// whose `if` is the loop filter).
    NodeP parseWithoutCondition()
    {
        Level level(*this);
        return parseOr();
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
    /// Comparisons chain as in Python: `a < b < c` is `a < b and b < c` (the tree shares `b`).
    NodeP parseCompare()
    {
        NodeP l = parseAdd();
        NodeP chain;    // the `and` of the comparisons so far
        NodeP operand = l; // the right operand of the last comparison
        for (;;) {
            static const std::pair<const char *, BinOp> cmps[] = {{"==", BinOp::Eq}, {"!=", BinOp::Ne}, {"<", BinOp::Lt},
                                                                  {">", BinOp::Gt}, {"<=", BinOp::Le}, {">=", BinOp::Ge}};
            BinOp op = BinOp::In;
            bool neg = false;
            const size_t pos = peek().pos;
            const auto *cmp = std::find_if(std::begin(cmps), std::end(cmps), [&](const auto &c) { return isOp(c.first); });
            if (cmp != std::end(cmps)) {
                op = cmp->second;
                ++m_i;
            } else if (isName("in")) {
                ++m_i;
            } else if (isName("not") && isName("in", 1)) {
                m_i += 2;
                neg = true;
            } else
                break;
            NodeP n = mk(Node::Bin, pos);
            n->op = op;
            n->negate = neg;
            n->kids = {operand, parseAdd()};
            operand = n->kids[1];
            n = sealed(n);
            if (!chain) {
                chain = n;
                continue;
            }
            NodeP both = mk(Node::And, pos);
            both->kids = {chain, n};
            chain = sealed(both);
        }
        return chain ? chain : l;
    }
    /// One left-associative binary level: `next (op next)*` with any of `ops`.
    NodeP parseBinary(std::initializer_list<std::pair<const char *, BinOp>> ops, NodeP (ExprParser::*next)())
    {
        NodeP l = (this->*next)();
        for (;;) {
            const auto *op = std::find_if(ops.begin(), ops.end(), [&](const auto &o) { return isOp(o.first); });
            if (op == ops.end())
                return l;
            NodeP n = mk(Node::Bin, peek().pos);
            ++m_i;
            n->op = op->second;
            n->kids = {l, (this->*next)()};
            l = sealed(n);
        }
    }
    NodeP parseAdd() { return parseBinary({{"+", BinOp::Add}, {"-", BinOp::Sub}}, &ExprParser::parseConcat); }
    NodeP parseConcat() { return parseBinary({{"~", BinOp::Concat}}, &ExprParser::parseMul); }
    NodeP parseMul()
    {
        return parseBinary({{"*", BinOp::Mul}, {"/", BinOp::Div}, {"//", BinOp::FloorDiv}, {"%", BinOp::Mod}}, &ExprParser::parsePow);
    }
    NodeP parsePow() { return parseBinary({{"**", BinOp::Pow}}, &ExprParser::parseUnary); }
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
                if (isOp("*")) { // `f(*seq)`: the items of seq are positional arguments
                    NodeP u = mk(Node::Unpack, peek().pos);
                    ++m_i;
                    u->kids.push_back(parseExpr());
                    call->kids.push_back(sealed(u));
                } else
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
                NodeP f = mk(Node::Filter, peek().pos);
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
                NodeP t = mk(Node::Test, peek().pos);
                ++m_i;
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
            NodeP n = mk(Node::Lit, t.pos);
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
                NodeP n = mk(Node::Attr, peek().pos);
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
                NodeP n = mk(Node::Call, e->kind == Node::Attr || e->kind == Node::Name ? e->pos : peek().pos);
                ++m_i;
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
            n->kids.push_back(p.parseWithoutCondition());
            NodeP cond;
            if (p.isName("if")) { // the loop filter: `for x in y if cond`
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

/// A short quote of the construct at `pos` for a diagnostic: its line and column in the
/// template and the text from there.
std::string where(const std::string &source, size_t pos)
{
    pos = std::min(pos, source.size());
    size_t line = 1, col = 1;
    for (size_t i = 0; i < pos; ++i) {
        if (source[i] == '\n') {
            ++line;
            col = 1;
        } else
            ++col;
    }
    std::string at = line > 1 ? "line " + std::to_string(line) + ", column " + std::to_string(col)
                              : "column " + std::to_string(col);
    std::string quote = source.substr(pos, 40);
    quote = quote.substr(0, quote.find('\n'));
    return at + " of the template" + (quote.empty() ? std::string() : ": '" + quote + "'");
}

void resolve(const NodeP &n, const std::string &source)
{
    if (!n)
        return;
    switch (n->kind) {
    case Node::Filter:
        n->filter = findFilter(n->name);
        if (!n->filter)
            throw CompileError("unknown filter '" + n->name + "' at " + where(source, n->pos), n->pos);
        break;
    case Node::Test:
        n->test = findTest(n->name);
        if (!n->test)
            throw CompileError("unknown test '" + n->name + "' at " + where(source, n->pos), n->pos);
        break;
    case Node::Call: {
        const NodeP &callee = n->kids[0];
        if (callee->kind == Node::Attr) {
            n->method = findMethod(callee->name);
            if (!n->method)
                throw CompileError("unknown method '" + callee->name + "()' at " + where(source, n->pos), n->pos);
        } else if (callee->kind == Node::Name) {
            n->function = findFunction(callee->name);
            if (!n->function)
                throw CompileError("unknown function '" + callee->name + "()' at " + where(source, n->pos), n->pos);
        } else
            throw CompileError("this value cannot be called, at " + where(source, n->pos), n->pos);
        break;
    }
    default: break;
    }
    if (n->method && (n->method->mutList || n->method->mutDict))
        n->pure = false;
    for (const NodeP &k : n->kids) {
        resolve(k, source);
        if (k && !k->pure)
            n->pure = false;
    }
}

} // namespace

NodeP parseTemplate(const std::string &src) { return TemplateParser(splitTemplate(src)).parse(); }

NodeP parseExpression(const std::string &expr)
{
    auto seq = mk(Node::Seq);
    auto out = mk(Node::Output);
    out->kids.push_back(ExprParser(lex(expr, 0)).parseAll());
    seq->kids.push_back(out);
    return seq;
}

// (Trees are at most kMaxNesting deep: the recursions below are bounded.)
void resolveNames(const NodeP &root, const std::string &source) { resolve(root, source); }

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

} // namespace auditlens::intake::jinja
