// SPDX-License-Identifier: MIT
#include "jsontree.h"

#include <QApplication>
#include <QClipboard>
#include <QHeaderView>
#include <QMenu>

namespace auditlens::ui {

using J = nlohmann::ordered_json;

JsonTree::JsonTree(QWidget *parent) : QTreeWidget(parent)
{
    setColumnCount(3);
    setHeaderLabels({tr("Key"), tr("Value"), tr("Type")});
    setUniformRowHeights(true);
    setAlternatingRowColors(true);
    setSelectionMode(QAbstractItemView::SingleSelection);
    setContextMenuPolicy(Qt::CustomContextMenu);
    header()->setSectionResizeMode(0, QHeaderView::Interactive);
    header()->setSectionResizeMode(1, QHeaderView::Stretch);
    header()->setSectionResizeMode(2, QHeaderView::ResizeToContents);
    header()->setStretchLastSection(false);
    connect(this, &QTreeWidget::customContextMenuRequested, this, &JsonTree::contextMenu);
    connect(this, &QTreeWidget::currentItemChanged, this, [this](QTreeWidgetItem *cur) {
        if (cur && !m_revealing)
            emit pathActivated(pathOf(cur));
    });
}

namespace {
QString typeName(const J &v)
{
    switch (v.type()) {
    case J::value_t::object: return QStringLiteral("object");
    case J::value_t::array: return QStringLiteral("array");
    case J::value_t::string: return QStringLiteral("string");
    case J::value_t::boolean: return QStringLiteral("boolean");
    case J::value_t::null: return QStringLiteral("null");
    case J::value_t::number_float: return QStringLiteral("number");
    case J::value_t::number_integer:
    case J::value_t::number_unsigned: return QStringLiteral("integer");
    default: return QString();
    }
}

QString scalarText(const J &v)
{
    if (v.is_string())
        return QString::fromStdString(v.get<std::string>());
    if (v.is_object())
        return QStringLiteral("{%1}").arg(v.size());
    if (v.is_array())
        return QStringLiteral("[%1]").arg(v.size());
    return QString::fromStdString(v.dump());
}
} // namespace

void JsonTree::setJson(const J &value)
{
    m_json = value;
    m_items.clear();
    clear();
    setUpdatesEnabled(false);
    addChildren(invisibleRootItem(), m_json, QString());
    expandToDepth(1);
    setUpdatesEnabled(true);
    if (columnWidth(0) < 160)
        setColumnWidth(0, 220);
}

void JsonTree::addChildren(QTreeWidgetItem *parent, const J &v, const QString &path)
{
    auto add = [&](const QString &key, const J &child, const QString &childPath) {
        auto *item = new QTreeWidgetItem(parent, {key, scalarText(child), typeName(child)});
        item->setData(0, PathRole, childPath);
        item->setToolTip(1, child.is_string() && child.get_ref<const std::string &>().size() > 80
                                ? QString::fromStdString(child.get<std::string>()).left(2000) : QString());
        m_items.insert(childPath, item);
        if (child.is_object() || child.is_array())
            addChildren(item, child, childPath);
    };
    if (v.is_object()) {
        for (auto it = v.begin(); it != v.end(); ++it) {
            const QString key = QString::fromStdString(it.key());
            add(key, it.value(), path.isEmpty() ? key : path + QLatin1Char('.') + key);
        }
    } else if (v.is_array()) {
        for (size_t i = 0; i < v.size(); ++i)
            add(QStringLiteral("[%1]").arg(i), v[i], path + QLatin1Char('.') + QString::number(i));
    }
}

QTreeWidgetItem *JsonTree::itemForPath(const QString &path) const { return m_items.value(path, nullptr); }

QString JsonTree::pathOf(const QTreeWidgetItem *item) const { return item ? item->data(0, PathRole).toString() : QString(); }

void JsonTree::revealPath(const QString &path)
{
    QString p = path;
    QTreeWidgetItem *item = nullptr;
    while (!p.isEmpty() && !(item = itemForPath(p))) {
        const int dot = p.lastIndexOf(QLatin1Char('.'));
        p = dot < 0 ? QString() : p.left(dot);
    }
    m_revealing = true;
    if (item) {
        for (QTreeWidgetItem *up = item->parent(); up; up = up->parent())
            up->setExpanded(true);
        setCurrentItem(item);
        scrollToItem(item, QAbstractItemView::PositionAtCenter);
    } else {
        clearSelection();
    }
    m_revealing = false;
}

void JsonTree::markItem(const QString &path, const QString &tooltip, bool dim, const QColor &background)
{
    QTreeWidgetItem *item = itemForPath(path);
    if (!item)
        return;
    item->setToolTip(0, tooltip);
    if (dim) {
        QFont f = item->font(0);
        f.setItalic(true);
        for (int c = 0; c < 3; ++c) {
            item->setFont(c, f);
            item->setForeground(c, palette().color(QPalette::Disabled, QPalette::Text));
        }
    }
    if (background.isValid())
        for (int c = 0; c < 3; ++c)
            item->setBackground(c, background);
}

void JsonTree::filterItems(const QString &text)
{
    std::function<bool(QTreeWidgetItem *)> visit = [&](QTreeWidgetItem *item) -> bool {
        bool any = false;
        for (int i = 0; i < item->childCount(); ++i)
            any = visit(item->child(i)) || any;
        const bool self = text.isEmpty() || item->text(0).contains(text, Qt::CaseInsensitive)
                          || item->text(1).contains(text, Qt::CaseInsensitive)
                          || pathOf(item).contains(text, Qt::CaseInsensitive);
        item->setHidden(!(self || any));
        if (!text.isEmpty() && any)
            item->setExpanded(true);
        return self || any;
    };
    for (int i = 0; i < topLevelItemCount(); ++i)
        visit(topLevelItem(i));
}

const J *JsonTree::valueAt(const QString &path) const
{
    const J *cur = &m_json;
    for (const QString &part : path.split(QLatin1Char('.'))) {
        if (cur->is_object()) {
            auto it = cur->find(part.toStdString());
            if (it == cur->end())
                return nullptr;
            cur = &*it;
        } else if (cur->is_array()) {
            bool ok = false;
            const int i = part.toInt(&ok);
            if (!ok || i < 0 || size_t(i) >= cur->size())
                return nullptr;
            cur = &(*cur)[size_t(i)];
        } else {
            return nullptr;
        }
    }
    return cur;
}

QString JsonTree::valueText(const QTreeWidgetItem *item) const
{
    const J *v = valueAt(pathOf(item));
    if (!v)
        return {};
    return v->is_string() ? QString::fromStdString(v->get<std::string>()) : QString::fromStdString(v->dump());
}

void JsonTree::contextMenu(const QPoint &pos)
{
    QTreeWidgetItem *item = itemAt(pos);
    if (!item)
        return;
    QMenu menu(this);
    const QString path = pathOf(item);
    menu.addAction(tr("Copy value"), this, [this, item] { QApplication::clipboard()->setText(valueText(item)); });
    menu.addAction(tr("Copy path"), this, [path] { QApplication::clipboard()->setText(path); });
    menu.addAction(tr("Copy subtree as JSON"), this, [this, path] {
        if (const J *v = valueAt(path))
            QApplication::clipboard()->setText(QString::fromStdString(v->dump(2)));
    });
    menu.addSeparator();
    menu.addAction(tr("Expand all"), this, &QTreeWidget::expandAll);
    menu.addAction(tr("Collapse all"), this, &QTreeWidget::collapseAll);
    menu.exec(viewport()->mapToGlobal(pos));
}

} // namespace auditlens::ui
