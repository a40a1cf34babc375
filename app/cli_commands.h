// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace auditlens {
class EventStore;
}

namespace auditlens::cli {

/// Each returns the process exit code: 0 success, 1 some records rejected / errors found,
/// 2 usage error or nothing could be read.
int runNormalize(const std::vector<std::string> &args);
int runStats(const std::vector<std::string> &args);
int runValidate(const std::vector<std::string> &args);
int runTestIntake(const std::vector<std::string> &args);
int runLogpush(const std::vector<std::string> &args);
int runReceive(const std::vector<std::string> &args);
int runPush(const std::vector<std::string> &args);
int runFetch(const std::vector<std::string> &args);
int runSearch(const std::vector<std::string> &args);
/// ClickHouse trail (cli_clickhouse.cpp): clickhouse init, ship, stats --clickhouse.
int runClickhouse(const std::vector<std::string> &args);
int runShip(const std::vector<std::string> &args);
int runStatsClickhouse(const std::vector<std::string> &args);
int runSearchClickhouse(const std::vector<std::string> &args);
bool clickhouseRequested(const std::vector<std::string> &args);
/// Inputs with directories expanded (a receiver journal, or a folder of logs).
std::vector<std::string> expandInputs(const std::vector<std::string> &inputs);
/// Loads the inputs (directories expanded) into `store`, diagnostics on stderr. False when no
/// input could be opened.
/// `columns` false: the store's dictionary columns are not built (see EventStore::LoadOptions).
bool loadInputs(EventStore &store, const std::vector<std::string> &inputs, unsigned threads = 0, uint64_t *bytes = nullptr,
                bool columns = true);

} // namespace auditlens::cli
