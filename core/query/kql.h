// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace auditlens::query {

/// One node of a parsed query (the Kibana Query Language's syntax).
///
/// - `field:value` matches a field's value exactly (case-sensitive); `*` and `?` in an unquoted
///   value are wildcards; `true`/`false` also match JSON booleans, a number also matches JSON
///   numbers numerically. `field:"quoted phrase"` is matched literally.
/// - `field:*` matches records where the field exists (and is not null).
/// - `field:(a or b and not c)`: a value list, the operators applying to that field.
/// - `field > x` (`>=`, `<`, `<=`): numbers, or times when x reads as a time.
/// - A value without a field is the case-insensitive text search over the raw record.
/// - `not` binds tighter than `and`, which binds tighter than `or`; keywords are
///   case-insensitive; `\` escapes a special character or a keyword.
struct Node
{
    enum class Kind { And, Or, Not, Match, Exists, Range, Text };
    enum class Op { Lt, Le, Gt, Ge };

    Kind kind = Kind::Text;
    std::vector<std::unique_ptr<Node>> kids; ///< And / Or: two or more; Not: one
    std::string field;                       ///< Match / Exists / Range
    std::string value;                       ///< Match / Range / Text: the value, unescaped
    bool quoted = false;                     ///< Match / Text: written as "…"
    bool wildcard = false;                   ///< Match: has an unescaped * or ? (see pattern)
    std::string pattern;                     ///< Match with wildcard: '\x01' = *, '\x02' = ?
    Op op = Op::Lt;                          ///< Range
    size_t pos = 0;                          ///< where the node starts in the query
};

struct ParsedQuery
{
    std::unique_ptr<Node> root; ///< null for an empty query (matches everything)
    std::string error;          ///< empty when the query is well formed
    size_t errorPos = 0;        ///< byte offset of the error in the query
    bool ok() const { return error.empty(); }
};

/// Parses a query. Never throws; nesting deeper than `maxDepth` is an error.
ParsedQuery parseKql(std::string_view query, int maxDepth = 200);

/// The distinct field names a query reads, in order of first use.
std::vector<std::string> queryFields(const Node *root);

/// True when the query is only bare text terms joined by `and` (what the old search box did).
bool isPlainText(const Node *root);

/// Matches `text` against a wildcard pattern from Node::pattern.
bool wildcardMatch(std::string_view pattern, std::string_view text);

/// A field path written for a query (this language): the characters the query language reads as its
/// own (`\ ( ) : < > "`, and the wildcards `* ?`) escaped with `\`, a path that reads as a
/// keyword (and, or, not) too. Empty when no query can name it: an empty path, or one with
/// white space in it.
std::string fieldName(const std::string &path);

/// The query written back (normalized spacing), for history and tests.
std::string toString(const Node *root);

} // namespace auditlens::query
