// SPDX-License-Identifier: MIT
// Loading a parser: YAML to the compiled form (engine_p.h), every problem a diagnostic.
#include "engine_p.h"

#include "util/datadir.h"
#include "yamlguard.h"

#include <QFile>
#include <QDir>
#include <QFileInfo>

#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <functional>
#include <set>

static void initCoreResourcesEngine() { Q_INIT_RESOURCE(auditlens_core); }

namespace auditlens::intake {

using namespace detail;

namespace {

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

} // namespace

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

/// Calls `fn` with every path the parser reads: the entries' filters, external inputs (but
/// `skipInput`'s) and stage paths, and the actions' filters, set values, mapping sources and
/// fallbacks.
void forEachReadPath(const IntakeParser::Impl &d, const Entry *skipInput, const std::function<void(const std::string &)> &fn)
{
    auto addPaths = [&](const Template &t) {
        for (const auto &p : t.paths())
            fn(p);
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
        if (e.external && &e != skipInput)
            addPaths(e.input);
        if (e.stage)
            for (const auto &p : e.stage->paths())
                fn(p);
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
}

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
    forEachReadPath(d, json, [&](const std::string &p) { paths.push_back(p); });
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

/// Inline stages whose name a template reads (`set_ecs_fields.event.type`) keep what they set
/// as a layer of that name.
void markStageLayers(IntakeParser::Impl &d)
{
    std::set<std::string> roots;
    forEachReadPath(d, nullptr, [&](const std::string &p) { roots.insert(p.substr(0, p.find('.'))); });
    for (auto &[name, st] : d.stages)
        st.layer = roots.count(name) > 0;
}

} // namespace

std::shared_ptr<const IntakeParser> IntakeParser::fromText(const std::string &parserYaml, const std::string &fieldsYaml,
                                                           const std::string &label, std::string &error,
                                                           const std::string &moduleFieldsYaml)
{
    std::shared_ptr<IntakeParser> p(new IntakeParser());
    Impl &d = *p->d;
    d.label = label;
    d.taxonomy.inheritFrom(Taxonomy::builtin());
    if (!moduleFieldsYaml.empty() && !d.taxonomy.addFieldsYaml(moduleFieldsYaml, label + " (the module's fields.yml)", error))
        return nullptr;
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
                            // a value that does not compile leaves its field unset; the others stay
                            const std::string field = f->first.Scalar();
                            try {
                                act.sets.emplace_back(field, compileValue(f->second));
                                act.setInfos.push_back(d.taxonomy.find(field));
                            } catch (const CompileError &ce) {
                                d.warnings.push_back(loc + ": stage '" + st.name
                                                     + "', action " + std::to_string(idx + 1) + ": " + field
                                                     + " is never set: " + ce.what());
                            }
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
            } else if (isExternalStageName(e.extName)) {
                std::string serr;
                e.stage = compileExternalStage(e.extName, props ? props : YAML::Node(YAML::NodeType::Map), serr);
                if (!e.stage)
                    disable(e, loc + ": pipeline entry '" + e.name + "' disabled: " + e.extName + ": " + serr);
            } else if (e.extName != "json.parse-json") {
                disable(e, loc + ": pipeline entry '" + e.name + "' disabled: unknown external stage '" + e.extName + "'");
            }
        } else if (!d.stages.count(e.name)) {
            disable(e, loc + ": pipeline entry '" + e.name + "' disabled: it names no stage in 'stages' and no external stage");
        }
        layerNames.insert(e.name);
        d.pipeline.push_back(std::move(e));
    }
    markStageLayers(d);
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
    // a module (Beats/) can declare fields for all its intakes (Beats/_meta/fields.yml)
    std::string moduleFields;
    const QString moduleFieldsPath = QFileInfo(base).absolutePath() + QStringLiteral("/_meta/fields.yml");
    if (pi.dir().dirName() == QStringLiteral("ingest") && QFileInfo::exists(moduleFieldsPath) && moduleFieldsPath != fieldsPath)
        moduleFields = readText(moduleFieldsPath.toStdString(), ok);
    return fromText(text, fields, parserPath.toStdString(), error, moduleFields);
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

} // namespace auditlens::intake
