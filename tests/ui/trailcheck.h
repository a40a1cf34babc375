// SPDX-License-Identifier: MIT
// For the GUI tests: what each trail cell must show, read afresh from the row's raw record
// (never from the model's columns or caches), and a check of every visible cell against it.
#pragma once

#include "source/timestamp.h"
#include "trailmodel.h"

#include <QDateTime>
#include <QTest>

#include <nlohmann/json.hpp>

namespace auditlens::ui::testing {

inline QString str(const nlohmann::json &j, const char *key)
{
    if (!j.is_object() || !j.contains(key))
        return {};
    const auto &v = j[key];
    return QString::fromStdString(v.is_string() ? v.get<std::string>() : v.dump());
}

inline QString firstString(const nlohmann::json &j, std::initializer_list<const char *> keys)
{
    for (const char *k : keys)
        if (j.contains(k) && j[k].is_string() && !j[k].get<std::string>().empty())
            return QString::fromStdString(j[k].get<std::string>());
    return {};
}

/// The text a cell of `col` shows for a record, from the raw record alone.
inline QString expectedCell(const std::string &raw, int col, bool utc = true)
{
    const auto j = nlohmann::json::parse(raw, nullptr, false);
    if (!j.is_object())
        return {};
    switch (col) {
    case TrailModel::Time: {
        std::optional<int64_t> ns;
        for (const char *k : {"When", "ActionTimestamp"}) {
            if (!j.contains(k))
                continue;
            const auto &v = j[k];
            if (v.is_string())
                ns = parseTimestampNs(v.get<std::string>());
            else if (v.is_number_integer())
                ns = epochToNs(v.get<int64_t>());
            else if (v.is_number())
                ns = epochToNs(v.get<double>());
            if (ns)
                break;
        }
        if (!ns)
            return QStringLiteral("(no time)");
        return QDateTime::fromMSecsSinceEpoch(*ns / 1000000, utc ? Qt::UTC : Qt::LocalTime)
            .toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz"));
    }
    case TrailModel::Actor: return firstString(j, {"ActorEmail", "ActorID"});
    case TrailModel::Action: return firstString(j, {"ActionType"});
    case TrailModel::ResourceType: return firstString(j, {"ResourceType"});
    case TrailModel::ResourceId: return str(j, "ResourceID");
    case TrailModel::Result: {
        if (!j.contains("ActionResult"))
            return {};
        const auto &v = j["ActionResult"];
        if (v.is_boolean())
            return v.get<bool>() ? QStringLiteral("success") : QStringLiteral("failure");
        if (v.is_string()) {
            const QString s = QString::fromStdString(v.get<std::string>()).toLower();
            if (s == QLatin1String("success") || s == QLatin1String("true"))
                return QStringLiteral("success");
            if (s == QLatin1String("failure") || s == QLatin1String("false"))
                return QStringLiteral("failure");
        }
        return {};
    }
    case TrailModel::Interface: return firstString(j, {"Interface", "ActorContext"});
    case TrailModel::Ip: return firstString(j, {"ActorIP", "ActorIPAddress"});
    case TrailModel::ActorType: return firstString(j, {"ActorType"});
    case TrailModel::Account: return firstString(j, {"OwnerID", "AccountID"});
    default: return {};
    }
}

/// Every cell of every row equals what the row's raw record says (Source is the loader's
/// label, not in the record: it is left out). Returns the first mismatch, or an empty string.
inline QString firstMismatch(const TrailModel &m)
{
    for (int r = 0; r < m.rowCount(); ++r) {
        const uint32_t storeRow = m.data(m.index(r, 0), TrailModel::StoreRowRole).toUInt();
        const std::string raw = m.snapshot().raw(storeRow);
        for (int c = 0; c < TrailModel::ColCount; ++c) {
            if (c == TrailModel::Source)
                continue;
            const QString shown = m.data(m.index(r, c), Qt::DisplayRole).toString();
            const QString want = expectedCell(raw, c, m.utc());
            if (shown != want)
                return QStringLiteral("row %1 (store row %2) column %3: shows \"%4\", the record says \"%5\"")
                    .arg(r).arg(storeRow).arg(m.headerData(c, Qt::Horizontal).toString(), shown, want);
        }
    }
    return {};
}

} // namespace auditlens::ui::testing
