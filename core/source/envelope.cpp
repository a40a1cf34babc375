// SPDX-License-Identifier: MIT
// API envelopes and Sekoia test files expanded to their records, and the compact JSON text
// Cloudflare's Logpush would send.
#include "envelope.h"

#include "scan.h"

#include <nlohmann/json.hpp>

#include <cstring>

namespace auditlens {

using scan::nestsDeeperThan;

namespace {
using ojson = nlohmann::ordered_json;

/// nlohmann's parser is iterative but dump() recurses: deeper documents are not expanded (they
/// become one record, which the index pass rejects for its depth).
constexpr int kMaxExpandDepth = 1000;

const ojson *path(const ojson &o, std::initializer_list<const char *> keys)
{
    const ojson *cur = &o;
    for (const char *k : keys) {
        if (!cur->is_object())
            return nullptr;
        auto it = cur->find(k);
        if (it == cur->end())
            return nullptr;
        cur = &*it;
    }
    return cur;
}

void put(ojson &out, const char *name, const ojson *v)
{
    if (v)
        out[name] = *v;
}

ojson mapV1(const ojson &r)
{
    ojson o = ojson::object();
    put(o, "ActionResult", path(r, {"action", "result"}));
    put(o, "ActionType", path(r, {"action", "type"}));
    put(o, "ActorEmail", path(r, {"actor", "email"}));
    put(o, "ActorID", path(r, {"actor", "id"}));
    put(o, "ActorIP", path(r, {"actor", "ip"}));
    put(o, "ActorType", path(r, {"actor", "type"}));
    put(o, "ID", path(r, {"id"}));
    put(o, "Interface", path(r, {"interface"}));
    put(o, "Metadata", path(r, {"metadata"}));
    const ojson *nv = path(r, {"newValueJson"});
    put(o, "NewValue", nv ? nv : path(r, {"newValue"}));
    const ojson *ov = path(r, {"oldValueJson"});
    put(o, "OldValue", ov ? ov : path(r, {"oldValue"}));
    put(o, "OwnerID", path(r, {"owner", "id"}));
    put(o, "ResourceID", path(r, {"resource", "id"}));
    put(o, "ResourceType", path(r, {"resource", "type"}));
    put(o, "When", path(r, {"when"}));
    return o;
}

ojson mapV2(const ojson &r)
{
    ojson o = ojson::object();
    put(o, "AccountID", path(r, {"account", "id"}));
    put(o, "AccountName", path(r, {"account", "name"}));
    put(o, "ActionDescription", path(r, {"action", "description"}));
    put(o, "ActionResult", path(r, {"action", "result"}));
    put(o, "ActionTimestamp", path(r, {"action", "time"}));
    put(o, "ActionType", path(r, {"action", "type"}));
    put(o, "ActorContext", path(r, {"actor", "context"}));
    put(o, "ActorEmail", path(r, {"actor", "email"}));
    put(o, "ActorID", path(r, {"actor", "id"}));
    put(o, "ActorIPAddress", path(r, {"actor", "ip_address"}));
    {
        ojson tok = ojson::object();
        put(tok, "token_id", path(r, {"actor", "token_id"}));
        put(tok, "token_name", path(r, {"actor", "token_name"}));
        if (!tok.empty())
            o["ActorTokenDetails"] = tok;
    }
    put(o, "ActorType", path(r, {"actor", "type"}));
    put(o, "AuditLogID", path(r, {"id"}));
    put(o, "Raw", path(r, {"raw"}));
    put(o, "ResourceID", path(r, {"resource", "id"}));
    put(o, "ResourceProduct", path(r, {"resource", "product"}));
    put(o, "ResourceRequest", path(r, {"resource", "request"}));
    put(o, "ResourceResponse", path(r, {"resource", "response"}));
    put(o, "ResourceScope", path(r, {"resource", "scope"}));
    put(o, "ResourceType", path(r, {"resource", "type"}));
    put(o, "ResourceValue", path(r, {"resource", "value"}));
    put(o, "ZoneID", path(r, {"zone", "id"}));
    put(o, "ZoneName", path(r, {"zone", "name"}));
    return o;
}

bool looksV2(const ojson &r)
{
    return path(r, {"action", "time"}) || path(r, {"actor", "ip_address"}) || path(r, {"actor", "context"})
           || path(r, {"account"}) || path(r, {"resource", "scope"}) || path(r, {"resource", "product"})
           || path(r, {"raw"});
}

std::string dumpGo(const ojson &o)
{
    return compactJson(o.dump(-1, ' ', false, ojson::error_handler_t::replace));
}
} // namespace

bool expandEnvelope(const std::string &doc, std::vector<std::string> &records, std::string &why)
{
    if (nestsDeeperThan(doc, kMaxExpandDepth))
        return false;
    ojson j = ojson::parse(doc, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("result"))
        return false;
    if (!j.contains("success") && !j.contains("errors") && !j.contains("result_info"))
        return false;
    const ojson &res = j["result"];
    if (j.contains("success") && j["success"].is_boolean() && !j["success"].get<bool>()) {
        std::string msg = "the API response says success=false";
        if (j.contains("errors") && j["errors"].is_array())
            for (const ojson &e : j["errors"])
                if (e.is_object() && e.contains("message"))
                    msg += "; " + (e["message"].is_string() ? e["message"].get<std::string>() : e["message"].dump());
        why = msg;
    }
    if (res.is_null()) {
        if (why.empty())
            why = "the API response has no records (result is null)";
        return true;
    }
    if (!res.is_array()) {
        why = "the API response's result is not a list of audit log records";
        return true;
    }
    for (const ojson &r : res) {
        if (!r.is_object()) {
            records.push_back(r.dump()); // reported by the indexer as not an object
            continue;
        }
        if (r.contains("ID") || r.contains("AuditLogID") || r.contains("When") || r.contains("ActionTimestamp")) {
            records.push_back(dumpGo(r)); // already in Logpush form
            continue;
        }
        records.push_back(dumpGo(looksV2(r) ? mapV2(r) : mapV1(r)));
    }
    return true;
}

bool expandSekoiaTest(const std::string &doc, std::vector<std::string> &records, std::string &why)
{
    if (nestsDeeperThan(doc, kMaxExpandDepth))
        return false;
    ojson j = ojson::parse(doc, nullptr, false);
    if (j.is_discarded() || !j.is_object())
        return false;
    const ojson *msg = path(j, {"input", "message"});
    if (!msg)
        return false;
    if (msg->is_string())
        records.push_back(msg->get<std::string>());
    else if (msg->is_object())
        records.push_back(dumpGo(*msg));
    else
        why = "the test file's input.message is neither a string nor an object";
    return true;
}

namespace {

/// Bytes that end a run of bytes copied as they are: in compactJson, inside strings (quote,
/// backslash, the three HTML characters and the first byte of U+2028/U+2029) and outside them
/// (white space and the opening quote); in appendJsonString, what JSON must escape.
struct ByteClasses
{
    bool inString[256] = {};
    bool outside[256] = {};
    bool escape[256] = {};
    ByteClasses()
    {
        for (unsigned char c : {'"', '\\', '<', '>', '&', '\xE2'})
            inString[c] = true;
        for (unsigned char c : {' ', '\t', '\r', '\n', '"'})
            outside[c] = true;
        for (int c = 0; c < 0x20; ++c)
            escape[c] = true;
        escape[static_cast<unsigned char>('"')] = escape[static_cast<unsigned char>('\\')] = true;
    }
};
const ByteClasses kBytes;

} // namespace

std::string compactJson(std::string_view json)
{
    std::string out;
    out.reserve(json.size() + 64);
    const char *p = json.data();
    const char *end = p + json.size();
    // runs of ordinary bytes are copied at once; escapes (6 bytes for 1 to 3) are rare
    while (p < end) {
        const char *q = p;
        while (q < end && !kBytes.outside[static_cast<unsigned char>(*q)])
            ++q;
        out.append(p, size_t(q - p));
        if (q == end)
            break;
        p = q + 1;
        if (*q != '"')
            continue; // white space outside strings
        out += '"';
        // inside a string
        while (p < end) {
            const char *r = p;
            while (r < end && !kBytes.inString[static_cast<unsigned char>(*r)])
                ++r;
            out.append(p, size_t(r - p));
            p = r;
            if (p == end)
                break;
            const unsigned char c = static_cast<unsigned char>(*p);
            if (c == '"') {
                out += '"';
                ++p;
                break;
            }
            if (c == '\\') {
                out += *p++;
                if (p < end)
                    out += *p++;
            } else if (c == '<' || c == '>' || c == '&') {
                out.append(c == '<' ? "\\u003c" : c == '>' ? "\\u003e" : "\\u0026", 6);
                ++p;
            } else if (end - p >= 3 && static_cast<unsigned char>(p[1]) == 0x80
                       && (static_cast<unsigned char>(p[2]) == 0xA8 || static_cast<unsigned char>(p[2]) == 0xA9)) {
                out.append(static_cast<unsigned char>(p[2]) == 0xA8 ? "\\u2028" : "\\u2029", 6);
                p += 3;
            } else {
                out += *p++; // another character starting with 0xE2
            }
        }
    }
    return out;
}

void appendJsonString(std::string &out, std::string_view s)
{
    out.reserve(out.size() + s.size() + 16);
    out += '"';
    static const char hex[] = "0123456789abcdef";
    const char *p = s.data();
    const char *end = p + s.size();
    while (p < end) {
        const char *q = p;
        while (q < end && !kBytes.escape[static_cast<unsigned char>(*q)])
            ++q;
        out.append(p, size_t(q - p));
        if (q == end)
            break;
        const unsigned char c = static_cast<unsigned char>(*q);
        p = q + 1;
        char e[6] = {'\\', 0, 0, 0, 0, 0};
        size_t n = 2;
        switch (c) {
        case '"': e[1] = '"'; break;
        case '\\': e[1] = '\\'; break;
        case '\n': e[1] = 'n'; break;
        case '\r': e[1] = 'r'; break;
        case '\t': e[1] = 't'; break;
        case '\b': e[1] = 'b'; break;
        case '\f': e[1] = 'f'; break;
        default:
            e[1] = 'u';
            e[2] = '0';
            e[3] = '0';
            e[4] = hex[c >> 4];
            e[5] = hex[c & 15];
            n = 6;
        }
        out.append(e, n);
    }
    out += '"';
}

} // namespace auditlens
