// SPDX-License-Identifier: MIT
// MainWindow: construction and the widget layout (filters, trail, detail, status bar). The
// other parts live in mainwindow_*.cpp: menus, loading, filters, detail, settings.
#include "mainwindow.h"

#include "datetimeedit.h"
#include "facetlist.h"
#include "highlightdelegate.h"
#include "jsontree.h"
#include "receiverpanel.h"
#include "recorddetail.h"
#include "timeline.h"
#include "trailmodel.h"

#include <QComboBox>
#include <QDateTimeEdit>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenu>
#include <QProgressBar>
#include <QPushButton>
#include <QShortcut>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>
#include <QToolButton>
#include <QTreeWidget>
#include <QVBoxLayout>

static void initUiResources() { Q_INIT_RESOURCE(auditlens_ui); }

namespace auditlens::ui {

namespace {
const char *kFacetTitles[] = {"Actor", "Action", "Resource type"};
const Column kFacetColumns[] = {Column::Actor, Column::Action, Column::ResourceType};
} // namespace

const std::vector<Column> &MainWindow::facetColumns()
{
    static const std::vector<Column> columns(std::begin(kFacetColumns), std::end(kFacetColumns));
    return columns;
}

MainWindow::MainWindow(QWidget *parent)
    : QMainWindow(parent), m_store(std::make_shared<EventStore>()), m_parser(intake::IntakeParser::builtin())
{
    initUiResources();
    setWindowTitle(QStringLiteral("Auditlens"));
    setAcceptDrops(true);
    buildUi();
    buildMenus();
    restoreSettings();
    m_liveTimer = new QTimer(this);
    m_liveTimer->setInterval(300);
    connect(m_liveTimer, &QTimer::timeout, this, [this] {
        refresh(true);
        if (m_totalBytes && m_progressBytes)
            m_progress->setValue(int(std::min<uint64_t>(1000, m_progressBytes->load() * 1000 / std::max<uint64_t>(1, m_totalBytes))));
    });
    connect(&m_watcher, &QFutureWatcher<void>::finished, this, [this] {
        m_liveTimer->stop();
        m_progress->hide();
        m_cancel->hide();
        refresh(true);
        updateChips();
        // a new user sees a record's detail at once rather than two empty trees
        if (!m_table->currentIndex().isValid() && m_model->rowCount() > 0)
            selectRow(0);
        emit loadFinished();
    });
}

MainWindow::~MainWindow()
{
    if (m_cancelFlag)
        m_cancelFlag->store(true);
    m_watcher.waitForFinished();
}

FacetList *MainWindow::facet(Column c) const
{
    for (FacetList *f : m_facets)
        if (f->column() == c)
            return f;
    return nullptr;
}

// ------------------------------------------------------------------------------------------
// UI

void MainWindow::buildUi()
{
    // filters (left)
    auto *side = new QWidget(this);
    auto *sideLay = new QVBoxLayout(side);
    sideLay->setContentsMargins(4, 4, 4, 4);
    auto *resultRow = new QHBoxLayout;
    resultRow->addWidget(new QLabel(tr("Result:"), side));
    m_resultBox = new QComboBox(side);
    m_resultBox->addItems({tr("All"), tr("Success"), tr("Failure"), tr("No result")});
    m_resultBox->setToolTip(tr("Records by their ActionResult; \u201cNo result\u201d: records that state none"));
    resultRow->addWidget(m_resultBox, 1);
    sideLay->addLayout(resultRow);
    auto *timeBox = new QGroupBox(tr("Time range"), side);
    auto *timeLay = new QVBoxLayout(timeBox);
    m_from = new DateTimeEdit(timeBox);
    m_to = new DateTimeEdit(timeBox);
    m_from->setUpForTimeRange();
    m_to->setUpForTimeRange();
    auto *fromRow = new QHBoxLayout;
    fromRow->addWidget(new QLabel(tr("From"), timeBox));
    fromRow->addWidget(m_from, 1);
    auto *toRow = new QHBoxLayout;
    toRow->addWidget(new QLabel(tr("To"), timeBox));
    toRow->addWidget(m_to, 1);
    auto *applyTime = new QPushButton(tr("Apply"), timeBox);
    auto *clearTime = new QPushButton(tr("Any time"), timeBox);
    auto *timeButtons = new QHBoxLayout;
    timeButtons->addWidget(applyTime);
    timeButtons->addWidget(clearTime);
    timeLay->addLayout(fromRow);
    timeLay->addLayout(toRow);
    timeLay->addLayout(timeButtons);
    sideLay->addWidget(timeBox);
    m_sideSplit = new QSplitter(Qt::Vertical, side);
    for (int i = 0; i < 3; ++i) {
        m_facets[i] = new FacetList(kFacetColumns[i], tr(kFacetTitles[i]), m_sideSplit);
        m_sideSplit->addWidget(m_facets[i]);
        connect(m_facets[i], &FacetList::includeToggled, this, [this](Column c, const QString &value, bool on) {
            const auto id = m_model->snapshot().dict(c).find(value.toStdString());
            if (!id)
                return; // (a value of an earlier snapshot, gone)
            auto &inc = m_filter.include[size_t(c)];
            inc.erase(std::remove(inc.begin(), inc.end(), *id), inc.end());
            if (on)
                inc.push_back(*id);
            auto &exc = m_filter.exclude[size_t(c)];
            exc.erase(std::remove(exc.begin(), exc.end(), *id), exc.end());
            QTimer::singleShot(0, this, &MainWindow::applyFilter);
        });
        connect(m_facets[i], &FacetList::excludeRequested, this, [this](Column c, const QString &value) {
            const auto id = m_model->snapshot().dict(c).find(value.toStdString());
            if (!id)
                return;
            auto &inc = m_filter.include[size_t(c)];
            inc.erase(std::remove(inc.begin(), inc.end(), *id), inc.end());
            auto &exc = m_filter.exclude[size_t(c)];
            if (std::find(exc.begin(), exc.end(), *id) == exc.end())
                exc.push_back(*id);
            QTimer::singleShot(0, this, &MainWindow::applyFilter);
        });
    }
    sideLay->addWidget(m_sideSplit, 1);
    connect(m_resultBox, &QComboBox::currentIndexChanged, this, [this](int i) {
        m_filter.result = i == 1 ? Result::Success : i == 2 ? Result::Failure : Result::Unknown;
        m_filter.withoutResult = i == 3;
        applyFilter();
    });
    connect(applyTime, &QPushButton::clicked, this, [this] {
        setTimeRange(m_from->timeNs(), m_to->timeNs(true));
    });
    connect(clearTime, &QPushButton::clicked, this, [this] { setTimeRange(INT64_MIN, INT64_MAX); });

    // trail (center top)
    auto *center = new QWidget(this);
    auto *centerLay = new QVBoxLayout(center);
    centerLay->setContentsMargins(4, 4, 4, 0);
    m_search = new QLineEdit(center);
    m_search->setPlaceholderText(tr("Search the raw records (Ctrl+F)…"));
    m_search->setClearButtonEnabled(true);
    auto *searchTimer = new QTimer(this);
    searchTimer->setSingleShot(true);
    searchTimer->setInterval(250);
    connect(m_search, &QLineEdit::textChanged, searchTimer, qOverload<>(&QTimer::start));
    connect(searchTimer, &QTimer::timeout, this, [this] { setTextFilter(m_search->text().toStdString()); });
    m_chipBar = new QWidget(center);
    m_chipLayout = new QHBoxLayout(m_chipBar);
    m_chipLayout->setContentsMargins(0, 0, 0, 0);
    m_chipLayout->addStretch(1);
    m_timeline = new Timeline(center);
    m_timeline->setMinimumHeight(110);
    m_timeline->setMaximumHeight(150);
    connect(m_timeline, &Timeline::rangeSelected, this, [this](qint64 a, qint64 b) { setTimeRange(a, b); });
    m_model = new TrailModel(this);
    m_table = new QTableView(center);
    m_table->setModel(m_model);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(TrailModel::Time, Qt::AscendingOrder);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_table->setAlternatingRowColors(true);
    TrailModel::setUpTable(m_table);
    m_table->setTabKeyNavigation(false); // Tab goes on to the next pane
    m_tableHighlight = new HighlightDelegate(m_table);
    m_table->setItemDelegate(m_tableHighlight);
    m_table->horizontalHeader()->setSectionsMovable(true);
    m_table->horizontalHeader()->setContextMenuPolicy(Qt::CustomContextMenu);
    m_table->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_table, &QWidget::customContextMenuRequested, this, &MainWindow::tableContextMenu);
    connect(m_table->horizontalHeader(), &QWidget::customContextMenuRequested, this, [this](const QPoint &pos) {
        auto *menu = new QMenu(this);
        menu->setAttribute(Qt::WA_DeleteOnClose);
        for (int c = 0; c < TrailModel::ColCount; ++c) {
            QAction *a = menu->addAction(m_model->headerData(c, Qt::Horizontal).toString());
            a->setCheckable(true);
            a->setChecked(!m_table->isColumnHidden(c));
            connect(a, &QAction::toggled, this, [this, c](bool on) { m_table->setColumnHidden(c, !on); });
        }
        menu->popup(m_table->horizontalHeader()->mapToGlobal(pos));
    });
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this](const QModelIndex &cur) {
        if (cur.isValid())
            showRecord(m_model->storeRow(cur.row()));
        else
            clearDetail();
    });
    centerLay->addWidget(m_search);
    buildQueryUi(centerLay);
    centerLay->addWidget(m_chipBar);
    centerLay->addWidget(m_timeline);
    centerLay->addWidget(m_table, 1);

    // detail (center bottom): the record raw and as ECS, linked, validated, its changes
    m_detail = new RecordDetail(this);
    m_tabs = m_detail;

    m_rejected = new QListWidget(m_tabs);
    m_rejected->setToolTip(tr("Records that could not be read, with their source and line"));
    m_tabs->addTab(m_rejected, tr("Rejected records"));

    m_mainSplit = new QSplitter(Qt::Vertical, this);
    m_mainSplit->addWidget(center);
    m_mainSplit->addWidget(m_tabs);
    m_mainSplit->setStretchFactor(0, 3);
    m_mainSplit->setStretchFactor(1, 2);
    auto *outer = new QSplitter(Qt::Horizontal, this);
    outer->setObjectName(QStringLiteral("outerSplit"));
    outer->addWidget(side);
    outer->addWidget(m_mainSplit);
    outer->setStretchFactor(1, 1);
    outer->setSizes({300, 1300});
    setCentralWidget(outer);

    // status bar
    m_statusLabel = new QLabel(this);
    m_rejectedButton = new QToolButton(this);
    m_rejectedButton->setAutoRaise(true);
    m_rejectedButton->hide();
    connect(m_rejectedButton, &QToolButton::clicked, this, &MainWindow::showRejected);
    m_parserLabel = new QLabel(this);
    m_progress = new QProgressBar(this);
    m_progress->setRange(0, 1000);
    m_progress->setMaximumWidth(220);
    m_progress->hide();
    m_cancel = new QToolButton(this);
    m_cancel->setText(tr("Cancel"));
    m_cancel->hide();
    connect(m_cancel, &QToolButton::clicked, this, [this] {
        if (m_cancelFlag)
            m_cancelFlag->store(true);
    });
    statusBar()->addWidget(m_statusLabel);
    statusBar()->addWidget(m_rejectedButton);
    statusBar()->addPermanentWidget(m_progress);
    statusBar()->addPermanentWidget(m_cancel);
    statusBar()->addPermanentWidget(m_parserLabel);
    m_parserLabel->setText(tr("Parser: built-in Cloudflare audit logs"));

    m_detail->rawSearch()->setObjectName(QStringLiteral("rawFind"));
    m_detail->ecsSearch()->setObjectName(QStringLiteral("ecsFind"));
    // Tab goes pane to pane: search, trail, record trees (with their find boxes), filters
    QWidget *chain[] = {m_search, m_table, m_detail->rawSearch(), m_detail->rawTree(), m_detail->ecsSearch(), m_detail->ecsTree(), m_resultBox, m_from, m_to};
    for (size_t i = 1; i < std::size(chain); ++i)
        setTabOrder(chain[i - 1], chain[i]);
    QWidget *last = m_to;
    for (FacetList *f : m_facets) {
        setTabOrder(last, f->searchBox());
        setTabOrder(f->searchBox(), f->list());
        last = f->list();
    }
}

} // namespace auditlens::ui
