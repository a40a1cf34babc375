// SPDX-License-Identifier: MIT
#pragma once

#include "fields.h"
#include "kql.h"

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace auditlens::query {

/// A parsed query ready to run over a store.
class Query
{
public:
    /// Parses `text`; check ok() / error() / errorPos().
    static std::shared_ptr<const Query> parse(const std::string &text);

    bool ok() const { return m_parsed.ok(); }
    const std::string &error() const { return m_parsed.error; }
    size_t errorPos() const { return m_parsed.errorPos; }
    const std::string &text() const { return m_text; }
    const Node *root() const { return m_parsed.root.get(); }
    bool matchesAll() const { return !m_parsed.root; }
    const std::vector<std::string> &fields() const { return m_fields; }
    /// An error message with the query and a caret under the position (for the CLI).
    std::string describeError() const;

private:
    std::string m_text;
    ParsedQuery m_parsed;
    std::vector<std::string> m_fields;
};

/// Marks the rows of `snap` that match (hits[row] = 1). Fields are read through `cache`, so a
/// second query on the same paths reads no raw record again; free-text terms are searched in
/// the raw records. Empty when cancelled.
std::shared_ptr<std::vector<uint8_t>> evaluateQuery(const Query &q, const Snapshot &snap, FieldCache &cache,
                                                    const std::atomic<bool> *cancel = nullptr);

/// The fields `q` names that no record of `snap` has a value of (on which `field:*` matches
/// nothing): most often a misspelt name, which a query reports as no match at all. In the
/// query's order; read through `cache` (after evaluateQuery, no record is read again). Empty
/// when cancelled.
std::vector<std::string> absentFields(const Query &q, const Snapshot &snap, FieldCache &cache,
                                      const std::atomic<bool> *cancel = nullptr);

/// `s` as a JSON number (strtod's value), or none when it is not written as one.
std::optional<double> fullNumber(const std::string &s);

/// Whether one value of a column matches a Match node (exposed for tests).
bool valueMatches(const Node &match, const FieldValue &v);

} // namespace auditlens::query
