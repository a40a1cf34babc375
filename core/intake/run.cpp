// SPDX-License-Identifier: MIT
// Running a compiled parser on a record: the pipeline's entries in order, then enrichment.
#include "runstate.h"

namespace auditlens::intake {

using namespace detail;

namespace detail {

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

} // namespace detail

NormalizeResult IntakeParser::run(const std::string &raw, bool explain, Json *parsed) const
{
    return runWith(raw, nullptr, explain, parsed);
}

NormalizeResult IntakeParser::runEnvelope(const Json &envelope, bool explain) const
{
    const Json *m = envelope.is_object() ? findPath(envelope, "message") : nullptr;
    const std::string raw = !m ? std::string() : m->is_string() ? m->get<std::string>() : m->dump();
    return runWith(raw, &envelope, explain, nullptr);
}

NormalizeResult IntakeParser::runWith(const std::string &raw, const Json *envelope, bool explain, Json *parsed) const
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
    // The platform's event always has an `event` (its event.id), so `final.event.x` is
    // undefined rather than an error; an `event` left empty is removed after the run.
    const bool seedEvent = !st.event.contains("event");
    if (seedEvent)
        st.event["event"] = Json::object();
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
                if (st.runExternal(e, parsed))
                    parsed = nullptr; // taken: a second json.parse-json of the message parses the text
                continue;
            }
            auto stage = d->stages.find(e.name);
            if (stage == d->stages.end())
                continue;
            if (stage->second.layer) {
                Json &layer = st.layers[e.name];
                if (!layer.is_object())
                    layer = Json::object();
                st.stageLayer = &layer;
            }
            for (size_t i = 0; i < stage->second.actions.size(); ++i)
                st.runAction(stage->second, int(i), stage->second.actions[i]);
            st.stageLayer = nullptr;
        }
        entryName.clear();
        st.enrich();
    } catch (const std::exception &ex) {
        st.issues.push_back({entryName.empty() ? std::string(step) : entryName, -1, "",
                             std::string("the record's run stopped here: ") + ex.what()});
    }
    NormalizeResult r;
    if (seedEvent) {
        auto it = st.event.find("event");
        if (it != st.event.end() && it->is_object() && it->empty())
            st.event.erase(it);
    }
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
