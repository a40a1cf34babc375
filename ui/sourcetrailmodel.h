// SPDX-License-Identifier: MIT
#pragma once

// The trail as a table over a TrailSource (store/trailsource.h), for a trail that is not in
// memory (a ClickHouse table): rows come a page at a time by key, oldest first, as the view
// scrolls (canFetchMore / fetchMore), so the whole trail is never loaded. The same columns as
// TrailModel, ordered by time (then the record's ID), oldest or newest first, or by a
// column's value (then time), as the source pages them. A filter change asks for the first page again (the source cancels what was
// pending); the rows shown stay until that page replaces them, so a cancelled or failed
// request never empties the table.

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
    /// Ordered by a column's value (a Column; -1: by time), then time, ascending or descending:
    /// the rows are asked again in that order, the ones shown staying until the first page of
    /// the new order replaces them.
    void setOrder(int column, bool descending);
    int sortColumn() const { return m_column; }
    bool descending() const { return m_descending; }
    /// Ordered by time, newest first (true) or oldest first.
    void setNewestFirst(bool newest) { setOrder(-1, newest); }
    bool newestFirst() const { return m_column < 0 && m_descending; }

    const TrailRow *trailRow(int row) const;
    /// Rows follow the last one shown (asked for by fetchMore, or retry() when halted).
    bool hasMore() const { return m_more; }
    bool loading() const { return m_pending; }
    /// A page was cancelled or failed: the rows shown stay, and the view's own asking
    /// (canFetchMore) is held, so that a cancelled page is not asked again at once and a
    /// failing server is not asked in a loop, until the next filter or retry().
    bool halted() const { return m_halted; }
    /// The rows shown are of an earlier filter (the current one's first page has not come).
    bool stale() const { return m_stale; }
    /// Asks for the next page again after a cancelled or failed one (when more rows follow).
    void retry();

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
    /// A page request started (true) or ended, answered, cancelled or failed (false).
    void loadingChanged(bool loading);

private:
    void request();
    void restart(const TrailFilter &f, bool keepRows);

    TrailSource *m_source = nullptr;
    TrailFilter m_filter;
    std::vector<TrailRow> m_rows;
    bool m_more = false;
    bool m_pending = false;
    bool m_halted = false;
    bool m_stale = false;
    uint64_t m_generation = 0; ///< answers of an earlier filter are dropped
    size_t m_pageSize = 500;
    bool m_utc = true;
    int m_column = -1; ///< the Column the rows are ordered by, -1: time
    bool m_descending = false;
};

} // namespace auditlens::ui
