// SPDX-License-Identifier: MIT
// The evaluator: expressions to values and statements to text, over the variables of a Scope
// and the template's own locals. Filters, tests, methods and functions are called through the
// table entries the parser resolved (jinja_filters.cpp, jinja_methods.cpp).
#include "jinja_p.h"

#include <algorithm>

namespace auditlens::intake::jinja {

// ------------------------------------------------------------------------------------------
// Variables

Json *Env::lookupLocal(const std::string &name)
{
    for (auto it = locals.rbegin(); it != locals.rend(); ++it)
        if (it->first == name)
            return &it->second;
    return nullptr;
}

const Json *Env::lookup(const std::string &name) const
{
    for (auto it = locals.rbegin(); it != locals.rend(); ++it)
        if (it->first == name)
            return &it->second;
    return (*outer)(name);
}

void Env::set(const std::string &name, Json v)
{
    for (size_t i = locals.size(); i > scope; --i)
        if (locals[i - 1].first == name) {
            locals[i - 1].second = std::move(v);
            return;
        }
    locals.emplace_back(name, std::move(v));
}

// ------------------------------------------------------------------------------------------
// Expressions

Json Evaluator::eval(const NodeP &n)
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
    case Node::Not: {
        Json tmp;
        return !truthy(*ref(n->kids[0], tmp));
    }
    case Node::Neg: {
        const Json v = eval(n->kids[0]);
        if (isInt(v))
            return -toI(v);
        if (v.is_number_float())
            return -v.get<double>();
        fail("bad operand type for unary -: " + typeName(v));
    }
    case Node::And:
    case Node::Or: {
        Json tmp;
        const Json *a = ref(n->kids[0], tmp);
        if (truthy(*a) == (n->kind == Node::And))
            return eval(n->kids[1]);
        return a == &tmp ? std::move(tmp) : *a;
    }
    case Node::Cond: {
        if (isTrue(n->kids[0]))
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

void Evaluator::render(const NodeP &n, std::string &out)
{
    switch (n->kind) {
    case Node::Seq:
        for (const NodeP &k : n->kids)
            render(k, out);
        return;
    case Node::Text: out += n->name; return;
    case Node::Output: {
        Json tmp;
        const Json *v = ref(n->kids[0], tmp);
        if (v->is_string())
            out += v->get_ref<const std::string &>();
        else
            out += pyStr(*v);
        return;
    }
    case Node::If: {
        size_t i = 0;
        for (; i + 1 < n->kids.size(); i += 2) {
            if (isTrue(n->kids[i])) {
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
        } else if (seq.is_string()) { // by code point
            const std::string &text = seq.get_ref<const std::string &>();
            const std::vector<size_t> starts = codePointStarts(text);
            for (size_t i = 0; i + 1 < starts.size(); ++i)
                items.push_back(text.substr(starts[i], starts[i + 1] - starts[i]));
        } else if (!isUndefined(seq) && !seq.is_null())
            fail("'" + typeName(seq) + "' object is not iterable");
        else if (seq.is_null())
            fail("'NoneType' object is not iterable");
        const size_t mark = m_env.locals.size();
        const size_t outerScope = m_env.scope;
        m_env.scope = mark;
        // The loop filter sees each item in the loop's own scope; loop.index, length… then
        // count only the items it keeps (Jinja).
        if (const NodeP &cond = n->kids[3]) {
            Json kept = Json::array();
            for (const Json &it : items) {
                m_env.locals.resize(mark);
                bindTargets(n->targets, it);
                if (isTrue(cond))
                    kept.push_back(it);
            }
            items = std::move(kept);
        }
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
            bindTargets(n->targets, v);
        return;
    }
    default: out += pyStr(eval(n)); return;
    }
}

/// Resolves variable paths without copying the containers they walk through.
const Json *Evaluator::ref(const NodeP &n, Json &tmp)
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

void Evaluator::bindTargets(const std::vector<std::string> &targets, const Json &v)
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
}

Json Evaluator::slice(const Json &base, const NodeP &a, const NodeP &b, const NodeP &c)
{
    if (!base.is_array() && !base.is_string())
        fail("cannot slice " + typeName(base));
    std::vector<size_t> starts; // a str is sliced by code point
    if (base.is_string())
        starts = codePointStarts(base.get_ref<const std::string &>());
    const int64_t len = base.is_array() ? int64_t(base.size()) : int64_t(starts.size() - 1);
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
    if (base.is_string() && step == 1) {
        if (start < stop)
            s = base.get_ref<const std::string &>().substr(starts[size_t(start)], starts[size_t(stop)] - starts[size_t(start)]);
        return Json(std::move(s));
    }
    for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
        if (base.is_array())
            arr.push_back(base[size_t(i)]);
        else {
            const size_t from = starts[size_t(i)];
            s.append(base.get_ref<const std::string &>(), from, starts[size_t(i) + 1] - from);
        }
    }
    return base.is_array() ? arr : Json(s);
}

void Evaluator::evalArgs(const NodeP &n, size_t first, Args &args)
{
    const size_t nkw = n->kwnames.size();
    const size_t npos = n->kids.size() - first - nkw;
    args.pos.reserve(npos);
    for (size_t i = 0; i < npos; ++i) {
        const NodeP &k = n->kids[first + i];
        if (k->kind != Node::Unpack) {
            args.pos.push_back(eval(k));
            continue;
        }
        const Json seq = eval(k->kids[0]); // Python's *seq: any iterable
        if (seq.is_array())
            args.pos.insert(args.pos.end(), seq.begin(), seq.end());
        else if (seq.is_object())
            for (auto it = seq.begin(); it != seq.end(); ++it)
                args.pos.push_back(it.key());
        else if (seq.is_string()) {
            const std::string &text = seq.get_ref<const std::string &>();
            const std::vector<size_t> at = codePointStarts(text);
            for (size_t j = 0; j + 1 < at.size(); ++j)
                args.pos.push_back(text.substr(at[j], at[j + 1] - at[j]));
        } else
            fail("argument after * must be an iterable, not " + typeName(seq));
    }
    for (size_t i = 0; i < nkw; ++i)
        args.kw.emplace_back(&n->kwnames[i], eval(n->kids[first + npos + i]));
}

Json Evaluator::call(const NodeP &n)
{
    Args args;
    const NodeP &callee = n->kids[0];
    if (n->function) {
        evalArgs(n, 1, args);
        return n->function->fn(args);
    }
    const MethodEntry &m = *n->method;
    Json tmp;
    const Json *self = ref(callee->kids[0], tmp);
    evalArgs(n, 1, args);
    if (isUndefined(*self))
        fail("'" + callee->name + "()' on an undefined value");
    if (MutatorFn mut = self->is_array() ? m.mutList : self->is_object() ? m.mutDict : nullptr) {
        // Python changes the object itself: a local variable is changed in place, any other
        // value (a layer, a literal) is left as it is and only the result counts
        Json *target = mutableRef(callee->kids[0]);
        Json copy;
        if (!target) {
            copy = *self;
            target = &copy;
        }
        return mut(*target, args);
    }
    const MethodFn fn = self->is_string() ? m.onStr : self->is_array() ? m.onList : self->is_object() ? m.onDict : nullptr;
    if (!fn)
        fail("'" + typeName(*self) + "' has no method '" + callee->name + "'");
    return fn(*self, args);
}

/// The local variable (or a member of one) an expression names, or nullptr.
Json *Evaluator::mutableRef(const NodeP &n)
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


Json Evaluator::applyFilter(const NodeP &n)
{
    const FilterEntry &f = *n->filter;
    Json v;
    if (f.lenientInput) {
        try {
            v = eval(n->kids[0]);
        } catch (const EvalError &) {
            v = undefinedValue();
        }
    } else {
        v = eval(n->kids[0]);
    }
    Args args;
    evalArgs(n, 1, args);
    if (isUndefined(v)) {
        // Jinja's Undefined is '' to the string filters and an empty sequence to the others
        switch (f.onUndefined) {
        case OnUndefined::Fail: fail("filter '" + n->name + "' on an undefined value");
        case OnUndefined::AsText: v = std::string(); break;
        case OnUndefined::AsEmpty: v = Json::array(); break;
        case OnUndefined::Pass: break;
        }
    }
    return f.fn(v, args);
}

bool Evaluator::isTrue(const NodeP &n)
{
    Json tmp;
    return truthy(*ref(n, tmp));
}

bool Evaluator::applyTest(const NodeP &n)
{
    static const Json undefined = undefinedValue();
    Json tmp;
    const Json *v = &undefined;
    if (n->test->lenientInput) {
        try {
            v = ref(n->kids[0], tmp);
        } catch (const EvalError &) {
            v = &undefined;
        }
    } else {
        v = ref(n->kids[0], tmp);
    }
    if (n->kids.size() == 1) // most tests: `is defined`, `is string`
        return n->test->fn(*v, {});
    if (v == &tmp || !n->pure) { // the arguments could change what v points into
        const Json value = *v;
        Args args;
        evalArgs(n, 1, args);
        return n->test->fn(value, args.pos);
    }
    Args args;
    evalArgs(n, 1, args);
    return n->test->fn(*v, args.pos);
}

Json Evaluator::binary(const NodeP &n)
{
    // the operands are read in place unless the right one calls a method that changes a
    // variable (which could move what the left one points into)
    Json ta, tb;
    const Json *pa = ref(n->kids[0], ta);
    if (pa != &ta && !n->kids[1]->pure) {
        ta = *pa;
        pa = &ta;
    }
    const Json &a = *pa;
    const Json &b = *ref(n->kids[1], tb);
    switch (n->op) {
    case BinOp::Eq: return pyEq(a, b);
    case BinOp::Ne: return !pyEq(a, b);
    case BinOp::In: return pyIn(a, b) != n->negate;
    case BinOp::Concat: return pyStr(a) + pyStr(b);
    case BinOp::Lt:
    case BinOp::Gt:
    case BinOp::Le:
    case BinOp::Ge: {
        if (isUndefined(a) || isUndefined(b))
            fail("comparison with an undefined value");
        const int c = pyCmp(a, b);
        return n->op == BinOp::Lt ? c < 0 : n->op == BinOp::Gt ? c > 0 : n->op == BinOp::Le ? c <= 0 : c >= 0;
    }
    default: return arith(n->op, a, b);
    }
}

} // namespace auditlens::intake::jinja
