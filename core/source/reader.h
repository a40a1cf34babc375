// SPDX-License-Identifier: MIT
#pragma once

#include "diagnostic.h"
#include "envelope.h" // the expanders the readers use, for the files that include this one

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace auditlens {

/// Limits that protect against hostile or broken input. Documented in the README.
struct ReaderLimits
{
    size_t maxRecordBytes = 64u << 20; ///< a longer record is reported and skipped
    int maxDepth = 128;                ///< deeper nesting is reported as an error
    size_t blockBytes = 4u << 20;      ///< read granularity (and parallel work unit)
};

/// How the bytes of a source are laid out, decided by looking at them (never by name).
enum class InputFormat {
    Empty,
    Ndjson,          ///< one record per line (LF or CRLF), blank lines allowed
    JsonArray,       ///< `[ {...}, {...} ]`
    Concatenated,    ///< objects one after another, possibly pretty-printed
    ApiEnvelope,     ///< Cloudflare REST `{"success":…,"result":[…]}` (audit logs v1 or v2)
    SekoiaTest,      ///< `{"input":{"message":"…"}, "expected":…}`
    Unknown,         ///< not JSON at all: every line is reported
};
const char *formatName(InputFormat f);

/// One record inside a block.
struct RecordSpan
{
    uint32_t pos = 0;   ///< start within Block::data
    uint32_t len = 0;
    uint64_t line = 0;  ///< 1-based line of the record's first byte in the source
};

/// Zero bytes after the end of a Block's data (and of any buffer given to indexRecord): what
/// simdjson may read past the last byte.
constexpr size_t kRecordPadding = 64;

/// A run of records handed over together. `data` is padded for simdjson.
struct Block
{
    std::shared_ptr<const std::string> data; ///< record bytes (plus zero padding at the end)
    size_t dataLen = 0;                      ///< meaningful length of data
    uint64_t streamOffset = 0;               ///< offset of data[0] in the source stream
    bool fileBacked = false;                 ///< true: the offsets are offsets into the file itself
    std::vector<RecordSpan> spans;
};

/// What a source is.
struct SourceSpec
{
    enum class Kind { File, Stdin, Memory };
    Kind kind = Kind::File;
    std::string path;   ///< for File
    std::string label;  ///< shown in diagnostics: the path, "-" or e.g. "paste"
    std::string bytes;  ///< for Memory

    static SourceSpec file(const std::string &path);
    static SourceSpec stdinSource();
    static SourceSpec memory(std::string label, std::string bytes);
};

/// Result of a read.
struct ReadSummary
{
    InputFormat format = InputFormat::Empty;
    bool compressed = false;
    bool fileBacked = false;      ///< records can be re-read from the file by offset
    uint64_t bytesRead = 0;       ///< decompressed bytes seen
    uint64_t records = 0;         ///< record spans emitted (valid JSON or not: see the indexer)
    uint64_t errors = 0;          ///< diagnostics of severity Error emitted by the reader
    bool opened = false;          ///< false when the source could not be read at all
    bool cancelled = false;
};

/// Reads a source and splits it into records. Malformed parts become diagnostics with the
/// source, line and byte offset, and reading goes on. Records are delivered in blocks, in
/// order, on the calling thread.
class SourceReader
{
public:
    using BlockSink = std::function<void(Block &&)>;
    using DiagnosticSink = std::function<void(Diagnostic &&)>;

    explicit SourceReader(ReaderLimits limits = {});

    ReadSummary read(const SourceSpec &spec, const BlockSink &blocks, const DiagnosticSink &diags,
                     const std::atomic<bool> *cancel = nullptr) const;


    const ReaderLimits &limits() const { return m_limits; }

private:
    ReaderLimits m_limits;
};

} // namespace auditlens
