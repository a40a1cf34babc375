// SPDX-License-Identifier: MIT
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace auditlens::intake {

/// Values of the intake language. JSON plus "undefined", which is nlohmann's `discarded`.
using Json = nlohmann::ordered_json;
inline Json undefinedValue() { return Json(Json::value_t::discarded); }
inline bool isUndefined(const Json &v) { return v.is_discarded(); }

/// Raised while evaluating (attribute of undefined, bad operand types, unknown filter…).
/// The caller leaves the field unset or counts the filter as false.
struct EvalError : std::runtime_error
{
    using std::runtime_error::runtime_error;
};

/// Raised when a template or expression cannot be compiled.
struct CompileError : std::runtime_error
{
    CompileError(const std::string &what, size_t pos) : std::runtime_error(what), position(pos) {}
    size_t position;
};

/// Variable lookup for a template: a pointer to the value (valid during the evaluation), or
/// nullptr for unknown names (undefined).
using Scope = std::function<const Json *(const std::string &name)>;

bool truthy(const Json &v);
/// Python's str() of a value (None, True, 1.5, ['a'], {'k': 'v'}); undefined is "".
std::string pyStr(const Json &v);
/// Python's ast.literal_eval on text; undefinedValue() when the text is not a literal.
Json literalEval(const std::string &text);

namespace jinja {
struct Node;
}

/// A compiled template: text with `{{ expr }}` and `{% if/elif/else/for/set %}` statements.
class Template
{
public:
    Template() = default;
    /// Compiles; throws CompileError. Every filter, test, method and function the template
    /// names is looked up here: an unknown one is a CompileError saying which and where.
    explicit Template(const std::string &source);

    /// Native value for a template that is one `{{ expression }}`; otherwise the rendered text
    /// read back as a Python literal when it is one. Throws EvalError.
    Json evaluate(const Scope &scope) const;
    /// Like evaluate() but reports failures through `error` instead of throwing (fast path for
    /// plain variable paths, which are most templates).
    bool tryEvaluate(const Scope &scope, Json &out, std::string &error) const;
    /// Like tryEvaluate(), but a plain path (`{{ a.b }}`) gives its value as it is: a text that
    /// looks like a Python literal stays text (the input of a stage: `{{original.message}}`).
    bool tryEvaluateValue(const Scope &scope, Json &out, std::string &error) const;

    bool isConstant() const;
    const std::string &source() const { return m_source; }
    /// Dotted variable paths the template reads (e.g. "parsed_event.message.ActorIP").
    const std::vector<std::string> &paths() const { return m_paths; }

private:
    friend Template compileExpression(const std::string &expr);
    std::string m_source;
    std::shared_ptr<jinja::Node> m_root;
    std::vector<std::string> m_paths;
    struct Seg
    {
        std::string key;
        int64_t index = 0;
        bool isIndex = false;
    };
    std::vector<Seg> m_plainPath; ///< non-empty when the template is `{{ a.b[0].c }}`
    void detectPlainPath();
    bool evaluatePlain(const Scope &scope, Json &out, std::string &error, bool literal) const;
};

/// An expression alone (for bare dotted paths and filters written without braces).
Template compileExpression(const std::string &expr);

} // namespace auditlens::intake
