// SPDX-License-Identifier: MIT
#pragma once

#include "jinja.h"

#include <optional>
#include <string>

namespace auditlens::intake {

/// The `date.parse` stage: `format` empty (auto-detection, as dateutil reads dates), "timestamp"
/// (epoch seconds; longer values are ms, µs or ns, scaled by their length) or a strptime
/// pattern (a number it does not fit is read as a scaled epoch, as the reference does); `timezone` (name,
/// abbreviation or offset) applies when the text carries
/// no offset. Returns "YYYY-MM-DDTHH:MM:SS.ffffffZ" (always six digits), or nothing.
std::optional<std::string> parseDate(const Json &input, const std::string &format, const std::string &timezone);

/// Offset in seconds east of UTC of a zone name ("UTC", "Europe/Paris", "CET", "+02:00") at the
/// given UTC time; nothing when unknown.
std::optional<int64_t> zoneOffset(const std::string &zone, int64_t utcSeconds);

} // namespace auditlens::intake
