// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace auditlens {

/// Cloudflare writes `When` / `ActionTimestamp` as rfc3339 (s, ms or ns precision), unix
/// seconds or unixnano, as a JSON number or a digit string. All of them become nanoseconds
/// since the epoch (UTC).

/// An epoch number of unknown unit: the unit is chosen by magnitude (s, ms, us or ns).
std::optional<int64_t> epochToNs(double value);
std::optional<int64_t> epochToNs(int64_t value);

/// A string: RFC 3339 / ISO 8601 date-time (offset or Z; missing offset means UTC), or a
/// decimal epoch (digits, optional sign and fraction).
std::optional<int64_t> parseTimestampNs(std::string_view text);

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
int64_t daysFromCivil(int64_t y, unsigned m, unsigned d);

enum class FractionMode {
    IfNonZero,  ///< "…:38Z" or "…:38.123456Z" (ECS date style, microseconds)
    Micro,      ///< always six digits
    Nano,       ///< nine digits when the value has sub-microsecond precision, else like IfNonZero
};
std::string formatRfc3339(int64_t ns, FractionMode mode = FractionMode::IfNonZero);

} // namespace auditlens
