// SPDX-License-Identifier: MIT
#pragma once

// Ships the records of a store snapshot into the ClickHouse trail, in batches of RowBinary
// (or TabSeparated) rows, up to `inFlight` batches at a time (the next one is prepared while the others are
// sent). At least once: a batch is sent again until ClickHouse acknowledges it (the trail
// collapses the copies by ID); while ClickHouse is down, slow or restarting, a batch is retried
// with doubling back-off for up to `retryForMs`. Refusals that waiting cannot fix
// (credentials, missing table, syntax) end the run at once.
//
// Asynchronous, signals only: run it on any thread with an event loop.

#include "client.h"
#include "trail.h"

#include <QElapsedTimer>
#include <QObject>

#include <map>
#include <vector>

namespace auditlens::clickhouse {

struct ShipOptions
{
    size_t batchRows = 20000;
    int inFlight = 2;          ///< batches sent at a time
    int backoffMs = 250;       ///< first back-off; doubled each retry
    int maxBackoffMs = 5000;
    int retryForMs = 300000;   ///< give up after ClickHouse has failed this long in a row
    InsertFormat format = InsertFormat::RowBinary;
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
    struct Batch
    {
        size_t from = 0, to = 0;
        QByteArray data;
    };
    void fill();
    void send(Batch b);
    void onReply(const Reply &r);
    void finish(bool ok, std::string error = {});

    Client *m_client;
    TrailTable m_table;
    Snapshot m_snap;
    ShipOptions m_opts;
    ShipOutcome m_out;
    size_t m_next = 0;
    std::map<QString, Batch> m_pending; ///< by query id
    /// The buffers of batches acknowledged, for the next ones: a batch of 20,000 records is
    /// about 60 MB, and a fresh one costs the kernel a page fault for every 4 KiB of it.
    std::vector<QByteArray> m_spare;
    int m_waiting = 0;                  ///< batches waiting for their retry
    int m_delayMs = 0;
    bool m_done = false;
    QElapsedTimer m_clock, m_failingSince;
};

} // namespace auditlens::clickhouse
