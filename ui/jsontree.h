// SPDX-License-Identifier: MIT
#pragma once

#include <QTreeView>

#include <nlohmann/json.hpp>

#include <set>

namespace auditlens::ui {

class HighlightDelegate;
class JsonModel;

/// A JSON value as a tree (key, value, type) over a JsonModel, whose rows are made as they are
/// shown (a record of 100,000 keys opens at once). Each row knows its dotted path. Searchable;
/// copy value / path / subtree as JSON from the context menu; text search hits are marked.
class JsonTree : public QTreeView
{
    Q_OBJECT
public:
    static constexpr int PathRole = Qt::UserRole + 10;

    explicit JsonTree(QWidget *parent = nullptr);

    void setJson(nlohmann::ordered_json value);
    const nlohmann::ordered_json &json() const;
    JsonModel *jsonModel() const { return m_model; }

    /// The row of a dotted path (array elements as "a.0"), made if need be; invalid if the
    /// value has no such path (or the find box hides it).
    QModelIndex indexForPath(const QString &path) const;
    /// Cell text / tooltip of a path's row (empty when there is no such row).
    QString cellText(const QString &path, int column = 1) const;
    QString toolTipOf(const QString &path) const;
    QString currentPath() const;
    QStringList selectedPaths() const;
    int topLevelCount() const;
    /// Selects a path as the user would (pathActivated follows).
    void selectPath(const QString &path);
    /// Selects and reveals `path` (or its nearest existing parent) without emitting
    /// pathActivated.
    void revealPath(const QString &path);
    /// Selects and reveals several paths (the first is made current), without pathActivated.
    void revealPaths(const QStringList &paths);
    /// Marks a path: a tooltip and a style (provenance, schema problems).
    void markItem(const QString &path, const QString &tooltip, bool dim, const QColor &background = {});
    /// Dims rows that reach none of `reached` (mapping coverage of the raw record).
    void setCoverage(std::set<QString> reached, const QString &tooltip);
    /// Shows only rows whose key, value or path contains `text` (and their parents).
    void filterItems(const QString &text);
    /// Marks occurrences of `text` in the cells (the text search); paths of the rows holding it.
    void setHighlight(const QString &text);
    QStringList highlightedPaths(int limit = 100000) const;
    HighlightDelegate *highlighter() const { return m_highlight; }
    QString valueText(const QString &path) const;
    /// The prefix of this tree's fields in a query ("" for the raw record, "ecs." for the ECS
    /// one): the context menu then offers Filter for / Filter out / Exists.
    void setQueryPrefix(const QString &prefix) { m_queryPrefix = prefix; m_queryable = true; }

signals:
    /// The user selected a field.
    void pathActivated(const QString &path);
    /// Filter for / out / exists from the context menu: a query clause.
    void clauseRequested(const QString &clause);

protected:
    void resizeEvent(QResizeEvent *e) override;

private:
    void contextMenu(const QPoint &pos);
    void fitKeyColumn();

    JsonModel *m_model;
    HighlightDelegate *m_highlight;
    bool m_revealing = false;
    bool m_fittingKeys = false;
    bool m_keysSetByUser = false;
    QString m_queryPrefix;
    bool m_queryable = false;
};

/// The query clause for a tree path ("a.0.b" looks into arrays: "a.b") and its value, or for
/// the path existing when `value` is null. `negate` adds "not".
QString clauseForPath(const QString &prefix, const QString &path, const nlohmann::ordered_json *value, bool negate);
/// `query` with `clause` added: "query and clause", an "or" query kept whole in parentheses.
QString withClause(const QString &query, const QString &clause);

} // namespace auditlens::ui
