// SPDX-License-Identifier: MIT
// The state of one record's run through a compiled parser. Private to run.cpp and
// enrichment.cpp.
#pragma once

#include "engine_p.h"

#include "dates.h"

#include <algorithm>
#include <map>
#include <string>
#include <vector>

namespace auditlens::intake::detail {

/// Deeper JSON than this is not parsed (its values could not be used and the recursion over
/// them would be unbounded).
constexpr int kMaxJsonNesting = 512;
/// The deepest nesting of [ and { in a JSON text (outside strings), stopping past the limit.
int jsonNesting(const std::string &text);

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
    Json *stageLayer = nullptr; ///< the running inline stage's own layer, when templates read it
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

    /// `top`: `field` is the one the action names (not a member reached by expanding a dict):
    /// only that one is kept as `{}` when nothing declared remains below it.
    bool assign(const std::string &field, const Json &v, const FieldProvenance &base, const FieldInfo *info, bool top = true)
    {
        if (isIgnored(v))
            return false;
        if (v.is_object() && (!info || (info->type != "object" && info->type != "nested" && info->type != "flattened"
                                        && info->type != "array"))
            && !(info && (info->type == "keyword" || info->type == "string" || info->type == "text"))) {
            // expand into the declared leaves below `field`; drop the rest. The dict replaces
            // what the field held (CEF sets cef.event_type, then `cef` as a whole)
            if (top) {
                erasePath(event, field);
                if (stageLayer)
                    erasePath(*stageLayer, field);
            }
            bool any = false;
            for (auto it = v.begin(); it != v.end(); ++it) {
                const std::string sub = field + "." + it.key();
                if (d->taxonomy.isDeclared(sub) || (it.value().is_object() && d->taxonomy.hasChildren(sub)))
                    any = assign(sub, it.value(), base, d->taxonomy.find(sub), false) || any;
            }
            if (!any && top && !findPath(event, field)) {
                setPath(event, field, Json::object());
                if (stageLayer)
                    setPath(*stageLayer, field, Json::object());
                record(field, base, false, "no declared field below it");
            }
            return any;
        }
        if (!info) {
            if (stageLayer)
                setPath(*stageLayer, field, v);
            setPath(event, field, v);
            record(field, base, false, "");
            return true;
        }
        std::string note;
        Json typed = (info->type == "keyword" && v.is_string()) ? v : typeValue(v, *info, &note);
        if (info->type == "object" || info->type == "nested")
            typeInside(field, typed);
        if (isIgnored(typed)) {
            if (explain && !note.empty())
                issues.push_back({base.stage, base.action, field, note});
            return false;
        }
        if (stageLayer)
            setPath(*stageLayer, field, typed);
        setPath(event, field, std::move(typed));
        record(field, base, !note.empty(), note);
        return true;
    }

    /// An object or nested value is kept as it is, but the declared fields inside it are typed
    /// (threat.enrichments[].indicator.first_seen is a date); a member whose value its type
    /// refuses is dropped.
    void typeInside(const std::string &field, Json &v, int depth = 0)
    {
        if (depth > kMaxJsonNesting)
            return;
        if (v.is_array()) {
            for (Json &e : v)
                typeInside(field, e, depth + 1);
            return;
        }
        if (!v.is_object())
            return;
        for (auto it = v.begin(); it != v.end();) {
            const std::string sub = field + "." + it.key();
            const FieldInfo *info = d->taxonomy.find(sub);
            if (!info || info->type == "object" || info->type == "nested") {
                typeInside(sub, it.value(), depth + 1);
                ++it;
                continue;
            }
            if (info->type == "flattened" || info->type == "dict" || (info->type == "keyword" && it.value().is_string())) {
                ++it;
                continue;
            }
            Json t = typeValue(it.value(), *info);
            if (isUndefined(t)) {
                it = v.erase(it);
                continue;
            }
            it.value() = std::move(t);
            ++it;
        }
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

    /// A stage that fails sets nothing: a layer an earlier entry of the same name set stays (a
    /// second `parsed_date` whose input is empty keeps the first one's date, as the reference
    /// does); with no earlier one the layer stays undefined.
    /// Returns whether it took `parsed` over (moved it into its layer).
    bool runExternal(const Entry &e, Json *parsed)
    {
        Json input;
        std::string ierr;
        const bool preParsed = parsed && e.extName == "json.parse-json" && e.inputIsOriginalMessage;
        if (!preParsed && !e.input.tryEvaluateValue(scope(), input, ierr)) {
            if (explain)
                issues.push_back({e.name, -1, "", "input_field failed: " + ierr});
            return false;
        }
        const std::string prefix = e.name + "." + e.outputField;
        if (e.extName == "json.parse-json") {
            Json out;
            if (preParsed)
                out = std::move(*parsed);
            else if (input.is_string()) {
                const std::string &text = input.get_ref<const std::string &>();
                if (jsonNesting(text) <= kMaxJsonNesting)
                    out = Json::parse(text, nullptr, false);
                else
                    out = Json(Json::value_t::discarded);
                if (out.is_discarded()) {
                    if (explain)
                        issues.push_back({e.name, -1, "", "json.parse-json: the input is not valid JSON"});
                    return false;
                }
            } else if (input.is_object() || input.is_array())
                out = input;
            else
                return false;
            Json layer = Json::object();
            layer[e.outputField] = std::move(out);
            layers[e.name] = std::move(layer);
            if (explain) {
                const auto &reads = e.input.paths();
                const bool root = reads.size() == 1 && reads[0] == "original.message";
                layerRaw[prefix] = root ? std::vector<std::string>{} : resolveRaw(reads);
                layerRoot[prefix] = root;
            }
            return preParsed;
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
                if (explain)
                    issues.push_back({e.name, -1, "", "date.parse: not a date it can read: " + pyStr(input).substr(0, 60)});
                return false;
            }
            Json layer = Json::object();
            layer[e.outputField] = *out;
            layers[e.name] = std::move(layer);
            noteLayerSource(e, prefix);
            return false;
        }
        if (e.stage) {
            Json out;
            std::string serr;
            if (!e.stage->runInRecord(input, scope(), out, serr)) {
                if (explain)
                    issues.push_back({e.name, -1, "", e.extName + ": " + serr});
                return false;
            }
            Json layer = Json::object();
            layer[e.outputField] = std::move(out);
            layers[e.name] = std::move(layer);
            noteLayerSource(e, prefix);
            return false;
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
            return false;
        }
        return false;
    }

    /// The rules run after the parser (enrichment.cpp).
    void enrich();
};

} // namespace auditlens::intake::detail
