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

/// Times are int64 nanoseconds: they reach from kMinTimeText (INT64_MIN + 1: INT64_MIN itself
/// means "no time" in the store) to kMaxTimeText. A time outside that range is never wrapped or
/// clamped: the parsers below return nothing and say why.
inline constexpr const char *kMinTimeText = "1677-09-21T00:12:43.145224193Z";
inline constexpr const char *kMaxTimeText = "2262-04-11T23:47:16.854775807Z";

/// Why a parse gave no time.
enum class TimeError {
    None,
    Invalid,    ///< not a time at all
    OutOfRange, ///< a valid time (or epoch) outside kMinTimeText .. kMaxTimeText
};

/// An epoch number of unknown unit: the unit is chosen by magnitude (s, ms, us or ns).
std::optional<int64_t> epochToNs(double value, TimeError *why = nullptr);
std::optional<int64_t> epochToNs(int64_t value, TimeError *why = nullptr);

/// A string: RFC 3339 / ISO 8601 date-time (offset or Z; missing offset means UTC), or a
/// decimal epoch (digits, optional sign and fraction).
std::optional<int64_t> parseTimestampNs(std::string_view text, TimeError *why = nullptr);

/// Days since 1970-01-01 of a civil date (proleptic Gregorian); m in 1..12, d in 1..31,
/// |y| below 2^50 (outside that the result is not meaningful, but never undefined).
int64_t daysFromCivil(int64_t y, unsigned m, unsigned d);

enum class FractionMode {
    IfNonZero,  ///< "…:38Z" or "…:38.123456Z" (ECS date style, microseconds)
    Micro,      ///< always six digits
    Nano,       ///< nine digits when the value has sub-microsecond precision, else like IfNonZero
};
std::string formatRfc3339(int64_t ns, FractionMode mode = FractionMode::IfNonZero);

} // namespace auditlens
