// SPDX-License-Identifier: MIT
#include "enrich.h"
#include "util/ascii.h"

#include <QFile>
#include <QRegularExpression>
#include <QString>

#include <libpsl.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace auditlens::intake {

// ------------------------------------------------------------------------------------------
// Domains

namespace {

const psl_ctx_t *psl()
{
    static const psl_ctx_t *ctx = [] {
        // Debian's list when present (kept up to date by the package), else libpsl's built-in one
        const psl_ctx_t *c = psl_load_file("/usr/share/publicsuffix/public_suffix_list.dat");
        return c ? c : psl_builtin();
    }();
    return ctx;
}


} // namespace

std::optional<DomainParts> splitDomain(const std::string &input)
{
    std::string domain = input;
    // tolerate URLs / paths: keep the host
    if (const size_t scheme = domain.find("://"); scheme != std::string::npos)
        domain = domain.substr(scheme + 3);
    domain = domain.substr(0, domain.find_first_of("/?#"));
    if (const size_t at = domain.rfind('@'); at != std::string::npos)
        domain = domain.substr(at + 1);
    if (const size_t colon = domain.find(':'); colon != std::string::npos)
        domain = domain.substr(0, colon);
    while (!domain.empty() && domain.back() == '.')
        domain.pop_back();
    if (domain.empty() || domain.find('.') == std::string::npos)
        return std::nullopt;
    std::vector<std::string> labels;
    size_t start = 0;
    for (;;) {
        const size_t dot = domain.find('.', start);
        labels.push_back(domain.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
        if (dot == std::string::npos)
            break;
        start = dot + 1;
    }
    if (std::any_of(labels.begin(), labels.end(), [](const std::string &l) { return l.empty(); }))
        return std::nullopt;
    // an IPv4 address is no domain: it has no parts (as tldextract answers)
    if (labels.size() == 4 && std::all_of(labels.begin(), labels.end(), [](const std::string &l) {
            return l.size() <= 3 && std::all_of(l.begin(), l.end(), [](char c) { return c >= '0' && c <= '9'; })
                   && std::stoi(l) <= 255;
        }))
        return std::nullopt;
    DomainParts out;
    const psl_ctx_t *ctx = psl();
    for (size_t i = 0; i < labels.size(); ++i) {
        std::string suffix;
        for (size_t k = i; k < labels.size(); ++k)
            suffix += (k > i ? "." : "") + labels[k];
        if (ctx && psl_is_public_suffix2(ctx, asciiLower(suffix).c_str(), PSL_TYPE_ICANN | PSL_TYPE_NO_STAR_RULE)) {
            out.topLevel = suffix;
            if (i == 0)
                return out; // the domain is itself a public suffix
            for (size_t k = i - 1; k < labels.size(); ++k)
                out.registered += (k > i - 1 ? "." : "") + labels[k];
            for (size_t k = 0; k + 1 < i; ++k)
                out.subdomain += (k ? "." : "") + labels[k];
            return out;
        }
    }
    for (size_t k = 0; k + 1 < labels.size(); ++k)
        out.subdomain += (k ? "." : "") + labels[k];
    return out;
}

// ------------------------------------------------------------------------------------------
// URLs

int defaultPort(const std::string &scheme)
{
    const std::string s = asciiLower(scheme);
    if (s == "http" || s == "ws") return 80;
    if (s == "https" || s == "wss") return 443;
    if (s == "ftp") return 21;
    if (s == "ssh" || s == "sftp") return 22;
    if (s == "ldap") return 389;
    if (s == "ldaps") return 636;
    return 0;
}

UrlParts splitUrl(const std::string &url)
{
    UrlParts u;
    std::string rest = url;
    // scheme: letters, digits, + - . and then ':'
    const size_t colon = rest.find(':');
    if (colon != std::string::npos && colon > 0 && std::isalpha(static_cast<unsigned char>(rest[0]))
        && std::all_of(rest.begin(), rest.begin() + long(colon),
                       [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.'; })) {
        u.scheme = asciiLower(rest.substr(0, colon));
        rest = rest.substr(colon + 1);
    }
    if (rest.compare(0, 2, "//") == 0) {
        rest = rest.substr(2);
        const size_t end = rest.find_first_of("/?#");
        std::string netloc = rest.substr(0, end);
        rest = end == std::string::npos ? std::string() : rest.substr(end);
        if (const size_t at = netloc.rfind('@'); at != std::string::npos)
            netloc = netloc.substr(at + 1);
        std::string host = netloc;
        if (!host.empty() && host[0] == '[') {
            const size_t rb = host.find(']');
            std::string portPart = rb == std::string::npos ? std::string() : host.substr(rb + 1);
            host = host.substr(1, rb == std::string::npos ? std::string::npos : rb - 1);
            if (portPart.size() > 1 && portPart[0] == ':')
                u.port = std::atoi(portPart.c_str() + 1);
        } else if (const size_t pc = host.rfind(':'); pc != std::string::npos) {
            const std::string p = host.substr(pc + 1);
            host = host.substr(0, pc);
            if (!p.empty() && std::all_of(p.begin(), p.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
                u.port = std::atoi(p.c_str());
        }
        u.domain = host;
        u.absolute = !u.scheme.empty() && !host.empty();
    }
    if (const size_t hash = rest.find('#'); hash != std::string::npos) {
        u.fragment = rest.substr(hash + 1);
        rest = rest.substr(0, hash);
    }
    if (const size_t q = rest.find('?'); q != std::string::npos) {
        u.query = rest.substr(q + 1);
        rest = rest.substr(0, q);
    }
    u.path = rest;
    return u;
}

// ------------------------------------------------------------------------------------------
// User agents

namespace {

struct UaRule
{
    QRegularExpression re;
    std::string name, v1, v2, v3; ///< replacements (may hold $1…): family / os / device, and versions
};

/// Where a key of regexes.yaml goes: family_replacement, os_replacement and device_replacement
/// are the name; v1_replacement / os_v1_replacement … the versions.
void assignRuleKey(UaRule &r, const std::string &key, const std::string &value)
{
    std::string k = key.rfind("os_", 0) == 0 ? key.substr(3) : key;
    if (k == "family_replacement" || k == "replacement" || k == "device_replacement")
        r.name = value;
    else if (k == "v1_replacement")
        r.v1 = value;
    else if (k == "v2_replacement")
        r.v2 = value;
    else if (k == "v3_replacement")
        r.v3 = value;
}

struct UaDb
{
    std::vector<UaRule> ua, os, device;
    bool loaded = false;
};

std::string str(const YAML::Node &n, const char *key)
{
    const YAML::Node v = n[key];
    return v && v.IsScalar() ? v.Scalar() : std::string();
}

/// uap-core's regexes.yaml is a regular file (lists of maps of single-quoted strings): read it
/// line by line, which is far quicker than a YAML parser (it is read on first use).
bool loadUaFast(const std::string &path, UaDb &d)
{
    QFile f(QString::fromStdString(path));
    if (!f.open(QIODevice::ReadOnly))
        return false;
    std::vector<UaRule> *list = nullptr;
    UaRule cur;
    bool have = false;
    QString pattern;
    bool caseInsensitive = false;
    auto flush = [&] {
        if (!have || !list)
            return;
        cur.re = QRegularExpression(pattern, caseInsensitive ? QRegularExpression::CaseInsensitiveOption : QRegularExpression::NoPatternOption);
        if (cur.re.isValid())
            list->push_back(cur);
        cur = UaRule();
        have = false;
        caseInsensitive = false;
    };
    auto unquote = [](std::string v, bool &ok) {
        ok = true;
        while (!v.empty() && (v.back() == ' ' || v.back() == '\r'))
            v.pop_back();
        if (v.size() >= 2 && v.front() == '\'' && v.back() == '\'') {
            std::string out;
            for (size_t i = 1; i + 1 < v.size(); ++i) {
                out += v[i];
                if (v[i] == '\'' && v[i + 1] == '\'')
                    ++i;
            }
            return out;
        }
        if (!v.empty() && (v.front() == '"' || v.front() == '\''))
            ok = false; // a form this reader does not know
        return v;
    };
    while (!f.atEnd()) {
        const std::string line = f.readLine().toStdString();
        std::string t = line;
        while (!t.empty() && (t.back() == '\n' || t.back() == '\r'))
            t.pop_back();
        if (t.empty() || t.find_first_not_of(' ') == std::string::npos || t[t.find_first_not_of(' ')] == '#')
            continue;
        if (t[0] != ' ' && t[0] != '-') {
            flush();
            const std::string key = t.substr(0, t.find(':'));
            list = key == "user_agent_parsers" ? &d.ua : key == "os_parsers" ? &d.os : key == "device_parsers" ? &d.device : nullptr;
            continue;
        }
        size_t p = t.find_first_not_of(' ');
        bool start = false;
        if (t[p] == '-') {
            start = true;
            p = t.find_first_not_of(' ', p + 1);
        }
        const size_t colon = t.find(':', p);
        if (colon == std::string::npos)
            return false;
        const std::string key = t.substr(p, colon - p);
        bool ok = true;
        const std::string value = unquote(t.substr(std::min(t.size(), colon + 2)), ok);
        if (!ok)
            return false;
        if (start) {
            flush();
            have = true;
        }
        if (key == "regex")
            pattern = QString::fromStdString(value);
        else if (key == "regex_flag")
            caseInsensitive = value == "i";
        else
            assignRuleKey(cur, key, value);
    }
    flush();
    return !d.ua.empty();
}

const UaDb &uaDb()
{
    static const UaDb db = [] {
        UaDb d;
        const std::string path = "/usr/share/uap-core/regexes.yaml";
        if (loadUaFast(path, d)) {
            d.loaded = true;
            return d;
        }
        d = UaDb();
        try {
            const YAML::Node root = YAML::LoadFile(path);
            auto load = [](const YAML::Node &list, std::vector<UaRule> &out) {
                if (!list || !list.IsSequence())
                    return;
                for (const YAML::Node &n : list) {
                    UaRule r;
                    QString pattern = QString::fromStdString(str(n, "regex"));
                    QRegularExpression::PatternOptions opts = QRegularExpression::NoPatternOption;
                    if (str(n, "regex_flag") == "i")
                        opts |= QRegularExpression::CaseInsensitiveOption;
                    r.re = QRegularExpression(pattern, opts);
                    if (!r.re.isValid())
                        continue;
                    for (auto it = n.begin(); it != n.end(); ++it)
                        if (it->second.IsScalar())
                            assignRuleKey(r, it->first.Scalar(), it->second.Scalar());
                    out.push_back(std::move(r));
                }
            };
            load(root["user_agent_parsers"], d.ua);
            load(root["os_parsers"], d.os);
            load(root["device_parsers"], d.device);
            d.loaded = !d.ua.empty();
        } catch (const YAML::Exception &) {
            d.loaded = false;
        }
        return d;
    }();
    return db;
}

std::string group(const QRegularExpressionMatch &m, int i)
{
    return i <= m.lastCapturedIndex() ? m.captured(i).toStdString() : std::string();
}

std::string substitute(const std::string &tmpl, const QRegularExpressionMatch &m)
{
    std::string out;
    for (size_t i = 0; i < tmpl.size(); ++i) {
        if (tmpl[i] == '$' && i + 1 < tmpl.size() && std::isdigit(static_cast<unsigned char>(tmpl[i + 1]))) {
            out += group(m, tmpl[i + 1] - '0');
            ++i;
        } else
            out += tmpl[i];
    }
    // trim
    while (!out.empty() && out.back() == ' ')
        out.pop_back();
    return out;
}

std::string joinVersion(const std::string &a, const std::string &b, const std::string &c)
{
    std::string v = a;
    if (!a.empty() && !b.empty()) {
        v += "." + b;
        if (!c.empty())
            v += "." + c;
    }
    return v;
}

} // namespace

bool userAgentParserAvailable() { return uaDb().loaded; }

namespace {
std::optional<UserAgent> parseUserAgentUncached(const std::string &uaText);
}

std::optional<UserAgent> parseUserAgent(const std::string &uaText)
{
    // the same few user agents come back again and again; matching a thousand regexes is not free
    static std::mutex mutex;
    static std::unordered_map<std::string, std::optional<UserAgent>> cache;
    {
        std::lock_guard lock(mutex);
        auto it = cache.find(uaText);
        if (it != cache.end())
            return it->second;
    }
    auto result = parseUserAgentUncached(uaText);
    std::lock_guard lock(mutex);
    if (cache.size() > 10000)
        cache.clear();
    cache.emplace(uaText, result);
    return result;
}

namespace {
std::optional<UserAgent> parseUserAgentUncached(const std::string &uaText)
{
    const UaDb &db = uaDb();
    if (!db.loaded || uaText.empty())
        return std::nullopt;
    const QString ua = QString::fromStdString(uaText);
    UserAgent out;
    out.name = "Other";
    out.osName = "Other";
    out.deviceName = "Other";
    auto first = [&ua](const std::vector<UaRule> &rules, std::string &name, std::string *version) {
        for (const UaRule &r : rules) {
            const auto m = r.re.match(ua);
            if (!m.hasMatch())
                continue;
            name = r.name.empty() ? group(m, 1) : substitute(r.name, m);
            if (version)
                *version = joinVersion(r.v1.empty() ? group(m, 2) : substitute(r.v1, m), r.v2.empty() ? group(m, 3) : substitute(r.v2, m),
                                       r.v3.empty() ? group(m, 4) : substitute(r.v3, m));
            return;
        }
    };
    first(db.ua, out.name, &out.version);
    first(db.os, out.osName, &out.osVersion);
    first(db.device, out.deviceName, nullptr);
    return out;
}
} // namespace

} // namespace auditlens::intake
