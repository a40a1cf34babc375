// SPDX-License-Identifier: MIT
#pragma once

#include "query/fields.h"
#include "store/eventstore.h"

#include <QAbstractTableModel>
#include <QCache>
#include <QFutureWatcher>

#include <functional>
#include <memory>

class QTableView;

namespace auditlens::ui {

/// The trail: a table over the store's filtered rows (never one object per record). Rows are
/// store row numbers; sorting reorders that vector.
class TrailModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Col { Time, Actor, Action, ResourceType, ResourceId, Result, Interface, Ip, ActorType, Account, Source, ColCount };
    enum Role { StoreRowRole = Qt::UserRole + 1, ColumnValueRole };

    explicit TrailModel(QObject *parent = nullptr);

    /// New data: the snapshot and the rows that pass the filter (ascending store order). The
    /// sort order of all rows is kept between calls, so a filter change is a linear pass.
    void setRows(const Snapshot &snap, const std::vector<uint32_t> &rows);
    const Snapshot &snapshot() const { return m_snap; }
    uint32_t storeRow(int row) const { return m_rows[size_t(row)]; }
    int rowOfStoreRow(uint32_t storeRow) const;
    size_t totalRecords() const { return m_snap.size(); }

    void setUtc(bool utc);
    bool utc() const { return m_utc; }
    /// The dictionary column behind a view column (for "Filter for value"), or -1.
    static int storeColumn(int col);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation o, int role = Qt::DisplayRole) const override;
    void sort(int column, Qt::SortOrder order = Qt::AscendingOrder) override;

    QString timeText(int64_t ns) const;
    static QString timeText(int64_t ns, bool utc);
    /// The title of a fixed column (Col); the same for every trail table.
    static QString columnTitle(int section, bool utc);
    /// How a row with this result looks (Qt::ForegroundRole, Qt::FontRole): failures stand out.
    static QVariant resultStyle(auditlens::Result result, int role);
    static QString resultText(auditlens::Result result); ///< "success", "failure" or empty
    /// What a trail's status adds when its query matched nothing because of `fields` no record
    /// has (TrailCounts::absentFields, query::absentFields): " · no record has the field …", or empty.
    static QString absentFieldsNote(const std::vector<std::string> &fields);
    /// A trail table's look, the same in every window: one line per row, the columns' widths.
    static void setUpTable(QTableView *table);

    /// Adds a column showing a field path's values (raw or ecs.), read off the GUI thread
    /// through `cache` (and again for rows appended later). Columns past ColCount are these.
    void addFieldColumn(const QString &path, std::shared_ptr<query::FieldCache> cache);
    QString fieldColumnPath(int col) const;
    /// The full text of a column for a store row, from any thread (export): `raw` is the row's
    /// raw record. It reads only copies of the model's data.
    using CellReader = std::function<std::string(uint32_t storeRow, int col, std::string_view raw)>;
    CellReader cellReader() const;

private:
    QString resourceId(uint32_t storeRow) const;
    void applySort();
    void sortRows(); ///< sorts m_rows by the current column
    void rebuildOrder();

    Snapshot m_snap;
    std::vector<uint32_t> m_rows;    ///< shown rows, in display order
    std::vector<uint32_t> m_filtered; ///< shown rows, in store order
    std::vector<uint32_t> m_order;   ///< every store row, in display order
    size_t m_orderSize = SIZE_MAX;   ///< snapshot size m_order was built for
    size_t m_sortedFor = SIZE_MAX;
    int m_sortedColumn = -1;
    Qt::SortOrder m_sortedOrder = Qt::AscendingOrder;
    bool m_utc = true;
    int m_sortColumn = Time;
    Qt::SortOrder m_sortOrder = Qt::AscendingOrder;
    mutable QCache<uint32_t, QString> m_resourceIds{20000};

    struct FieldCol
    {
        QString path;
        std::shared_ptr<const query::FieldColumn> values; ///< null until read
    };
    void readFieldColumns();
    std::vector<FieldCol> m_fieldCols;
    std::shared_ptr<query::FieldCache> m_fieldCache;
    QFutureWatcher<std::vector<std::shared_ptr<const query::FieldColumn>>> m_fieldWatcher;
    bool m_fieldWatcherConnected = false;
};

/// A cell of a field column: one value as is, several as a JSON array, none empty.
std::string fieldCellText(const query::FieldColumn &col, size_t row);

} // namespace auditlens::ui
