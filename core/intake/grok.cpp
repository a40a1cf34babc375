// SPDX-License-Identifier: MIT
#include "grok.h"

#include <cstring>

namespace auditlens::intake {

namespace {

std::string ipv6Regex()
{
    const std::string h = "[0-9A-Fa-f]{1,4}";
    const std::string v4 = "(?:(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])";
    const std::string ls32 = "(?:" + h + ":" + h + "|" + v4 + ")";
    auto rep = [&](int lo, int hi) { return "(?:" + h + ":){" + std::to_string(lo) + "," + std::to_string(hi) + "}"; };
    std::vector<std::string> alts = {
        "(?:" + h + ":){6}" + ls32,
        "::(?:" + h + ":){5}" + ls32,
        "(?:" + h + ")?::(?:" + h + ":){4}" + ls32,
        "(?:" + rep(0, 1) + h + ")?::(?:" + h + ":){3}" + ls32,
        "(?:" + rep(0, 2) + h + ")?::(?:" + h + ":){2}" + ls32,
        "(?:" + rep(0, 3) + h + ")?::" + h + ":" + ls32,
        "(?:" + rep(0, 4) + h + ")?::" + ls32,
        "(?:" + rep(0, 5) + h + ")?::" + h,
        "(?:" + rep(0, 6) + h + ")?::",
    };
    std::string out = "(?:";
    for (size_t i = 0; i < alts.size(); ++i)
        out += (i ? "|" : "") + alts[i];
    return out + ")(?:%[0-9A-Za-z._~-]+)?";
}

const std::map<std::string, std::string> &basePatterns()
{
    static const std::map<std::string, std::string> p = [] {
        std::map<std::string, std::string> m;
        m["USERNAME"] = "[a-zA-Z0-9._-]+";
        m["USER"] = "%{USERNAME}";
        m["EMAILLOCALPART"] = "[a-zA-Z0-9!#$%&'*+/=?^_`{|}~-]+(?:\\.[a-zA-Z0-9!#$%&'*+/=?^_`{|}~-]+)*";
        m["EMAILADDRESS"] = "%{EMAILLOCALPART}@%{HOSTNAME}";
        m["INT"] = "(?:[+-]?(?:[0-9]+))";
        m["BASE10NUM"] = "(?<![0-9.+-])(?>[+-]?(?:(?:[0-9]+(?:\\.[0-9]+)?)|(?:\\.[0-9]+)))";
        m["NUMBER"] = "(?:%{BASE10NUM})";
        m["BASE16NUM"] = "(?<![0-9A-Fa-f])(?:[+-]?(?:0x)?(?:[0-9A-Fa-f]+))";
        m["BASE16FLOAT"] = "\\b(?<![0-9A-Fa-f.])(?:[+-]?(?:0x)?(?:(?:[0-9A-Fa-f]+(?:\\.[0-9A-Fa-f]*)?)|(?:\\.[0-9A-Fa-f]+)))\\b";
        m["POSINT"] = "\\b(?:[1-9][0-9]*)\\b";
        m["NONNEGINT"] = "\\b(?:[0-9]+)\\b";
        m["WORD"] = "\\b\\w+\\b";
        m["NOTSPACE"] = "\\S+";
        m["SPACE"] = "\\s*";
        m["DATA"] = ".*?";
        m["GREEDYDATA"] = ".*";
        m["QUOTEDSTRING"] = "(?>(?<!\\\\)(?>\"(?>\\\\.|[^\\\\\"]+)+\"|\"\"|(?>'(?>\\\\.|[^\\\\']+)+')|''|(?>`(?>\\\\.|[^\\\\`]+)+`)|``))";
        m["QS"] = "%{QUOTEDSTRING}";
        m["UUID"] = "[A-Fa-f0-9]{8}-(?:[A-Fa-f0-9]{4}-){3}[A-Fa-f0-9]{12}";
        m["URN"] = "urn:[0-9A-Za-z][0-9A-Za-z-]{0,31}:(?:%[0-9a-fA-F]{2}|[0-9A-Za-z()+,.:=@;$_!*'/?#-])+";
        m["CISCOMAC"] = "(?:(?:[A-Fa-f0-9]{4}\\.){2}[A-Fa-f0-9]{4})";
        m["WINDOWSMAC"] = "(?:(?:[A-Fa-f0-9]{2}-){5}[A-Fa-f0-9]{2})";
        m["COMMONMAC"] = "(?:(?:[A-Fa-f0-9]{2}:){5}[A-Fa-f0-9]{2})";
        m["MAC"] = "(?:%{CISCOMAC}|%{WINDOWSMAC}|%{COMMONMAC})";
        m["IPV6"] = ipv6Regex();
        m["IPV4"] = "(?<![0-9])(?:(?:[0-1]?[0-9]{1,2}|2[0-4][0-9]|25[0-5])[.](?:[0-1]?[0-9]{1,2}|2[0-4][0-9]|25[0-5])[.](?:[0-1]?[0-9]{1,2}|2[0-4][0-9]|25[0-5])[.](?:[0-1]?[0-9]{1,2}|2[0-4][0-9]|25[0-5]))(?![0-9])";
        m["IP"] = "(?:%{IPV6}|%{IPV4})";
        m["HOSTNAME"] = "\\b(?:[0-9A-Za-z][0-9A-Za-z-]{0,62})(?:\\.(?:[0-9A-Za-z][0-9A-Za-z-]{0,62}))*(?:\\.?|\\b)";
        m["IPORHOST"] = "(?:%{IP}|%{HOSTNAME})";
        m["HOSTPORT"] = "%{IPORHOST}:%{POSINT}";
        m["UNIXPATH"] = "(?:/[\\w_%!$@:.,+~-]*)+";
        m["TTY"] = "(?:/dev/(?:pts|tty(?:[pq])?)(?:\\w+)?/?(?:[0-9]+))";
        m["WINPATH"] = "(?>[A-Za-z]+:|\\\\)(?:\\\\[^\\\\?*]*)+";
        m["PATH"] = "(?:%{UNIXPATH}|%{WINPATH})";
        m["URIPROTO"] = "[A-Za-z](?:[A-Za-z0-9+\\-.]+)+";
        m["URIHOST"] = "%{IPORHOST}(?::%{POSINT})?";
        m["URIPATH"] = "(?:/[A-Za-z0-9$.+!*'(){},~:;=@#%&_\\-]*)+";
        m["URIQUERY"] = "[A-Za-z0-9$.+!*'|(){},~@#%&/=:;_?\\-\\[\\]<>]*";
        m["URIPARAM"] = "\\?%{URIQUERY}";
        m["URIPATHPARAM"] = "%{URIPATH}(?:\\?%{URIQUERY})?";
        m["URI"] = "%{URIPROTO}://(?:%{USER}(?::[^@]*)?@)?(?:%{URIHOST})?(?:%{URIPATH}(?:\\?%{URIQUERY})?)?";
        m["MONTH"] = "\\b(?:[Jj]an(?:uary|uar)?|[Ff]eb(?:ruary|ruar)?|[Mm](?:a|\u00e4)?r(?:ch|z)?|[Aa]pr(?:il)?|[Mm]a(?:y|i)?|[Jj]un(?:e|i)?|[Jj]ul(?:y|i)?|[Aa]ug(?:ust)?|[Ss]ep(?:tember|t)?|[Oo](?:c|k)?t(?:ober)?|[Nn]ov(?:ember)?|[Dd]e(?:c|z)(?:ember)?)\\b";
        m["MONTHNUM"] = "(?:0?[1-9]|1[0-2])";
        m["MONTHNUM2"] = "(?:0[1-9]|1[0-2])";
        m["MONTHDAY"] = "(?:(?:0[1-9])|(?:[12][0-9])|(?:3[01])|[1-9])";
        m["DAY"] = "(?:Mon(?:day)?|Tue(?:sday)?|Wed(?:nesday)?|Thu(?:rsday)?|Fri(?:day)?|Sat(?:urday)?|Sun(?:day)?)";
        m["YEAR"] = "(?>\\d\\d){1,2}";
        m["HOUR"] = "(?:2[0123]|[01]?[0-9])";
        m["MINUTE"] = "(?:[0-5][0-9])";
        m["SECOND"] = "(?:(?:[0-5]?[0-9]|60)(?:[:.,][0-9]+)?)";
        m["TIME"] = "(?!<[0-9])%{HOUR}:%{MINUTE}(?::%{SECOND})(?![0-9])";
        m["DATE_US"] = "%{MONTHNUM}[/-]%{MONTHDAY}[/-]%{YEAR}";
        m["DATE_EU"] = "%{MONTHDAY}[./-]%{MONTHNUM}[./-]%{YEAR}";
        m["ISO8601_TIMEZONE"] = "(?:Z|[+-]%{HOUR}(?::?%{MINUTE}))";
        m["ISO8601_SECOND"] = "%{SECOND}";
        m["TIMESTAMP_ISO8601"] = "%{YEAR}-%{MONTHNUM}-%{MONTHDAY}[T ]%{HOUR}:?%{MINUTE}(?::?%{SECOND})?%{ISO8601_TIMEZONE}?";
        m["DATE"] = "%{DATE_US}|%{DATE_EU}";
        m["DATESTAMP"] = "%{DATE}[- ]%{TIME}";
        m["TZ"] = "(?:[APMCE][SD]T|UTC)";
        m["SYSLOGTIMESTAMP"] = "%{MONTH} +%{MONTHDAY} %{TIME}";
        m["HTTPDATE"] = "%{MONTHDAY}/%{MONTH}/%{YEAR}:%{TIME} %{INT}";
        m["LOGLEVEL"] = "(?:[Aa]lert|ALERT|[Tt]race|TRACE|[Dd]ebug|DEBUG|[Nn]otice|NOTICE|[Ii]nfo(?:rmation)?|INFO(?:RMATION)?|[Ww]arn(?:ing)?|WARN(?:ING)?|[Ee]rr(?:or)?|ERR(?:OR)?|[Cc]rit(?:ical)?|CRIT(?:ICAL)?|[Ff]atal|FATAL|[Ss]evere|SEVERE|EMERG(?:ENCY)?|[Ee]merg(?:ency)?)";
        m["PROG"] = "[\\x21-\\x5a\\x5c\\x5e-\\x7e]+";
        m["SYSLOGPROG"] = "%{PROG:program}(?:\\[%{POSINT:pid}\\])?";
        m["SYSLOGHOST"] = "%{IPORHOST}";
        // httpd
        m["HTTPDUSER"] = "%{EMAILADDRESS}|%{USER}";
        m["HTTPDERROR_DATE"] = "%{DAY} %{MONTH} %{MONTHDAY} %{TIME} %{YEAR}";
        // haproxy: 09/Dec/2013:12:59:46.633
        m["HAPROXYTIME"] = "(?!<[0-9])%{HOUR}:%{MINUTE}(?::%{SECOND})(?![0-9])";
        m["HAPROXYDATE"] = "%{MONTHDAY}/%{MONTH}/%{YEAR}:%{HAPROXYTIME}.%{INT}";
        // Cisco ASA / FTD
        m["CISCO_ACTION"] = "Built|Teardown|Deny|Denied|denied|requested|permitted|denied by ACL|discarded|est-allowed|Dropping|created|deleted";
        m["CISCO_REASON"] = "Duplicate TCP SYN|Failed to locate egress interface|Invalid transport field|No matching connection|DNS Response|DNS Query|(?:%{WORD}\\s*)*";
        m["CISCO_DIRECTION"] = "Inbound|inbound|Outbound|outbound";
        m["CISCO_INTERVAL"] = "first hit|%{INT}-second interval";
        m["CISCO_XLATE_TYPE"] = "static|dynamic";
        return m;
    }();
    return p;
}

} // namespace

std::vector<std::string> Grok::baseNames()
{
    std::vector<std::string> out;
    for (const auto &[k, v] : basePatterns())
        out.push_back(k);
    return out;
}

bool Grok::compile(const std::string &pattern, const std::map<std::string, std::string> &custom, std::string &error)
{
    // References may double a pattern at each level (%{P} = %{Q}%{Q}): the expansion is bounded
    // in size and in captures, well before it costs time or memory.
    constexpr size_t kMaxExpanded = 256 * 1024;
    constexpr int kMaxCaptures = 4096;
    m_caps.clear();
    int counter = 0;
    std::map<std::string, std::string> defined; // pattern name -> its DEFINE group ("" when inlined)
    std::string defines;
    // `inParser`: `in` is the parser's text (the pattern or a custom pattern), not a base definition
    std::function<bool(const std::string &, int, bool, std::string &)> expand = [&](const std::string &in, int depth,
                                                                                  bool inParser, std::string &out) -> bool {
        if (depth > 40) {
            error = "grok pattern references nest too deeply (a pattern refers to itself?)";
            return false;
        }
        size_t i = 0;
        while (i < in.size()) {
            if (in.compare(i, 2, "%{") == 0) {
                const size_t close = in.find('}', i + 2);
                if (close == std::string::npos) {
                    error = "grok reference '" + in.substr(i, 20) + "' is not closed with '}'";
                    return false;
                }
                const std::string ref = in.substr(i + 2, close - i - 2);
                std::string name = ref, field, conv;
                const size_t c1 = ref.find(':');
                if (c1 != std::string::npos) {
                    name = ref.substr(0, c1);
                    field = ref.substr(c1 + 1);
                    const size_t c2 = field.find(':');
                    if (c2 != std::string::npos) {
                        conv = field.substr(c2 + 1);
                        field = field.substr(0, c2);
                    }
                }
                auto cit = custom.find(name);
                const std::string *def = nullptr;
                if (cit != custom.end())
                    def = &cit->second;
                else {
                    auto bit = basePatterns().find(name);
                    if (bit != basePatterns().end())
                        def = &bit->second;
                }
                if (!def) {
                    error = "unknown grok pattern %{" + name + "}";
                    return false;
                }
                // A pattern without captures of its own is written once, in a DEFINE group, and
                // called by name: a pattern using IP twenty times stays small (PCRE2 refuses
                // compiled patterns past 64 KiB).
                // A capture takes its place in the order of opening parentheses, before the
                // captures inside it: with duplicated names the last one that took part wins, so
                // `%{OUTER:reason}` wrapping `%{INNER:reason}` gives the inner value.
                // An unnamed reference written in the parser (its pattern or a custom pattern)
                // captures under the pattern's name, at any depth (Postfix reads the STATUS_WORD
                // of `... status=%{STATUS_WORD} ...` inside a custom pattern); the references
                // inside our base set's own definitions are its business and do not.
                const bool capturing = !field.empty() || inParser;
                std::string group;
                if (capturing) {
                    if (counter >= kMaxCaptures) {
                        error = "grok pattern has more than " + std::to_string(kMaxCaptures) + " captures";
                        return false;
                    }
                    group = "g" + std::to_string(++counter);
                    m_caps.push_back({group, field.empty() ? name : field, conv});
                }
                std::string sub;
                auto known = defined.find(name);
                if (known != defined.end() && !known->second.empty())
                    sub = "(?&" + known->second + ")";
                else {
                    const int before = counter;
                    if (!expand(*def, depth + 1, cit != custom.end(), sub))
                        return false;
                    if (known == defined.end()) {
                        if (counter == before && sub.size() > 16) {
                            const std::string dgroup = "d" + std::to_string(defined.size() + 1);
                            defines += "(?<" + dgroup + ">" + sub + ")";
                            defined[name] = dgroup;
                            sub = "(?&" + dgroup + ")";
                        } else
                            defined[name] = std::string(); // captures inside, or tiny: written out at each use
                    }
                }
                if (out.size() + sub.size() + defines.size() > kMaxExpanded) {
                    error = "grok pattern expands to more than " + std::to_string(kMaxExpanded / 1024)
                            + " KiB of regular expression (at %{" + name + "}: do nested references double it?)";
                    return false;
                }
                out += capturing ? "(?<" + group + ">" + sub + ")" : "(?:" + sub + ")";
                i = close + 1;
                continue;
            }
            if (in.compare(i, 4, "(?P<") == 0) { // Python named group
                out += "(?<";
                i += 4;
                const size_t gt = in.find('>', i);
                if (gt == std::string::npos) {
                    error = "named group is not closed";
                    return false;
                }
                const std::string field = in.substr(i, gt - i);
                const std::string group = "g" + std::to_string(++counter);
                m_caps.push_back({group, field, ""});
                out += group + ">";
                i = gt + 1;
                continue;
            }
            if (in.compare(i, 3, "(?<") == 0 && i + 3 < in.size() && in[i + 3] != '=' && in[i + 3] != '!') {
                const size_t gt = in.find('>', i + 3);
                if (gt != std::string::npos) {
                    const std::string field = in.substr(i + 3, gt - i - 3);
                    const std::string group = "g" + std::to_string(++counter);
                    m_caps.push_back({group, field, ""});
                    out += "(?<" + group + ">";
                    i = gt + 1;
                    continue;
                }
            }
            if (in[i] == '\\' && i + 1 < in.size()) {
                out += in.substr(i, 2);
                i += 2;
                continue;
            }
            out += in[i++];
        }
        return true;
    };
    std::string body;
    if (!expand(pattern, 0, true, body))
        return false;
    // a full match must start with the pattern's leading literal text (when it has no
    // alternation, which could offer another start)
    m_literalPrefix.clear();
    if (pattern.find('|') == std::string::npos) {
        for (char ch : pattern) {
            if (std::strchr("\\.^$*+?()[]{}|%", ch))
                break;
            m_literalPrefix += ch;
        }
        // a quantifier right after the prefix applies to its last character
        if (!m_literalPrefix.empty() && m_literalPrefix.size() < pattern.size()
            && std::strchr("*+?{", pattern[m_literalPrefix.size()]))
            m_literalPrefix.pop_back();
    }
    const QString prelude = defines.empty() ? QString() : QStringLiteral("(?(DEFINE)") + QString::fromStdString(defines) + QStringLiteral(")");
    m_re = QRegularExpression(prelude + QStringLiteral("\\A(?:") + QString::fromStdString(body) + QStringLiteral(")\\z"),
                              QRegularExpression::DotMatchesEverythingOption);
    if (!m_re.isValid()) {
        error = "invalid grok pattern: " + m_re.errorString().toStdString() + " (at offset "
                + std::to_string(m_re.patternErrorOffset()) + ")";
        return false;
    }
    m_re.optimize();
    return true;
}

Json Grok::match(const std::string &input) const
{
    if (input.compare(0, m_literalPrefix.size(), m_literalPrefix) != 0)
        return undefinedValue();
    const QRegularExpressionMatch m = m_re.match(QString::fromStdString(input));
    if (!m.hasMatch())
        return undefinedValue();
    Json out = Json::object();
    for (const Capture &c : m_caps) {
        const bool took = m.capturedStart(QString::fromStdString(c.group)) >= 0;
        if (!took) {
            if (!out.contains(c.field))
                out[c.field] = nullptr;
            continue;
        }
        const std::string v = m.captured(QString::fromStdString(c.group)).toStdString();
        if (c.conv == "int") {
            char *end = nullptr;
            const long long x = std::strtoll(v.c_str(), &end, 10);
            out[c.field] = end && *end == '\0' && !v.empty() ? Json(int64_t(x)) : Json(v);
        } else if (c.conv == "float") {
            char *end = nullptr;
            const double x = std::strtod(v.c_str(), &end);
            out[c.field] = end && *end == '\0' && !v.empty() ? Json(x) : Json(v);
        } else
            out[c.field] = v;
    }
    return out;
}

} // namespace auditlens::intake
