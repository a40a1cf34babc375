// SPDX-License-Identifier: MIT
#pragma once

#include <QAbstractItemModel>
#include <QColor>
#include <QHash>
#include <QSet>

#include <nlohmann/json.hpp>

#include <memory>
#include <set>
#include <string_view>
#include <vector>

namespace auditlens::ui {

/// A JSON value as a tree model (key, value, type) whose rows are made only when a view asks
/// for them: children come in batches through canFetchMore/fetchMore, so a record with 100,000
/// keys costs what is on screen, not one object per key. Each row knows its dotted path
/// ("a.b", array elements as "a.0").
class JsonModel : public QAbstractItemModel
{
    Q_OBJECT
public:
    static constexpr int PathRole = Qt::UserRole + 10;
    static constexpr int kBatch = 500; ///< children made per fetchMore

    explicit JsonModel(QObject *parent = nullptr);
    ~JsonModel() override;

    void setJson(nlohmann::ordered_json value);
    const nlohmann::ordered_json &json() const { return m_json; }

    /// The index of a dotted path, making the rows on the way (nearest existing parent when
    /// `nearest`, else invalid when the path is not in the value).
    QModelIndex indexForPath(const QString &path, bool nearest = false);
    static QString pathOf(const QModelIndex &index);
    /// The value at a path, or nullptr.
    const nlohmann::ordered_json *valueAt(const QString &path) const;

    /// A tooltip and a style for a path (provenance, schema problems).
    void markPath(const QString &path, const QString &tooltip, bool dim, const QColor &background = {});
    /// Paths that reach somewhere (the raw fields an ECS field is made from): every row whose
    /// path neither is, contains nor lies inside one of them is dimmed with `tooltip`.
    void setCoverage(std::set<QString> reached, const QString &tooltip);
    bool isReached(const QString &path) const;
    /// Only rows whose key, value or path contains `text` (and their parents); empty: all.
    void setFilterText(const QString &text);
    QString filterText() const { return m_filter; }
    /// Paths of rows matching the current filter text (for expanding them), at most `limit`.
    QStringList filterMatches(int limit) const;

    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    bool hasChildren(const QModelIndex &parent = {}) const override;
    bool canFetchMore(const QModelIndex &parent) const override;
    void fetchMore(const QModelIndex &parent) override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation o, int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;

private:
    struct Node;
    Node *nodeOf(const QModelIndex &index) const;
    QModelIndex indexOf(Node *n, int column = 0) const;
    /// Makes children of `n` until `untilChild` (a position in its JSON value) is made, or one
    /// batch when -1.
    void fetch(Node *n, long long untilChild = -1);
    bool keeps(const QString &path) const;
    void rebuild();
    void endReset();

    nlohmann::ordered_json m_json;
    std::unique_ptr<Node> m_root;
    QHash<QString, QString> m_tooltips;
    QSet<QString> m_dim;
    QHash<QString, QColor> m_backgrounds;
    std::set<QString> m_reached;
    QSet<QString> m_reachedSet;
    bool m_coverage = false;
    QString m_coverageTip;
    QString m_filter;
    QSet<QString> m_keep;   ///< with a filter: matching paths and their parents
    QStringList m_matches;  ///< with a filter: matching paths, in document order
    bool m_fetching = false;
};

/// Builds an ordered JSON value from text in one pass, keeping every key in document order
/// (duplicates too) without the per-key search ordered_json's own parser makes, which is
/// quadratic in the number of keys. Returns a discarded value on a syntax error.
nlohmann::ordered_json parseOrdered(std::string_view text);

} // namespace auditlens::ui
