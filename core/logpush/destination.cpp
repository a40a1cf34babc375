// SPDX-License-Identifier: MIT
#include "destination.h"

#include <QUrl>
#include <QUrlQuery>

#include <algorithm>
#include <cctype>

namespace auditlens::logpush {

namespace {

std::string lower(std::string s)
{
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return s;
}

bool schemeChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.'; }

} // namespace

std::string destinationScheme(const std::string &dest)
{
    const size_t sep = dest.find("://");
    if (sep == std::string::npos || sep == 0)
        return {};
    const std::string s = dest.substr(0, sep);
    if (!std::all_of(s.begin(), s.end(), schemeChar))
        return {};
    return lower(s);
}

bool needsOwnershipChallenge(const std::string &dest)
{
    const std::string scheme = destinationScheme(dest);
    if (scheme == "gs" || scheme == "azure" || scheme == "sumo")
        return true;
    if (scheme == "s3") {
        const QUrlQuery q(QUrl(QString::fromStdString(dest), QUrl::TolerantMode));
        return !(q.hasQueryItem(QStringLiteral("access-key-id")) && q.hasQueryItem(QStringLiteral("secret-access-key")));
    }
    return false;
}

void checkDestination(const std::string &dest, std::vector<FieldError> &out)
{
    const char *F = "destination_conf";
    if (dest.empty()) {
        out.push_back({F, "the destination is required"});
        return;
    }
    if (dest.size() > 4096) {
        out.push_back({F, "the destination is longer than 4096 characters"});
        return;
    }
    const std::string scheme = destinationScheme(dest);
    if (scheme.empty()) {
        out.push_back({F, "the destination must look like scheme://address (for example https://logs.example.com/ingest)"});
        return;
    }
    const QUrl url(QString::fromStdString(dest), QUrl::TolerantMode); // Cloudflare encodes special characters itself
    const QUrlQuery query(url);
    auto param = [&](const char *k) { return query.queryItemValue(QString::fromLatin1(k)).toStdString(); };
    auto need = [&](const char *k, const std::string &why) {
        if (param(k).empty())
            out.push_back({F, "the " + scheme + " destination needs the '" + k + "' parameter (" + why + ")"});
    };
    auto needHost = [&](const std::string &example) {
        if (url.host().isEmpty())
            out.push_back({F, "the " + scheme + " destination needs " + example});
    };
    // header_<Name>=<value> parameters become HTTP headers on each push
    for (const auto &item : query.queryItems(QUrl::FullyDecoded)) {
        const std::string k = item.first.toStdString();
        if (k.rfind("header_", 0) != 0)
            continue;
        const std::string name = k.substr(7);
        if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) {
                return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
            }))
            out.push_back({F, "'" + k + "' does not name a valid HTTP header (letters, digits, '-' after header_)"});
        else if (item.second.isEmpty())
            out.push_back({F, "'" + k + "' has no value"});
    }
    if (scheme == "https") {
        // also New Relic (https://log-api.newrelic.com/log/v1?Api-Key=…) and other HTTP intakes
        if (!url.isValid() || url.host().isEmpty())
            out.push_back({F, "not a valid https URL: " + url.errorString().toStdString()});
    } else if (scheme == "http") {
        out.push_back({F, "Logpush pushes only to https:// endpoints (with a publicly trusted certificate)"});
    } else if (scheme == "s3") {
        needHost("a bucket: s3://bucket/path?region=us-east-1");
        need("region", "the bucket's AWS region");
    } else if (scheme == "r2") {
        needHost("a bucket: r2://bucket/path?account-id=…&access-key-id=…&secret-access-key=…");
        need("account-id", "the R2 account");
        need("access-key-id", "an R2 access key");
        need("secret-access-key", "its secret");
    } else if (scheme == "gs") {
        needHost("a bucket: gs://bucket/path");
    } else if (scheme == "azure") {
        if (url.host().isEmpty() || query.isEmpty())
            out.push_back({F, "the azure destination needs a container and a SAS token: azure://container/path?sv=…&sig=…"});
    } else if (scheme == "datadog") {
        if (param("header_DD-API-KEY").empty())
            out.push_back({F, "the datadog destination needs header_DD-API-KEY=<your API key>"});
    } else if (scheme == "splunk") {
        need("channel", "a random GUID for the HEC channel");
        if (param("header_Authorization").empty())
            out.push_back({F, "the splunk destination needs header_Authorization=Splunk%20<HEC token>"});
    } else if (scheme == "sumo") {
        needHost("the collector address: sumo://endpoint…");
    } else if (scheme == "kinesis") {
        needHost("a stream: kinesis://stream?region=…&sts-assume-role-arn=arn:aws:iam::…:role/…");
        need("region", "the stream's AWS region");
    } else if (scheme == "ibmcl") {
        needHost("the ingress address: ibmcl://<instance>.ingress.<region>.logs.cloud.ibm.com/logs/v1/singles");
    } else if (scheme == "bq") {
        if (dest.size() <= 5)
            out.push_back({F, "the bq destination needs the BigQuery table it loads into"});
    } else if (scheme == "newrelic" || scheme == "elastic" || scheme == "sentinel" || scheme == "pipelines") {
        // documented elsewhere by Cloudflare, without rules Auditlens checks: passed through
    } else {
        out.push_back({F,
                       "Auditlens does not know the destination scheme '" + scheme
                           + "' and cannot check it; it is sent as given and Cloudflare will say whether it accepts it",
                       true});
    }
}

bool isSecretParameter(const std::string &name)
{
    const std::string k = lower(name);
    if (k.rfind("header_", 0) == 0 || k == "sig")
        return true;
    for (const char *w : {"key", "secret", "token", "password", "passwd", "pwd", "auth", "credential", "signature"})
        if (k.find(w) != std::string::npos)
            return true;
    return false;
}

std::string maskDestination(const std::string &dest)
{
    std::string out = dest;
    // userinfo: scheme://user:password@host (or scheme://token@host)
    const size_t sep = out.find("://");
    if (sep != std::string::npos) {
        const size_t authStart = sep + 3;
        const size_t authEnd = std::min({out.find('/', authStart), out.find('?', authStart), out.find('#', authStart), out.size()});
        const size_t at = out.rfind('@', authEnd == out.size() ? std::string::npos : authEnd - 1);
        if (at != std::string::npos && at >= authStart && at < authEnd) {
            const size_t colon = out.find(':', authStart);
            if (colon != std::string::npos && colon < at)
                out.replace(colon + 1, at - colon - 1, "***");
            else
                out.replace(authStart, at - authStart, "***");
        }
    }
    const size_t q = out.find('?');
    if (q == std::string::npos)
        return out;
    const size_t hash = out.find('#', q);
    const std::string tail = hash == std::string::npos ? std::string() : out.substr(hash);
    const std::string rest = out.substr(q + 1, hash == std::string::npos ? std::string::npos : hash - q - 1);
    std::string result = out.substr(0, q + 1);
    size_t start = 0;
    bool first = true;
    while (start <= rest.size()) {
        const size_t amp = rest.find('&', start);
        std::string item = rest.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
        const size_t eq = item.find('=');
        if (eq != std::string::npos && eq + 1 < item.size()) {
            const std::string key = QUrl::fromPercentEncoding(QByteArray::fromStdString(item.substr(0, eq))).toStdString();
            if (isSecretParameter(key))
                item = item.substr(0, eq) + "=***";
        }
        result += (first ? "" : "&") + item;
        first = false;
        if (amp == std::string::npos)
            break;
        start = amp + 1;
    }
    return result + tail;
}

std::string maskText(const std::string &text)
{
    std::string out;
    size_t pos = 0;
    while (pos < text.size()) {
        const size_t sep = text.find("://", pos);
        if (sep == std::string::npos)
            break;
        size_t begin = sep;
        while (begin > pos && schemeChar(text[begin - 1]))
            --begin;
        size_t end = sep + 3;
        while (end < text.size()) {
            const char c = text[end];
            if (std::isspace(static_cast<unsigned char>(c)) || c == '"' || c == '\'' || c == '<' || c == '>' || c == '\\' || c == '`')
                break;
            ++end;
        }
        out += text.substr(pos, begin - pos);
        out += begin == sep ? text.substr(begin, end - begin) : maskDestination(text.substr(begin, end - begin));
        pos = end;
    }
    out += text.substr(pos);
    return out;
}

} // namespace auditlens::logpush
