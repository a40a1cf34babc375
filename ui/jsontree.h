// SPDX-License-Identifier: MIT
#pragma once

#include <QTreeWidget>

#include <nlohmann/json.hpp>

namespace auditlens::ui {

/// A JSON value as a tree (key, value, type). Each item knows its dotted path. Searchable;
/// copy value / path / subtree as JSON from the context menu.
class JsonTree : public QTreeWidget
{
    Q_OBJECT
public:
    static constexpr int PathRole = Qt::UserRole + 10;

    explicit JsonTree(QWidget *parent = nullptr);

    void setJson(const nlohmann::ordered_json &value);
    const nlohmann::ordered_json &json() const { return m_json; }

    /// The item of a dotted path (array elements as "a.0"), or nullptr.
    QTreeWidgetItem *itemForPath(const QString &path) const;
    QString pathOf(const QTreeWidgetItem *item) const;
    /// Selects and reveals `path` (or its nearest existing parent) without emitting
    /// pathActivated.
    void revealPath(const QString &path);
    /// Marks items: a tooltip and a style (used for provenance and mapping coverage).
    void markItem(const QString &path, const QString &tooltip, bool dim, const QColor &background = {});
    /// Shows only items whose key, value or path contains `text` (and their parents).
    void filterItems(const QString &text);
    QString valueText(const QTreeWidgetItem *item) const;

signals:
    /// The user selected a field.
    void pathActivated(const QString &path);

private:
    void addChildren(QTreeWidgetItem *parent, const nlohmann::ordered_json &v, const QString &path);
    void contextMenu(const QPoint &pos);
    const nlohmann::ordered_json *valueAt(const QString &path) const;

    nlohmann::ordered_json m_json;
    QHash<QString, QTreeWidgetItem *> m_items;
    bool m_revealing = false;
};

} // namespace auditlens::ui
