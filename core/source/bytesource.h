// SPDX-License-Identifier: MIT
#pragma once

#include "reader.h"

#include <cstddef>
#include <memory>
#include <string>

namespace auditlens {

/// A stream of bytes: a file, stdin, memory, or a gzip stream over one of those.
class ByteSource
{
public:
    virtual ~ByteSource() = default;
    /// Up to n bytes; 0 at the end; -1 on error (see error()).
    virtual ptrdiff_t read(char *buf, size_t n) = 0;
    virtual std::string error() const { return m_error; }

protected:
    std::string m_error;
};

/// Opens the source; nullptr and a reason when it cannot be read.
std::unique_ptr<ByteSource> openByteSource(const SourceSpec &spec, std::string &error);

/// Wraps `src` in a gzip decoder when its first bytes are the gzip magic (1f 8b).
std::unique_ptr<ByteSource> maybeDecompress(std::unique_ptr<ByteSource> src, bool &compressed);

/// Reads a whole file region (for records re-read by offset). False and a reason on failure.
bool readFileRange(const std::string &path, uint64_t offset, size_t len, std::string &out, std::string &error);

} // namespace auditlens
