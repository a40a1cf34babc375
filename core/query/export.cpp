// SPDX-License-Identifier: MIT
#include "export.h"

#include "intake/normalizer.h"
#include "util/ascii.h"

#include <simdjson.h>

namespace auditlens::query {

std::optional<ExportFormat> exportFormatForName(std::string_view fileName)
{
    const std::string name = asciiLower(std::string(fileName));
    const auto ends = [&](std::string_view s) { return name.size() >= s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0; };
    if (ends(".ecs.ndjson") || ends(".ecs.jsonl"))
        return ExportFormat::EcsNdjson;
    if (ends(".csv"))
        return ExportFormat::Csv;
    if (ends(".ndjson") || ends(".jsonl") || ends(".json"))
        return ExportFormat::RawNdjson;
    return std::nullopt;
}

void appendCsvField(std::string &out, std::string_view field)
{
    if (field.find_first_of(",\"\r\n") == std::string_view::npos) {
        out += field;
        return;
    }
    out += '"';
    for (char c : field) {
        if (c == '"')
            out += '"';
        out += c;
    }
    out += '"';
}

std::string compactRecord(std::string_view raw)
{
    if (raw.find_first_of("\r\n") == std::string_view::npos)
        return std::string(raw);
    std::string out(raw.size(), '\0');
    size_t len = 0;
    if (simdjson::minify(raw.data(), raw.size(), out.data(), len) != simdjson::SUCCESS)
        return std::string(raw);
    out.resize(len);
    return out;
}

ExportResult exportRows(const Snapshot &snap, const std::vector<uint32_t> &rows, const ExportOptions &opts,
                        const ExportSink &sink)
{
    ExportResult res;
    std::string buf;
    const auto flush = [&]() {
        if (!buf.empty() && !sink(buf))
            return false;
        buf.clear();
        return true;
    };
    if (opts.format == ExportFormat::Csv) {
        for (size_t i = 0; i < opts.header.size(); ++i) {
            if (i)
                buf += ',';
            appendCsvField(buf, opts.header[i]);
        }
        buf += "\r\n";
    }
    if (opts.format == ExportFormat::EcsNdjson && !opts.parser) {
        res.errors.push_back("no parser to make ECS records with");
        return res;
    }
    size_t done = 0;
    for (uint32_t row : rows) {
        if (opts.cancel && opts.cancel->load(std::memory_order_relaxed)) {
            res.cancelled = true;
            return res;
        }
        if (row >= snap.size())
            continue;
        std::string err;
        const std::string raw = snap.raw(row, &err);
        if (raw.empty()) {
            ++res.unreadable;
            res.errors.push_back("record " + std::to_string(row + 1) + ": cannot be read back: " + err);
            continue;
        }
        switch (opts.format) {
        case ExportFormat::RawNdjson:
            buf += compactRecord(raw);
            buf += '\n';
            break;
        case ExportFormat::EcsNdjson: {
            const intake::NormalizedRecord n = intake::normalizeRecord(*opts.parser, raw);
            if (!n.ok) {
                ++res.unreadable;
                res.errors.push_back("record " + std::to_string(row + 1) + ": " + n.error);
                continue;
            }
            buf += n.result.event.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
            buf += '\n';
            break;
        }
        case ExportFormat::Csv: {
            const std::vector<std::string> cells = opts.cells ? opts.cells(row, raw) : std::vector<std::string>{};
            for (size_t i = 0; i < cells.size(); ++i) {
                if (i)
                    buf += ',';
                appendCsvField(buf, cells[i]);
            }
            buf += "\r\n";
            break;
        }
        }
        ++res.written;
        if (buf.size() >= (1u << 20) && !flush()) {
            res.errors.push_back("cannot write the export");
            return res;
        }
        if (++done % 4096 == 0 && opts.progress)
            opts.progress(done);
    }
    if (!flush()) {
        res.errors.push_back("cannot write the export");
        return res;
    }
    if (opts.progress)
        opts.progress(done);
    res.ok = true;
    return res;
}

} // namespace auditlens::query
