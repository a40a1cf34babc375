// SPDX-License-Identifier: MIT
// Enrichment: the rules Sekoia's service applies after the parser (*.address, domain split,
// related.*, url.*, file.name, user_agent.*, event.outcome, host.name).
#include "runstate.h"

#include "enrich.h"

namespace auditlens::intake::detail {

void RunState::enrich()
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
        // the lists keep fields of one top-level object together: look each object up once
        std::string_view lastTop;
        bool topPresent = false;
        for (const std::string &f : fields) {
            const std::string_view top = std::string_view(f).substr(0, f.find('.'));
            if (top != lastTop) {
                lastTop = top;
                topPresent = event.find(top) != event.end();
            }
            const Json *v = topPresent ? findPath(event, f) : nullptr;
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
    // each fills what is still missing: a relative original gives the path and query, an
    // absolute full URL then the scheme, port and domain
    std::vector<std::pair<const Json *, std::string>> urlSources;
    if (orig && orig->is_string())
        urlSources.emplace_back(orig, "url.original");
    if (full && full->is_string() && !(orig && *orig == *full))
        urlSources.emplace_back(full, "url.full");
    bool anyAbsolute = false;
    for (const auto &[src, srcField] : urlSources) {
        const UrlParts u = splitUrl(src->get<std::string>());
        auto fill = [&, &srcField = srcField](const char *f, Json v) {
            if (!findPath(event, std::string("url.") + f))
                setDerived(std::string("url.") + f, std::move(v), {srcField}, "from " + srcField);
        };
        if (u.absolute && src == orig && !full)
            setDerived("url.full", *orig, {"url.original"}, "url.original is absolute");
        fill("scheme", u.scheme);
        fill("domain", u.domain);
        fill("path", u.path);
        fill("query", u.query);
        fill("fragment", u.fragment);
        if (u.port)
            fill("port", *u.port);
        anyAbsolute = anyAbsolute || u.absolute;
    }
    if (!urlSources.empty()) {
        const Json *scheme = findPath(event, "url.scheme");
        if (!findPath(event, "url.port") && scheme && scheme->is_string() && defaultPort(scheme->get<std::string>()))
            setDerived("url.port", defaultPort(scheme->get<std::string>()), {"url.scheme"}, "the scheme's default port");
        if (anyAbsolute || !urlDomainExplicit)
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

} // namespace auditlens::intake::detail
