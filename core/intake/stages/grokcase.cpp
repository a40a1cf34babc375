// SPDX-License-Identifier: MIT
// grok.case_match: `patterns` maps keys to grok patterns; the record's `pattern_key` (a
// template) picks one, which must match the whole input. An unknown key is a failure; a
// pattern that does not match gives an empty dict, as grok.match does.
#include "stages.h"

#include "../grok.h"

#include <map>

namespace auditlens::intake::stages {

namespace {

class GrokCaseStage final : public ExternalStage
{
public:
    bool compile(const Properties &p, std::string &error)
    {
        bool ok = true;
        const auto patterns = p.stringMap("patterns", &ok);
        const auto key = p.string("pattern_key", &ok);
        const auto custom = p.stringMap("custom_patterns", &ok);
        if (!ok || !patterns || !key) {
            error = "it needs 'patterns' (a map of key to pattern) and 'pattern_key'"
                    + std::string(custom || !p.has("custom_patterns") ? "" : ", and 'custom_patterns' must be a map");
            return false;
        }
        std::map<std::string, std::string> customMap;
        if (custom)
            for (const auto &[k, v] : *custom)
                customMap[k] = v;
        for (const auto &[k, v] : *patterns) {
            std::string gerr;
            if (!m_patterns[k].compile(v, customMap, gerr)) {
                error = "pattern '" + k + "': " + gerr;
                return false;
            }
        }
        if (key->find("{{") == std::string::npos && key->find("{%") == std::string::npos) {
            m_constantKey = *key;
            m_isConstant = true;
            return true;
        }
        try {
            m_key = Template(*key);
        } catch (const CompileError &ce) {
            error = "pattern_key does not compile: " + std::string(ce.what());
            return false;
        }
        return true;
    }

    std::vector<std::string> paths() const override { return m_isConstant ? std::vector<std::string>{} : m_key.paths(); }

    bool run(const Json &, Json &, std::string &error) const override
    {
        error = "its pattern_key needs the record (runInRecord)";
        return false;
    }

    bool runInRecord(const Json &input, const Scope &scope, Json &output, std::string &error) const override
    {
        Json key = m_constantKey;
        std::string kerr;
        if (!m_isConstant && !m_key.tryEvaluate(scope, key, kerr)) {
            error = "pattern_key failed: " + kerr;
            return false;
        }
        const std::string name = key.is_string() ? key.get<std::string>() : pyStr(key);
        auto it = m_patterns.find(name);
        if (it == m_patterns.end()) {
            error = "no pattern for the key '" + name.substr(0, 60) + "'";
            return false;
        }
        std::string text;
        if (!inputText(input, text, error, "grok.case_match"))
            return false;
        Json m = it->second.match(text);
        output = isUndefined(m) ? Json::object() : std::move(m);
        return true;
    }

private:
    std::map<std::string, Grok> m_patterns;
    Template m_key;
    std::string m_constantKey;
    bool m_isConstant = false;
};

} // namespace

std::unique_ptr<ExternalStage> compileGrokCaseMatch(const Properties &p, std::string &error)
{
    auto stage = std::make_unique<GrokCaseStage>();
    if (!stage->compile(p, error))
        return nullptr;
    return stage;
}

} // namespace auditlens::intake::stages
