// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <string>

namespace auditlens {

/// A problem found while reading or processing input. Errors are values: the core never
/// aborts on bad input, it reports where and why and goes on.
struct Diagnostic
{
    enum class Severity { Info, Warning, Error };

    Severity severity = Severity::Error;
    std::string source;   ///< path, "-" for stdin, or a label such as "paste"
    uint64_t line = 0;    ///< 1-based line where the record starts; 0 when unknown
    uint64_t offset = 0;  ///< byte offset in the (decompressed) stream
    std::string message;  ///< what went wrong, in words a person understands

    /// "SOURCE:LINE: error: MESSAGE (byte OFFSET)", the form the CLI prints.
    std::string toString() const;
};

} // namespace auditlens
