// SPDX-License-Identifier: MIT
#include "stages.h"

namespace auditlens::intake::stages {

YAML::Node Properties::child(const char *key) const
{
    try {
        if (!m_node || !m_node.IsMap())
            return YAML::Node();
        for (auto it = m_node.begin(); it != m_node.end(); ++it)
            if (it->first.IsScalar() && it->first.Scalar() == key)
                return it->second;
    } catch (const std::exception &) {
    }
    return YAML::Node();
}

bool Properties::has(const char *key) const
{
    const YAML::Node n = child(key);
    return n.IsDefined() && !n.IsNull();
}

std::optional<std::string> Properties::string(const char *key, bool *ok) const
{
    const YAML::Node n = child(key);
    if (!n.IsDefined() || n.IsNull())
        return std::nullopt;
    if (!n.IsScalar()) {
        if (ok)
            *ok = false;
        return std::nullopt;
    }
    return n.Scalar();
}

bool Properties::boolean(const char *key, bool fallback, bool *ok) const
{
    const auto s = string(key, ok);
    if (!s)
        return fallback;
    std::string v;
    for (char c : *s)
        v += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (v == "true" || v == "yes" || v == "on" || v == "1")
        return true;
    if (v == "false" || v == "no" || v == "off" || v == "0")
        return false;
    if (ok)
        *ok = false;
    return fallback;
}

std::optional<std::vector<std::string>> Properties::stringList(const char *key, bool *ok) const
{
    const YAML::Node n = child(key);
    if (!n.IsDefined() || n.IsNull())
        return std::nullopt;
    std::vector<std::string> out;
    if (n.IsSequence()) {
        for (auto it = n.begin(); it != n.end(); ++it) {
            if (!it->IsScalar()) {
                if (ok)
                    *ok = false;
                return std::nullopt;
            }
            out.push_back(it->Scalar());
        }
        return out;
    }
    if (n.IsScalar()) {
        const std::string &s = n.Scalar();
        size_t start = 0;
        while (true) {
            const size_t comma = s.find(',', start);
            std::string item = s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
            const size_t b = item.find_first_not_of(" \t");
            const size_t e = item.find_last_not_of(" \t");
            out.push_back(b == std::string::npos ? std::string() : item.substr(b, e - b + 1));
            if (comma == std::string::npos)
                break;
            start = comma + 1;
        }
        return out;
    }
    if (ok)
        *ok = false;
    return std::nullopt;
}

std::optional<std::vector<std::pair<std::string, std::string>>> Properties::stringMap(const char *key, bool *ok) const
{
    const YAML::Node n = child(key);
    if (!n.IsDefined() || n.IsNull())
        return std::nullopt;
    if (!n.IsMap()) {
        if (ok)
            *ok = false;
        return std::nullopt;
    }
    std::vector<std::pair<std::string, std::string>> out;
    for (auto it = n.begin(); it != n.end(); ++it) {
        if (!it->first.IsScalar() || !it->second.IsScalar()) {
            if (ok)
                *ok = false;
            return std::nullopt;
        }
        out.emplace_back(it->first.Scalar(), it->second.Scalar());
    }
    return out;
}

bool inputText(const Json &input, std::string &text, std::string &error, const char *)
{
    if (input.is_string()) {
        text = input.get<std::string>();
        return true;
    }
    if (isUndefined(input) || input.is_null()) {
        error = "the input is empty";
        return false;
    }
    text = pyStr(input);
    return true;
}

} // namespace auditlens::intake::stages
