// SPDX-License-Identifier: MIT
#include "taxonomy.h"
#include "yamlguard.h"

#include "util/datadir.h"

#include <QFile>

#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <sstream>

static void initCoreResources() { Q_INIT_RESOURCE(auditlens_core); }

namespace auditlens::intake {

namespace {

std::vector<std::string> splitTabs(const std::string &line)
{
    std::vector<std::string> parts;
    std::string cur;
    for (char c : line) {
        if (c == '\t') {
            parts.push_back(cur);
            cur.clear();
        } else
            cur += c;
    }
    parts.push_back(cur);
    return parts;
}

/// `relative`: the file under share/auditlens (installed), else its embedded copy
void loadTsv(Taxonomy &t, const QString &relative, FieldInfo::Origin origin)
{
    QFile f(util::dataFile(relative));
    if (!f.open(QIODevice::ReadOnly)) {
        std::fprintf(stderr, "auditlens: %s: cannot be read (%s); using the embedded copy\n", qUtf8Printable(f.fileName()),
                     qUtf8Printable(f.errorString()));
        f.setFileName(util::embeddedDataFile(relative));
        if (!f.open(QIODevice::ReadOnly))
            return; // the build embeds them; a missing resource shows up in tests
    }
    std::istringstream in(f.readAll().toStdString());
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#')
            continue;
        auto p = splitTabs(line);
        if (p.size() < 2)
            continue;
        FieldInfo info;
        info.type = p[1];
        info.origin = origin;
        if (p.size() > 2)
            info.array = p[2] == "1";
        if (p.size() > 3 && !p[3].empty()) {
            std::string cur;
            for (char c : p[3]) {
                if (c == ',') {
                    info.allowed.push_back(cur);
                    cur.clear();
                } else
                    cur += c;
            }
            info.allowed.push_back(cur);
        }
        t.add(p[0], std::move(info));
    }
}

struct Builtin
{
    Taxonomy ecs;
    Taxonomy all;
    Builtin()
    {
        initCoreResources();
        loadTsv(ecs, QStringLiteral("taxonomy/ecs_fields.tsv"), FieldInfo::Origin::Ecs);
        all.inheritFrom(ecs);
        all.hideInherited("ecs"); // Sekoia's taxonomy has no ecs.* (Auditbeat's tests keep `ecs: {}`)
        loadTsv(all, QStringLiteral("taxonomy/sekoia_fields.tsv"), FieldInfo::Origin::Sekoia);
    }
};

const Builtin &builtinData()
{
    static const Builtin b;
    return b;
}

} // namespace

const Taxonomy &Taxonomy::builtin() { return builtinData().all; }

void Taxonomy::add(const std::string &name, FieldInfo info) { m_fields[name] = std::move(info); }

bool Taxonomy::hidden(const std::string &name) const
{
    for (const std::string &h : m_hidden)
        if (name.compare(0, h.size(), h) == 0 || name == h.substr(0, h.size() - 1))
            return true;
    return false;
}

const FieldInfo *Taxonomy::find(const std::string &name) const
{
    auto it = m_fields.find(name);
    if (it != m_fields.end())
        return &it->second;
    return m_base && !hidden(name) ? m_base->find(name) : nullptr;
}

const FieldInfo *Taxonomy::findEcs(const std::string &name) const
{
    auto it = m_fields.find(name);
    if (it != m_fields.end() && it->second.origin == FieldInfo::Origin::Ecs)
        return &it->second;
    return m_base ? m_base->findEcs(name) : nullptr;
}

bool Taxonomy::hasChildren(const std::string &prefix) const
{
    const std::string p = prefix + ".";
    auto it = m_fields.lower_bound(p);
    if (it != m_fields.end() && it->first.compare(0, p.size(), p) == 0)
        return true;
    return m_base && !hidden(p) && m_base->hasChildren(prefix);
}

bool Taxonomy::hasEcsChildren(const std::string &prefix) const
{
    const std::string p = prefix + ".";
    for (auto it = m_fields.lower_bound(p); it != m_fields.end() && it->first.compare(0, p.size(), p) == 0; ++it)
        if (it->second.origin == FieldInfo::Origin::Ecs)
            return true;
    return m_base && m_base->hasEcsChildren(prefix);
}

bool Taxonomy::addFieldsYaml(const std::string &text, const std::string &label, std::string &error)
{
    try {
        YAML::Node root;
        if (!loadYamlBounded(text, label, root, error))
            return false;
        if (!root.IsDefined() || root.IsNull())
            return true;
        if (!root.IsMap()) {
            error = label + ": expected a map of field definitions";
            return false;
        }
        for (auto it = root.begin(); it != root.end(); ++it) {
            // a copy: `it->second` belongs to a temporary the iterator hands out
            const YAML::Node def = it->second;
            if (!def.IsMap()) {
                error = label + ":" + std::to_string(def.Mark().line + 1) + ": field '" + it->first.as<std::string>() + "' is not a map";
                return false;
            }
            // "declared" means the name in `name:` (not the YAML key)
            FieldInfo info;
            info.type = def["type"] ? def["type"].as<std::string>() : std::string("keyword");
            info.origin = FieldInfo::Origin::Parser;
            add(def["name"] ? def["name"].as<std::string>() : it->first.as<std::string>(), std::move(info));
        }
        return true;
    } catch (const YAML::Exception &e) {
        error = label + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg;
        return false;
    } catch (const std::exception &e) {
        error = label + ": " + e.what();
        return false;
    }
}

} // namespace auditlens::intake
