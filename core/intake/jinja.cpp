// SPDX-License-Identifier: MIT
// A Jinja subset as the Sekoia.io intake language uses it: expressions, filters, tests,
// method calls on strings/dicts/lists, and the statements if/elif/else, for and set. This
// file is the Template class; jinja_p.h lists the others (lexer, parser, evaluator, tables).
#include "jinja_p.h"

namespace auditlens::intake {

using namespace jinja;

Template::Template(const std::string &source) : m_source(source)
{
    std::string src = source;
    if (!src.empty() && src.back() == '\n') // Jinja drops a single trailing newline
        src.pop_back();
    m_root = parseTemplate(src);
    resolveNames(m_root, src);
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
    if (literal && cur->is_string() && literalContainer(cur->get_ref<const std::string &>(), out))
        return true;
    out = *cur;
    return true;
}

Template compileExpression(const std::string &expr)
{
    Template t;
    t.m_source = "{{" + expr + "}}";
    t.m_root = parseExpression(expr);
    resolveNames(t.m_root, expr);
    collectPaths(t.m_root, t.m_paths);
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
        Json lit;
        if (v.is_string() && literalContainer(v.get_ref<const std::string &>(), lit))
            return lit;
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
