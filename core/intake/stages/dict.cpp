// SPDX-License-Identifier: MIT
// dict.parse: a Python literal (the repr of a dict, as Cisco ESA writes its attachment and URL
// details): str, int, float, True/False/None, list, tuple and dict. Read by the engine's own
// literal reader (literalEval, which the templates use too), after a bound on the nesting.
#include "stages.h"

#include "util/ascii.h"

namespace auditlens::intake::stages {

namespace {

constexpr int kMaxNesting = 128;

/// The deepest bracket nesting outside string literals.
int nesting(const std::string &s)
{
    int depth = 0, deepest = 0;
    char quote = 0;
    for (size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (quote) {
            if (c == '\\')
                ++i;
            else if (c == quote)
                quote = 0;
            continue;
        }
        if (c == '\'' || c == '"')
            quote = c;
        else if (c == '[' || c == '(' || c == '{')
            deepest = std::max(deepest, ++depth);
        else if (c == ']' || c == ')' || c == '}')
            --depth;
    }
    return deepest;
}

class DictStage final : public ExternalStage
{
public:
    bool run(const Json &input, Json &output, std::string &error) const override
    {
        if (input.is_object() || input.is_array()) { // a template already read the literal
            output = input;
            return true;
        }
        if (!input.is_string()) {
            error = "the input is not a text";
            return false;
        }
        const std::string text(trimSpace(input.get_ref<const std::string &>()));
        if (nesting(text) > kMaxNesting) {
            error = "the literal nests deeper than " + std::to_string(kMaxNesting) + " levels";
            return false;
        }
        Json v = literalEval(text);
        if (isUndefined(v)) {
            error = "not a Python literal: " + text.substr(0, 60);
            return false;
        }
        output = std::move(v);
        return true;
    }
};

} // namespace

std::unique_ptr<ExternalStage> compileDict(const Properties &, std::string &)
{
    return std::make_unique<DictStage>();
}

} // namespace auditlens::intake::stages
