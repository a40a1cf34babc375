// SPDX-License-Identifier: MIT
#pragma once

#include "store/eventstore.h"

#include <QWidget>

class QLabel;
class QLineEdit;
class QListWidget;
class QListWidgetItem;

namespace auditlens::ui {

/// One facet (actor, action or resource type): a searchable list of values with exact counts
/// under the other active filters. Checking values includes them; the context menu excludes.
class FacetList : public QWidget
{
    Q_OBJECT
public:
    FacetList(Column column, const QString &title, QWidget *parent = nullptr);

    Column column() const { return m_column; }
    /// Values (id, count) to show, and the current include / exclude sets.
    void setValues(const Snapshot &snap, const std::vector<uint64_t> &counts, const std::vector<uint32_t> &included,
                   const std::vector<uint32_t> &excluded);
    QListWidget *list() const { return m_list; }
    QLineEdit *searchBox() const { return m_search; }

signals:
    void includeToggled(Column column, uint32_t id, bool on);
    void excludeRequested(Column column, uint32_t id);

private:
    void applySearch();

    Column m_column;
    QLabel *m_title;
    QLineEdit *m_search;
    QListWidget *m_list;
    bool m_updating = false;
};

} // namespace auditlens::ui
