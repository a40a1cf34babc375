// SPDX-License-Identifier: MIT
#pragma once

#include "../jinja.h"

#include <memory>
#include <string>
#include <vector>

namespace YAML {
class Node;
}

namespace auditlens::intake {

/// An external stage of the intake language other than json.parse-json, grok.match and
/// date.parse (which the engine runs itself): kv.parse-kv, dsv.parse-dsv, cef.parse-cef,
/// leef.parse-leef, xml.parse-xml, xml.parse-windows-event, dict.parse, grok.case_match.
/// Compiled once per parser; run() is const and thread-safe. Error texts say what went wrong
/// without repeating the stage's name (the caller names the stage and the entry).
class ExternalStage
{
public:
    virtual ~ExternalStage() = default;
    /// Runs on the evaluated input value; false + error on failure, never throws.
    virtual bool run(const Json &input, Json &output, std::string &error) const = 0;
    /// The same with the record's variables, for stages whose other properties are templates
    /// (grok.case_match's `pattern_key`). The engine should call this one; the default ignores
    /// the scope. False + error on failure, never throws.
    virtual bool runInRecord(const Json &input, const Scope &scope, Json &output, std::string &error) const
    {
        (void)scope;
        return run(input, output, error);
    }
    /// The dotted variable paths the stage's own templates read (grok.case_match's
    /// `pattern_key`), for the engine's analysis of which layers and raw keys a parser reads.
    virtual std::vector<std::string> paths() const { return {}; }
};

/// nullptr + error when the name is not one of these stages or a property is invalid.
/// `properties` is the stage's `external.properties` node (input_field / output_field are the
/// engine's; the stage reads the others). Never throws.
std::unique_ptr<ExternalStage> compileExternalStage(const std::string &name, const YAML::Node &properties, std::string &error);
/// True for the names compileExternalStage() knows.
bool isExternalStageName(const std::string &name);

} // namespace auditlens::intake
