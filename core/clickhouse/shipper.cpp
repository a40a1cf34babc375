// SPDX-License-Identifier: MIT
#include "shipper.h"

#include <QTimer>

namespace auditlens::clickhouse {

Shipper::Shipper(Client *client, TrailTable table, Snapshot snap, ShipOptions opts, QObject *parent)
    : QObject(parent), m_client(client), m_table(std::move(table)), m_snap(std::move(snap)), m_opts(opts)
{
    m_opts.batchRows = std::max<size_t>(1, m_opts.batchRows);
    m_opts.inFlight = std::max(1, m_opts.inFlight);
    connect(m_client, &Client::finished, this, &Shipper::onReply);
}

void Shipper::start()
{
    m_clock.start();
    m_next = 0;
    m_done = false;
    m_delayMs = m_opts.backoffMs;
    if (m_snap.size() == 0) {
        finish(true);
        return;
    }
    fill();
}

void Shipper::fill()
{
    while (!m_done && m_waiting == 0 && int(m_pending.size()) < m_opts.inFlight && m_next < m_snap.size()) {
        Batch b;
        // a spare buffer that the network layer no longer shares (else writing would copy it)
        for (auto it = m_spare.begin(); it != m_spare.end(); ++it)
            if (it->isDetached()) {
                b.data = std::move(*it);
                b.data.resize(0); // (keeps its capacity)
                m_spare.erase(it);
                break;
            }
        b.from = m_next;
        b.to = std::min(m_snap.size(), m_next + m_opts.batchRows);
        std::string error;
        const bool ok = m_opts.format == InsertFormat::RowBinary ? rowsRowBinary(m_snap, b.from, b.to, b.data, error)
                                                                 : rowsTsv(m_snap, b.from, b.to, b.data, error);
        if (!ok) {
            finish(false, error);
            return;
        }
        m_next = b.to;
        send(std::move(b));
    }
}

void Shipper::send(Batch b)
{
    Client::Options o;
    o.data = b.data;
    // into a Distributed table: acknowledged once every shard has its rows, not when they are
    // queued on the node we talk to (no effect on a plain table; 18.16 and current releases)
    o.settings[QStringLiteral("insert_distributed_sync")] = QStringLiteral("1");
    const QString id = m_client->query(insertSql(m_table, m_opts.format), o);
    m_pending.emplace(id, std::move(b));
}

void Shipper::onReply(const Reply &r)
{
    auto it = m_pending.find(r.queryId);
    if (it == m_pending.end() || m_done)
        return;
    Batch b = std::move(it->second);
    m_pending.erase(it);
    if (r.ok()) {
        m_out.rows += b.to - b.from;
        ++m_out.batches;
        m_delayMs = m_opts.backoffMs;
        m_failingSince.invalidate();
        if (m_spare.size() < size_t(m_opts.inFlight))
            m_spare.push_back(std::move(b.data));
        emit progress(m_out.rows, m_snap.size());
        if (m_out.rows >= m_snap.size())
            finish(true);
        else
            fill();
        return;
    }
    if (!r.transient()) {
        finish(false, r.error);
        return;
    }
    if (!m_failingSince.isValid())
        m_failingSince.start();
    if (m_failingSince.elapsed() >= m_opts.retryForMs) {
        finish(false, r.error + " (gave up after " + std::to_string(m_opts.retryForMs / 1000) + " s of retries)");
        return;
    }
    ++m_out.retries;
    emit retrying(QString::fromStdString(r.error), m_delayMs);
    ++m_waiting; // no new batch while ClickHouse fails
    QTimer::singleShot(m_delayMs, this, [this, b = std::move(b)]() mutable {
        --m_waiting;
        if (m_done)
            return;
        send(std::move(b));
        fill();
    });
    m_delayMs = std::min(m_delayMs * 2, m_opts.maxBackoffMs);
}

void Shipper::finish(bool ok, std::string error)
{
    if (m_done)
        return;
    m_done = true;
    m_out.ok = ok;
    m_out.error = std::move(error);
    m_out.seconds = m_clock.isValid() ? double(m_clock.nsecsElapsed()) / 1e9 : 0;
    for (const auto &[id, b] : m_pending)
        m_client->cancel(id);
    m_pending.clear();
    m_spare.clear();
    emit finished(ok);
}

} // namespace auditlens::clickhouse
