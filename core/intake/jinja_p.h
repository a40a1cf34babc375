// SPDX-License-Identifier: MIT
// Private to the Jinja files (jinja*.cpp): the syntax tree, the tables of filters, tests,
// methods and functions it is resolved against, and the value helpers they share.
//
//   jinja_lexer.cpp    template text -> tags, expression text -> tokens
//   jinja_parser.cpp   tokens -> Node tree (Jinja's precedence), read paths, name resolution
//   jinja_eval.cpp     the Evaluator: expressions, statements, variable scopes
//   jinja_filters.cpp  the filter and test tables
//   jinja_methods.cpp  the method table (str, list, dict) and the global functions
//   jinja_values.cpp   Python semantics of values: ==, <, in, len, arithmetic, conversions
//   jinja_literal.cpp  Python's str()/repr() and ast.literal_eval
//   jinja.cpp          the Template class (jinja.h)
#pragma once

#include "jinja.h"

#include <algorithm>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace auditlens::intake::jinja {

/// How deep templates, expressions and literals may nest. Deeper input is refused at compile
/// (or, for a literal, not read as one) instead of exhausting the stack while parsing or
/// evaluating it.
constexpr int kMaxNesting = 128;

// ------------------------------------------------------------------------------------------
// Arguments of a call, a filter or a test, evaluated

struct Args
{
    std::vector<Json> pos;
    std::vector<std::pair<const std::string *, Json>> kw; ///< names point into the Node

    size_t size() const { return pos.size(); }
    bool empty() const { return pos.empty(); }
    const Json &operator[](size_t i) const { return pos[i]; }
    /// Positional argument `i`, else keyword `name`, else `dflt`.
    Json get(size_t i, std::string_view name, Json dflt) const
    {
        if (i < pos.size())
            return pos[i];
        for (const auto &[k, v] : kw)
            if (*k == name)
                return v;
        return dflt;
    }
};

// ------------------------------------------------------------------------------------------
// The tables a template is resolved against when it compiles

/// What a filter does with an undefined input (Jinja's Undefined).
enum class OnUndefined {
    Fail,    ///< raises: "filter 'x' on an undefined value"
    AsText,  ///< the input is '' (the string filters)
    AsEmpty, ///< the input is an empty list (the sequence filters)
    Pass,    ///< the filter sees the undefined value itself
};

using FilterFn = Json (*)(Json &input, const Args &args);
struct FilterEntry
{
    const char *name;
    FilterFn fn;
    OnUndefined onUndefined = OnUndefined::Fail;
    bool lenientInput = false; ///< an input that raises is undefined instead (`default`)
};

using TestFn = bool (*)(const Json &v, const std::vector<Json> &args);
struct TestEntry
{
    const char *name;
    TestFn fn;
    bool lenientInput = false; ///< an input that raises is undefined instead (`defined`)
};

using MethodFn = Json (*)(const Json &self, const Args &args);
using MutatorFn = Json (*)(Json &self, const Args &args);
/// A method by name, per type of its object; a mutator changes a local variable in place.
struct MethodEntry
{
    const char *name;
    MethodFn onStr = nullptr;
    MethodFn onList = nullptr;
    MethodFn onDict = nullptr;
    MutatorFn mutList = nullptr;
    MutatorFn mutDict = nullptr;
};

using FunctionFn = Json (*)(const Args &args);
struct FunctionEntry
{
    const char *name;
    FunctionFn fn;
};

/// The entry named `name` in a table sorted by name; nullptr when none has it.
template<typename Entry, size_t N>
const Entry *findIn(const Entry (&table)[N], std::string_view name)
{
    const Entry *it = std::lower_bound(std::begin(table), std::end(table), name,
                                       [](const Entry &e, std::string_view n) { return std::string_view(e.name) < n; });
    return it != std::end(table) && name == it->name ? it : nullptr;
}

/// nullptr when no entry has that name.
const FilterEntry *findFilter(std::string_view name);
const TestEntry *findTest(std::string_view name);
const MethodEntry *findMethod(std::string_view name);
const FunctionEntry *findFunction(std::string_view name);

// ------------------------------------------------------------------------------------------
// Syntax tree

/// Binary operators, resolved when the expression is parsed.
enum class BinOp { Eq, Ne, Lt, Gt, Le, Ge, In, Concat, Add, Sub, Mul, Div, FloorDiv, Mod, Pow };
const char *binOpName(BinOp op);

struct Node
{
    enum Kind {
        Lit, Name, Attr, Index, Slice, Call, Filter, Test, Not, Neg, Bin, And, Or, Cond, List, Dict,
        Text, Output, If, For, Set, Seq,
        Unpack // `*seq` among the positional arguments of a call, a filter or a test
    };
    Kind kind = Lit;
    Json lit;
    std::string name;                         // Name, Attr, Filter, Test, Text
    std::vector<std::shared_ptr<Node>> kids;  // operands / args / bodies
    std::vector<std::string> kwnames;         // Call/Filter: keyword arg names for the tail args
    std::vector<std::string> targets;         // For/Set
    bool negate = false;                      // Test "is not", Bin "not in"
    bool hasElse = false;                     // If/For
    int depth = 1;                            // height of the tree below (bounded at compile)
    size_t pos = 0;                           // byte in the template (diagnostics)
    BinOp op = BinOp::Eq;                     // Bin
    bool pure = true;                         // no method below changes a variable in place
    // resolved at compile (resolveNames): never null in a compiled template
    const FilterEntry *filter = nullptr;      // Filter
    const TestEntry *test = nullptr;          // Test
    const MethodEntry *method = nullptr;      // Call of `x.name(...)`
    const FunctionEntry *function = nullptr;  // Call of `name(...)`
};
using NodeP = std::shared_ptr<Node>;

NodeP mk(Node::Kind k, size_t pos = 0);

// ------------------------------------------------------------------------------------------
// Lexer and parser

struct Tok
{
    enum T { End, Name, Num, Str, Op } t = End;
    std::string s;
    Json num;
    size_t pos = 0;
};
/// Tokens of an expression; `base` is its byte offset in the template. Throws CompileError.
std::vector<Tok> lex(const std::string &src, size_t base);

struct TagTok
{
    enum K { Text, Expr, Stmt } k;
    std::string s;
    size_t pos;
};
/// Text, `{{ }}` and `{% %}` pieces of a template (comments dropped, `-` trims applied).
std::vector<TagTok> splitTemplate(const std::string &src);

/// The tree of a whole template / of one expression. Throws CompileError.
NodeP parseTemplate(const std::string &src);
NodeP parseExpression(const std::string &expr);
/// Binds every filter, test, method and function to its table entry; throws CompileError
/// naming the first unknown one and where it is in `source`.
void resolveNames(const NodeP &root, const std::string &source);
/// Dotted variable paths the tree reads.
void collectPaths(const NodeP &n, std::vector<std::string> &out);

// ------------------------------------------------------------------------------------------
// Evaluation

struct Env
{
    const Scope *outer;
    std::vector<std::pair<std::string, Json>> locals;
    size_t scope = 0; ///< locals from here on belong to the innermost for-loop body

    /// A local variable, for the methods that change their object in place (append, update…).
    Json *lookupLocal(const std::string &name);
    const Json *lookup(const std::string &name) const;
    /// `{% set %}` inside a for-loop body makes a variable of that iteration (Jinja's scoping):
    /// the outer one is read again by the next iteration and after the loop.
    void set(const std::string &name, Json v);
};

class Evaluator
{
public:
    explicit Evaluator(Env &env) : m_env(env) {}
    Json eval(const NodeP &n);
    void render(const NodeP &n, std::string &out);

private:
    const Json *ref(const NodeP &n, Json &tmp);
    Json *mutableRef(const NodeP &n);
    void bindTargets(const std::vector<std::string> &targets, const Json &v);
    Json slice(const Json &base, const NodeP &a, const NodeP &b, const NodeP &c);
    void evalArgs(const NodeP &n, size_t first, Args &args);
    Json call(const NodeP &n);
    Json applyFilter(const NodeP &n);
    bool applyTest(const NodeP &n);
    Json binary(const NodeP &n);
    bool isTrue(const NodeP &n);

    Env &m_env;
    std::vector<Json> m_loops;
};

// ------------------------------------------------------------------------------------------
// Values (jinja_values.cpp, jinja_literal.cpp)

[[noreturn]] void fail(const std::string &msg);

inline bool isNum(const Json &v) { return v.is_number() || v.is_boolean(); }
inline double toD(const Json &v) { return v.is_boolean() ? (v.get<bool>() ? 1.0 : 0.0) : v.get<double>(); }
inline bool isInt(const Json &v) { return v.is_number_integer() || v.is_boolean(); }
int64_t toI(const Json &v);
std::string typeName(const Json &v);
/// A dict key from any value (Python's str() of a non-string key).
inline std::string keyOf(const Json &k) { return k.is_string() ? k.get<std::string>() : pyStr(k); }

std::string pyFloat(double d);
std::string pyRepr(const Json &v);
bool pyEq(const Json &a, const Json &b);
int pyCmp(const Json &a, const Json &b);
bool pyIn(const Json &needle, const Json &hay);
int64_t pyLen(const Json &v);
/// Byte offsets where the code points of `s` start, then `s.size()`: Python indexes, slices
/// and iterates a str by code point, not by byte.
std::vector<size_t> codePointStarts(const std::string &s);
Json arith(BinOp op, const Json &a, const Json &b);
/// `base[key]` for dicts, lists and strings; undefined when missing.
Json getItem(const Json &base, const Json &key);

const std::string &strArg(const Args &args, size_t i, const char *what);
std::string stripStr(const std::string &s, const std::string &chars, bool left, bool right);
Json splitStr(const std::string &s, const Json &sepArg, int64_t maxsplit);
std::string replaceAll(std::string s, const std::string &from, const std::string &to, int64_t count = -1);
std::string toJsonText(const Json &v);
Json toIntValue(const Json &v, const Json &dflt);
Json toFloatValue(const Json &v, const Json &dflt);
/// Python's `text % args`.
std::string pyPercentFormat(const std::string &fmt, const std::vector<Json> &args);
/// A rendered or returned text read back as a list, dict or None when it is one.
bool literalContainer(const std::string &text, Json &out);

} // namespace auditlens::intake::jinja
