// SPDX-License-Identifier: MIT
#include "shipper.h"

#include <QTimer>

namespace auditlens::clickhouse {

Shipper::Shipper(Client *client, TrailTable table, Snapshot snap, ShipOptions opts, QObject *parent)
    : QObject(parent), m_client(client), m_table(std::move(table)), m_snap(std::move(snap)), m_opts(opts),
      m_retry(new QTimer(this))
{
    m_opts.batchRows = std::max<size_t>(1, m_opts.batchRows);
    m_retry->setSingleShot(true);
    connect(m_retry, &QTimer::timeout, this, &Shipper::sendBatch);
    connect(m_client, &Client::finished, this, &Shipper::onReply);
}

void Shipper::start()
{
    m_clock.start();
    m_next = 0;
    m_batch.clear();
    m_delayMs = m_opts.backoffMs;
    if (m_snap.size() == 0) {
        finish(true);
        return;
    }
    sendBatch();
}

void Shipper::sendBatch()
{
    if (m_batch.isEmpty()) {
        m_batchEnd = std::min(m_snap.size(), m_next + m_opts.batchRows);
        std::string error;
        if (!rowsTsv(m_snap, m_next, m_batchEnd, m_batch, error)) {
            finish(false, error);
            return;
        }
    }
    Client::Options o;
    o.data = m_batch;
    // into a Distributed table: acknowledged once every shard has its rows, not when they are
    // queued on the node we talk to (no effect on a plain table; 18.16 and current releases)
    o.settings[QStringLiteral("insert_distributed_sync")] = QStringLiteral("1");
    m_pendingId = m_client->query(insertSql(m_table), o);
}

void Shipper::onReply(const Reply &r)
{
    if (r.queryId != m_pendingId)
        return;
    m_pendingId.clear();
    if (r.ok()) {
        m_out.rows += m_batchEnd - m_next;
        ++m_out.batches;
        m_next = m_batchEnd;
        m_batch.clear();
        m_delayMs = m_opts.backoffMs;
        m_failingSince.invalidate();
        emit progress(m_out.rows, m_snap.size());
        if (m_next >= m_snap.size())
            finish(true);
        else
            sendBatch();
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
    m_retry->start(m_delayMs);
    m_delayMs = std::min(m_delayMs * 2, m_opts.maxBackoffMs);
}

void Shipper::finish(bool ok, std::string error)
{
    m_out.ok = ok;
    m_out.error = std::move(error);
    m_out.seconds = m_clock.isValid() ? double(m_clock.nsecsElapsed()) / 1e9 : 0;
    emit finished(ok);
}

} // namespace auditlens::clickhouse
