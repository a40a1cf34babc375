// SPDX-License-Identifier: MIT
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace auditlens::intake {

/// One Sekoia.io intake test (`tests/*.json`: input.message -> expected) run through our engine.
struct IntakeTestResult
{
    std::string intake; ///< the intake directory name
    std::string test;   ///< the test file name
    bool passed = false;
    std::string problem; ///< why it failed: parser error, rejected record or a JSON patch of the differences
    std::vector<std::string> issues; ///< with `explain`: the run's evaluation problems of a failed test
};

/// A test's event in the order the corpus harness (utils/test_formats.py) compares it: every
/// list sorted, a list of scalars by value, a list whose first member is a dict by the members'
/// key sets (Python compares those as sets: a proper subset is less; the order CPython's sort
/// gives under that partial order is kept) and without sorting inside those members.
nlohmann::json harnessOrder(nlohmann::json event);

/// Finds every intake under `dir` (a directory with ingest/parser.yml, or `dir` itself) and runs
/// its tests with its own parser. Comparison as the corpus harness does it (harnessOrder), `message` not
/// compared. False + error when `dir` holds no intake.
/// With `explain`, failed tests carry the problems met while running them (load warnings
/// included) in `issues`.
bool runIntakeTests(const std::string &dir, std::vector<IntakeTestResult> &results, std::string &error,
                    bool explain = false);

} // namespace auditlens::intake
