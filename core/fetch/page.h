// SPDX-License-Identifier: MIT
#pragma once

// One page of the Audit Logs API: its records mapped to the Logpush field names (the readers'
// envelope mapping, source/reader.h expandEnvelope), the cursor to the next page, and the
// plain message for an error answer.

#include "query.h"

#include <string>
#include <vector>

namespace auditlens::fetch {

struct ParsedPage
{
    std::vector<std::string> records; ///< Logpush form (compact JSON), in the page's order
    size_t resultCount = 0;           ///< entries of `result` (a v1 page shorter than per_page is the last)
    std::string cursor;               ///< v2 result_info.cursor; empty: last page
    std::string error;                ///< why the page is malformed (empty when it is not)
};

/// Parses a 2xx answer. False (and `out.error`) when it is not a Cloudflare API response with a
/// list of records, or says success=false.
bool parsePage(const std::string &body, ParsedPage &out);

/// One sentence for a person about an HTTP answer that is not a page: 400, 401, 403 (naming the
/// permission the token needs), 404, 429, 5xx, or no answer. `cloudflareSays` is the envelope's
/// errors[] text, when any. Never contains the token.
std::string httpProblem(int status, const std::string &body, const std::string &account, ApiVersion api);

/// The token permission the Audit Logs API needs.
constexpr const char *kPermission = "Account Settings Read";

} // namespace auditlens::fetch
