// SPDX-License-Identifier: MIT
#include "sourcetrailmodel.h"

#include "source/timestamp.h"


namespace auditlens::ui {

SourceTrailModel::SourceTrailModel(QObject *parent) : QAbstractTableModel(parent) {}

void SourceTrailModel::setSource(TrailSource *source)
{
    m_source = source;
    restart(m_filter, false);
}

void SourceTrailModel::setFilter(const TrailFilter &f) { restart(f, true); }

void SourceTrailModel::restart(const TrailFilter &f, bool keepRows)
{
    m_filter = f;
    m_more = false;
    const bool wasPending = m_pending;
    m_pending = false;
    m_halted = false;
    ++m_generation;
    if (keepRows && !m_rows.empty()) {
        m_stale = true; // shown until the new filter's first page replaces them
    } else {
        beginResetModel();
        m_rows.clear();
        m_stale = false;
        endResetModel();
    }
    if (m_source)
        request();
    else if (wasPending)
        emit loadingChanged(false);
}

void SourceTrailModel::retry()
{
    m_halted = false;
    if (m_source && !m_pending && (m_stale || m_more || m_rows.empty()))
        request();
}

void SourceTrailModel::setUtc(bool utc)
{
    m_utc = utc;
    if (!m_rows.empty())
        emit dataChanged(index(0, Col::Time), index(int(m_rows.size()) - 1, Col::Time));
    emit headerDataChanged(Qt::Horizontal, Col::Time, Col::Time);
}

void SourceTrailModel::setOrder(int column, bool descending)
{
    column = column >= 0 && column < int(kColumnCount) ? column : -1;
    if (column == m_column && descending == m_descending)
        return;
    m_column = column;
    m_descending = descending;
    emit headerDataChanged(Qt::Horizontal, 0, Col::ColCount - 1);
    restart(m_filter, true);
}

void SourceTrailModel::request()
{
    m_pending = true;
    emit loadingChanged(true);
    const TrailKey after = m_rows.empty() || m_stale ? TrailKey{} : TrailKey::after(m_rows.back(), m_column);
    const uint64_t gen = m_generation;
    m_source->pageBy(m_filter, TrailOrder{m_column, m_descending}, after, m_pageSize, this, [this, gen](TrailPage page, TrailError error) {
        if (gen != m_generation)
            return; // an answer for an earlier filter
        m_pending = false;
        if (!error.ok()) {
            // the rows shown stay, and m_more with them: retry() asks for the same page again
            m_halted = true;
            emit loadingChanged(false);
            if (error.kind != TrailErrorKind::Cancelled)
                emit failed(QString::fromStdString(error.message));
            return;
        }
        if (m_stale) {
            // the new filter's first page: the earlier filter's rows go now
            beginResetModel();
            m_rows = std::move(page.rows);
            m_stale = false;
            endResetModel();
        } else if (!page.rows.empty()) {
            const int first = int(m_rows.size());
            beginInsertRows({}, first, first + int(page.rows.size()) - 1);
            std::move(page.rows.begin(), page.rows.end(), std::back_inserter(m_rows));
            endInsertRows();
        }
        m_more = page.more;
        emit loadingChanged(false);
        emit pageLoaded(int(m_rows.size()), m_more);
    });
}

bool SourceTrailModel::canFetchMore(const QModelIndex &parent) const
{
    return !parent.isValid() && m_source && m_more && !m_pending && !m_halted;
}

void SourceTrailModel::fetchMore(const QModelIndex &parent)
{
    if (canFetchMore(parent))
        request();
}

const TrailRow *SourceTrailModel::trailRow(int row) const
{
    return row >= 0 && size_t(row) < m_rows.size() ? &m_rows[size_t(row)] : nullptr;
}

int SourceTrailModel::rowCount(const QModelIndex &parent) const { return parent.isValid() ? 0 : int(m_rows.size()); }
int SourceTrailModel::columnCount(const QModelIndex &parent) const { return parent.isValid() ? 0 : Col::ColCount; }

QVariant SourceTrailModel::data(const QModelIndex &index, int role) const
{
    const TrailRow *r = index.isValid() ? trailRow(index.row()) : nullptr;
    if (!r)
        return {};
    if (role == Qt::ForegroundRole || role == Qt::FontRole)
        return TrailModel::resultStyle(r->result, role);
    if (role == Qt::ToolTipRole && index.column() == Col::Time && r->time != kNoTime)
        return QString::fromStdString(formatRfc3339(r->time, FractionMode::Nano));
    if (role != Qt::DisplayRole)
        return {};
    const auto value = [&](Column c) { return QString::fromStdString(r->values[size_t(c)]); };
    switch (index.column()) {
    case Col::Time: return TrailModel::timeText(r->time, m_utc);
    case Col::Actor: return value(Column::Actor);
    case Col::Action: return value(Column::Action);
    case Col::ResourceType: return value(Column::ResourceType);
    case Col::ResourceId: return QString::fromStdString(r->resourceId);
    case Col::Result: return TrailModel::resultText(r->result);
    case Col::Interface: return value(Column::Interface);
    case Col::Ip: return value(Column::SourceIp);
    case Col::ActorType: return value(Column::ActorType);
    case Col::Account: return value(Column::Account);
    case Col::Source: return value(Column::Source);
    default: return {};
    }
}

QVariant SourceTrailModel::headerData(int section, Qt::Orientation o, int role) const
{
    if (o != Qt::Horizontal || section < 0 || section >= Col::ColCount)
        return {};
    if (role == Qt::ToolTipRole) {
        const int column = TrailModel::storeColumn(section);
        if (section == Col::Time)
            return m_column >= 0 ? tr("Click to order the rows by time")
                                 : m_descending ? tr("Newest first: click for the oldest first") : tr("Oldest first: click for the newest first");
        if (column < 0)
            return tr("The rows are ordered by time or by a column's value; not by this one");
        if (column == m_column)
            return m_descending ? tr("Ordered by this column, last value first: click to turn")
                                : tr("Ordered by this column, first value first: click to turn");
        return tr("Click to order the rows by this column (then by time)");
    }
    if (role != Qt::DisplayRole)
        return {};
    return TrailModel::columnTitle(section, m_utc);
}

} // namespace auditlens::ui
