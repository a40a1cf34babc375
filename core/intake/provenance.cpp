// SPDX-License-Identifier: MIT
// How a field was made, in words: the one description --explain and the GUI show.
#include "engine.h"

namespace auditlens::intake {

const char *provenanceKindName(ProvenanceKind kind)
{
    switch (kind) {
    case ProvenanceKind::Input: return "input";
    case ProvenanceKind::Set: return "set";
    case ProvenanceKind::Translate: return "translate";
    case ProvenanceKind::Enrichment: return "enrichment";
    }
    return "?";
}

std::string describeProvenance(const FieldProvenance &p)
{
    std::string o;
    if (p.kind == ProvenanceKind::Input || p.kind == ProvenanceKind::Enrichment)
        o = provenanceKindName(p.kind);
    else
        o = p.stage + "[" + std::to_string(p.action + 1) + "] " + provenanceKindName(p.kind);
    if (!p.expression.empty())
        o += " " + p.expression;
    if (!p.rawFields.empty()) {
        o += " (raw:";
        for (const auto &rf : p.rawFields)
            o += " " + rf;
        for (const auto &hop : p.via)
            o += " via " + hop;
        o += ")";
    } else if (!p.reads.empty() && p.kind == ProvenanceKind::Enrichment) {
        o += " (from:";
        for (const auto &rf : p.reads)
            o += " " + rf.substr(rf.rfind("final.", 0) == 0 ? 6 : 0);
        o += ")";
    }
    if (!p.note.empty() && p.kind != ProvenanceKind::Input)
        o += (p.typed ? " [typed: " : " [") + p.note + "]";
    return o;
}

} // namespace auditlens::intake
