// SPDX-License-Identifier: MIT
// The compiled form of a parser, shared by the loader (compile.cpp) and the run (run.cpp,
// enrichment.cpp). Not part of the public interface.
#pragma once

#include "engine.h"
#include "grok.h"
#include "stages/external.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace auditlens::intake {

namespace detail {

/// A value as written in parser.yml: a template, or a list/dict whose members may be templates.
struct ValueSpec
{
    enum Kind { Tmpl, Const, List, Dict } kind = Const;
    Template tmpl;
    Json constant;
    std::vector<ValueSpec> items;
    std::vector<std::string> keys;
    std::string text; ///< as written (for provenance)

    void paths(std::vector<std::string> &out) const
    {
        if (kind == Tmpl)
            for (const auto &p : tmpl.paths())
                if (std::find(out.begin(), out.end(), p) == out.end())
                    out.push_back(p);
        for (const ValueSpec &i : items)
            i.paths(out);
    }
};

struct Action
{
    enum Kind { Set, Translate, Delete } kind = Set;
    int line = 0;
    bool hasFilter = false;
    Template filter;
    std::vector<std::pair<std::string, ValueSpec>> sets;
    std::vector<const FieldInfo *> setInfos; ///< taxonomy entry of each set target, resolved once
    Json dictionary = Json::object();
    std::vector<std::pair<Template, std::string>> mapping; // source expression -> target field
    bool hasFallback = false;
    ValueSpec fallback;
    std::vector<std::string> deletes;
};

struct Stage
{
    std::string name;
    std::vector<Action> actions;
    bool layer = false; ///< templates read `<name>.…`: what the stage sets is also kept under its name
};

struct Entry
{
    std::string name;
    bool hasFilter = false;
    Template filter;
    bool external = false;
    std::string extName;
    Template input;
    bool inputIsOriginalMessage = false;
    std::string outputField = "message";
    Grok grok;
    Json props = Json::object();
    int line = 0;
    bool disabled = false; ///< does not compile: skipped (the layer stays undefined)
    std::string dateFormat;
    bool hasTimezone = false;
    Template timezone;
    std::shared_ptr<const ExternalStage> stage; ///< the other external stages (kv, dsv, cef, leef, xml, dict, grok.case_match)
};

} // namespace detail

struct IntakeParser::Impl
{
    std::string name;
    std::string label;
    std::vector<std::string> warnings;
    std::vector<detail::Entry> pipeline;
    std::map<std::string, detail::Stage> stages;
    std::vector<Json> ignored;
    Taxonomy taxonomy;
    bool allRawKeys = true;
    std::vector<std::string> rawKeys;
};

} // namespace auditlens::intake
