// SPDX-License-Identifier: MIT
// Deterministic generator of realistic synthetic Cloudflare audit logs (Logpush form).
// Usage: auditlens-gen --records N [--v2-share PERCENT] [--gzip] [--seed S] [--start EPOCH] [--interval-ms MS] > out.ndjson
//   Varied actions, actors, resource types, nested OldValue/NewValue, every IP form (IPv4,
//   IPv6, IPv4-mapped), every timestamp format; about 1 KB per record.
#include <zlib.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

namespace {

struct Rng
{
    uint64_t s;
    uint64_t next()
    {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        return s;
    }
    uint64_t below(uint64_t n) { return next() % n; }
};

const char *kActions[] = {"login", "logout", "token_create", "token_roll", "rec_add", "rec_set", "rec_del",
                          "zone_setting_update", "gateway_create", "gateway_update", "gateway_delete", "job_create",
                          "job_update", "member_invite", "member_remove", "purge_cache", "waf_rule_update",
                          "access_app_create", "tunnel_create", "api_key_view"};
const char *kResourceTypes[] = {"account", "zone", "dns_record", "token", "gateway.rule", "gateway.location",
                                "gateway.config", "logpush job", "member", "access.app", "tunnel", "waf.rule",
                                "cache", "certificate"};
const char *kInterfaces[] = {"UI", "API", "Terraform", ""};
const char *kActorTypes[] = {"user", "user", "user", "admin", "Cloudflare"};
const char *kFirst[] = {"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy",
                        "mallory", "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter", "zoe"};
const char *kDomains[] = {"example.com", "example.org", "corp.example.net", "acme.test"};
const char *kV2Types[] = {"create", "update", "delete", "view"};
const char *kContexts[] = {"api_key", "api_token", "dash", "oauth", "origin_ca_key"};

std::string hex(Rng &r, int n)
{
    static const char *d = "0123456789abcdef";
    std::string s;
    for (int i = 0; i < n; ++i)
        s += d[r.below(16)];
    return s;
}

std::string uuid(Rng &r) { return hex(r, 8) + "-" + hex(r, 4) + "-4" + hex(r, 3) + "-a" + hex(r, 3) + "-" + hex(r, 12); }

std::string ip(Rng &r)
{
    switch (r.below(3)) {
    case 0: return std::to_string(1 + r.below(223)) + "." + std::to_string(r.below(256)) + "." + std::to_string(r.below(256)) + "." + std::to_string(1 + r.below(254));
    case 1: return "::ffff:" + std::to_string(1 + r.below(223)) + "." + std::to_string(r.below(256)) + "." + std::to_string(r.below(256)) + "." + std::to_string(1 + r.below(254));
    default: return "2001:db8:" + hex(r, 4) + "::" + hex(r, 3);
    }
}

std::string when(Rng &r, int64_t t, int format)
{
    char buf[64];
    const int64_t sec = t / 1000000000, ns = t % 1000000000;
    time_t tt = time_t(sec);
    struct tm tm;
    gmtime_r(&tt, &tm);
    char base[32];
    std::strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    switch (format) {
    case 0: std::snprintf(buf, sizeof buf, "\"%sZ\"", base); break;
    case 1: std::snprintf(buf, sizeof buf, "\"%s.%03lldZ\"", base, static_cast<long long>(ns / 1000000)); break;
    case 2: std::snprintf(buf, sizeof buf, "\"%s.%09lldZ\"", base, static_cast<long long>(ns)); break;
    case 3: std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(sec)); break;
    default: std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(t)); break;
    }
    (void)r;
    return buf;
}

std::string value(Rng &r, int depth)
{
    // a nested settings object like the seed's NewValue
    std::string s = "{\"id\":\"" + uuid(r) + "\",\"name\":\"rule " + std::to_string(r.below(1000)) + "\",\"enabled\":"
                    + (r.below(2) ? "true" : "false") + ",\"precedence\":" + std::to_string(r.below(20000))
                    + ",\"created_at\":\"2023-02-24T16:32:38Z\",\"filters\":[\"dns\",\"http\"]";
    if (depth < 1 && r.below(3) == 0)
        s += ",\"settings\":" + value(r, depth + 1);
    s += ",\"conditions\":[{\"type\":\"traffic\",\"expression\":{\"==\":{\"lhs\":\"net.dst.ip\",\"rhs\":{\"ip\":\"" + ip(r)
         + "\"}}}}],\"description\":\"\"}";
    return s;
}

} // namespace

int main(int argc, char **argv)
{
    uint64_t records = 1000, seed = 20260101, v2Share = 10, start = 1700000000, intervalMs = 2500;
    bool gz = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--records" && i + 1 < argc)
            records = std::strtoull(argv[++i], nullptr, 10);
        else if (a == "--seed" && i + 1 < argc)
            seed = std::strtoull(argv[++i], nullptr, 10);
        else if (a == "--v2-share" && i + 1 < argc)
            v2Share = std::strtoull(argv[++i], nullptr, 10);
        else if (a == "--start" && i + 1 < argc)
            start = std::strtoull(argv[++i], nullptr, 10);
        else if (a == "--interval-ms" && i + 1 < argc)
            intervalMs = std::strtoull(argv[++i], nullptr, 10);
        else if (a == "--gzip")
            gz = true;
        else {
            std::fprintf(stderr, "usage: auditlens-gen --records N [--v2-share PERCENT] [--gzip] [--seed S]\n"
                                 "                     [--start EPOCH_SECONDS] [--interval-ms MEAN_GAP]\n");
            return 2;
        }
    }
    Rng r{seed | 1};
    gzFile gzout = gz ? gzdopen(1, "wb6") : nullptr;
    std::string buf;
    int64_t t = int64_t(start) * 1000000000LL;
    std::vector<std::string> accounts = {hex(r, 32), hex(r, 32), hex(r, 32)};
    for (uint64_t n = 0; n < records; ++n) {
        t += int64_t(r.below(2 * intervalMs + 1)) * 1000000 + int64_t(r.below(1000000));
        const std::string user = kFirst[r.below(sizeof kFirst / sizeof *kFirst)];
        const std::string email = user + "@" + kDomains[r.below(4)];
        const std::string actorId = hex(r, 32);
        const std::string &acct = accounts[r.below(accounts.size())];
        std::string rec;
        if (r.below(100) < v2Share) {
            rec = "{\"AccountID\":\"" + acct + "\",\"AccountName\":\"Acme\",\"ActionDescription\":\"Change setting\",\"ActionResult\":\""
                  + (r.below(10) ? "success" : "failure") + "\",\"ActionTimestamp\":" + when(r, t, int(r.below(5)))
                  + ",\"ActionType\":\"" + kV2Types[r.below(4)] + "\",\"ActorContext\":\"" + kContexts[r.below(5)]
                  + "\",\"ActorEmail\":\"" + email + "\",\"ActorID\":\"" + actorId + "\",\"ActorIPAddress\":\"" + ip(r)
                  + "\",\"ActorTokenDetails\":{\"token_id\":\"" + hex(r, 32) + "\",\"token_name\":\"automation\"},\"ActorType\":\"user\",\"AuditLogID\":\""
                  + uuid(r) + "\",\"Raw\":{\"cf_ray_id\":\"" + hex(r, 16) + "\",\"method\":\"PATCH\",\"status_code\":200,\"uri\":\"/client/v4/zones/" + hex(r, 32)
                  + "/settings\",\"user_agent\":\"Mozilla/5.0\"},\"ResourceID\":\"" + hex(r, 32) + "\",\"ResourceProduct\":\"zones\",\"ResourceRequest\":"
                  + value(r, 1) + ",\"ResourceResponse\":" + value(r, 2) + ",\"ResourceScope\":\"zones\",\"ResourceType\":\""
                  + kResourceTypes[r.below(sizeof kResourceTypes / sizeof *kResourceTypes)] + "\",\"ZoneID\":\"" + hex(r, 32)
                  + "\",\"ZoneName\":\"" + kDomains[r.below(4)] + "\"}";
        } else {
            const bool hasResult = r.below(10) != 0;
            rec = "{";
            if (hasResult)
                rec += std::string("\"ActionResult\":") + (r.below(12) ? "true" : "false") + ",";
            rec += "\"ActionType\":\"" + std::string(kActions[r.below(sizeof kActions / sizeof *kActions)]) + "\",";
            if (r.below(20))
                rec += "\"ActorEmail\":\"" + email + "\",";
            rec += "\"ActorID\":\"" + actorId + "\",\"ActorIP\":\"" + ip(r) + "\",\"ActorType\":\"" + kActorTypes[r.below(5)]
                   + "\",\"ID\":\"" + uuid(r) + "\",\"Interface\":\"" + kInterfaces[r.below(4)]
                   + "\",\"Metadata\":{\"account_id\":\"" + acct + "\",\"actor_email\":\"" + email
                   + "\",\"zone_name\":\"" + kDomains[r.below(4)] + "\",\"zone_tag\":\"" + hex(r, 32) + "\"},\"NewValue\":"
                   + value(r, 0) + ",\"OldValue\":" + (r.below(3) ? value(r, 1) : std::string("null")) + ",\"OwnerID\":\"" + acct
                   + "\",\"ResourceID\":\"" + hex(r, 32) + "\",\"ResourceType\":\""
                   + kResourceTypes[r.below(sizeof kResourceTypes / sizeof *kResourceTypes)] + "\",\"When\":" + when(r, t, int(r.below(5))) + "}";
        }
        buf += rec;
        buf += '\n';
        if (buf.size() > (1u << 20)) {
            if (gz)
                gzwrite(gzout, buf.data(), unsigned(buf.size()));
            else
                std::fwrite(buf.data(), 1, buf.size(), stdout);
            buf.clear();
        }
    }
    if (gz) {
        gzwrite(gzout, buf.data(), unsigned(buf.size()));
        gzclose(gzout);
    } else {
        std::fwrite(buf.data(), 1, buf.size(), stdout);
    }
    return 0;
}
