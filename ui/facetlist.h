// SPDX-License-Identifier: MIT
#pragma once

#include "store/eventstore.h"

#include <QWidget>

#include <string>
#include <utility>
#include <vector>

class QLabel;
class QLineEdit;
class QListWidget;
class QListWidgetItem;

namespace auditlens::ui {

/// One facet (actor, action or resource type): a searchable list of values with exact counts
/// under the other active filters. Checking values includes them; the context menu excludes.
/// By value, as a trail source counts them (TrailCounts::top), so the same list serves the
/// embedded store and a ClickHouse trail; the empty value reads "(none)".
class FacetList : public QWidget
{
    Q_OBJECT
public:
    FacetList(Column column, const QString &title, QWidget *parent = nullptr);

    Column column() const { return m_column; }
    /// Values with their counts, most first; the current include / exclude sets; how many
    /// distinct values there are; `more`: the values are the top ones only (a server's top N),
    /// so that a value not among them is not said to count 0.
    void setValues(const std::vector<std::pair<std::string, uint64_t>> &values, const std::vector<std::string> &included,
                   const std::vector<std::string> &excluded, size_t distinct, bool more = false);
    QListWidget *list() const { return m_list; }
    QLineEdit *searchBox() const { return m_search; }
    /// "Actor — 12": the column and how many values it has ("12+": at least).
    QString title() const;
    /// The value an item of list() stands for (its text adds the count).
    static QString valueOf(const QListWidgetItem *item);
    static constexpr size_t kMaxShown = 2000; ///< beyond that, the search narrows the list

signals:
    void includeToggled(Column column, const QString &value, bool on);
    void excludeRequested(Column column, const QString &value);

private:
    void applySearch();

    Column m_column;
    QString m_titleText;
    QLabel *m_title;
    QLineEdit *m_search;
    QListWidget *m_list;
    bool m_updating = false;
};

} // namespace auditlens::ui
