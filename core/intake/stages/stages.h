// SPDX-License-Identifier: MIT
#pragma once
// Private to core/intake/stages: what the stage families share.

#include "external.h"

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <vector>

namespace auditlens::intake::stages {

/// Read access to a stage's properties that never throws (yaml-cpp's accessors do).
class Properties
{
public:
    explicit Properties(const YAML::Node &node) : m_node(node) {}
    bool has(const char *key) const;
    /// The scalar text of a property; nothing when absent or null. Sets `ok` false when the
    /// property is present but not a scalar.
    std::optional<std::string> string(const char *key, bool *ok = nullptr) const;
    /// A boolean property (YAML true/false/yes/no); `fallback` when absent.
    bool boolean(const char *key, bool fallback, bool *ok = nullptr) const;
    /// A list of strings, or a single string split on `,`; nothing when absent.
    std::optional<std::vector<std::string>> stringList(const char *key, bool *ok = nullptr) const;
    /// A map of string to string (custom_patterns, patterns); nothing when absent.
    std::optional<std::vector<std::pair<std::string, std::string>>> stringMap(const char *key, bool *ok = nullptr) const;

private:
    YAML::Node child(const char *key) const;
    YAML::Node m_node;
};

using Compiler = std::unique_ptr<ExternalStage> (*)(const Properties &, std::string &);

std::unique_ptr<ExternalStage> compileKv(const Properties &p, std::string &error);
std::unique_ptr<ExternalStage> compileDsv(const Properties &p, std::string &error);
std::unique_ptr<ExternalStage> compileCef(const Properties &p, std::string &error);
std::unique_ptr<ExternalStage> compileLeef(const Properties &p, std::string &error);
std::unique_ptr<ExternalStage> compileXml(const Properties &p, std::string &error);
std::unique_ptr<ExternalStage> compileWindowsEvent(const Properties &p, std::string &error);
std::unique_ptr<ExternalStage> compileDict(const Properties &p, std::string &error);
std::unique_ptr<ExternalStage> compileGrokCaseMatch(const Properties &p, std::string &error);

/// The input as text: a string as is, a number or other value as Python's str().
bool inputText(const Json &input, std::string &text, std::string &error, const char *stage);

} // namespace auditlens::intake::stages
