// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace auditlens {

/// Marks the records that contain `needle` (ASCII case-insensitive; `needle` already in lower
/// case, not empty). Records are the spans [pos[i], pos[i] + len[i]) in ascending order, where
/// `origin` is the position of bytes[0] (every span lies inside `bytes`); an occurrence counts
/// when it lies wholly inside one record. Sets hit[i] = 1 for those records and leaves the
/// others untouched.
///
/// One pass over the bytes: 32 start positions at a time (AVX2; one at a time on CPUs without
/// it, made before 2013) are tested on two
/// of the needle's bytes (the rarest in audit-log text) and candidates are compared in full.
void markRecordsContaining(std::string_view bytes, uint64_t origin, const uint32_t *pos, const uint32_t *len, size_t n,
                           std::string_view needle, uint8_t *hit);

} // namespace auditlens
