// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace auditlens {

/// Records of an API envelope / Sekoia test mapped to the Logpush form. Exposed for tests.
/// Returns false (and a reason) when `doc` is not such a document.
bool expandEnvelope(const std::string &doc, std::vector<std::string> &records, std::string &why);
bool expandSekoiaTest(const std::string &doc, std::vector<std::string> &records, std::string &why);

/// Compact JSON text (whitespace outside strings removed) with Go's encoder escaping of
/// `<`, `>`, `&`, U+2028 and U+2029, i.e. the bytes Cloudflare's Logpush would send.
std::string compactJson(std::string_view json);

/// Appends `s` (valid UTF-8) as a JSON string literal, escaped as nlohmann::json::dump does.
void appendJsonString(std::string &out, std::string_view s);

} // namespace auditlens
