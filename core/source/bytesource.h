// SPDX-License-Identifier: MIT
#pragma once

#include "reader.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace auditlens {

/// A stream of bytes: a file, stdin, memory, or a gzip stream over one of those.
class ByteSource
{
public:
    virtual ~ByteSource() = default;
    /// Up to n bytes; 0 at the end; -1 on error (see error()).
    virtual ptrdiff_t read(char *buf, size_t n) = 0;
    virtual std::string error() const { return m_error; }

    /// Damage a source read past (e.g. a corrupt gzip member): reported, and reading goes on.
    struct Problem
    {
        Diagnostic::Severity severity = Diagnostic::Severity::Error;
        uint64_t offset = 0; ///< in the bytes this source hands over
        std::string message;
    };
    /// The problems met since the last call (in order).
    virtual std::vector<Problem> takeProblems() { return {}; }

protected:
    std::string m_error;
};

/// Opens the source; nullptr and a reason when it cannot be read.
std::unique_ptr<ByteSource> openByteSource(const SourceSpec &spec, std::string &error);

/// Wraps `src` in a gzip decoder when its first bytes are the gzip magic (1f 8b).
std::unique_ptr<ByteSource> maybeDecompress(std::unique_ptr<ByteSource> src, bool &compressed);

/// Reads `len` bytes at `offset` of an open file into `out`. False and a reason on failure.
bool preadAll(int fd, uint64_t offset, size_t len, std::string &out, std::string &error);

/// One file kept open while a thread reads many ranges of it (re-opened when the path changes).
class FileRangeReader
{
public:
    FileRangeReader() = default;
    ~FileRangeReader();
    FileRangeReader(const FileRangeReader &) = delete;
    FileRangeReader &operator=(const FileRangeReader &) = delete;
    /// Reads `len` bytes at `offset` of `path` into `out`; false when it cannot.
    bool read(const std::string &path, uint64_t offset, size_t len, std::string &out);

private:
    std::string m_path;
    int m_fd = -1;
};

/// Reads a whole file region (for records re-read by offset). False and a reason on failure.
bool readFileRange(const std::string &path, uint64_t offset, size_t len, std::string &out, std::string &error);

/// A read-only shared mapping of a whole file: the page cache's bytes without a copy (text
/// search scans it about three times faster than bytes read with pread). If another program
/// truncates the file, touching the lost pages raises SIGBUS: read the mapping only inside
/// guarded(), which turns that into a false return instead of a crash.
class MappedFile
{
public:
    /// Maps `path`; with `populate` every page is mapped now (in the calling thread) rather
    /// than on first touch. Null + error when the file cannot be mapped.
    static std::shared_ptr<const MappedFile> open(const std::string &path, bool populate, std::string &error);
    ~MappedFile();
    MappedFile(const MappedFile &) = delete;
    MappedFile &operator=(const MappedFile &) = delete;

    const char *data() const { return m_data; }
    size_t size() const { return m_size; }
    /// Runs fn(context), which may read the mapping. False when a read hit a page the file no
    /// longer has (fn was stopped there). fn must not own objects with destructors.
    bool guarded(void (*fn)(void *), void *context) const;

private:
    MappedFile(const char *data, size_t size) : m_data(data), m_size(size) {}
    const char *m_data;
    size_t m_size;
};

} // namespace auditlens
