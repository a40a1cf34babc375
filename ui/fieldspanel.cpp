// SPDX-License-Identifier: MIT
#include "fieldspanel.h"

#include "query/history.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QPushButton>
#include <QSplitter>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <QtConcurrent>

namespace auditlens::ui {

namespace {

constexpr int kPathRole = Qt::UserRole + 1;
constexpr int kValueRole = Qt::UserRole + 2;

QString typesText(uint8_t types)
{
    QStringList out;
    for (int t = 0; t <= int(query::ValueType::Object); ++t)
        if (types & (1u << t))
            out << QString::fromLatin1(query::valueTypeName(query::ValueType(t)));
    return out.join(QStringLiteral(", "));
}

} // namespace

QString clauseFor(const QString &path, const query::FieldValue &v, bool negate)
{
    QString value;
    if (v.type == query::ValueType::Number || v.type == query::ValueType::Bool)
        value = QString::fromStdString(v.text);
    else
        value = QString::fromStdString(query::quoteValue(v.text));
    return (negate ? QStringLiteral("not ") : QString()) + path + QLatin1Char(':') + value;
}

FieldsPanel::FieldsPanel(QWidget *parent) : QWidget(parent)
{
    auto *lay = new QVBoxLayout(this);
    lay->setContentsMargins(0, 0, 0, 0);
    m_find = new QLineEdit(this);
    m_find->setPlaceholderText(tr("Find a field…"));
    m_find->setClearButtonEnabled(true);
    m_find->setAccessibleName(tr("Find a field"));
    lay->addWidget(m_find);

    auto *split = new QSplitter(Qt::Vertical, this);
    m_fields = new QTreeWidget(split);
    m_fields->setHeaderLabels({tr("Field"), tr("Records"), tr("Types")});
    m_fields->setRootIsDecorated(false);
    m_fields->setUniformRowHeights(true);
    m_fields->setSortingEnabled(true);
    m_fields->sortByColumn(0, Qt::AscendingOrder);
    m_fields->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_fields->header()->setStretchLastSection(false);
    m_fields->setAccessibleName(tr("Fields"));

    auto *valuesBox = new QWidget(split);
    auto *vl = new QVBoxLayout(valuesBox);
    vl->setContentsMargins(0, 0, 0, 0);
    m_valuesTitle = new QLabel(tr("Select a field to see its top values."), valuesBox);
    m_valuesTitle->setWordWrap(true);
    vl->addWidget(m_valuesTitle);
    m_values = new QTreeWidget(valuesBox);
    m_values->setHeaderLabels({tr("Value"), tr("Records"), tr("%")});
    m_values->setRootIsDecorated(false);
    m_values->setUniformRowHeights(true);
    m_values->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_values->header()->setStretchLastSection(false);
    m_values->setContextMenuPolicy(Qt::CustomContextMenu);
    m_values->setAccessibleName(tr("Top values"));
    vl->addWidget(m_values);
    auto *buttons = new QHBoxLayout;
    m_for = new QPushButton(tr("Filter for"), valuesBox);
    m_out = new QPushButton(tr("Filter out"), valuesBox);
    m_exists = new QPushButton(tr("Exists"), valuesBox);
    m_column = new QPushButton(tr("Add column"), valuesBox);
    m_for->setToolTip(tr("Show only records with the selected value"));
    m_out->setToolTip(tr("Hide records with the selected value"));
    m_exists->setToolTip(tr("Show only records that have this field"));
    m_column->setToolTip(tr("Show this field as a column of the trail"));
    for (QPushButton *b : {m_for, m_out, m_exists, m_column}) {
        b->setEnabled(false);
        buttons->addWidget(b);
    }
    vl->addLayout(buttons);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    lay->addWidget(split, 1);

    connect(m_find, &QLineEdit::textChanged, this, &FieldsPanel::applyFind);
    connect(m_fields, &QTreeWidget::currentItemChanged, this, [this] {
        const bool any = !currentPath().isEmpty();
        m_exists->setEnabled(any);
        m_column->setEnabled(any);
        loadValues();
    });
    connect(m_values, &QTreeWidget::currentItemChanged, this, [this] {
        const bool any = !currentValueClause().isEmpty();
        m_for->setEnabled(any);
        m_out->setEnabled(any);
    });
    connect(m_values, &QTreeWidget::itemActivated, this, [this] {
        if (const QString c = currentValueClause(); !c.isEmpty())
            emit clauseRequested(c);
    });
    connect(m_values, &QWidget::customContextMenuRequested, this, &FieldsPanel::valuesMenu);
    connect(m_for, &QPushButton::clicked, this, [this] {
        if (const QString c = currentValueClause(); !c.isEmpty())
            emit clauseRequested(c);
    });
    connect(m_out, &QPushButton::clicked, this, [this] {
        if (const QString c = currentValueClause(); !c.isEmpty())
            emit clauseRequested(QStringLiteral("not ") + c);
    });
    connect(m_exists, &QPushButton::clicked, this, [this] {
        if (const QString p = currentPath(); !p.isEmpty())
            emit clauseRequested(p + QStringLiteral(":*"));
    });
    connect(m_column, &QPushButton::clicked, this, [this] {
        if (const QString p = currentPath(); !p.isEmpty())
            emit columnRequested(p);
    });
    connect(&m_catalogWatcher, &QFutureWatcher<std::vector<query::FieldStat>>::finished, this, &FieldsPanel::showCatalog);
    connect(&m_valuesWatcher, &QFutureWatcher<Values>::finished, this, &FieldsPanel::showValues);
}

FieldsPanel::~FieldsPanel()
{
    if (m_cancel)
        m_cancel->store(true);
    m_catalogWatcher.waitForFinished();
    m_valuesWatcher.waitForFinished();
}

void FieldsPanel::setSnapshot(const Snapshot &snap, std::shared_ptr<query::FieldCache> cache)
{
    if (m_cancel)
        m_cancel->store(true);
    m_cancel = std::make_shared<std::atomic<bool>>(false);
    m_snap = snap;
    m_cache = std::move(cache);
    auto cancel = m_cancel;
    const Snapshot s = snap;
    m_catalogWatcher.setFuture(QtConcurrent::run([s, cancel] { return query::fieldCatalog(s, cancel.get()); }));
}

void FieldsPanel::setShownRows(std::shared_ptr<const std::vector<uint32_t>> rows)
{
    m_rows = std::move(rows);
    if (!m_valuesPath.isEmpty())
        loadValues();
}

bool FieldsPanel::isBusy() const { return m_catalogWatcher.isRunning() || m_valuesWatcher.isRunning(); }

QStringList FieldsPanel::fieldPaths() const
{
    QStringList out;
    out.reserve(int(m_catalog.size()));
    for (const auto &f : m_catalog)
        out << QString::fromStdString(f.path);
    return out;
}

void FieldsPanel::showCatalog()
{
    if (m_cancel && m_cancel->load())
        return;
    m_catalog = m_catalogWatcher.result();
    const QString keep = currentPath();
    m_fields->setSortingEnabled(false);
    m_fields->clear();
    QList<QTreeWidgetItem *> items;
    items.reserve(int(m_catalog.size()));
    for (const auto &f : m_catalog) {
        auto *it = new QTreeWidgetItem;
        const QString path = QString::fromStdString(f.path);
        it->setText(0, path);
        it->setData(0, kPathRole, path);
        it->setData(1, Qt::DisplayRole, qulonglong(f.records));
        it->setTextAlignment(1, Qt::AlignRight | Qt::AlignVCenter);
        it->setText(2, typesText(f.types));
        it->setToolTip(0, tr("%1: in %2 of %3 records").arg(path).arg(f.records).arg(m_snap.size()));
        items << it;
    }
    m_fields->addTopLevelItems(items);
    m_fields->setSortingEnabled(true);
    applyFind();
    if (!keep.isEmpty())
        selectField(keep);
    emit catalogReady();
}

void FieldsPanel::applyFind()
{
    const QString needle = m_find->text().trimmed();
    for (int i = 0; i < m_fields->topLevelItemCount(); ++i) {
        QTreeWidgetItem *it = m_fields->topLevelItem(i);
        it->setHidden(!needle.isEmpty() && !it->text(0).contains(needle, Qt::CaseInsensitive));
    }
}

void FieldsPanel::selectField(const QString &path)
{
    for (int i = 0; i < m_fields->topLevelItemCount(); ++i)
        if (m_fields->topLevelItem(i)->data(0, kPathRole).toString() == path) {
            m_fields->setCurrentItem(m_fields->topLevelItem(i));
            m_fields->scrollToItem(m_fields->topLevelItem(i));
            return;
        }
}

QString FieldsPanel::currentPath() const
{
    const QTreeWidgetItem *it = m_fields->currentItem();
    return it ? it->data(0, kPathRole).toString() : QString();
}

void FieldsPanel::loadValues()
{
    const QString path = currentPath();
    m_valuesPath = path;
    if (path.isEmpty() || !m_cache) {
        m_values->clear();
        return;
    }
    m_valuesTitle->setText(tr("Reading the values of %1…").arg(path));
    const Snapshot s = m_snap;
    auto cache = m_cache;
    auto rows = m_rows;
    auto cancel = m_cancel;
    m_valuesWatcher.setFuture(QtConcurrent::run([s, cache, rows, cancel, path] {
        Values v;
        v.path = path;
        v.column = cache->column(s, path.toStdString(), cancel.get());
        if (v.column) {
            v.top = query::topValues(*v.column, rows.get(), 50);
            v.shown = rows ? rows->size() : s.size();
        }
        return v;
    }));
}

void FieldsPanel::showValues()
{
    const Values v = m_valuesWatcher.result();
    if (v.path != m_valuesPath) // a newer field was chosen meanwhile
        return;
    m_values->clear();
    if (!v.column) {
        m_valuesTitle->setText(tr("The values of %1 could not be read.").arg(v.path));
        return;
    }
    uint64_t with = 0;
    for (const auto &[id, n] : v.top)
        with += n;
    m_valuesTitle->setText(tr("Top values of %1 in the %2 records shown").arg(v.path).arg(v.shown));
    QList<QTreeWidgetItem *> items;
    for (const auto &[id, n] : v.top) {
        const query::FieldValue &fv = v.column->values[id];
        auto *it = new QTreeWidgetItem;
        QString text = QString::fromStdString(fv.text);
        if (fv.type == query::ValueType::String && text.isEmpty())
            text = tr("(empty)");
        it->setText(0, text);
        it->setToolTip(0, QString::fromStdString(fv.text).left(2000));
        it->setData(0, kValueRole, clauseFor(v.path, fv, false));
        it->setData(1, Qt::DisplayRole, qulonglong(n));
        it->setTextAlignment(1, Qt::AlignRight | Qt::AlignVCenter);
        it->setText(2, v.shown ? QString::number(100.0 * double(n) / double(v.shown), 'f', 1) : QString());
        it->setTextAlignment(2, Qt::AlignRight | Qt::AlignVCenter);
        if (fv.type == query::ValueType::Object || fv.type == query::ValueType::Null)
            it->setData(0, kValueRole, QString()); // objects are not matched by value
        items << it;
    }
    m_values->addTopLevelItems(items);
    emit valuesReady();
}

QString FieldsPanel::currentValueClause() const
{
    const QTreeWidgetItem *it = m_values->currentItem();
    return it ? it->data(0, kValueRole).toString() : QString();
}

void FieldsPanel::valuesMenu(const QPoint &pos)
{
    const QString clause = currentValueClause();
    if (clause.isEmpty())
        return;
    auto *menu = new QMenu(this);
    menu->setAttribute(Qt::WA_DeleteOnClose);
    menu->addAction(tr("Filter for this value"), this, [this, clause] { emit clauseRequested(clause); });
    menu->addAction(tr("Filter out this value"), this, [this, clause] { emit clauseRequested(QStringLiteral("not ") + clause); });
    menu->popup(m_values->viewport()->mapToGlobal(pos));
}

} // namespace auditlens::ui
