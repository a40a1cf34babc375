// SPDX-License-Identifier: MIT
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace auditlens::intake {

/// What the schemas say about a field.
struct FieldInfo
{
    enum class Origin { Parser, Sekoia, Ecs };
    std::string type;                 ///< keyword, long, ip, date, boolean, array, object…
    bool array = false;               ///< ECS: normalized to an array
    std::vector<std::string> allowed; ///< ECS allowed values (event.category, …)
    Origin origin = Origin::Ecs;
};

/// Field names and types: the ECS schema and Sekoia's taxonomy (built-in resources, read once)
/// and a parser's own fields.yml. A parser's declaration wins over Sekoia's, which wins over ECS.
class Taxonomy
{
public:
    /// The built-in ECS + Sekoia taxonomy (shared, immutable).
    static const Taxonomy &builtin();

    /// Adds the fields of a parser's fields.yml (its text; `label` names it in errors). False and
    /// a reason (with the line) on a malformed file.
    bool addFieldsYaml(const std::string &text, const std::string &label, std::string &error);
    void add(const std::string &name, FieldInfo info);

    const FieldInfo *find(const std::string &name) const;
    const FieldInfo *findEcs(const std::string &name) const;
    /// True when some declared field starts with `prefix + "."`.
    bool hasChildren(const std::string &prefix) const;
    /// The same among the ECS fields (hidden ones included, see hideInherited).
    bool hasEcsChildren(const std::string &prefix) const;
    bool isDeclared(const std::string &name) const { return find(name) != nullptr; }

    void inheritFrom(const Taxonomy &base) { m_base = &base; }
    /// The fields below `prefix` that the base declares are not declared here (findEcs still
    /// sees them): Sekoia's taxonomy has no `ecs.*` although ECS has `ecs.version`.
    void hideInherited(const std::string &prefix) { m_hidden.push_back(prefix + "."); }

private:
    bool hidden(const std::string &name) const;
    std::map<std::string, FieldInfo> m_fields;
    std::vector<std::string> m_hidden;
    const Taxonomy *m_base = nullptr;
};

} // namespace auditlens::intake
