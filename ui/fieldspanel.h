// SPDX-License-Identifier: MIT
#pragma once

#include "query/fields.h"
#include "store/trailsource.h"

#include <QWidget>

#include <memory>

class QLabel;
class QLineEdit;
class QPushButton;
class QTreeWidget;
class QTreeWidgetItem;

namespace auditlens::ui {

/// Every field path of a trail (how many records have a value there, its types), like Kibana's
/// field list. Selecting a field shows its top values under the trail's filter; from a value:
/// filter for / filter out; from a field: exists, add as a column (where the window has field
/// columns). Both come from a TrailSource of the panel's own (fields(), fieldValues()), so the
/// same panel serves the embedded store and a ClickHouse trail; it asks only while shown.
class FieldsPanel : public QWidget
{
    Q_OBJECT
public:
    explicit FieldsPanel(QWidget *parent = nullptr);
    ~FieldsPanel() override;

    /// The source the panel asks (its own, e.g. a sibling of the window's: none of its requests
    /// supersedes the window's); null: nothing to show. `catalog` false keeps the field list of
    /// the source before (records appended since: their new paths come with the next one).
    void setSource(std::unique_ptr<TrailSource> source, bool catalog = true);
    /// The trail's filter, and how many of its `total` records pass it (`matched`): the top
    /// values are counted under it.
    void setFilter(const TrailFilter &f, uint64_t matched, uint64_t total);
    /// Whether "Add column" is offered (the main window's table has field columns).
    void setColumnsEnabled(bool enabled);
    /// Field paths for completion, once the catalog is read.
    QStringList fieldPaths() const;
    bool isBusy() const { return m_catalogPending || m_valuesPending; }

    QTreeWidget *fieldsView() const { return m_fields; }
    QTreeWidget *valuesView() const { return m_values; }
    void selectField(const QString &path);

signals:
    /// A query clause to add to the search bar ("field:\"value\"", "not …", "field:*").
    void clauseRequested(const QString &clause);
    void columnRequested(const QString &path);
    void catalogReady();
    void valuesReady();

protected:
    void showEvent(QShowEvent *e) override;

private:
    void askCatalog();
    void showCatalog(TrailFields fields, const TrailError &error);
    void applyFind();
    void loadValues();
    void showValues(const TrailValues &v, const TrailError &error);
    QString currentPath() const;
    QString currentValueClause() const;
    void valuesMenu(const QPoint &pos);

    std::unique_ptr<TrailSource> m_source;
    std::unique_ptr<TrailSource> m_catalogSource; ///< a source replaced while its field list was being read
    TrailFilter m_filter;
    uint64_t m_matched = 0, m_total = 0;
    bool m_catalogWanted = false; ///< the source changed: the list is asked when shown
    bool m_valuesWanted = false;  ///< the filter changed: the values are asked when shown
    bool m_catalogPending = false, m_valuesPending = false;
    bool m_columns = true;
    std::vector<TrailField> m_catalog;
    QString m_valuesPath;

    QLineEdit *m_find;
    QLabel *m_note;
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
