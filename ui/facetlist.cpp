// SPDX-License-Identifier: MIT
#include "facetlist.h"

#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QLocale>
#include <QMenu>
#include <QVBoxLayout>

#include <algorithm>

namespace auditlens::ui {

namespace {
constexpr int ValueRole = Qt::UserRole + 1;
} // namespace

QString FacetList::title() const { return m_title->text(); }

QString FacetList::valueOf(const QListWidgetItem *item) { return item->data(ValueRole).toString(); }

FacetList::FacetList(Column column, const QString &title, QWidget *parent)
    : QWidget(parent), m_column(column), m_titleText(title), m_title(new QLabel(title, this)), m_search(new QLineEdit(this)),
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
        if (!m_updating && (item->flags() & Qt::ItemIsUserCheckable))
            emit includeToggled(m_column, valueOf(item), item->checkState() == Qt::Checked);
    });
    connect(m_list, &QListWidget::customContextMenuRequested, this, [this](const QPoint &pos) {
        QListWidgetItem *item = m_list->itemAt(pos);
        if (!item || !(item->flags() & Qt::ItemIsUserCheckable))
            return;
        const QString value = valueOf(item);
        auto *menu = new QMenu(this);
        menu->setAttribute(Qt::WA_DeleteOnClose);
        menu->addAction(tr("Filter for value"), this, [this, value] { emit includeToggled(m_column, value, true); });
        menu->addAction(tr("Filter out value"), this, [this, value] { emit excludeRequested(m_column, value); });
        menu->popup(m_list->viewport()->mapToGlobal(pos));
    });
}

void FacetList::setValues(const std::vector<std::pair<std::string, uint64_t>> &values, const std::vector<std::string> &included,
                          const std::vector<std::string> &excluded, size_t distinct, bool more)
{
    m_updating = true;
    m_list->clear();
    const auto isIn = [](const std::vector<std::string> &set, const std::string &v) {
        return std::find(set.begin(), set.end(), v) != set.end();
    };
    struct Entry
    {
        const std::string *value;
        uint64_t count;
        bool counted; ///< false: an included value beyond the top ones (its count not known here)
    };
    std::vector<Entry> entries;
    entries.reserve(values.size() + included.size());
    for (const auto &[v, n] : values)
        entries.push_back({&v, n, true});
    // included values stay visible, with a zero count (or, beyond a server's top ones, none)
    for (const std::string &v : included)
        if (std::none_of(values.begin(), values.end(), [&v](const auto &p) { return p.first == v; }))
            entries.push_back({&v, 0, !more});
    // ticked values first (in count order), so that they stay in sight
    std::stable_partition(entries.begin(), entries.end(), [&](const Entry &e) { return isIn(included, *e.value); });
    size_t shown = 0;
    for (const Entry &e : entries) {
        const bool inc = isIn(included, *e.value);
        if (shown++ >= kMaxShown && !inc)
            continue;
        const QString value = QString::fromStdString(*e.value);
        const QString label = value.isEmpty() ? tr("(none)") : value;
        auto *item = new QListWidgetItem(e.counted ? QStringLiteral("%1  (%2)").arg(label, QLocale().toString(qulonglong(e.count)))
                                                   : tr("%1  (not in the top %2)").arg(label).arg(values.size()),
                                         m_list);
        item->setData(ValueRole, value);
        item->setToolTip(label);
        item->setFlags(Qt::ItemIsUserCheckable | Qt::ItemIsEnabled | Qt::ItemIsSelectable);
        item->setCheckState(inc ? Qt::Checked : Qt::Unchecked);
        if (isIn(excluded, *e.value)) {
            QFont f = item->font();
            f.setStrikeOut(true);
            item->setFont(f);
        }
    }
    if (more) {
        // the top values only: said, never a list that looks whole
        auto *item = new QListWidgetItem(tr("… more (the top %1 shown)").arg(values.size()), m_list);
        item->setFlags(Qt::NoItemFlags);
        item->setToolTip(tr("Search or query for a value that is not listed, or filter by another column first"));
    }
    m_title->setText(more ? QStringLiteral("%1 — %2+").arg(m_titleText).arg(distinct)
                          : QStringLiteral("%1 — %2").arg(m_titleText).arg(distinct));
    applySearch();
    m_list->scrollToTop();
    m_updating = false;
}

void FacetList::applySearch()
{
    const QString t = m_search->text();
    for (int i = 0; i < m_list->count(); ++i) {
        QListWidgetItem *item = m_list->item(i);
        item->setHidden(!t.isEmpty() && (item->flags() & Qt::ItemIsUserCheckable)
                        && !item->toolTip().contains(t, Qt::CaseInsensitive));
    }
}

} // namespace auditlens::ui
