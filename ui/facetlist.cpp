// SPDX-License-Identifier: MIT
#include "facetlist.h"

#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenu>
#include <QVBoxLayout>

#include <algorithm>

namespace auditlens::ui {

namespace {
constexpr int IdRole = Qt::UserRole + 1;
constexpr size_t kMaxShown = 2000; // beyond that, the search narrows the list
} // namespace

FacetList::FacetList(Column column, const QString &title, QWidget *parent)
    : QWidget(parent), m_column(column), m_title(new QLabel(title, this)), m_search(new QLineEdit(this)),
      m_list(new QListWidget(this))
{
    auto *lay = new QVBoxLayout(this);
    lay->setContentsMargins(0, 0, 0, 0);
    lay->setSpacing(2);
    QFont f = m_title->font();
    f.setBold(true);
    m_title->setFont(f);
    m_search->setPlaceholderText(tr("Search %1…").arg(title.toLower()));
    m_search->setClearButtonEnabled(true);
    m_list->setContextMenuPolicy(Qt::CustomContextMenu);
    m_list->setUniformItemSizes(true);
    lay->addWidget(m_title);
    lay->addWidget(m_search);
    lay->addWidget(m_list, 1);
    connect(m_search, &QLineEdit::textChanged, this, &FacetList::applySearch);
    connect(m_list, &QListWidget::itemChanged, this, [this](QListWidgetItem *item) {
        if (!m_updating)
            emit includeToggled(m_column, item->data(IdRole).toUInt(), item->checkState() == Qt::Checked);
    });
    connect(m_list, &QListWidget::customContextMenuRequested, this, [this](const QPoint &pos) {
        QListWidgetItem *item = m_list->itemAt(pos);
        if (!item)
            return;
        const uint32_t id = item->data(IdRole).toUInt();
        auto *menu = new QMenu(this);
        menu->setAttribute(Qt::WA_DeleteOnClose);
        menu->addAction(tr("Filter for value"), this, [this, id] { emit includeToggled(m_column, id, true); });
        menu->addAction(tr("Filter out value"), this, [this, id] { emit excludeRequested(m_column, id); });
        menu->popup(m_list->viewport()->mapToGlobal(pos));
    });
}

void FacetList::setValues(const Snapshot &snap, const std::vector<uint64_t> &counts, const std::vector<uint32_t> &included,
                          const std::vector<uint32_t> &excluded)
{
    m_updating = true;
    m_list->clear();
    auto top = EventStore::top(counts, 0);
    // included values stay visible even with a zero count
    for (uint32_t id : included)
        if (std::none_of(top.begin(), top.end(), [id](auto &p) { return p.first == id; }))
            top.emplace_back(id, 0);
    // ticked values first (in count order), so that they stay in sight
    std::stable_partition(top.begin(), top.end(), [&](const auto &p) {
        return std::find(included.begin(), included.end(), p.first) != included.end();
    });
    uint64_t total = 0;
    for (auto &[id, n] : top)
        total += n;
    const StringDict &dict = snap.dict(m_column);
    size_t shown = 0;
    for (auto &[id, n] : top) {
        if (shown++ >= kMaxShown && std::find(included.begin(), included.end(), id) == included.end())
            continue;
        const QString value = id ? QString::fromStdString(dict.at(id)) : tr("(none)");
        auto *item = new QListWidgetItem(QStringLiteral("%1  (%2)").arg(value).arg(n), m_list);
        item->setData(IdRole, id);
        item->setToolTip(value);
        item->setFlags(Qt::ItemIsUserCheckable | Qt::ItemIsEnabled | Qt::ItemIsSelectable);
        const bool inc = std::find(included.begin(), included.end(), id) != included.end();
        item->setCheckState(inc ? Qt::Checked : Qt::Unchecked);
        if (std::find(excluded.begin(), excluded.end(), id) != excluded.end()) {
            QFont f = item->font();
            f.setStrikeOut(true);
            item->setFont(f);
        }
    }
    m_title->setText(QStringLiteral("%1 — %2").arg(m_title->text().section(QStringLiteral(" — "), 0, 0)).arg(top.size()));
    applySearch();
    m_list->scrollToTop();
    m_updating = false;
}

void FacetList::applySearch()
{
    const QString t = m_search->text();
    for (int i = 0; i < m_list->count(); ++i) {
        QListWidgetItem *item = m_list->item(i);
        item->setHidden(!t.isEmpty() && !item->toolTip().contains(t, Qt::CaseInsensitive));
    }
}

} // namespace auditlens::ui
