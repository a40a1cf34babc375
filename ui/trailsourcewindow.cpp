// SPDX-License-Identifier: MIT
#include "trailsourcewindow.h"

#include "intake/normalizer.h"
#include "jsontree.h"
#include "sourcetrailmodel.h"

#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QSplitter>
#include <QStatusBar>
#include <QTableView>
#include <QVBoxLayout>

namespace auditlens::ui {

namespace {

constexpr std::array<Column, 3> kFacetColumns{Column::Actor, Column::Action, Column::ResourceType};
constexpr int kValueRole = Qt::UserRole + 1;

} // namespace

TrailSourceWindow::TrailSourceWindow(std::unique_ptr<TrailSource> source,
                                     std::shared_ptr<const intake::IntakeParser> parser, QWidget *parent)
    : QMainWindow(parent), m_source(std::move(source)), m_parser(std::move(parser)), m_model(new SourceTrailModel(this))
{
    setWindowTitle(tr("%1 — Auditlens").arg(QString::fromStdString(m_source->label())));
    auto *central = new QWidget(this);
    auto *layout = new QVBoxLayout(central);
    m_search = new QLineEdit(central);
    m_search->setPlaceholderText(tr("Search the raw records (case-insensitive), Return to apply"));
    m_query = new QLineEdit(central);
    m_query->setPlaceholderText(tr("Query (KQL), e.g. ActionType:zone_* and not Interface:UI — Return to apply"));
    m_error = new QLabel(central);
    m_error->setWordWrap(true);
    m_error->setVisible(false);
    layout->addWidget(m_search);
    layout->addWidget(m_query);
    layout->addWidget(m_error);

    auto *split = new QSplitter(Qt::Horizontal, central);
    auto *facetPane = new QWidget(split);
    auto *facetLayout = new QVBoxLayout(facetPane);
    facetLayout->setContentsMargins(0, 0, 0, 0);
    const QString titles[] = {tr("Actor"), tr("Action"), tr("Resource type")};
    for (int k = 0; k < 3; ++k) {
        facetLayout->addWidget(new QLabel(titles[k], facetPane));
        m_facets[size_t(k)] = new QListWidget(facetPane);
        m_facets[size_t(k)]->setAccessibleName(titles[k]);
        facetLayout->addWidget(m_facets[size_t(k)]);
        connect(m_facets[size_t(k)], &QListWidget::itemActivated, this,
                [this, k](QListWidgetItem *it) { toggleFacetValue(k, it->data(kValueRole).toString()); });
    }
    m_table = new QTableView(split);
    m_table->setModel(m_model);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    auto *trees = new QSplitter(Qt::Vertical, split);
    m_rawTree = new JsonTree(trees);
    m_rawTree->setAccessibleName(tr("Raw record"));
    m_ecsTree = new JsonTree(trees);
    m_ecsTree->setAccessibleName(tr("ECS record"));
    split->setStretchFactor(1, 3);
    split->setStretchFactor(2, 2);
    layout->addWidget(split, 1);
    setCentralWidget(central);
    m_status = new QLabel(this);
    statusBar()->addWidget(m_status, 1);

    connect(m_search, &QLineEdit::returnPressed, this, &TrailSourceWindow::applyFilter);
    connect(m_query, &QLineEdit::returnPressed, this, &TrailSourceWindow::applyFilter);
    connect(m_model, &SourceTrailModel::failed, this, [this](const QString &m) {
        m_error->setText(m);
        m_error->setVisible(true);
    });
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex &cur) { showRecord(cur.row()); });
    m_model->setSource(m_source.get());
    applyFilter();
}

TrailSourceWindow::~TrailSourceWindow()
{
    m_source->cancelAll();
    m_model->setSource(nullptr);
}

void TrailSourceWindow::applyFilter()
{
    m_filter.text = m_search->text().toStdString();
    m_filter.query = m_query->text().trimmed().toStdString();
    m_error->setVisible(false);
    m_status->setText(tr("Counting…"));
    m_model->setFilter(m_filter);
    m_source->counts(m_filter, {kFacetColumns.begin(), kFacetColumns.end()}, 50, this,
                     [this](TrailCounts c, TrailError e) {
        if (e.kind == TrailErrorKind::Cancelled)
            return; // a newer filter is on its way
        if (!e.ok()) {
            // the last good counts stay; the message says what went wrong and where
            m_error->setText(QString::fromStdString(e.message));
            m_error->setVisible(true);
            m_status->setText(tr("The trail did not answer: %1").arg(QString::fromStdString(e.message)));
            return;
        }
        showCounts(c);
    });
}

void TrailSourceWindow::showCounts(const TrailCounts &c)
{
    m_status->setText(tr("%1 of %2 records").arg(c.matched).arg(c.total));
    for (size_t k = 0; k < c.top.size() && k < m_facets.size(); ++k) {
        QListWidget *list = m_facets[k];
        list->clear();
        const auto &included = m_filter.include[size_t(kFacetColumns[k])];
        for (const auto &[value, n] : c.top[k]) {
            const QString v = QString::fromStdString(value);
            auto *it = new QListWidgetItem(tr("%1 (%2)").arg(v.isEmpty() ? tr("(none)") : v).arg(n), list);
            it->setData(kValueRole, v);
            if (std::find(included.begin(), included.end(), value) != included.end()) {
                QFont f = it->font();
                f.setBold(true);
                it->setFont(f);
            }
        }
    }
    emit countsShown();
}

void TrailSourceWindow::toggleFacetValue(int k, const QString &value)
{
    auto &inc = m_filter.include[size_t(kFacetColumns[size_t(k)])];
    const std::string v = value.toStdString();
    if (auto it = std::find(inc.begin(), inc.end(), v); it != inc.end())
        inc.erase(it);
    else
        inc.push_back(v);
    applyFilter();
}

void TrailSourceWindow::showRecord(int row)
{
    const TrailRow *r = m_model->trailRow(row);
    if (!r)
        return;
    m_source->raw(r->id, r->time, this, [this](std::string raw, TrailError e) {
        if (e.kind == TrailErrorKind::Cancelled)
            return;
        if (!e.ok()) {
            m_rawTree->setJson({});
            m_ecsTree->setJson({});
            m_status->setText(tr("The record cannot be read: %1").arg(QString::fromStdString(e.message)));
            return;
        }
        auto json = nlohmann::ordered_json::parse(raw, nullptr, false);
        m_rawTree->setJson(json.is_discarded() ? nlohmann::ordered_json() : std::move(json));
        if (m_parser) {
            auto n = intake::normalizeRecord(*m_parser, raw);
            m_ecsTree->setJson(n.ok ? n.result.event : nlohmann::ordered_json());
        }
        emit recordShown();
    });
}

} // namespace auditlens::ui
