// SPDX-License-Identifier: MIT
#include "jsontree.h"

#include "query/history.h"
#include "query/kql.h"

#include "highlightdelegate.h"
#include "jsonmodel.h"

#include <QApplication>
#include <QClipboard>
#include <QHeaderView>
#include <QMenu>

#include <functional>

namespace auditlens::ui {

using J = nlohmann::ordered_json;

JsonTree::JsonTree(QWidget *parent) : QTreeView(parent), m_model(new JsonModel(this)), m_highlight(new HighlightDelegate(this))
{
    static_assert(PathRole == JsonModel::PathRole);
    setModel(m_model);
    setItemDelegate(m_highlight);
    setUniformRowHeights(true);
    setAlternatingRowColors(true);
    setSelectionMode(QAbstractItemView::SingleSelection);
    setSelectionBehavior(QAbstractItemView::SelectRows);
    setContextMenuPolicy(Qt::CustomContextMenu);
    setTabKeyNavigation(false);
    header()->setSectionResizeMode(0, QHeaderView::Interactive);
    header()->setSectionResizeMode(1, QHeaderView::Stretch);
    header()->setSectionResizeMode(2, QHeaderView::Interactive); // ResizeToContents reads every row
    header()->setStretchLastSection(false);
    header()->resizeSection(2, fontMetrics().horizontalAdvance(QStringLiteral("integer")) + 24);
    connect(this, &QWidget::customContextMenuRequested, this, &JsonTree::contextMenu);
    connect(header(), &QHeaderView::sectionResized, this, [this](int section) {
        if (section == 0 && !m_fittingKeys && header()->isVisible() && QApplication::mouseButtons())
            m_keysSetByUser = true;
    });
    connect(selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this](const QModelIndex &cur) {
        if (cur.isValid() && !m_revealing)
            emit pathActivated(JsonModel::pathOf(cur));
    });
}

void JsonTree::fitKeyColumn()
{
    // room for keys, leaving the values most of a narrow tree (until the user sets it)
    if (m_keysSetByUser)
        return;
    m_fittingKeys = true;
    setColumnWidth(0, std::clamp(viewport()->width() / 3, 90, 240));
    m_fittingKeys = false;
}

void JsonTree::resizeEvent(QResizeEvent *e)
{
    QTreeView::resizeEvent(e);
    fitKeyColumn();
}

void JsonTree::setJson(J value)
{
    m_model->setJson(std::move(value));
    // first level open: at most one batch of rows is made per open node
    for (int r = 0; r < m_model->rowCount(); ++r) {
        const QModelIndex i = m_model->index(r, 0);
        if (m_model->hasChildren(i))
            expand(i);
    }
    fitKeyColumn();
}

const J &JsonTree::json() const { return m_model->json(); }

QModelIndex JsonTree::indexForPath(const QString &path) const { return m_model->indexForPath(path); }

QString JsonTree::cellText(const QString &path, int column) const
{
    const QModelIndex i = indexForPath(path);
    return i.isValid() ? i.siblingAtColumn(column).data().toString() : QString();
}

QString JsonTree::toolTipOf(const QString &path) const
{
    const QModelIndex i = indexForPath(path);
    return i.isValid() ? i.data(Qt::ToolTipRole).toString() : QString();
}

QString JsonTree::currentPath() const { return JsonModel::pathOf(currentIndex()); }

QStringList JsonTree::selectedPaths() const
{
    QStringList out;
    for (const QModelIndex &i : selectionModel()->selectedRows())
        out << JsonModel::pathOf(i);
    return out;
}

int JsonTree::topLevelCount() const { return m_model->rowCount(); }

void JsonTree::selectPath(const QString &path)
{
    const QModelIndex i = indexForPath(path);
    if (!i.isValid())
        return;
    for (QModelIndex up = i.parent(); up.isValid(); up = up.parent())
        expand(up);
    setCurrentIndex(i);
    scrollTo(i);
}

void JsonTree::revealPath(const QString &path) { revealPaths({path}); }

void JsonTree::revealPaths(const QStringList &paths)
{
    m_revealing = true;
    QItemSelection sel;
    QModelIndex first;
    for (const QString &p : paths) {
        const QModelIndex i = m_model->indexForPath(p, true);
        if (!i.isValid())
            continue;
        for (QModelIndex up = i.parent(); up.isValid(); up = up.parent())
            expand(up);
        sel.select(i, i.siblingAtColumn(2));
        if (!first.isValid())
            first = i;
    }
    if (first.isValid()) {
        selectionModel()->setCurrentIndex(first, QItemSelectionModel::NoUpdate);
        selectionModel()->select(sel, QItemSelectionModel::ClearAndSelect);
        scrollTo(first, QAbstractItemView::PositionAtCenter);
    } else {
        clearSelection();
    }
    m_revealing = false;
}

void JsonTree::markItem(const QString &path, const QString &tooltip, bool dim, const QColor &background)
{
    m_model->markPath(path, tooltip, dim, background);
}

void JsonTree::setCoverage(std::set<QString> reached, const QString &tooltip) { m_model->setCoverage(std::move(reached), tooltip); }

void JsonTree::filterItems(const QString &text)
{
    m_model->setFilterText(text);
    // open the way to the first matches; the rest open as the user goes
    for (const QString &p : m_model->filterMatches(200)) {
        const QModelIndex i = m_model->indexForPath(p);
        for (QModelIndex up = i.parent(); up.isValid(); up = up.parent())
            expand(up);
    }
    if (text.isEmpty())
        for (int r = 0; r < m_model->rowCount(); ++r)
            if (m_model->hasChildren(m_model->index(r, 0)))
                expand(m_model->index(r, 0));
}

void JsonTree::setHighlight(const QString &text)
{
    m_highlight->setText(text);
    viewport()->update();
}

QStringList JsonTree::highlightedPaths(int limit) const
{
    QStringList out;
    const QString text = m_highlight->text();
    if (text.isEmpty())
        return out;
    // document order, as the rows are shown
    std::function<void(const J &, const QString &, int)> walk = [&](const J &v, const QString &path, int depth) {
        if (depth > 512 || out.size() >= limit)
            return;
        auto visit = [&](const QString &key, const QString &cp, const J &child) {
            if (out.size() >= limit)
                return;
            const bool self = key.contains(text, Qt::CaseInsensitive)
                              || (!child.is_structured()
                                  && QString::fromStdString(child.is_string() ? child.get<std::string>() : child.dump())
                                         .contains(text, Qt::CaseInsensitive));
            if (self)
                out << cp;
            walk(child, cp, depth + 1);
        };
        if (v.is_object()) {
            for (auto it = v.begin(); it != v.end(); ++it) {
                const QString key = QString::fromStdString(it.key());
                visit(key, path.isEmpty() ? key : path + QLatin1Char('.') + key, it.value());
            }
        } else if (v.is_array()) {
            for (size_t i = 0; i < v.size(); ++i)
                visit(QStringLiteral("[%1]").arg(i), path + QLatin1Char('.') + QString::number(i), v[i]);
        }
    };
    walk(json(), QString(), 0);
    return out;
}

QString JsonTree::valueText(const QString &path) const
{
    const J *v = m_model->valueAt(path);
    if (!v)
        return {};
    return v->is_string() ? QString::fromStdString(v->get<std::string>()) : QString::fromStdString(v->dump());
}

void JsonTree::contextMenu(const QPoint &pos)
{
    const QModelIndex idx = indexAt(pos);
    if (!idx.isValid())
        return;
    auto *menu = new QMenu(this);
    menu->setAttribute(Qt::WA_DeleteOnClose);
    const QString path = JsonModel::pathOf(idx);
    menu->addAction(tr("Copy value"), this, [this, path] { QApplication::clipboard()->setText(valueText(path)); });
    menu->addAction(tr("Copy path"), this, [path] { QApplication::clipboard()->setText(path); });
    menu->addAction(tr("Copy subtree as JSON"), this, [this, path] {
        if (const J *v = m_model->valueAt(path))
            QApplication::clipboard()->setText(QString::fromStdString(v->dump(2)));
    });
    if (m_queryable) {
        const J *v = m_model->valueAt(path);
        menu->addSeparator();
        if (v && !v->is_structured() && !v->is_null()) {
            const QString forValue = clauseForPath(m_queryPrefix, path, v, false);
            const QString outValue = clauseForPath(m_queryPrefix, path, v, true);
            menu->addAction(tr("Filter for this value"), this, [this, forValue] { emit clauseRequested(forValue); });
            menu->addAction(tr("Filter out this value"), this, [this, outValue] { emit clauseRequested(outValue); });
        }
        const QString exists = clauseForPath(m_queryPrefix, path, nullptr, false);
        menu->addAction(tr("Filter for records with this field"), this, [this, exists] { emit clauseRequested(exists); });
    }
    menu->addSeparator();
    menu->addAction(tr("Expand all"), this, &QTreeView::expandAll);
    menu->addAction(tr("Collapse all"), this, &QTreeView::collapseAll);
    menu->popup(viewport()->mapToGlobal(pos));
}

QString clauseForPath(const QString &prefix, const QString &path, const J *value, bool negate)
{
    // array positions are not part of a query path: an array matches when any element does
    QStringList parts;
    for (const QString &p : path.split(QLatin1Char('.'))) {
        bool number = false;
        p.toUInt(&number);
        if (!number)
            parts << p;
    }
    const QString field = prefix + parts.join(QLatin1Char('.'));
    QString clause;
    if (!value)
        clause = field + QStringLiteral(":*");
    else if (value->is_string())
        clause = field + QLatin1Char(':') + QString::fromStdString(query::quoteValue(value->get<std::string>()));
    else
        clause = field + QLatin1Char(':') + QString::fromStdString(value->dump());
    return negate ? QStringLiteral("not ") + clause : clause;
}

QString withClause(const QString &query, const QString &clause)
{
    const QString current = query.trimmed();
    if (current.isEmpty())
        return clause;
    const auto q = query::Query::parse(current.toStdString());
    const bool wrap = q->ok() && q->root() && q->root()->kind == query::Node::Kind::Or;
    return (wrap ? QStringLiteral("(%1)").arg(current) : current) + QStringLiteral(" and ") + clause;
}

} // namespace auditlens::ui
