// SPDX-License-Identifier: MIT
#pragma once

// Ships the records of a store snapshot into the ClickHouse trail, in batches of TabSeparated
// rows, one batch in flight, in order. At least once: a batch is sent again until ClickHouse
// acknowledges it (the trail collapses the copies by ID); while ClickHouse is down, slow or
// restarting, the batch is retried with doubling back-off for up to `retryForMs`. Refusals
// that waiting cannot fix (credentials, missing table, syntax) end the run at once.
//
// Asynchronous, signals only: run it on any thread with an event loop.

#include "client.h"
#include "trail.h"

#include <QElapsedTimer>
#include <QObject>

class QTimer;

namespace auditlens::clickhouse {

struct ShipOptions
{
    size_t batchRows = 20000;
    int backoffMs = 250;       ///< first back-off; doubled each retry
    int maxBackoffMs = 5000;
    int retryForMs = 300000;   ///< give up after ClickHouse has failed this long in a row
};

struct ShipOutcome
{
    bool ok = false;
    std::string error;
    uint64_t rows = 0, batches = 0, retries = 0;
    double seconds = 0;
};

class Shipper : public QObject
{
    Q_OBJECT
public:
    Shipper(Client *client, TrailTable table, Snapshot snap, ShipOptions opts = {}, QObject *parent = nullptr);
    void start();
    const ShipOutcome &outcome() const { return m_out; }

signals:
    void progress(quint64 rowsDone, quint64 rowsTotal);
    void retrying(const QString &error, int delayMs);
    void finished(bool ok);

private:
    void sendBatch();
    void onReply(const Reply &r);
    void finish(bool ok, std::string error = {});

    Client *m_client;
    TrailTable m_table;
    Snapshot m_snap;
    ShipOptions m_opts;
    ShipOutcome m_out;
    size_t m_next = 0, m_batchEnd = 0;
    QByteArray m_batch;
    QString m_pendingId;
    int m_delayMs = 0;
    QElapsedTimer m_clock, m_failingSince;
    QTimer *m_retry;
};

} // namespace auditlens::clickhouse
