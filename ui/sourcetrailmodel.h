// SPDX-License-Identifier: MIT
#pragma once

// The trail as a table over a TrailSource (store/trailsource.h), for a trail that is not in
// memory (a ClickHouse table): rows come a page at a time by key, oldest first, as the view
// scrolls (canFetchMore / fetchMore), so the whole trail is never loaded. The same columns as
// TrailModel. A filter change drops the rows and asks for the first page again; the source
// cancels what was pending.

#include "store/trailsource.h"
#include "trailmodel.h"

#include <QAbstractTableModel>

namespace auditlens::ui {

class SourceTrailModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    using Col = TrailModel::Col; ///< the same columns as the in-memory trail

    explicit SourceTrailModel(QObject *parent = nullptr);

    /// `source` outlives the model or is replaced before it goes (null: empty).
    void setSource(TrailSource *source);
    void setFilter(const TrailFilter &f);
    const TrailFilter &filter() const { return m_filter; }
    void setPageSize(size_t n) { m_pageSize = std::max<size_t>(1, n); }
    void setUtc(bool utc);

    const TrailRow *trailRow(int row) const;
    bool loading() const { return m_pending; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation o, int role = Qt::DisplayRole) const override;
    bool canFetchMore(const QModelIndex &parent) const override;
    void fetchMore(const QModelIndex &parent) override;

signals:
    /// A page arrived (`rows` in the model now, `more` to come).
    void pageLoaded(int rows, bool more);
    /// A request failed: a plain message for the status bar (the rows shown stay).
    void failed(const QString &message);

private:
    void request();

    TrailSource *m_source = nullptr;
    TrailFilter m_filter;
    std::vector<TrailRow> m_rows;
    bool m_more = false;
    bool m_pending = false;
    uint64_t m_generation = 0; ///< answers of an earlier filter are dropped
    size_t m_pageSize = 500;
    bool m_utc = true;
};

} // namespace auditlens::ui
