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

namespace auditlens::ui {

namespace {

constexpr int kPathRole = Qt::UserRole + 1;
constexpr int kValueRole = Qt::UserRole + 2;
constexpr size_t kTopValues = 50;

constexpr qsizetype kShortPath = 120;

/// A path as a sentence shows it: a very long one cut in its middle (a 10 KB key would make a
/// label, which cannot break it, as wide as the screen allows and more).
QString shortPath(const QString &path)
{
    return path.size() <= kShortPath ? path : path.left(70) + QStringLiteral("…") + path.right(40);
}

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
    const std::string field = query::fieldName(path.toStdString());
    if (field.empty())
        return {}; // (no query can name it)
    QString value;
    if (v.type == query::ValueType::Number || v.type == query::ValueType::Bool)
        value = QString::fromStdString(v.text);
    else
        value = QString::fromStdString(query::quoteValue(v.text));
    return (negate ? QStringLiteral("not ") : QString()) + QString::fromStdString(field) + QLatin1Char(':') + value;
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
    m_note = new QLabel(this);
    m_note->setWordWrap(true);
    m_note->hide();
    lay->addWidget(m_note);

    auto *split = new QSplitter(Qt::Vertical, this);
    m_fields = new QTreeWidget(split);
    m_fields->setHeaderLabels({tr("Field"), tr("Records"), tr("Types")});
    m_fields->setRootIsDecorated(false);
    m_fields->setUniformRowHeights(true);
    m_fields->setSortingEnabled(true);
    m_fields->sortByColumn(0, Qt::AscendingOrder);
    m_fields->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_fields->header()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
    m_fields->header()->setSectionResizeMode(2, QHeaderView::Interactive); // (sized when filled, capped)
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
    m_values->header()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
    m_values->header()->setSectionResizeMode(2, QHeaderView::ResizeToContents);
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
        const QString path = currentPath();
        const bool any = !path.isEmpty();
        // a name a query cannot write (white space in it) filters nothing
        const bool nameable = any && !query::fieldName(path.toStdString()).empty();
        m_exists->setEnabled(nameable);
        m_exists->setToolTip(any && !nameable ? tr("A query cannot name this field: its name holds white space")
                                              : tr("Show only records that have this field"));
        m_column->setEnabled(any && m_columns);
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
        if (const std::string field = query::fieldName(currentPath().toStdString()); !field.empty())
            emit clauseRequested(QString::fromStdString(field) + QStringLiteral(":*"));
    });
    connect(m_column, &QPushButton::clicked, this, [this] {
        if (const QString p = currentPath(); !p.isEmpty())
            emit columnRequested(p);
    });
}

FieldsPanel::~FieldsPanel() = default; // (the source goes first: no answer after it)

void FieldsPanel::setSource(std::unique_ptr<TrailSource> source, bool catalog)
{
    if (catalog) {
        m_catalogSource.reset(); // (a field list it was reading is not answered)
        m_catalogPending = false;
        m_catalogWanted = true;
    } else if (m_catalogPending && !m_catalogSource) {
        // the field list is on its way from the source before: kept until it comes (records
        // arriving faster than a list of a large trail is read would otherwise restart it forever)
        m_catalogSource = std::move(m_source);
    }
    m_source = std::move(source); // (the values it had pending are not answered)
    m_valuesPending = false;
    m_valuesWanted = true;
    if (!m_source) {
        m_catalogSource.reset();
        m_catalogPending = false;
        m_catalog.clear();
        m_fields->clear();
        m_values->clear();
        m_catalogWanted = m_valuesWanted = false;
        return;
    }
    if (isVisible()) {
        if (m_catalogWanted)
            askCatalog();
        loadValues();
    }
}

void FieldsPanel::setFilter(const TrailFilter &f, uint64_t matched, uint64_t total)
{
    const bool changed = !(f == m_filter) || matched != m_matched || total != m_total;
    m_filter = f;
    m_matched = matched;
    m_total = total;
    if (!changed)
        return;
    m_valuesWanted = true;
    if (isVisible() && !m_valuesPath.isEmpty())
        loadValues();
}

void FieldsPanel::setColumnsEnabled(bool enabled)
{
    m_columns = enabled;
    m_column->setVisible(enabled);
    m_column->setEnabled(enabled && !currentPath().isEmpty());
}

void FieldsPanel::showEvent(QShowEvent *e)
{
    QWidget::showEvent(e);
    if (m_source && m_catalogWanted)
        askCatalog();
    if (m_source && m_valuesWanted && !m_valuesPath.isEmpty())
        loadValues();
}

QStringList FieldsPanel::fieldPaths() const
{
    QStringList out;
    out.reserve(int(m_catalog.size()));
    for (const auto &f : m_catalog)
        out << QString::fromStdString(f.path);
    return out;
}

void FieldsPanel::askCatalog()
{
    m_catalogWanted = false;
    m_catalogPending = true;
    m_note->setText(tr("Reading the fields of the records…"));
    m_note->show();
    m_source->fields(this, [this](TrailFields fields, TrailError error) { showCatalog(std::move(fields), error); });
}

void FieldsPanel::showCatalog(TrailFields fields, const TrailError &error)
{
    if (error.kind == TrailErrorKind::Cancelled)
        return; // (a newer source, or none)
    m_catalogPending = false;
    m_catalogSource.reset(); // (asked of a source kept for it: done with; its answer is a copy)
    if (!error.ok()) {
        m_note->setText(tr("The fields could not be read: %1").arg(QString::fromStdString(error.message)));
        m_note->show();
        return;
    }
    m_catalog = std::move(fields.fields);
    if (fields.unnamed)
        m_note->setText(tr("%n field(s) have no name in this trail: rows shipped by an earlier release, or whose only "
                           "name went with an older copy of a record shipped again with other contents. Shipping records "
                           "that have them names them.", nullptr, int(std::min<uint64_t>(fields.unnamed, INT_MAX))));
    m_note->setVisible(fields.unnamed > 0);
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
        it->setToolTip(2, typesText(f.types));
        it->setToolTip(0, m_total ? tr("%1: a value in %2 of %3 records").arg(path).arg(f.records).arg(m_total)
                                  : tr("%1: a value in %2 records").arg(path).arg(f.records));
        items << it;
    }
    m_fields->addTopLevelItems(items);
    m_fields->setSortingEnabled(true);
    // the types as wide as they read, but never so wide that the paths get no room (its
    // tooltip and a drag show the rest)
    int typesWidth = m_fields->header()->sectionSizeHint(2);
    for (const QTreeWidgetItem *it : items)
        typesWidth = std::max(typesWidth, m_fields->fontMetrics().horizontalAdvance(it->text(2)) + 12);
    m_fields->header()->resizeSection(2, std::min(typesWidth, 110));
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
    if (path.isEmpty() || !m_source) {
        m_values->clear();
        m_valuesPending = false;
        return;
    }
    m_valuesWanted = false;
    m_valuesPending = true;
    m_valuesTitle->setText(tr("Reading the values of %1…").arg(shortPath(path)));
    m_source->fieldValues(m_filter, path.toStdString(), kTopValues, this,
                          [this](TrailValues v, TrailError error) { showValues(v, error); });
}

void FieldsPanel::showValues(const TrailValues &v, const TrailError &error)
{
    if (error.kind == TrailErrorKind::Cancelled)
        return; // a newer field or filter was asked for meanwhile
    m_valuesPending = false;
    m_values->clear();
    if (!error.ok()) {
        m_valuesTitle->setText(
            tr("The values of %1 could not be read: %2").arg(shortPath(m_valuesPath), QString::fromStdString(error.message).left(500)));
        return;
    }
    const QString path = QString::fromStdString(v.path);
    m_valuesTitle->setText(v.top.empty()
                               ? tr("None of the %1 records shown has a value of %2 (objects are not listed).").arg(m_matched).arg(shortPath(path))
                               : tr("Top values of %1 in the %2 records shown").arg(shortPath(path)).arg(m_matched));
    m_valuesTitle->setToolTip(path.size() > kShortPath ? path.left(2000) : QString());
    QList<QTreeWidgetItem *> items;
    for (const TrailValue &tv : v.top) {
        query::FieldValue fv;
        fv.type = tv.type;
        fv.text = tv.text;
        auto *it = new QTreeWidgetItem;
        QString text = QString::fromStdString(fv.text);
        if (fv.type == query::ValueType::String && text.isEmpty())
            text = tr("(empty)");
        it->setText(0, text);
        it->setToolTip(0, QString::fromStdString(fv.text).left(2000));
        it->setData(0, kValueRole, clauseFor(path, fv, false));
        it->setData(1, Qt::DisplayRole, qulonglong(tv.count));
        it->setTextAlignment(1, Qt::AlignRight | Qt::AlignVCenter);
        it->setText(2, m_matched ? QString::number(100.0 * double(tv.count) / double(m_matched), 'f', 1) : QString());
        it->setTextAlignment(2, Qt::AlignRight | Qt::AlignVCenter);
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
