// SPDX-License-Identifier: MIT
// cef.parse-cef and leef.parse-leef: the ArcSight CEF and IBM LEEF event formats.
//
// CEF: `CEF:Version|Device Vendor|Device Product|Device Version|Device Event Class ID|Name|
// Severity|Extension`. The `CEF:` prefix is optional (and may follow a syslog header). Header
// fields unescape `\|` and `\\`. Extension values are kept raw (`\=` stays), trimmed, and
// unquoted when the quotes wrap the raw value; the first occurrence of a key wins; a `…Label` key also
// names its value (`cs1Label=Policy cs1=x` gives `Policy: x`).
//
// LEEF 1.0: `LEEF:1.0|Vendor|Product|Version|EventID|k=v<TAB>k=v…`; LEEF 2.0 adds a delimiter
// field after EventID (one character, or its code as `x5E` / `0x5E`; empty means tab).
#include "stages.h"

#include "util/ascii.h"

#include <cstring>

namespace auditlens::intake::stages {

namespace {

const char *const kHeaderNames[] = {"DeviceVendor", "DeviceProduct", "DeviceVersion", "DeviceEventClassID", "Name", "Severity"};

/// Splits the first `count` `|`-separated fields (unescaping `\|` and `\\`); the rest of the
/// text after the last of those pipes goes to `rest`. False when there are fewer fields.
bool headerFields(const std::string &s, size_t count, std::vector<std::string> &fields, std::string &rest, bool &hasRest)
{
    fields.clear();
    std::string cur;
    size_t i = 0;
    while (i < s.size() && fields.size() < count) {
        const char c = s[i];
        if (c == '\\' && i + 1 < s.size() && (s[i + 1] == '|' || s[i + 1] == '\\')) {
            cur += s[i + 1];
            i += 2;
            continue;
        }
        if (c == '|') {
            fields.push_back(std::move(cur));
            cur.clear();
            ++i;
            continue;
        }
        cur += c;
        ++i;
    }
    if (fields.size() == count) {
        rest = s.substr(i);
        hasRest = true;
        return true;
    }
    // the last header field may end the text (no extension)
    if (fields.size() + 1 == count) {
        fields.push_back(std::move(cur));
        rest.clear();
        hasRest = false;
        return true;
    }
    return false;
}

bool isKeyChar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'
           || c == '[' || c == ']';
}

/// Length of a `key=` at `i` (key characters then `=`), 0 when there is none.
size_t keyAt(const std::string &s, size_t i)
{
    size_t k = i;
    while (k < s.size() && isKeyChar(s[k]))
        ++k;
    return k > i && k < s.size() && s[k] == '=' ? k - i : 0;
}

std::string trimmed(const std::string &s, size_t from, size_t to)
{
    while (from < to && isSpace(s[from]))
        ++from;
    while (to > from && isSpace(s[to - 1]))
        --to;
    return s.substr(from, to - from);
}

std::string unquoted(std::string v)
{
    if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front())
        return v.substr(1, v.size() - 2);
    return v;
}

/// The CEF extension: `key=value` separated by white space before the next `key=`.
void cefExtension(const std::string &s, Json &out)
{
    size_t i = 0;
    while (i < s.size() && isSpace(s[i]))
        ++i;
    while (i < s.size()) {
        const size_t klen = keyAt(s, i);
        if (!klen) { // text before the first key, or after a quoted value: skip a word
            while (i < s.size() && !isSpace(s[i]))
                ++i;
            while (i < s.size() && isSpace(s[i]))
                ++i;
            continue;
        }
        const std::string key = s.substr(i, klen);
        const size_t v = i + klen + 1;
        // the value runs to the white space before the next key
        size_t next = v, end = s.size();
        for (; next < s.size(); ++next)
            if (isSpace(s[next]) && next + 1 < s.size() && !isSpace(s[next + 1])) {
                if (keyAt(s, next + 1)) {
                    end = next;
                    ++next;
                    break;
                }
            }
        if (next >= s.size())
            end = s.size();
        // quotes go only when they wrap the raw value: "'x'\n" keeps them (then loses the \n)
        if (!out.contains(key)) {
            const std::string raw = unquoted(s.substr(v, end - v));
            out[key] = trimmed(raw, 0, raw.size());
        }
        i = next;
    }
    // labels name their values
    std::vector<std::pair<std::string, std::string>> labels;
    for (auto it = out.begin(); it != out.end(); ++it) {
        const std::string &k = it.key();
        if (k.size() > 5 && k.compare(k.size() - 5, 5, "Label") == 0 && it.value().is_string())
            labels.emplace_back(k.substr(0, k.size() - 5), it.value().get<std::string>());
    }
    for (const auto &[base, label] : labels)
        if (!label.empty() && out.contains(base) && !out.contains(label))
            out[label] = out[base];
}

class CefStage final : public ExternalStage
{
public:
    bool run(const Json &input, Json &output, std::string &error) const override
    {
        std::string text;
        if (!inputText(input, text, error, "cef.parse-cef"))
            return false;
        size_t start = 0;
        if (text.compare(0, 4, "CEF:") == 0)
            start = 4;
        else {
            const size_t at = text.find("CEF:");
            if (at != std::string::npos && text.find('|') > at)
                start = at + 4;
        }
        std::vector<std::string> fields;
        std::string ext;
        bool hasExt = false;
        if (!headerFields(text.substr(start), 7, fields, ext, hasExt)) {
            error = "not a CEF event (it needs 7 '|'-separated header fields)";
            return false;
        }
        output = Json::object();
        output["CEFVersion"] = trimmed(fields[0], 0, fields[0].size());
        for (size_t k = 0; k < 6; ++k)
            output[kHeaderNames[k]] = fields[k + 1];
        if (hasExt)
            cefExtension(ext, output);
        return true;
    }
};

/// LEEF 2.0's delimiter field: a character, or its code as xHH / 0xHH.
std::optional<std::string> leefDelimiter(const std::string &f)
{
    if (f.empty())
        return std::string("\t");
    std::string hex;
    if ((f.size() == 3 || f.size() == 4) && (f[0] == 'x' || f[0] == 'X'))
        hex = f.substr(1);
    else if ((f.size() == 4 || f.size() == 5) && f[0] == '0' && (f[1] == 'x' || f[1] == 'X'))
        hex = f.substr(2);
    if (!hex.empty()) {
        char *end = nullptr;
        const long v = std::strtol(hex.c_str(), &end, 16);
        if (end && *end == '\0' && v > 0 && v < 256)
            return std::string(1, char(v));
        return std::nullopt;
    }
    if (f.size() == 1)
        return f;
    return std::nullopt;
}

class LeefStage final : public ExternalStage
{
public:
    bool run(const Json &input, Json &output, std::string &error) const override
    {
        std::string text;
        if (!inputText(input, text, error, "leef.parse-leef"))
            return false;
        size_t start = text.find("LEEF:");
        if (start == std::string::npos) {
            error = "not a LEEF event (no 'LEEF:' prefix)";
            return false;
        }
        start += 5;
        std::vector<std::string> fields;
        std::string attrs;
        bool hasAttrs = false;
        if (!headerFields(text.substr(start), 5, fields, attrs, hasAttrs)) {
            error = "not a LEEF event (it needs 5 '|'-separated header fields)";
            return false;
        }
        const std::string version = trimmed(fields[0], 0, fields[0].size());
        output = Json::object();
        output["LEEFVersion"] = version;
        for (size_t k = 0; k < 4; ++k)
            output[kHeaderNames[k]] = fields[k + 1];
        std::string delimiter = "\t";
        if (version.compare(0, 1, "2") == 0 && hasAttrs) {
            // LEEF 2.0: the field after EventID names the delimiter, unless it is an attribute
            const size_t bar = attrs.find('|');
            const std::string field = attrs.substr(0, bar);
            if (bar != std::string::npos && field.find('=') == std::string::npos) {
                const auto d = leefDelimiter(field);
                if (!d) {
                    error = "the delimiter field '" + field.substr(0, 10) + "' is not a character or its hex code";
                    return false;
                }
                delimiter = *d;
                attrs = attrs.substr(bar + 1);
            }
        } else if (attrs.find('\t') == std::string::npos && attrs.find("#011") != std::string::npos)
            delimiter = "#011"; // the tab as syslog daemons escape control characters
        size_t i = 0;
        while (hasAttrs && i <= attrs.size()) {
            size_t end = attrs.find(delimiter, i);
            if (end == std::string::npos)
                end = attrs.size();
            const size_t eq = attrs.find('=', i);
            if (eq != std::string::npos && eq < end) {
                const std::string key = trimmed(attrs, i, eq);
                if (!key.empty() && !output.contains(key))
                    output[key] = trimmed(attrs, eq + 1, end);
            }
            i = end + delimiter.size();
        }
        return true;
    }
};

} // namespace

std::unique_ptr<ExternalStage> compileCef(const Properties &, std::string &)
{
    return std::make_unique<CefStage>();
}

std::unique_ptr<ExternalStage> compileLeef(const Properties &, std::string &)
{
    return std::make_unique<LeefStage>();
}

} // namespace auditlens::intake::stages
