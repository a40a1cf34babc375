// SPDX-License-Identifier: MIT
#pragma once
// What the tests against a running ClickHouse share: the server named by
// AUDITLENS_CLICKHOUSE_URL (.ci/steps/40-clickhouse.sh starts two), a fresh table name per run,
// and shipping a snapshot in. Without the URL such a test skips and says so; with
// AUDITLENS_REQUIRE_CLICKHOUSE=1 (CI) it fails.

#include "clickhouse/client.h"
#include "clickhouse/shipper.h"
#include "clickhouse/trail.h"

#include <QSignalSpy>
#include <QTest>
#include <QUuid>

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

} // namespace auditlens::clickhouse::testing
