// SPDX-License-Identifier: MIT
#include "external.h"

#include "stages.h"

#include <yaml-cpp/yaml.h>

#include <cstring>

namespace auditlens::intake {

namespace {

struct Family
{
    const char *name;
    stages::Compiler compile;
};

const Family kFamilies[] = {
    {"kv.parse-kv", &stages::compileKv},
    {"dsv.parse-dsv", &stages::compileDsv},
    {"cef.parse-cef", &stages::compileCef},
    {"leef.parse-leef", &stages::compileLeef},
    {"xml.parse-xml", &stages::compileXml},
    {"xml.parse-windows-event", &stages::compileWindowsEvent},
    {"dict.parse", &stages::compileDict},
    {"grok.case_match", &stages::compileGrokCaseMatch},
};

} // namespace

bool isExternalStageName(const std::string &name)
{
    for (const Family &f : kFamilies)
        if (name == f.name)
            return true;
    return false;
}

std::unique_ptr<ExternalStage> compileExternalStage(const std::string &name, const YAML::Node &properties, std::string &error)
{
    for (const Family &f : kFamilies) {
        if (name != f.name)
            continue;
        try {
            const stages::Properties props(properties);
            auto stage = f.compile(props, error);
            if (!stage && error.empty())
                error = "invalid properties";
            return stage;
        } catch (const std::exception &ex) {
            error = ex.what();
            return nullptr;
        }
    }
    error = "unknown external stage '" + name + "'";
    return nullptr;
}

} // namespace auditlens::intake
