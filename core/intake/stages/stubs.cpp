// SPDX-License-Identifier: MIT
// Placeholders for the stage families not written yet.
#include "stages.h"

namespace auditlens::intake::stages {

namespace {
std::unique_ptr<ExternalStage> notYet(const char *name, std::string &error)
{
    error = std::string(name) + ": not implemented yet";
    return nullptr;
}
} // namespace

std::unique_ptr<ExternalStage> compileGrokCaseMatch(const Properties &, std::string &e) { return notYet("grok.case_match", e); }

} // namespace auditlens::intake::stages
