// SPDX-License-Identifier: MIT
#pragma once

#include "query/fields.h"

#include <QFutureWatcher>
#include <QWidget>

#include <atomic>
#include <memory>

class QLabel;
class QLineEdit;
class QPushButton;
class QTreeWidget;
class QTreeWidgetItem;

namespace auditlens::ui {

/// Every field path of the loaded records (how many records have it, its types), like Kibana's
/// field list. Selecting a field shows its top values under the current filter; from a value:
/// filter for / filter out; from a field: exists, add as a column. The catalog and the values
/// are read off the GUI thread.
class FieldsPanel : public QWidget
{
    Q_OBJECT
public:
    explicit FieldsPanel(QWidget *parent = nullptr);
    ~FieldsPanel() override;

    /// New data: the catalog is read again in the background.
    void setSnapshot(const Snapshot &snap, std::shared_ptr<query::FieldCache> cache);
    /// The rows the trail shows (top values are counted over them).
    void setShownRows(std::shared_ptr<const std::vector<uint32_t>> rows);
    /// Field paths for completion, once the catalog is read.
    QStringList fieldPaths() const;
    bool isBusy() const;

    QTreeWidget *fieldsView() const { return m_fields; }
    QTreeWidget *valuesView() const { return m_values; }
    void selectField(const QString &path);

signals:
    /// A query clause to add to the search bar ("field:\"value\"", "not …", "field:*").
    void clauseRequested(const QString &clause);
    void columnRequested(const QString &path);
    void catalogReady();
    void valuesReady();

private:
    void showCatalog();
    void applyFind();
    void loadValues();
    void showValues();
    QString currentPath() const;
    QString currentValueClause() const;
    void valuesMenu(const QPoint &pos);

    Snapshot m_snap;
    std::shared_ptr<query::FieldCache> m_cache;
    std::shared_ptr<const std::vector<uint32_t>> m_rows;
    std::shared_ptr<std::atomic<bool>> m_cancel;
    QFutureWatcher<std::vector<query::FieldStat>> m_catalogWatcher;
    struct Values
    {
        QString path;
        std::shared_ptr<const query::FieldColumn> column;
        std::vector<std::pair<uint32_t, uint64_t>> top;
        uint64_t shown = 0;
    };
    QFutureWatcher<Values> m_valuesWatcher;
    std::vector<query::FieldStat> m_catalog;
    QString m_valuesPath;

    QLineEdit *m_find;
    QTreeWidget *m_fields;
    QLabel *m_valuesTitle;
    QTreeWidget *m_values;
    QPushButton *m_for;
    QPushButton *m_out;
    QPushButton *m_exists;
    QPushButton *m_column;
};

/// A query clause for one value of a field: `path:"text"` (numbers and booleans bare).
QString clauseFor(const QString &path, const query::FieldValue &v, bool negate);

} // namespace auditlens::ui
