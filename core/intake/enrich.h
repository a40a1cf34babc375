// SPDX-License-Identifier: MIT
#pragma once

#include <optional>
#include <string>

namespace auditlens::intake {

/// tldextract-style split with the ICANN section of the Public Suffix List (Debian's
/// publicsuffix package, read through libpsl). Case is preserved. When no public suffix matches,
/// only `subdomain` is set (all labels but the last). An IPv4 address or a single label: nothing.
struct DomainParts
{
    std::string registered, topLevel, subdomain;
};
std::optional<DomainParts> splitDomain(const std::string &domain);

/// urllib.parse.urlsplit semantics (lenient: relative URLs give path and query).
struct UrlParts
{
    std::string scheme, domain, path, query, fragment;
    std::optional<int> port;
    bool absolute = false; ///< has a scheme and a host
};
UrlParts splitUrl(const std::string &url);
/// The default port of a scheme (http 80, https 443, …) or 0.
int defaultPort(const std::string &scheme);

/// ua-parser with Debian's uap-core regexes: browser name and version, OS and device.
struct UserAgent
{
    std::string name, version, osName, osVersion, deviceName;
};
std::optional<UserAgent> parseUserAgent(const std::string &ua);
/// Whether uap-core's regexes could be loaded (false: user_agent.* enrichment is off).
bool userAgentParserAvailable();

} // namespace auditlens::intake
