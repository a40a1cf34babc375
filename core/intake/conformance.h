// SPDX-License-Identifier: MIT
#pragma once

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

/// Finds every intake under `dir` (a directory with ingest/parser.yml, or `dir` itself) and runs
/// its tests with its own parser. Comparison as the corpus harness does it: lists of scalars
/// without regard to order, `message` not compared. False + error when `dir` holds no intake.
/// With `explain`, failed tests carry the problems met while running them (load warnings
/// included) in `issues`.
bool runIntakeTests(const std::string &dir, std::vector<IntakeTestResult> &results, std::string &error,
                    bool explain = false);

} // namespace auditlens::intake
