// SPDX-License-Identifier: MIT
#include "engine.h"

#include "dates.h"
#include "enrich.h"
#include "grok.h"
#include "yamlguard.h"
#include "source/timestamp.h"
#include "util/datadir.h"

#include <QFile>
#include <QDir>
#include <QFileInfo>
#include <QHostAddress>

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

static void initCoreResourcesEngine() { Q_INIT_RESOURCE(auditlens_core); }

namespace auditlens::intake {

// ------------------------------------------------------------------------------------------
// Paths

namespace {
Json::iterator findKey(Json &obj, std::string_view key)
{
    for (auto it = obj.begin(); it != obj.end(); ++it)
        if (it.key() == key)
            return it;
    return obj.end();
}
Json::const_iterator findKey(const Json &obj, std::string_view key)
{
    for (auto it = obj.begin(); it != obj.end(); ++it)
        if (it.key() == key)
            return it;
    return obj.end();
}
} // namespace

void setPath(Json &root, const std::string &path, Json value)
{
    Json *cur = &root;
    std::string_view rest(path);
    for (;;) {
        const size_t dot = rest.find('.');
        const std::string_view key = rest.substr(0, dot);
        if (!cur->is_object())
            *cur = Json::object();
        auto it = findKey(*cur, key);
        if (dot == std::string_view::npos) {
            if (it != cur->end()) {
                it.value() = std::move(value);
            } else {
                auto &obj = cur->get_ref<Json::object_t &>();
                if (obj.size() == obj.capacity())
                    obj.reserve(obj.size() * 2 + 8);
                cur->emplace(std::string(key), std::move(value));
            }
            return;
        }
        if (it == cur->end()) {
            // ordered_map's elements have a const key, so a reallocation copies whole subtrees:
            // keep room to grow
            auto &obj = cur->get_ref<Json::object_t &>();
            if (obj.size() == obj.capacity())
                obj.reserve(obj.size() * 2 + 8);
            Json child = Json::object();
            child.get_ref<Json::object_t &>().reserve(8);
            it = cur->emplace(std::string(key), std::move(child)).first;
        }
        cur = &it.value();
        rest = rest.substr(dot + 1);
    }
}

const Json *findPath(const Json &root, const std::string &path)
{
    const Json *cur = &root;
    std::string_view rest(path);
    for (;;) {
        if (!cur->is_object())
            return nullptr;
        const size_t dot = rest.find('.');
        auto it = findKey(*cur, rest.substr(0, dot));
        if (it == cur->end())
            return nullptr;
        cur = &*it;
        if (dot == std::string_view::npos)
            return cur;
        rest = rest.substr(dot + 1);
    }
}

bool erasePath(Json &root, const std::string &path)
{
    const size_t dot = path.find('.');
    if (!root.is_object())
        return false;
    if (dot == std::string::npos)
        return root.erase(path) > 0;
    auto it = root.find(path.substr(0, dot));
    if (it == root.end())
        return false;
    const bool removed = erasePath(*it, path.substr(dot + 1));
    if (removed && it->is_object() && it->empty())
        root.erase(it);
    return removed;
}

void leafPaths(const Json &v, const std::string &prefix, std::vector<std::string> &out)
{
    if (v.is_object() && !v.empty()) {
        for (auto it = v.begin(); it != v.end(); ++it)
            leafPaths(it.value(), prefix.empty() ? it.key() : prefix + "." + it.key(), out);
        return;
    }
    out.push_back(prefix);
}

// ------------------------------------------------------------------------------------------
// Provenance

const char *provenanceKindName(ProvenanceKind kind)
{
    switch (kind) {
    case ProvenanceKind::Input: return "input";
    case ProvenanceKind::Set: return "set";
    case ProvenanceKind::Translate: return "translate";
    case ProvenanceKind::Enrichment: return "enrichment";
    }
    return "?";
}

std::string describeProvenance(const FieldProvenance &p)
{
    std::string o;
    if (p.kind == ProvenanceKind::Input || p.kind == ProvenanceKind::Enrichment)
        o = provenanceKindName(p.kind);
    else
        o = p.stage + "[" + std::to_string(p.action + 1) + "] " + provenanceKindName(p.kind);
    if (!p.expression.empty())
        o += " " + p.expression;
    if (!p.rawFields.empty()) {
        o += " (raw:";
        for (const auto &rf : p.rawFields)
            o += " " + rf;
        for (const auto &hop : p.via)
            o += " via " + hop;
        o += ")";
    } else if (!p.reads.empty() && p.kind == ProvenanceKind::Enrichment) {
        o += " (from:";
        for (const auto &rf : p.reads)
            o += " " + rf.substr(rf.rfind("final.", 0) == 0 ? 6 : 0);
        o += ")";
    }
    if (!p.note.empty() && p.kind != ProvenanceKind::Input)
        o += (p.typed ? " [typed: " : " [") + p.note + "]";
    return o;
}

// ------------------------------------------------------------------------------------------
// Typing

namespace {

/// "a.b.c.d" with each part 0-255 and no leading zeros: already canonical.
bool isCanonicalIpv4(const std::string &s)
{
    int parts = 0;
    size_t i = 0;
    while (i < s.size()) {
        size_t j = i;
        int v = 0;
        while (j < s.size() && s[j] >= '0' && s[j] <= '9' && j - i < 4) {
            v = v * 10 + (s[j] - '0');
            ++j;
        }
        const size_t len = j - i;
        if (len == 0 || len > 3 || v > 255 || (len > 1 && s[i] == '0'))
            return false;
        ++parts;
        if (j == s.size())
            break;
        if (s[j] != '.' || parts == 4)
            return false;
        i = j + 1;
        if (i == s.size())
            return false;
    }
    return parts == 4;
}

bool isEcsDateLike(const FieldInfo &info) { return info.type == "date" || info.type == "datetime"; }

std::string keywordText(const Json &v)
{
    if (v.is_string())
        return v.get<std::string>();
    if (v.is_boolean())
        return v.get<bool>() ? "true" : "false";
    if (v.is_null())
        return "null";
    if (v.is_number_float())
        return pyStr(v);
    if (v.is_number())
        return v.dump();
    // dicts and lists become compact JSON with sorted keys
    std::function<Json(const Json &)> sortKeys = [&](const Json &x) -> Json {
        if (x.is_object()) {
            std::vector<std::string> keys;
            for (auto it = x.begin(); it != x.end(); ++it)
                keys.push_back(it.key());
            std::sort(keys.begin(), keys.end());
            Json o = Json::object();
            for (auto &k : keys)
                o[k] = sortKeys(x.at(k));
            return o;
        }
        if (x.is_array()) {
            Json a = Json::array();
            for (const Json &e : x)
                a.push_back(sortKeys(e));
            return a;
        }
        return x;
    };
    return sortKeys(v).dump();
}

} // namespace

Json typeValue(const Json &v, const FieldInfo &info, std::string *note)
{
    const std::string &t = info.type;
    const bool custom = info.origin != FieldInfo::Origin::Ecs;
    auto noted = [&](const char *what) {
        if (note)
            *note = what;
    };
    if (t == "keyword" || t == "string" || t == "text" || t == "wildcard" || t == "constant_keyword"
        || t == "match_only_text") {
        if (v.is_array()) {
            Json out = Json::array();
            for (const Json &e : v)
                out.push_back(e.is_string() ? e : Json(keywordText(e)));
            return out;
        }
        if (!v.is_string())
            noted("converted to text");
        return v.is_string() ? v : Json(keywordText(v));
    }
    if (t == "long" || (!custom && (t == "integer" || t == "short" || t == "byte"))) {
        if (v.is_string()) {
            Json lit = literalEval(v.get<std::string>());
            if (!isUndefined(lit) && lit.is_number_integer()) {
                noted("text converted to a number");
                return lit;
            }
            if (!isUndefined(lit) && lit.is_number_float()) {
                noted("text converted to a number");
                return lit;
            }
            return v;
        }
        if (v.is_number_unsigned() && v.get<uint64_t>() > uint64_t(INT64_MAX)) {
            noted("clamped to the largest long");
            return Json(INT64_MAX);
        }
        return v;
    }
    if (t == "integer" || t == "int" || t == "short")
        return v; // custom integer types are left as they are
    if (t == "float" || t == "double" || t == "scaled_float" || t == "half_float" || t == "number") {
        if (v.is_string()) {
            Json lit = literalEval(v.get<std::string>());
            if (!isUndefined(lit) && lit.is_number()) {
                noted("text converted to a number");
                return (t == "number" || custom) ? lit : Json(lit.get<double>());
            }
            return v;
        }
        return v;
    }
    if (t == "boolean" || t == "bool") {
        if (v.is_string()) {
            std::string s = v.get<std::string>();
            std::transform(s.begin(), s.end(), s.begin(), ::tolower);
            if (s == "true" || s == "1" || s == "yes") {
                noted("text converted to a boolean");
                return true;
            }
            if (s == "false" || s == "0" || s == "no") {
                noted("text converted to a boolean");
                return false;
            }
            return v;
        }
        if (v.is_number()) {
            noted("number converted to a boolean");
            return truthy(v);
        }
        return v;
    }
    if (t == "ip") {
        auto one = [&](const Json &x) -> Json {
            if (!x.is_string())
                return undefinedValue();
            if (isCanonicalIpv4(x.get_ref<const std::string &>()))
                return x;
            const QString s = QString::fromStdString(x.get<std::string>()).trimmed();
            QHostAddress a;
            if (!a.setAddress(s))
                return undefinedValue();
            if (a.protocol() == QAbstractSocket::IPv6Protocol) {
                bool isV4 = false;
                a.toIPv4Address(&isV4);
                if (isV4 && s.contains(QLatin1Char('.')))
                    return x; // an IPv4-mapped address keeps its dotted quad
            }
            const std::string canon = a.toString().toStdString();
            if (canon != x.get<std::string>())
                noted("written in canonical form");
            return canon;
        };
        if (v.is_array()) {
            Json out = Json::array();
            for (const Json &e : v) {
                Json c = one(e);
                if (!isUndefined(c))
                    out.push_back(c);
            }
            return out;
        }
        Json c = one(v);
        if (isUndefined(c))
            noted("not an IP address: dropped");
        return c;
    }
    if (isEcsDateLike(info)) {
        std::optional<int64_t> ns;
        bool hadFraction = false;
        if (v.is_string()) {
            const std::string &s = v.get_ref<const std::string &>();
            ns = parseTimestampNs(s);
            const size_t tpos = s.find_first_of("Tt ");
            hadFraction = tpos != std::string::npos && s.find('.', tpos) != std::string::npos;
        } else if (v.is_number_integer() || v.is_number_unsigned())
            ns = epochToNs(v.get<int64_t>());
        else if (v.is_number_float())
            ns = epochToNs(v.get<double>());
        if (!ns) {
            noted("not a date: dropped");
            return undefinedValue();
        }
        const std::string out = formatRfc3339(*ns, custom && hadFraction ? FractionMode::Micro : FractionMode::IfNonZero);
        if (!v.is_string() || out != v.get<std::string>())
            noted("date normalized");
        return out;
    }
    if (t == "array") {
        if (!v.is_array()) {
            noted("scalar wrapped in a list");
            return Json::array({v});
        }
        return v;
    }
    return v; // object, nested, flattened, dict, geo_point…
}

// ------------------------------------------------------------------------------------------
// Compiled parser

namespace {

/// A value as written in parser.yml: a template, or a list/dict whose members may be templates.
struct ValueSpec
{
    enum Kind { Tmpl, Const, List, Dict } kind = Const;
    Template tmpl;
    Json constant;
    std::vector<ValueSpec> items;
    std::vector<std::string> keys;
    std::string text; ///< as written (for provenance)

    void paths(std::vector<std::string> &out) const
    {
        if (kind == Tmpl)
            for (const auto &p : tmpl.paths())
                if (std::find(out.begin(), out.end(), p) == out.end())
                    out.push_back(p);
        for (const ValueSpec &i : items)
            i.paths(out);
    }
};

bool isTemplate(const std::string &s) { return s.find("{{") != std::string::npos || s.find("{%") != std::string::npos; }

/// Filters and translate sources are written either as templates or as bare expressions.
Template compileTemplateOrExpression(const std::string &s) { return isTemplate(s) ? Template(s) : compileExpression(s); }

Json yamlScalar(const YAML::Node &n)
{
    const std::string s = n.Scalar();
    if (n.Tag() == "!")
        return s; // quoted: always a string
    // plain scalars: the YAML core schema
    if (s == "null" || s == "~" || s == "Null" || s == "NULL")
        return Json();
    if (s == "true" || s == "True" || s == "TRUE")
        return true;
    if (s == "false" || s == "False" || s == "FALSE")
        return false;
    if (!s.empty() && (std::isdigit(static_cast<unsigned char>(s[0])) || s[0] == '-' || s[0] == '+' || s[0] == '.')) {
        char *end = nullptr;
        errno = 0;
        const long long i = std::strtoll(s.c_str(), &end, 10);
        if (end && *end == '\0' && errno == 0)
            return int64_t(i);
        const double dd = std::strtod(s.c_str(), &end);
        if (end && *end == '\0')
            return dd;
    }
    return s;
}

Json yamlToJson(const YAML::Node &n)
{
    if (n.IsMap()) {
        Json o = Json::object();
        for (auto it = n.begin(); it != n.end(); ++it)
            o[it->first.Scalar()] = yamlToJson(it->second);
        return o;
    }
    if (n.IsSequence()) {
        Json a = Json::array();
        for (auto it = n.begin(); it != n.end(); ++it)
            a.push_back(yamlToJson(*it));
        return a;
    }
    if (n.IsNull() || !n.IsDefined())
        return Json();
    return yamlScalar(n);
}

ValueSpec compileValue(const YAML::Node &n)
{
    ValueSpec v;
    if (n.IsSequence()) {
        v.kind = ValueSpec::List;
        for (auto it = n.begin(); it != n.end(); ++it)
            v.items.push_back(compileValue(*it));
        return v;
    }
    if (n.IsMap()) {
        v.kind = ValueSpec::Dict;
        for (auto it = n.begin(); it != n.end(); ++it) {
            v.keys.push_back(it->first.Scalar());
            v.items.push_back(compileValue(it->second));
        }
        return v;
    }
    const Json plain = n.IsScalar() ? yamlScalar(n) : Json();
    if (n.IsScalar() && plain.is_string()) {
        const std::string s = n.Scalar();
        v.text = s;
        if (isTemplate(s)) {
            v.kind = ValueSpec::Tmpl;
            v.tmpl = Template(s); // throws CompileError
            return v;
        }
        v.kind = ValueSpec::Const;
        // constant strings that are list/dict literals are parsed
        const size_t a = s.find_first_not_of(" \t");
        if (a != std::string::npos && (s[a] == '[' || s[a] == '{')) {
            Json lit = literalEval(s);
            if (!isUndefined(lit)) {
                v.constant = lit;
                return v;
            }
        }
        v.constant = s;
        return v;
    }
    v.kind = ValueSpec::Const;
    v.constant = plain;
    v.text = n.IsScalar() ? n.Scalar() : std::string();
    return v;
}

struct Action
{
    enum Kind { Set, Translate, Delete } kind = Set;
    int line = 0;
    bool hasFilter = false;
    Template filter;
    std::vector<std::pair<std::string, ValueSpec>> sets;
    std::vector<const FieldInfo *> setInfos; ///< taxonomy entry of each set target, resolved once
    Json dictionary = Json::object();
    std::vector<std::pair<Template, std::string>> mapping; // source expression -> target field
    bool hasFallback = false;
    ValueSpec fallback;
    std::vector<std::string> deletes;
};

struct Stage
{
    std::string name;
    std::vector<Action> actions;
};

struct Entry
{
    std::string name;
    bool hasFilter = false;
    Template filter;
    bool external = false;
    std::string extName;
    Template input;
    bool inputIsOriginalMessage = false;
    std::string outputField = "message";
    Grok grok;
    Json props = Json::object();
    int line = 0;
    bool disabled = false; ///< does not compile: skipped (the layer stays undefined)
    std::string dateFormat;
    bool hasTimezone = false;
    Template timezone;
};

} // namespace

struct IntakeParser::Impl
{
    std::string name;
    std::string label;
    std::vector<std::string> warnings;
    std::vector<Entry> pipeline;
    std::map<std::string, Stage> stages;
    std::vector<Json> ignored;
    Taxonomy taxonomy;
    bool allRawKeys = true;
    std::vector<std::string> rawKeys;
};

IntakeParser::IntakeParser() : d(std::make_unique<Impl>()) {}
IntakeParser::~IntakeParser() = default;
const std::string &IntakeParser::name() const { return d->name; }
const std::string &IntakeParser::label() const { return d->label; }
const std::vector<std::string> &IntakeParser::warnings() const { return d->warnings; }
const Taxonomy &IntakeParser::taxonomy() const { return d->taxonomy; }
const std::vector<std::string> *IntakeParser::usedRawKeys() const { return d->allRawKeys ? nullptr : &d->rawKeys; }

namespace {

std::string where(const std::string &label, const YAML::Node &n)
{
    return label + ":" + std::to_string(n.Mark().line + 1);
}

std::string readText(const std::string &path, bool &ok)
{
    QFile f(QString::fromStdString(path));
    ok = f.open(QIODevice::ReadOnly);
    return ok ? f.readAll().toStdString() : std::string();
}

} // namespace

namespace {

/// Which top-level raw keys can any template observe? Only the layer that json.parse-json
/// builds from original.message (and the first such entry) is narrowed; anything else that
/// reads the whole record (original.message used elsewhere, the layer root, dynamic
/// subscripts) means all keys.
void computeRawKeys(IntakeParser::Impl &d)
{
    d.allRawKeys = true;
    d.rawKeys.clear();
    const Entry *json = nullptr;
    for (const Entry &e : d.pipeline)
        if (e.external && e.extName == "json.parse-json" && e.inputIsOriginalMessage) {
            json = &e;
            break;
        }
    if (!json)
        return;
    const std::string prefix = json->name + "." + json->outputField;
    std::vector<std::string> paths;
    auto addPaths = [&](const Template &t) {
        for (const auto &p : t.paths())
            paths.push_back(p);
    };
    std::function<void(const ValueSpec &)> addSpec = [&](const ValueSpec &v) {
        if (v.kind == ValueSpec::Tmpl)
            addPaths(v.tmpl);
        for (const ValueSpec &i : v.items)
            addSpec(i);
    };
    for (const Entry &e : d.pipeline) {
        if (e.hasFilter)
            addPaths(e.filter);
        if (e.external && &e != json)
            addPaths(e.input);
    }
    for (const auto &[name, st] : d.stages)
        for (const Action &a : st.actions) {
            if (a.hasFilter)
                addPaths(a.filter);
            for (const auto &[f, spec] : a.sets)
                addSpec(spec);
            for (const auto &[src, target] : a.mapping)
                addPaths(src);
            if (a.hasFallback)
                addSpec(a.fallback);
        }
    std::set<std::string> keys;
    for (const std::string &p : paths) {
        if (p == "original" || p == "original.message")
            return; // the raw text itself is read again
        if (p == json->name || p == prefix)
            return; // the whole layer
        if (p.compare(0, prefix.size() + 1, prefix + ".") == 0) {
            const std::string rest = p.substr(prefix.size() + 1);
            keys.insert(rest.substr(0, rest.find('.')));
        }
    }
    d.allRawKeys = false;
    d.rawKeys.assign(keys.begin(), keys.end());
}

bool compileParser(IntakeParser::Impl &d, const YAML::Node &root, const std::string &label, std::string &error);

} // namespace

std::shared_ptr<const IntakeParser> IntakeParser::fromText(const std::string &parserYaml, const std::string &fieldsYaml,
                                                           const std::string &label, std::string &error)
{
    std::shared_ptr<IntakeParser> p(new IntakeParser());
    Impl &d = *p->d;
    d.label = label;
    d.taxonomy.inheritFrom(Taxonomy::builtin());
    if (!fieldsYaml.empty() && !d.taxonomy.addFieldsYaml(fieldsYaml, label + " (fields.yml)", error))
        return nullptr;
    YAML::Node root;
    if (!loadYamlBounded(parserYaml, label, root, error))
        return nullptr;
    try {
        if (!compileParser(d, root, label, error))
            return nullptr;
    } catch (const YAML::Exception &e) {
        // yaml-cpp throws on a node of an unexpected kind (a scalar read as a map...)
        error = label + ":" + std::to_string(e.mark.line + 1) + ": unexpected YAML here: " + e.msg;
        return nullptr;
    } catch (const std::exception &e) {
        error = label + ": the parser does not load: " + e.what();
        return nullptr;
    }
    return p;
}

namespace {

bool compileParser(IntakeParser::Impl &d, const YAML::Node &root, const std::string &label, std::string &error)
{
    if (!root.IsMap()) {
        error = label + ": a parser file is a YAML map with 'pipeline' and 'stages'";
        return false;
    }
    d.name = root["name"] && root["name"].IsScalar() ? root["name"].Scalar() : std::string();
    for (const char *k : {"ignored_values", "ignore-values", "ignored_value"}) {
        const YAML::Node iv = root[k];
        if (iv && iv.IsSequence())
            for (auto it = iv.begin(); it != iv.end(); ++it)
                d.ignored.push_back(yamlToJson(*it));
        else if (iv && iv.IsScalar())
            d.ignored.push_back(yamlToJson(iv));
    }
    const YAML::Node stages = root["stages"];
    if (stages && !stages.IsMap() && !stages.IsNull()) {
        error = where(label, stages) + ": 'stages' must be a map of stage name to {actions: [...]}";
        return false;
    }
    if (stages && stages.IsMap()) {
        for (auto it = stages.begin(); it != stages.end(); ++it) {
            Stage st;
            st.name = it->first.Scalar();
            const YAML::Node acts = it->second["actions"];
            if (!acts || !acts.IsSequence()) {
                error = where(label, it->second) + ": stage '" + st.name + "' has no 'actions' list";
                return false;
            }
            int idx = 0;
            for (auto a = acts.begin(); a != acts.end(); ++a, ++idx) {
                const YAML::Node an = *a;
                Action act;
                act.line = int(an.Mark().line + 1);
                const std::string loc = label + ":" + std::to_string(act.line);
                try {
                    if (!an.IsMap())
                        throw CompileError("an action must be a map (set, translate or delete)", 0);
                    if (an["filter"]) {
                        const std::string f = an["filter"].Scalar();
                        if (!f.empty()) {
                            act.hasFilter = true;
                            act.filter = compileTemplateOrExpression(f);
                        }
                    }
                    if (an["set"]) {
                        act.kind = Action::Set;
                        const YAML::Node s = an["set"];
                        if (!s.IsMap())
                            throw CompileError("'set' must be a map of field: value", 0);
                        for (auto f = s.begin(); f != s.end(); ++f) {
                            act.sets.emplace_back(f->first.Scalar(), compileValue(f->second));
                            act.setInfos.push_back(d.taxonomy.find(f->first.Scalar()));
                        }
                    } else if (an["translate"] || an["dictionary"] || an["mapping"]) {
                        act.kind = Action::Translate;
                        const YAML::Node dict = an["dictionary"];
                        const YAML::Node map = an["mapping"];
                        if (!dict || !dict.IsMap())
                            throw CompileError("'translate' needs a 'dictionary' map", 0);
                        if (!map || !map.IsMap())
                            throw CompileError("'translate' needs a 'mapping' map (source: target field)", 0);
                        for (auto e = dict.begin(); e != dict.end(); ++e)
                            act.dictionary[e->first.Scalar()] = yamlToJson(e->second);
                        for (auto e = map.begin(); e != map.end(); ++e) {
                            const std::string src = e->first.Scalar();
                            act.mapping.emplace_back(compileTemplateOrExpression(src),
                                                     e->second.Scalar());
                        }
                        if (an["fallback"]) {
                            act.hasFallback = true;
                            act.fallback = compileValue(an["fallback"]);
                        }
                    } else if (an["delete"]) {
                        act.kind = Action::Delete;
                        const YAML::Node del = an["delete"];
                        if (del.IsSequence())
                            for (auto e = del.begin(); e != del.end(); ++e)
                                act.deletes.push_back(e->Scalar());
                        else if (del.IsScalar())
                            act.deletes.push_back(del.Scalar());
                    } else {
                        throw CompileError("unknown action (expected set, translate or delete)", 0);
                    }
                } catch (const CompileError &e) {
                    d.warnings.push_back(loc + ": stage '" + st.name + "', action " + std::to_string(idx + 1)
                                         + " disabled: " + e.what());
                    act.kind = Action::Delete; // disabled: does nothing
                    act.deletes.clear();
                    act.sets.clear();
                } catch (const YAML::Exception &e) {
                    d.warnings.push_back(loc + ": stage '" + st.name + "', action " + std::to_string(idx + 1)
                                         + " disabled: " + e.msg);
                    act.kind = Action::Delete;
                    act.deletes.clear();
                }
                st.actions.push_back(std::move(act));
            }
            d.stages[st.name] = std::move(st);
        }
    }
    const YAML::Node pipe = root["pipeline"];
    if (!pipe || !pipe.IsSequence()) {
        error = label + ": the parser has no 'pipeline' list";
        return false;
    }
    std::set<std::string> layerNames{"original", "final"};
    auto disable = [&d](Entry &e, std::string why) {
        if (e.disabled)
            return;
        e.disabled = true;
        d.warnings.push_back(std::move(why));
    };
    for (auto it = pipe.begin(); it != pipe.end(); ++it) {
        const YAML::Node en = *it;
        if (!en.IsMap() || !en["name"]) {
            error = where(label, en) + ": a pipeline entry needs a 'name'";
            return false;
        }
        Entry e;
        e.name = en["name"].Scalar();
        e.line = int(en.Mark().line + 1);
        const std::string loc = label + ":" + std::to_string(e.line);
        try {
            if (en["filter"] && !en["filter"].Scalar().empty()) {
                const std::string f = en["filter"].Scalar();
                e.hasFilter = true;
                e.filter = compileTemplateOrExpression(f);
            }
        } catch (const CompileError &ce) {
            disable(e, loc + ": pipeline entry '" + e.name + "' disabled: its filter does not compile: " + ce.what());
        }
        const YAML::Node ext = en["external"];
        if (ext && !ext.IsNull()) {
            e.external = true;
            // (a YAML::Node assigned from a missing member throws: initialise, never assign)
            const YAML::Node props = ext.IsScalar() ? en["properties"] : ext.IsMap() ? ext["properties"] : YAML::Node();
            if (ext.IsScalar())
                e.extName = ext.Scalar();
            else if (ext.IsMap() && ext["name"] && ext["name"].IsScalar())
                e.extName = ext["name"].Scalar();
            if (props && props.IsMap())
                e.props = yamlToJson(props);
            if (e.props.contains("output_field") && e.props["output_field"].is_string())
                e.outputField = e.props["output_field"].get<std::string>();
            std::string input = e.props.contains("input_field") && e.props["input_field"].is_string()
                                    ? e.props["input_field"].get<std::string>() : std::string("original.message");
            try {
                if (isTemplate(input))
                    e.input = Template(input);
                else {
                    const std::string first = input.substr(0, input.find('.'));
                    if (!layerNames.count(first))
                        input = "original." + input;
                    e.input = compileExpression(input);
                }
            } catch (const CompileError &ce) {
                disable(e, loc + ": pipeline entry '" + e.name + "' disabled: its input_field does not compile: " + ce.what());
            }
            const auto &paths = e.input.paths();
            e.inputIsOriginalMessage = paths.size() == 1 && paths[0] == "original.message" && e.input.source() != ""
                                       && (e.input.source() == "{{original.message}}" || e.input.source() == "{{ original.message }}");
            if (e.extName == "grok.match") {
                std::map<std::string, std::string> custom;
                if (e.props.contains("custom_patterns") && e.props["custom_patterns"].is_object())
                    for (auto c = e.props["custom_patterns"].begin(); c != e.props["custom_patterns"].end(); ++c)
                        custom[c.key()] = c.value().is_string() ? c.value().get<std::string>() : c.value().dump();
                std::string gerr;
                const std::string pattern = e.props.contains("pattern") && e.props["pattern"].is_string()
                                                ? e.props["pattern"].get<std::string>() : std::string();
                if (!e.grok.compile(pattern, custom, gerr))
                    disable(e, loc + ": pipeline entry '" + e.name + "' disabled: its grok pattern: " + gerr);
            } else if (e.extName == "date.parse") {
                e.dateFormat = e.props.contains("format") && e.props["format"].is_string() ? e.props["format"].get<std::string>() : std::string();
                if (e.props.contains("timezone") && e.props["timezone"].is_string() && !e.props["timezone"].get<std::string>().empty()) {
                    const std::string tz = e.props["timezone"].get<std::string>();
                    try {
                        e.hasTimezone = true;
                        e.timezone = Template(tz);
                    } catch (const CompileError &ce) {
                        disable(e, loc + ": pipeline entry '" + e.name + "' disabled: its timezone does not compile: " + ce.what());
                    }
                }
            } else if (e.extName != "json.parse-json") {
                disable(e, loc + ": pipeline entry '" + e.name + "' disabled: unknown external stage '" + e.extName + "'");
            }
        } else if (!d.stages.count(e.name)) {
            disable(e, loc + ": pipeline entry '" + e.name + "' disabled: it names no stage in 'stages' and no external stage");
        }
        layerNames.insert(e.name);
        d.pipeline.push_back(std::move(e));
    }
    computeRawKeys(d);
    return true;
}

} // namespace

std::shared_ptr<const IntakeParser> IntakeParser::load(const std::string &path, std::string &error)
{
    QFileInfo fi(QString::fromStdString(path));
    if (!fi.exists()) {
        error = path + ": no such file or directory";
        return nullptr;
    }
    QString parserPath, fieldsPath;
    if (fi.isDir()) {
        const QString dir = fi.absoluteFilePath();
        for (const QString &cand : {QStringLiteral("/ingest/parser.yml"), QStringLiteral("/parser.yml")})
            if (QFileInfo::exists(dir + cand)) {
                parserPath = dir + cand;
                break;
            }
        if (parserPath.isEmpty()) {
            error = path + ": no ingest/parser.yml or parser.yml in this directory";
            return nullptr;
        }
    } else {
        parserPath = fi.absoluteFilePath();
    }
    // _meta/fields.yml beside the intake
    QFileInfo pi(parserPath);
    QString base = pi.absolutePath();
    if (pi.dir().dirName() == QStringLiteral("ingest"))
        base = QFileInfo(base).absolutePath();
    const QString candidates[] = {base + QStringLiteral("/_meta/fields.yml"), pi.absolutePath() + QStringLiteral("/_meta/fields.yml"),
                                  pi.absolutePath() + QStringLiteral("/fields.yml")};
    for (const QString &cand : candidates)
        if (QFileInfo::exists(cand)) {
            fieldsPath = cand;
            break;
        }
    bool ok = false;
    const std::string text = readText(parserPath.toStdString(), ok);
    if (!ok) {
        error = parserPath.toStdString() + ": cannot be read";
        return nullptr;
    }
    std::string fields;
    if (!fieldsPath.isEmpty())
        fields = readText(fieldsPath.toStdString(), ok);
    return fromText(text, fields, parserPath.toStdString(), error);
}

std::shared_ptr<const IntakeParser> IntakeParser::builtin()
{
    static const std::shared_ptr<const IntakeParser> p = [] {
        initCoreResourcesEngine();
        const QString parserRel = QStringLiteral("parsers/cloudflare-audit-logs/ingest/parser.yml");
        const QString fieldsRel = QStringLiteral("parsers/cloudflare-audit-logs/_meta/fields.yml");
        auto load = [](const QString &parserFile, const QString &fieldsFile, std::string &err) {
            bool ok1 = false, ok2 = false;
            const std::string parser = readText(parserFile.toStdString(), ok1);
            const std::string fields = readText(fieldsFile.toStdString(), ok2);
            const bool embedded = parserFile.startsWith(QLatin1Char(':'));
            const std::string label = embedded ? std::string("builtin:cloudflare-audit-logs/ingest/parser.yml") : parserFile.toStdString();
            std::shared_ptr<const IntakeParser> r;
            if (!ok1)
                err = label + ": cannot be read";
            else
                r = fromText(parser, fields, label, err);
            return r;
        };
        // the installed copy (share/auditlens), else the embedded one; a broken installed copy
        // is reported and the embedded one used
        const QString parserFile = util::dataFile(parserRel);
        std::string err;
        auto r = load(parserFile, util::dataFile(fieldsRel), err);
        if (!r && !parserFile.startsWith(QLatin1Char(':'))) {
            std::fprintf(stderr, "auditlens: the installed built-in parser does not load (%s); using the embedded copy\n", err.c_str());
            err.clear();
            r = load(util::embeddedDataFile(parserRel), util::embeddedDataFile(fieldsRel), err);
        }
        if (!r)
            throw std::runtime_error("built-in parser does not load: " + err);
        return r;
    }();
    return p;
}

// ------------------------------------------------------------------------------------------
// Running

namespace {

/// Deeper JSON than this is not parsed (its values could not be used and the recursion over
/// them would be unbounded).
constexpr int kMaxJsonNesting = 512;

/// The deepest nesting of [ and { in a JSON text (outside strings), stopping past the limit.
int jsonNesting(const std::string &text)
{
    int depth = 0, deepest = 0;
    bool inString = false;
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (inString) {
            if (c == '\\')
                ++i;
            else if (c == '"')
                inString = false;
        } else if (c == '"')
            inString = true;
        else if (c == '[' || c == '{') {
            deepest = std::max(deepest, ++depth);
            if (deepest > kMaxJsonNesting)
                return deepest;
        } else if (c == ']' || c == '}')
            --depth;
    }
    return deepest;
}

struct RunState
{
    const IntakeParser::Impl *d = nullptr;
    const std::string *rawMessage = nullptr;
    Json original;
    Json event;
    std::map<std::string, Json> layers;
    // provenance of layers: layer path prefix -> raw paths ("" = the raw record root)
    std::map<std::string, std::vector<std::string>> layerRaw;
    std::map<std::string, bool> layerRoot; // prefix maps onto the raw record itself
    std::map<std::string, std::string> layerStage; // prefix -> "name (stage type)"
    std::map<std::string, std::vector<std::string>> layerVia; // stages behind a layer
    bool explain = false;
    std::map<std::string, FieldProvenance> prov;
    std::vector<RunIssue> issues;

    Scope scope()
    {
        return [this](const std::string &name) -> const Json * {
            if (name == "original") {
                if (original.is_null()) {
                    original = Json::object();
                    original["message"] = *rawMessage;
                }
                return &original;
            }
            if (name == "final")
                return &event;
            auto it = layers.find(name);
            return it != layers.end() ? &it->second : nullptr;
        };
    }

    std::vector<std::string> resolveRaw(const std::vector<std::string> &reads) const
    {
        std::vector<std::string> out;
        auto add = [&](const std::string &s) {
            if (std::find(out.begin(), out.end(), s) == out.end())
                out.push_back(s);
        };
        for (const std::string &p : reads) {
            // longest matching layer prefix
            std::string best;
            for (const auto &[prefix, raws] : layerRaw)
                if ((p == prefix || p.compare(0, prefix.size() + 1, prefix + ".") == 0) && prefix.size() > best.size())
                    best = prefix;
            if (best.empty()) {
                if (p.compare(0, 6, "final.") == 0) {
                    auto it = prov.find(p.substr(6));
                    if (it != prov.end())
                        for (const auto &r : it->second.rawFields)
                            add(r);
                }
                continue;
            }
            if (layerRoot.at(best)) {
                if (p.size() > best.size()) {
                    // keep the raw fields the record really has
                    const std::string sub = p.substr(best.size() + 1);
                    const std::string layerName = best.substr(0, best.find('.'));
                    auto lit = layers.find(layerName);
                    const Json *root = lit != layers.end() ? findPath(lit->second, best.substr(layerName.size() + 1)) : nullptr;
                    if (!root || findPath(*root, sub) || sub.find_first_of("0123456789") != std::string::npos)
                        add(sub);
                }
            } else {
                for (const auto &r : layerRaw.at(best))
                    add(r);
            }
        }
        return out;
    }

    /// The external stages (other than the raw record's json.parse-json) a set of reads went through.
    std::vector<std::string> resolveVia(const std::vector<std::string> &reads) const
    {
        std::vector<std::string> out;
        for (const std::string &p : reads)
            for (const auto &[prefix, stage] : layerStage)
                if (p == prefix || p.compare(0, prefix.size() + 1, prefix + ".") == 0) {
                    auto add = [&](const std::string &s) {
                        if (std::find(out.begin(), out.end(), s) == out.end())
                            out.push_back(s);
                    };
                    for (const auto &v : layerVia.at(prefix))
                        add(v);
                    add(stage);
                }
        return out;
    }

    bool isIgnored(const Json &v) const
    {
        if (isUndefined(v) || v.is_null())
            return true;
        if (v.is_string() && v.get_ref<const std::string &>().empty())
            return true;
        for (const Json &ig : d->ignored)
            if (ig == v)
                return true;
        return false;
    }

    void record(const std::string &field, const FieldProvenance &base, bool typed, const std::string &note)
    {
        if (!explain)
            return;
        FieldProvenance p = base;
        p.field = field;
        p.typed = typed;
        p.note = note;
        prov[field] = std::move(p);
    }

    /// Sets `field` to `v` with typing and expansion of undeclared dicts. Returns whether set.
    bool assign(const std::string &field, const Json &v, const FieldProvenance &base)
    {
        return assign(field, v, base, d->taxonomy.find(field));
    }

    bool assign(const std::string &field, const Json &v, const FieldProvenance &base, const FieldInfo *info)
    {
        if (isIgnored(v))
            return false;
        if (v.is_object() && (!info || (info->type != "object" && info->type != "nested" && info->type != "flattened"
                                        && info->type != "dict" && info->type != "array"))
            && !(info && (info->type == "keyword" || info->type == "string" || info->type == "text"))) {
            // expand into the declared leaves below `field`; drop the rest
            bool any = false;
            for (auto it = v.begin(); it != v.end(); ++it) {
                const std::string sub = field + "." + it.key();
                if (d->taxonomy.isDeclared(sub) || (it.value().is_object() && d->taxonomy.hasChildren(sub)))
                    any = assign(sub, it.value(), base) || any;
            }
            if (!any && !findPath(event, field)) {
                setPath(event, field, Json::object());
                record(field, base, false, "no declared field below it");
            }
            return any;
        }
        if (!info) {
            setPath(event, field, v);
            record(field, base, false, "");
            return true;
        }
        std::string note;
        Json typed = (info->type == "keyword" && v.is_string()) ? v : typeValue(v, *info, &note);
        if (isIgnored(typed)) {
            if (explain && !note.empty())
                issues.push_back({base.stage, base.action, field, note});
            return false;
        }
        setPath(event, field, std::move(typed));
        record(field, base, !note.empty(), note);
        return true;
    }

    /// Evaluates a value; false (and a reason) when it fails: the field is then left unset.
    bool evalValue(const ValueSpec &v, Json &out, std::string &err)
    {
        switch (v.kind) {
        case ValueSpec::Const: out = v.constant; return true;
        case ValueSpec::Tmpl: return v.tmpl.tryEvaluate(scope(), out, err);
        case ValueSpec::List: {
            out = Json::array();
            for (const ValueSpec &i : v.items) {
                Json e;
                if (!evalValue(i, e, err))
                    return false;
                if (!isUndefined(e))
                    out.push_back(std::move(e));
            }
            return true;
        }
        case ValueSpec::Dict: {
            out = Json::object();
            for (size_t i = 0; i < v.items.size(); ++i) {
                Json e;
                if (!evalValue(v.items[i], e, err))
                    return false;
                if (!isUndefined(e) && !e.is_null())
                    out[v.keys[i]] = std::move(e);
            }
            return true;
        }
        }
        return false;
    }

    bool passes(const Template &f, const std::string &stage, int action)
    {
        Json v;
        std::string err;
        if (!f.tryEvaluate(scope(), v, err)) {
            if (explain)
                issues.push_back({stage, action, "", "filter failed, counted as false: " + err});
            return false;
        }
        return truthy(v);
    }

    void runAction(const Stage &st, int idx, const Action &a)
    {
        if (a.hasFilter && !passes(a.filter, st.name, idx))
            return;
        FieldProvenance base;
        base.stage = st.name;
        base.action = idx;
        switch (a.kind) {
        case Action::Set:
            base.kind = ProvenanceKind::Set;
            for (size_t si = 0; si < a.sets.size(); ++si) {
                const std::string &field = a.sets[si].first;
                const ValueSpec &spec = a.sets[si].second;
                try {
                    Json v;
                    std::string err;
                    if (!evalValue(spec, v, err)) {
                        if (explain)
                            issues.push_back({st.name, idx, field, "not set: " + err});
                        continue;
                    }
                    if (explain) {
                        base.expression = spec.kind == ValueSpec::Tmpl ? spec.tmpl.source() : spec.text;
                        base.reads.clear();
                        spec.paths(base.reads);
                        base.rawFields = resolveRaw(base.reads);
                        base.via = resolveVia(base.reads);
                    }
                    assign(field, v, base, a.setInfos[si]);
                } catch (const EvalError &e) {
                    if (explain)
                        issues.push_back({st.name, idx, field, std::string("not set: ") + e.what()});
                }
            }
            return;
        case Action::Translate:
            base.kind = ProvenanceKind::Translate;
            for (const auto &[src, target] : a.mapping) {
                try {
                    Json key;
                    std::string kerr;
                    if (!src.tryEvaluate(scope(), key, kerr))
                        key = undefinedValue();
                    if (isUndefined(key) || key.is_null()) {
                        const std::string path = src.paths().empty() ? std::string() : src.paths()[0];
                        if (const Json *fv = findPath(event, path))
                            key = *fv;
                    }
                    if (explain) {
                        base.expression = src.source();
                        base.reads = src.paths();
                        base.rawFields = resolveRaw(base.reads);
                        base.via = resolveVia(base.reads);
                    }
                    Json out = undefinedValue();
                    if (!isUndefined(key) && !key.is_null()) {
                        const std::string k = key.is_string() ? key.get<std::string>() : pyStr(key);
                        auto it = a.dictionary.find(k);
                        if (it != a.dictionary.end())
                            out = *it;
                    }
                    std::string err;
                    if (isUndefined(out) && a.hasFallback && !evalValue(a.fallback, out, err))
                        out = undefinedValue();
                    if (out.is_string()) {
                        const std::string &s = out.get_ref<const std::string &>();
                        if (!s.empty() && (s[0] == '[' || s[0] == '{')) {
                            Json lit = literalEval(s);
                            if (!isUndefined(lit))
                                out = lit;
                        }
                    }
                    assign(target, out, base);
                } catch (const EvalError &e) {
                    if (explain)
                        issues.push_back({st.name, idx, target, std::string("not translated: ") + e.what()});
                }
            }
            return;
        case Action::Delete:
            for (const std::string &f : a.deletes) {
                erasePath(event, f);
                prov.erase(f);
            }
            return;
        }
    }

    /// For --explain: the raw fields an extension stage's output (`prefix`) came from.
    void noteLayerSource(const Entry &e, const std::string &prefix)
    {
        if (!explain)
            return;
        layerRaw[prefix] = resolveRaw(e.input.paths());
        layerRoot[prefix] = false;
        layerVia[prefix] = resolveVia(e.input.paths());
        layerStage[prefix] = e.name + " (" + e.extName + ")";
    }

    void runExternal(const Entry &e, const Json *parsed)
    {
        Json input;
        std::string ierr;
        const bool preParsed = parsed && e.extName == "json.parse-json" && e.inputIsOriginalMessage;
        if (!preParsed && !e.input.tryEvaluate(scope(), input, ierr)) {
            if (explain)
                issues.push_back({e.name, -1, "", "input_field failed: " + ierr});
            layers.erase(e.name);
            return;
        }
        const std::string prefix = e.name + "." + e.outputField;
        if (e.extName == "json.parse-json") {
            Json out;
            if (preParsed)
                out = *parsed;
            else if (input.is_string()) {
                const std::string &text = input.get_ref<const std::string &>();
                if (jsonNesting(text) <= kMaxJsonNesting)
                    out = Json::parse(text, nullptr, false);
                else
                    out = Json(Json::value_t::discarded);
                if (out.is_discarded()) {
                    layers.erase(e.name);
                    if (explain)
                        issues.push_back({e.name, -1, "", "json.parse-json: the input is not valid JSON"});
                    return;
                }
            } else if (input.is_object() || input.is_array())
                out = input;
            else {
                layers.erase(e.name);
                return;
            }
            Json layer = Json::object();
            layer[e.outputField] = std::move(out);
            layers[e.name] = std::move(layer);
            if (explain) {
                const auto &reads = e.input.paths();
                const bool root = reads.size() == 1 && reads[0] == "original.message";
                layerRaw[prefix] = root ? std::vector<std::string>{} : resolveRaw(reads);
                layerRoot[prefix] = root;
            }
            return;
        }
        if (e.extName == "date.parse") {
            std::string tz;
            if (e.hasTimezone) {
                Json tzv;
                std::string terr;
                if (e.timezone.tryEvaluate(scope(), tzv, terr) && tzv.is_string())
                    tz = tzv.get<std::string>();
            }
            const auto out = parseDate(input, e.dateFormat, tz);
            if (!out) {
                layers.erase(e.name);
                if (explain)
                    issues.push_back({e.name, -1, "", "date.parse: not a date it can read: " + pyStr(input).substr(0, 60)});
                return;
            }
            Json layer = Json::object();
            layer[e.outputField] = *out;
            layers[e.name] = std::move(layer);
            noteLayerSource(e, prefix);
            return;
        }
        if (e.extName == "grok.match") {
            Json layer = Json::object();
            if (input.is_string() || input.is_number()) {
                Json m = e.grok.match(input.is_string() ? input.get<std::string>() : pyStr(input));
                if (!isUndefined(m))
                    layer[e.outputField] = std::move(m);
            }
            layers[e.name] = std::move(layer);
            noteLayerSource(e, prefix);
            return;
        }
    }

    void enrich()
    {
        FieldProvenance base;
        base.stage = "enrichment";
        base.kind = ProvenanceKind::Enrichment;
        auto provFrom = [&](const std::vector<std::string> &fields) {
            FieldProvenance p = base;
            p.reads.clear();
            p.rawFields.clear();
            for (const auto &f : fields) {
                p.reads.push_back("final." + f);
                auto it = prov.find(f);
                if (it != prov.end()) {
                    for (const auto &r : it->second.rawFields)
                        if (std::find(p.rawFields.begin(), p.rawFields.end(), r) == p.rawFields.end())
                            p.rawFields.push_back(r);
                    for (const auto &v : it->second.via)
                        if (std::find(p.via.begin(), p.via.end(), v) == p.via.end())
                            p.via.push_back(v);
                }
            }
            return p;
        };
        // most enrichment rules need a top-level object the record may not have: look once
        auto has = [this](const char *root) { return event.find(root) != event.end(); };
        // *.address for source, destination and client: the domain, else the ip
        std::vector<std::string> derivedAddress;
        for (const char *side : {"source", "destination", "client"}) {
            if (!has(side))
                continue;
            const std::string s(side);
            if (findPath(event, s + ".address"))
                continue;
            for (const char *what : {"domain", "ip"}) {
                const Json *v = findPath(event, s + "." + what);
                if (v && !isIgnored(*v)) {
                    const Json copy = *v;
                    setPath(event, s + ".address", copy);
                    derivedAddress.push_back(s);
                    if (explain) {
                        FieldProvenance p = provFrom({s + "." + what});
                        p.note = std::string("address from ") + s + "." + what;
                        record(s + ".address", p, false, p.note);
                    }
                    break;
                }
            }
        }
        auto setDerived = [&](const std::string &field, Json v, const std::vector<std::string> &from, const std::string &note) {
            if (isIgnored(v))
                return;
            setPath(event, field, std::move(v));
            if (explain) {
                FieldProvenance p = provFrom(from);
                record(field, p, false, note);
            }
        };
        auto split = [&](const std::string &domainField, const std::string &prefix) {
            const Json *v = findPath(event, domainField);
            if (!v || !v->is_string())
                return;
            const auto parts = splitDomain(v->get<std::string>());
            if (!parts)
                return;
            const std::string note = "split of " + domainField + " (public suffix list)";
            setDerived(prefix + ".registered_domain", parts->registered, {domainField}, note);
            setDerived(prefix + ".top_level_domain", parts->topLevel, {domainField}, note);
            setDerived(prefix + ".subdomain", parts->subdomain, {domainField}, note);
        };
        for (const char *side : {"source", "destination", "client"}) {
            if (!has(side))
                continue;
            const std::string sd(side);
            const Json *addr = findPath(event, sd + ".address");
            const Json *dom = findPath(event, sd + ".domain");
            // only when the domain became the address (not when the address was set explicitly)
            if (addr && dom && *addr == *dom && std::find(derivedAddress.begin(), derivedAddress.end(), sd) != derivedAddress.end())
                split(sd + ".domain", sd);
        }
        if (has("dns"))
            split("dns.question.name", "dns.question");
        const bool hasUrl = has("url");
        const bool urlDomainExplicit = hasUrl && findPath(event, "url.domain") != nullptr;
        // related.*
        auto collect = [&](const std::vector<std::string> &fields, const char *target) {
            Json vals = Json::array();
            std::vector<std::string> used;
            for (const std::string &f : fields) {
                const Json *v = event.find(f.substr(0, f.find('.'))) == event.end() ? nullptr : findPath(event, f);
                if (!v)
                    continue;
                if (!explain && v->is_null())
                    continue;
                auto addOne = [&](const Json &x) {
                    if (isIgnored(x))
                        return;
                    for (const Json &e : vals)
                        if (e == x)
                            return;
                    vals.push_back(x);
                };
                if (v->is_array())
                    for (const Json &x : *v)
                        addOne(x);
                else
                    addOne(*v);
                used.push_back(f);
            }
            erasePath(event, target);
            prov.erase(target);
            if (!vals.empty()) {
                setPath(event, target, vals);
                if (!explain)
                    return;
                FieldProvenance p = provFrom(used);
                record(target, p, false, "collected from " + [&] {
                    std::string s;
                    for (const auto &u : used)
                        s += (s.empty() ? "" : ", ") + u;
                    return s;
                }());
            }
        };
        static const std::vector<std::string> ipFields = [] {
            std::vector<std::string> v;
            for (const char *side : {"source", "destination", "client", "server", "host", "observer"}) {
                v.push_back(std::string(side) + ".ip");
                v.push_back(std::string(side) + ".nat.ip");
            }
            v.push_back("dns.resolved_ip");
            return v;
        }();
        collect(ipFields, "related.ip");
        static const std::vector<std::string> hostBase = {"host.hostname", "observer.hostname", "source.domain",
                                                          "destination.domain", "client.domain", "server.domain",
                                                          "dns.question.name"};
        static const std::vector<std::string> hostWithUrl = [] {
            std::vector<std::string> v = hostBase;
            v.push_back("url.domain");
            return v;
        }();
        collect(urlDomainExplicit ? hostWithUrl : hostBase, "related.hosts");
        static const std::vector<std::string> userFields = {"user.name", "source.user.name", "destination.user.name",
                                                            "client.user.name", "server.user.name", "user.target.name",
                                                            "file.owner"};
        collect(userFields, "related.user");
        static const std::vector<std::string> hashFields = [] {
            std::vector<std::string> v;
            for (const char *o : {"file", "process", "process.parent", "dll", "tls.server"})
                for (const char *h : {"md5", "sha1", "sha256", "sha384", "sha512", "ssdeep", "tlsh"})
                    v.push_back(std::string(o) + ".hash." + h);
            return v;
        }();
        collect(hashFields, "related.hash");
        // url.* from url.original, then url.full
        const Json *orig = hasUrl ? findPath(event, "url.original") : nullptr;
        const Json *full = hasUrl ? findPath(event, "url.full") : nullptr;
        const Json *urlSrc = orig && orig->is_string() ? orig : full && full->is_string() ? full : nullptr;
        if (urlSrc) {
            const std::string srcField = urlSrc == orig ? "url.original" : "url.full";
            const UrlParts u = splitUrl(urlSrc->get<std::string>());
            auto fill = [&](const char *f, Json v) {
                if (!findPath(event, std::string("url.") + f))
                    setDerived(std::string("url.") + f, std::move(v), {srcField}, "from " + srcField);
            };
            if (u.absolute && urlSrc == orig && !full)
                setDerived("url.full", *orig, {"url.original"}, "url.original is absolute");
            fill("scheme", u.scheme);
            fill("domain", u.domain);
            fill("path", u.path);
            fill("query", u.query);
            fill("fragment", u.fragment);
            const Json *scheme = findPath(event, "url.scheme");
            if (u.port)
                fill("port", *u.port);
            else if (scheme && scheme->is_string() && defaultPort(scheme->get<std::string>()))
                fill("port", defaultPort(scheme->get<std::string>()));
            if (u.absolute || !urlDomainExplicit)
                split("url.domain", "url");
        } else if (urlDomainExplicit) {
            split("url.domain", "url");
        }
        // file.name / file.directory from file.path
        if (const Json *fp = has("file") ? findPath(event, "file.path") : nullptr; fp && fp->is_string() && !findPath(event, "file.name")) {
            const std::string path = fp->get<std::string>();
            const size_t cut = path.find_last_of("/\\");
            if (cut != std::string::npos) {
                setDerived("file.name", path.substr(cut + 1), {"file.path"}, "from file.path");
                setDerived("file.directory", path.substr(0, cut), {"file.path"}, "from file.path");
            }
        }
        // user_agent.* from user_agent.original (uap-core)
        if (const Json *ua = has("user_agent") ? findPath(event, "user_agent.original") : nullptr; ua && ua->is_string()) {
            if (const auto parsed = parseUserAgent(ua->get<std::string>())) {
                const std::vector<std::string> from{"user_agent.original"};
                const std::string note = "parsed with uap-core";
                setDerived("user_agent.name", parsed->name, from, note);
                setDerived("user_agent.version", parsed->version, from, note);
                setDerived("user_agent.os.name", parsed->osName, from, note);
                setDerived("user_agent.os.version", parsed->osVersion, from, note);
                setDerived("user_agent.device.name", parsed->deviceName, from, note);
            }
        }
        if (const Json *outcome = findPath(event, "action.outcome")) {
            const Json copy = *outcome;
            setPath(event, "event.outcome", copy);
            record("event.outcome", provFrom({"action.outcome"}), false, "from action.outcome");
        }
        if (!findPath(event, "host.name"))
            if (const Json *hn = findPath(event, "host.hostname")) {
                const Json copy = *hn;
                setPath(event, "host.name", copy);
                record("host.name", provFrom({"host.hostname"}), false, "from host.hostname");
            }
        if (const Json *rel = findPath(event, "related"); rel && rel->is_object() && rel->empty())
            erasePath(event, "related");
    }
};

} // namespace

NormalizeResult IntakeParser::run(const std::string &raw, bool explain, const Json *parsed) const
{
    return runWith(raw, nullptr, explain, parsed);
}

NormalizeResult IntakeParser::runEnvelope(const Json &envelope, bool explain) const
{
    const Json *m = envelope.is_object() ? findPath(envelope, "message") : nullptr;
    const std::string raw = !m ? std::string() : m->is_string() ? m->get<std::string>() : m->dump();
    return runWith(raw, &envelope, explain, nullptr);
}

NormalizeResult IntakeParser::runWith(const std::string &raw, const Json *envelope, bool explain, const Json *parsed) const
{
    RunState st;
    st.d = d.get();
    st.explain = explain;
    st.rawMessage = &raw;
    st.original = Json(); // built on first use (most parsers read original.message once, through json.parse-json)
    st.event = Json::object();
    st.event.get_ref<Json::object_t &>().reserve(32);
    if (envelope && envelope->is_object()) {
        st.original = *envelope;
        st.original["message"] = raw;
        for (auto it = envelope->begin(); it != envelope->end(); ++it)
            if (it.key() != "message" && it.key() != "event" && it.key() != "sekoiaio")
                st.event[it.key()] = it.value();
    }
    st.event["message"] = raw;
    if (explain) {
        FieldProvenance p;
        p.stage = "input";
        p.kind = ProvenanceKind::Input;
        p.note = "the raw record, as compact JSON";
        st.record("message", p, false, p.note);
    }
    // nothing escapes: a failure that is not an evaluation error (a library throwing on a value
    // of a kind we did not expect) ends the record's run with what was built so far
    const char *step = "enrichment";
    std::string entryName;
    try {
        for (const Entry &e : d->pipeline) {
            entryName = e.name;
            if (e.disabled || (e.hasFilter && !st.passes(e.filter, e.name, -1)))
                continue;
            if (e.external) {
                st.runExternal(e, parsed);
                continue;
            }
            auto stage = d->stages.find(e.name);
            if (stage == d->stages.end())
                continue;
            for (size_t i = 0; i < stage->second.actions.size(); ++i)
                st.runAction(stage->second, int(i), stage->second.actions[i]);
        }
        entryName.clear();
        st.enrich();
    } catch (const std::exception &ex) {
        st.issues.push_back({entryName.empty() ? std::string(step) : entryName, -1, "",
                             std::string("the record's run stopped here: ") + ex.what()});
    }
    NormalizeResult r;
    r.event = std::move(st.event);
    if (explain) {
        std::vector<std::string> leaves;
        leafPaths(r.event, "", leaves);
        for (const std::string &l : leaves) {
            // the provenance of a leaf is its own, or that of the nearest parent that was set
            std::string k = l;
            for (;;) {
                auto it = st.prov.find(k);
                if (it != st.prov.end()) {
                    FieldProvenance p = it->second;
                    p.field = l;
                    r.provenance.push_back(std::move(p));
                    break;
                }
                const size_t dot = k.rfind('.');
                if (dot == std::string::npos)
                    break;
                k = k.substr(0, dot);
            }
        }
    }
    r.issues = std::move(st.issues);
    return r;
}

} // namespace auditlens::intake
