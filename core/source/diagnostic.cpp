// SPDX-License-Identifier: MIT
#include "diagnostic.h"

namespace auditlens {

std::string Diagnostic::toString() const
{
    const char *sev = severity == Severity::Error ? "error" : severity == Severity::Warning ? "warning" : "note";
    std::string out = source;
    if (line > 0) {
        out += ':';
        out += std::to_string(line);
    }
    out += ": ";
    out += sev;
    out += ": ";
    out += message;
    if (line > 0 || offset > 0) {
        out += " (byte ";
        out += std::to_string(offset);
        out += ')';
    }
    return out;
}

} // namespace auditlens
