// SPDX-License-Identifier: MIT
#pragma once

#include "jinja.h"

#include <string>

namespace auditlens::intake {

/// Appends `v` as compact JSON, byte for byte what `v.dump(-1, ' ', false,
/// error_handler_t::replace)` writes, without its per-character state machine (strings are
/// copied in runs; numbers through std::to_chars). Undefined values are written as null.
void appendJson(std::string &out, const Json &v);

} // namespace auditlens::intake
