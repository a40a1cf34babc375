// SPDX-License-Identifier: MIT
#pragma once

// What to ask Cloudflare's Audit Logs API for: version, account, time range, filters, and the
// URL of each page. No network here.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace auditlens::fetch {

enum class ApiVersion { V1, V2 };

/// One API filter, in the API's own name (v1 `actor.email`, v2 `actor_email`). `negated` is
/// v2's `name.not=value` form (v1 has none).
struct ApiFilter
{
    std::string name;
    std::string value;
    bool negated = false;
    bool operator==(const ApiFilter &) const = default;
};

/// The filter names each API accepts (v2: each also as `name.not`).
const std::vector<std::string> &filterNames(ApiVersion v);

/// Friendly names shared by the CLI and the GUI (`actor-email`, `action-type`, `actor-ip`,
/// `zone-name`, `id`, `result`, `resource-type`) mapped to the API's own name; empty when that
/// API has no such filter.
std::string apiFilterName(ApiVersion v, const std::string &friendly);

/// Parses `name=value` or `name!=value` (negated) in the API's own names. False + why when the
/// name is not one of the API's filters or the negation is not available (v1).
bool parseFilter(ApiVersion v, const std::string &text, ApiFilter &out, std::string &why);

/// A date `YYYY-MM-DD` (midnight UTC) or an RFC 3339 time, as nanoseconds since the epoch.
std::optional<int64_t> parseTimeArg(const std::string &text);

struct Query
{
    ApiVersion api = ApiVersion::V2;
    std::string baseUrl = "https://api.cloudflare.com/client/v4";
    std::string account;
    int64_t sinceNs = 0;  ///< inclusive
    int64_t beforeNs = 0; ///< exclusive
    int perPage = 1000;   ///< v1 per_page (1..1000), v2 limit
    std::vector<ApiFilter> filters;

    /// What identifies "the same fetch" for a checkpoint: API, base, account, filters (not the
    /// time range, which moves on).
    std::string key() const;
    /// The path and query of a page: v1 `page` (1-based), v2 `cursor` (empty for the first).
    std::string pageUrl(int page, const std::string &cursor) const;
    /// Why the query cannot be sent (empty when it can).
    std::string problem() const;
};

const char *apiName(ApiVersion v);

/// The URL as messages show it: without a user or password.
std::string displayUrl(const std::string &url);

/// True when the URL's host is loopback (127.0.0.0/8, ::1, localhost): plain http is only
/// allowed there, so a token never crosses a network in clear text.
bool isLoopbackUrl(const std::string &url);

} // namespace auditlens::fetch
