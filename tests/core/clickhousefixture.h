// SPDX-License-Identifier: MIT
#pragma once
// What the tests against a running ClickHouse share: the server named by
// AUDITLENS_CLICKHOUSE_URL (.ci/steps/40-clickhouse.sh starts two), a fresh table name per run,
// and shipping a snapshot in. Without the URL such a test skips and says so; with
// AUDITLENS_REQUIRE_CLICKHOUSE=1 (CI) it fails.

#include "clickhouse/client.h"
#include "clickhouse/shipper.h"
#include "clickhouse/trail.h"

#include <QScopeGuard>
#include <QSignalSpy>
#include <QTest>
#include <QUuid>

#include <memory>
#include <vector>

#define REQUIRE_CLICKHOUSE()                                                                                     \
    if (qEnvironmentVariableIsEmpty("AUDITLENS_CLICKHOUSE_URL")) {                                               \
        if (qEnvironmentVariableIntValue("AUDITLENS_REQUIRE_CLICKHOUSE"))                                        \
            QFAIL("AUDITLENS_CLICKHOUSE_URL is not set: this test needs a running ClickHouse");                  \
        QSKIP("AUDITLENS_CLICKHOUSE_URL is not set: no ClickHouse to test against (.ci/steps/40-clickhouse.sh starts one)"); \
    }

namespace auditlens::clickhouse::testing {

inline Endpoint serverEndpoint(const QByteArray &urlVar = "AUDITLENS_CLICKHOUSE_URL")
{
    Endpoint ep;
    std::string error;
    if (!makeEndpoint(qgetenv(urlVar).toStdString(), {}, ep, error))
        qWarning("%s", error.c_str());
    ep.timeoutMs = 20000;
    return ep;
}

/// A fresh table name for this run, so runs do not see each other's rows.
inline QString freshTable()
{
    return QStringLiteral("tst_") + QUuid::createUuid().toString(QUuid::Id128).left(12);
}

/// Ships every row of `snap` into `t` in batches of `batch` rows; false (and a warning) on failure.
inline bool ship(Client &c, const TrailTable &t, const Snapshot &snap, size_t batch, ShipOutcome *out = nullptr)
{
    ShipOptions o;
    o.batchRows = batch;
    o.retryForMs = 10000;
    Shipper s(&c, t, snap, o);
    QSignalSpy done(&s, &Shipper::finished);
    s.start();
    if (done.isEmpty() && !done.wait(60000))
        return false;
    if (out)
        *out = s.outcome();
    if (!s.outcome().ok)
        qWarning("ship: %s", s.outcome().error.c_str());
    return s.outcome().ok;
}

inline QString clusterName() { return qEnvironmentVariable("AUDITLENS_CLICKHOUSE_CLUSTER"); }
inline QStringList shardUrls()
{
    return qEnvironmentVariable("AUDITLENS_CLICKHOUSE_SHARD_URLS").split(QLatin1Char(','), Qt::SkipEmptyParts);
}

/// A fresh trail on every shard (its local table and the Distributed one over them): a client per shard.
inline std::vector<std::unique_ptr<Client>> clusterTrail(TrailTable &t)
{
    t.database = QStringLiteral("tst_db");
    t.table = freshTable();
    t.cluster = clusterName();
    std::vector<std::unique_ptr<Client>> nodes;
    for (const QString &u : shardUrls()) {
        Endpoint ep = serverEndpoint();
        ep.url = QUrl(u);
        nodes.push_back(std::make_unique<Client>(ep));
        for (const QByteArray &sql : initStatements(t, false)) {
            const Reply r = runBlockingCliOnly(*nodes.back(), sql);
            if (!r.ok()) {
                qWarning("%s", r.error.c_str());
                return {};
            }
        }
    }
    return nodes;
}

/// A fresh trail table: on every shard with a Distributed table over them, or on the one node.
inline std::vector<std::unique_ptr<Client>> freshTrail(bool sharded, TrailTable &t)
{
    if (sharded)
        return clusterTrail(t);
    t.table = freshTable();
    std::vector<std::unique_ptr<Client>> nodes;
    nodes.push_back(std::make_unique<Client>(serverEndpoint()));
    for (const QByteArray &sql : initStatements(t, false))
        if (const Reply r = runBlockingCliOnly(*nodes[0], sql); !r.ok()) {
            qWarning("%s", r.error.c_str());
            return {};
        }
    return nodes;
}

/// Merges started again (a test may stop them) and the trail's tables dropped.
inline void dropTrail(const std::vector<std::unique_ptr<Client>> &nodes, const TrailTable &t, bool sharded)
{
    for (const auto &n : nodes) {
        runBlockingCliOnly(*n, "SYSTEM START MERGES");
        runBlockingCliOnly(*n, "DROP TABLE IF EXISTS " + t.qualified());
        if (sharded)
            runBlockingCliOnly(*n, "DROP TABLE IF EXISTS " + t.qualifiedLocal());
    }
}

} // namespace auditlens::clickhouse::testing

// The environment's two-shard cluster (CI's 40-clickhouse step): without one the test skips, or
// fails where ClickHouse is required.
#define REQUIRE_CLUSTER()                                                                                              \
    do {                                                                                                               \
        if (clusterName().isEmpty() || shardUrls().size() < 2) {                                                       \
            if (qEnvironmentVariableIntValue("AUDITLENS_REQUIRE_CLICKHOUSE"))                                          \
                QFAIL("AUDITLENS_CLICKHOUSE_CLUSTER / AUDITLENS_CLICKHOUSE_SHARD_URLS are not set");                    \
            QSKIP("AUDITLENS_CLICKHOUSE_CLUSTER / AUDITLENS_CLICKHOUSE_SHARD_URLS are not set: no cluster to test against"); \
        }                                                                                                              \
    } while (false)

// In a test with a `sharded` column: a fresh trail table `t` on the one node or on every shard
// (`nodes`, a client each), dropped when the test ends; skips as the servers it needs are missing.
#define FRESH_TRAIL(sharded, t, nodes)                                                                                 \
    REQUIRE_CLICKHOUSE();                                                                                              \
    QFETCH(bool, sharded);                                                                                             \
    if (sharded)                                                                                                       \
        REQUIRE_CLUSTER();                                                                                             \
    TrailTable t;                                                                                                      \
    const std::vector<std::unique_ptr<Client>> nodes = freshTrail(sharded, t);                                         \
    QVERIFY(nodes.size() >= (sharded ? 2u : 1u));                                                                      \
    const auto dropAll = qScopeGuard([&] { dropTrail(nodes, t, sharded); })
