// SPDX-License-Identifier: MIT
#pragma once

#include "intake/jinja.h"
#include "intake/taxonomy.h"

#include <string>
#include <vector>

namespace auditlens::ecs {

/// A schema problem in an output record.
struct Problem
{
    enum class Severity { Warning, Error };
    enum class Kind { UnknownField, WrongType, NotAnArray, UnexpectedArray, NotAllowed };
    Severity severity = Severity::Error;
    Kind kind = Kind::UnknownField;
    std::string field;
    std::string message;
};

/// Checks an ECS record against the ECS schema and the parser's taxonomy: unknown fields,
/// values of the wrong type (ip, date, long, boolean…), a scalar where ECS wants an array or
/// the reverse, values outside the allowed ones (event.category, event.type, event.kind,
/// event.outcome).
std::vector<Problem> validate(const intake::Json &event, const intake::Taxonomy &taxonomy);

const char *kindName(Problem::Kind k);

} // namespace auditlens::ecs
