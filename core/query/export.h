// SPDX-License-Identifier: MIT
#pragma once

#include "store/eventstore.h"

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace auditlens::intake {
class IntakeParser;
}

namespace auditlens::query {

enum class ExportFormat { RawNdjson, EcsNdjson, Csv };

/// The format a file name asks for: `.ecs.ndjson` ECS records, `.csv` CSV, `.ndjson` /
/// `.jsonl` / `.json` raw records (case-insensitive). Nothing for other names.
std::optional<ExportFormat> exportFormatForName(std::string_view fileName);

/// One CSV field (RFC 4180): quoted when it holds a comma, a quote, CR or LF.
void appendCsvField(std::string &out, std::string_view field);

/// Where exported bytes go; false stops the export (a write error).
using ExportSink = std::function<bool(std::string_view bytes)>;

struct ExportOptions
{
    ExportFormat format = ExportFormat::RawNdjson;
    const intake::IntakeParser *parser = nullptr; ///< EcsNdjson
    /// Csv: the header and the cells of a row (from its raw record); every value in full.
    std::vector<std::string> header;
    std::function<std::vector<std::string>(uint32_t row, std::string_view raw)> cells;
    std::function<void(size_t done)> progress; ///< every few thousand rows
    const std::atomic<bool> *cancel = nullptr;
};

struct ExportResult
{
    bool ok = false;
    size_t written = 0;       ///< records (rows) written
    size_t unreadable = 0;    ///< records that could not be read back or normalized (listed in errors)
    std::vector<std::string> errors;
    bool cancelled = false;
};

/// Writes `rows` of `snap` in the given order: raw NDJSON (each record as compact JSON, as
/// read), ECS NDJSON (the parser's record per line), or CSV (CRLF line ends).
ExportResult exportRows(const Snapshot &snap, const std::vector<uint32_t> &rows, const ExportOptions &opts,
                        const ExportSink &sink);

/// A record's raw JSON on one line (pretty-printed records are minified).
std::string compactRecord(std::string_view raw);

} // namespace auditlens::query
