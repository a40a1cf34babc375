// SPDX-License-Identifier: MIT
#include "validator.h"

#include "source/timestamp.h"

#include <QHostAddress>
#include <QString>

namespace auditlens::ecs {

using intake::Json;

const char *kindName(Problem::Kind k)
{
    switch (k) {
    case Problem::Kind::UnknownField: return "unknown field";
    case Problem::Kind::WrongType: return "wrong type";
    case Problem::Kind::NotAnArray: return "not an array";
    case Problem::Kind::UnexpectedArray: return "unexpected array";
    case Problem::Kind::NotAllowed: return "value not allowed";
    }
    return "?";
}

namespace {

std::string shortValue(const Json &v)
{
    std::string s = v.dump(-1, ' ', false, Json::error_handler_t::replace);
    return s.size() > 60 ? s.substr(0, 57) + "..." : s;
}

/// Empty string when `v` fits `type`, else what is wrong.
std::string typeMismatch(const Json &v, const std::string &type)
{
    if (v.is_null())
        return {};
    if (type == "keyword" || type == "text" || type == "wildcard" || type == "constant_keyword"
        || type == "match_only_text" || type == "string") {
        return v.is_string() ? std::string() : "a " + std::string(v.type_name()) + " where ECS wants text";
    }
    if (type == "long" || type == "integer" || type == "short" || type == "byte" || type == "unsigned_long") {
        if (v.is_number_integer())
            return {};
        if (v.is_number_float() && v.get<double>() == double(int64_t(v.get<double>())))
            return {};
        return "a " + std::string(v.type_name()) + " where ECS wants an integer";
    }
    if (type == "float" || type == "double" || type == "scaled_float" || type == "half_float")
        return v.is_number() ? std::string() : "a " + std::string(v.type_name()) + " where ECS wants a number";
    if (type == "boolean")
        return v.is_boolean() ? std::string() : "a " + std::string(v.type_name()) + " where ECS wants a boolean";
    if (type == "ip") {
        if (!v.is_string())
            return "a " + std::string(v.type_name()) + " where ECS wants an IP address";
        QHostAddress a;
        return a.setAddress(QString::fromStdString(v.get<std::string>())) ? std::string()
                                                                           : "'" + v.get<std::string>() + "' is not an IP address";
    }
    if (type == "date") {
        if (v.is_number())
            return {};
        if (!v.is_string())
            return "a " + std::string(v.type_name()) + " where ECS wants a date";
        return parseTimestampNs(v.get<std::string>()) ? std::string() : "'" + v.get<std::string>() + "' is not a date";
    }
    if (type == "object" || type == "flattened" || type == "nested")
        return v.is_object() || v.is_array() ? std::string() : "a " + std::string(v.type_name()) + " where ECS wants an object";
    return {};
}

void walk(const Json &v, const std::string &path, const intake::Taxonomy &tax, std::vector<Problem> &out)
{
    // a field the intake taxonomy does not declare may still be ECS's (ecs.version)
    const intake::FieldInfo *info = path.empty() ? nullptr : tax.find(path) ? tax.find(path) : tax.findEcs(path);
    if (v.is_object() && (!info || info->type == "object" || info->type == "nested" || info->type == "flattened"
                          || info->type == "dict")) {
        if (info && info->type == "flattened")
            return;
        if (v.empty() && !info && !path.empty() && !tax.hasChildren(path) && !tax.hasEcsChildren(path))
            out.push_back({Problem::Severity::Warning, Problem::Kind::UnknownField, path,
                           "'" + path + "' is neither an ECS field nor declared by the parser"});
        for (auto it = v.begin(); it != v.end(); ++it)
            walk(it.value(), path.empty() ? it.key() : path + "." + it.key(), tax, out);
        return;
    }
    if (path == "message")
        return; // the raw record, always present
    if (!info) {
        out.push_back({Problem::Severity::Warning, Problem::Kind::UnknownField, path,
                       "'" + path + "' is neither an ECS field nor declared by the parser"});
        return;
    }
    // array-ness and allowed values come from ECS even when a taxonomy redeclares the field
    const intake::FieldInfo *ecsInfo = tax.findEcs(path);
    const bool ecs = ecsInfo != nullptr;
    const std::string &type = info->type;
    if (type == "array" || type == "dict")
        return; // the parser's own container types
    if (v.is_array()) {
        if (ecs && !ecsInfo->array && type != "object" && type != "nested" && type != "flattened")
            out.push_back({Problem::Severity::Warning, Problem::Kind::UnexpectedArray, path,
                           "'" + path + "' is a single value in ECS, not a list"});
        for (const Json &e : v) {
            const std::string why = typeMismatch(e, type);
            if (!why.empty()) {
                out.push_back({Problem::Severity::Error, Problem::Kind::WrongType, path, "'" + path + "': " + why});
                break;
            }
        }
    } else {
        if (ecs && ecsInfo->array)
            out.push_back({Problem::Severity::Warning, Problem::Kind::NotAnArray, path,
                           "'" + path + "' is a list in ECS; got a single value"});
        const std::string why = typeMismatch(v, type);
        if (!why.empty())
            out.push_back({Problem::Severity::Error, Problem::Kind::WrongType, path, "'" + path + "': " + why});
    }
    const std::vector<std::string> &allowed = ecs ? ecsInfo->allowed : info->allowed;
    if (!allowed.empty()) {
        auto check = [&](const Json &e) {
            if (!e.is_string())
                return;
            for (const auto &a : allowed)
                if (a == e.get<std::string>())
                    return;
            std::string list;
            for (const auto &a : allowed)
                list += (list.empty() ? "" : ", ") + a;
            out.push_back({Problem::Severity::Error, Problem::Kind::NotAllowed, path,
                           "'" + path + "' = " + shortValue(e) + " is not one of the allowed values: " + list});
        };
        if (v.is_array())
            for (const Json &e : v)
                check(e);
        else
            check(v);
    }
}

} // namespace

std::vector<Problem> validate(const Json &event, const intake::Taxonomy &taxonomy)
{
    std::vector<Problem> out;
    walk(event, std::string(), taxonomy, out);
    return out;
}

} // namespace auditlens::ecs
