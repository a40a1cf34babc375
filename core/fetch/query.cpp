// SPDX-License-Identifier: MIT
#include "query.h"

#include "source/timestamp.h"

#include <QByteArray>
#include <QHostAddress>
#include <QUrl>

#include <algorithm>

namespace auditlens::fetch {

const char *apiName(ApiVersion v) { return v == ApiVersion::V1 ? "v1" : "v2"; }

const std::vector<std::string> &filterNames(ApiVersion v)
{
    // FACTS §7.1 (v1 query parameters) and §7.2 (v2 filters, each also as name.not)
    static const std::vector<std::string> v1 = {"id", "action.type", "actor.email", "actor.ip", "zone.name", "hide_user_logs"};
    static const std::vector<std::string> v2 = {
        "id",           "account_name",   "action_result",    "action_type",   "actor_context",  "actor_email",
        "actor_id",     "actor_ip_address", "actor_token_id", "actor_token_name", "actor_type",  "raw_cf_ray_id",
        "raw_method",   "raw_status_code", "raw_uri",         "resource_id",   "resource_product", "resource_scope",
        "resource_type", "zone_id",        "zone_name"};
    return v == ApiVersion::V1 ? v1 : v2;
}

std::string apiFilterName(ApiVersion v, const std::string &friendly)
{
    struct Row { const char *friendly, *v1, *v2; };
    static const Row rows[] = {
        {"actor-email", "actor.email", "actor_email"}, {"action-type", "action.type", "action_type"},
        {"actor-ip", "actor.ip", "actor_ip_address"},  {"zone-name", "zone.name", "zone_name"},
        {"id", "id", "id"},                            {"result", "", "action_result"},
        {"resource-type", "", "resource_type"},
    };
    for (const Row &r : rows)
        if (friendly == r.friendly)
            return v == ApiVersion::V1 ? r.v1 : r.v2;
    return {};
}

bool parseFilter(ApiVersion v, const std::string &text, ApiFilter &out, std::string &why)
{
    const size_t eq = text.find('=');
    if (eq == std::string::npos || eq == 0) {
        why = "a filter is NAME=VALUE or NAME!=VALUE, not '" + text + "'";
        return false;
    }
    out = {};
    out.name = text.substr(0, eq);
    out.value = text.substr(eq + 1);
    if (out.name.back() == '!') {
        out.name.pop_back();
        out.negated = true;
    } else if (out.name.size() > 4 && out.name.compare(out.name.size() - 4, 4, ".not") == 0 && v == ApiVersion::V2) {
        out.name.resize(out.name.size() - 4);
        out.negated = true;
    }
    const auto &names = filterNames(v);
    if (std::find(names.begin(), names.end(), out.name) == names.end()) {
        std::string list;
        for (const auto &n : names)
            list += (list.empty() ? "" : ", ") + n;
        why = "the " + std::string(apiName(v)) + " API has no filter '" + out.name + "' (it has: " + list + ")";
        return false;
    }
    if (out.negated && v == ApiVersion::V1) {
        why = "the v1 API has no negative filters ('" + out.name + "!='); use --api v2";
        return false;
    }
    return true;
}

std::optional<int64_t> parseTimeArg(const std::string &text)
{
    auto digits = [&](size_t from, size_t n) {
        return text.size() >= from + n && std::all_of(text.begin() + long(from), text.begin() + long(from + n), [](char c) { return c >= '0' && c <= '9'; });
    };
    if (text.size() == 10 && digits(0, 4) && text[4] == '-' && digits(5, 2) && text[7] == '-' && digits(8, 2)) {
        const int y = std::stoi(text.substr(0, 4)), m = std::stoi(text.substr(5, 2)), d = std::stoi(text.substr(8, 2));
        if (m < 1 || m > 12 || d < 1 || d > 31)
            return std::nullopt;
        return daysFromCivil(y, unsigned(m), unsigned(d)) * 86400LL * 1'000'000'000LL;
    }
    // RFC 3339 needs the date, a T (or space) and a time; epoch numbers are not accepted here
    if (text.size() < 19 || !digits(0, 4) || text[4] != '-' || (text[10] != 'T' && text[10] != 't' && text[10] != ' '))
        return std::nullopt;
    return parseTimestampNs(text);
}

std::string Query::key() const
{
    std::string k = std::string(apiName(api)) + " " + QUrl(QString::fromStdString(baseUrl)).adjusted(QUrl::RemoveUserInfo).toString().toStdString()
                    + " " + account;
    std::vector<std::string> parts;
    for (const ApiFilter &f : filters)
        parts.push_back(f.name + (f.negated ? "!=" : "=") + f.value);
    std::sort(parts.begin(), parts.end());
    for (const auto &p : parts)
        k += " " + p;
    return k;
}

namespace {
std::string enc(const std::string &s) { return QUrl::toPercentEncoding(QString::fromStdString(s)).toStdString(); }
} // namespace

std::string Query::pageUrl(int page, const std::string &cursor) const
{
    std::string url = baseUrl + "/accounts/" + enc(account) + (api == ApiVersion::V1 ? "/audit_logs" : "/logs/audit");
    url += "?since=" + enc(formatRfc3339(sinceNs, FractionMode::Nano));
    url += "&before=" + enc(formatRfc3339(beforeNs, FractionMode::Nano));
    url += "&direction=asc";
    if (api == ApiVersion::V1) {
        url += "&per_page=" + std::to_string(perPage) + "&page=" + std::to_string(page);
    } else {
        url += "&limit=" + std::to_string(perPage);
        if (!cursor.empty())
            url += "&cursor=" + enc(cursor);
    }
    for (const ApiFilter &f : filters)
        url += "&" + enc(f.name) + (f.negated ? ".not" : "") + "=" + enc(f.value);
    return url;
}

std::string Query::problem() const
{
    if (account.empty())
        return "the account ID is missing";
    if (account.size() > 64 || account.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos)
        return "the account ID should be the 32 hexadecimal characters shown in the dashboard, not '" + account + "'";
    if (sinceNs >= beforeNs)
        return "the start of the range (since) must be before its end (before)";
    if (perPage < 1 || perPage > 1000)
        return "the page size must be between 1 and 1000";
    const QUrl u(QString::fromStdString(baseUrl));
    if (!u.isValid() || (u.scheme() != QLatin1String("https") && u.scheme() != QLatin1String("http")) || u.host().isEmpty())
        return "the API base must be an https:// URL, not '" + displayUrl(baseUrl) + "'";
    if (u.scheme() == QLatin1String("http") && !isLoopbackUrl(baseUrl))
        return "the API base must use https:// (plain http is only allowed to a loopback address): the token would travel in clear text";
    return {};
}

std::string displayUrl(const std::string &url)
{
    const QUrl u = QUrl::fromEncoded(QByteArray::fromStdString(url));
    if (u.userInfo().isEmpty())
        return url;
    return u.adjusted(QUrl::RemoveUserInfo).toString(QUrl::FullyEncoded).toStdString();
}

bool isLoopbackUrl(const std::string &url)
{
    const QString host = QUrl(QString::fromStdString(url)).host();
    if (host == QLatin1String("localhost"))
        return true;
    QHostAddress a;
    return a.setAddress(host) && a.isLoopback();
}

} // namespace auditlens::fetch
