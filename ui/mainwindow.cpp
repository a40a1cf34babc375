// SPDX-License-Identifier: MIT
#include "mainwindow.h"

#include "ecs/validator.h"
#include "facetlist.h"
#include "intake/normalizer.h"
#include "jsontree.h"
#include "logpushdialog.h"
#include "receiverpanel.h"
#include "store/diff.h"
#include "timeline.h"
#include "trailmodel.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QClipboard>
#include <QCloseEvent>
#include <QComboBox>
#include <QDateTimeEdit>
#include <QDirIterator>
#include <QDragEnterEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QShortcut>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QTimeZone>
#include <QTimer>
#include <QToolBar>
#include <QToolButton>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <set>

static void initUiResources() { Q_INIT_RESOURCE(auditlens_ui); }

namespace auditlens::ui {

using J = nlohmann::ordered_json;

namespace {
constexpr int kMaxRecent = 10;
const char *kFacetTitles[] = {"Actor", "Action", "Resource type"};
const Column kFacetColumns[] = {Column::Actor, Column::Action, Column::ResourceType};

const std::vector<Column> &facetColumns()
{
    static const std::vector<Column> columns(std::begin(kFacetColumns), std::end(kFacetColumns));
    return columns;
}

QString withThousands(size_t n) { return QLocale().toString(qulonglong(n)); }
} // namespace

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
    m_resultBox->addItems({tr("All"), tr("Success"), tr("Failure")});
    resultRow->addWidget(m_resultBox, 1);
    sideLay->addLayout(resultRow);
    auto *timeBox = new QGroupBox(tr("Time range"), side);
    auto *timeLay = new QVBoxLayout(timeBox);
    m_from = new QDateTimeEdit(timeBox);
    m_to = new QDateTimeEdit(timeBox);
    for (QDateTimeEdit *e : {m_from, m_to}) {
        e->setCalendarPopup(true);
        e->setDisplayFormat(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
        e->setTimeSpec(Qt::UTC);
    }
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
        connect(m_facets[i], &FacetList::includeToggled, this, [this](Column c, uint32_t id, bool on) {
            auto &inc = m_filter.include[size_t(c)];
            inc.erase(std::remove(inc.begin(), inc.end(), id), inc.end());
            if (on)
                inc.push_back(id);
            auto &exc = m_filter.exclude[size_t(c)];
            exc.erase(std::remove(exc.begin(), exc.end(), id), exc.end());
            QTimer::singleShot(0, this, &MainWindow::applyFilter);
        });
        connect(m_facets[i], &FacetList::excludeRequested, this, [this](Column c, uint32_t id) {
            auto &inc = m_filter.include[size_t(c)];
            inc.erase(std::remove(inc.begin(), inc.end(), id), inc.end());
            auto &exc = m_filter.exclude[size_t(c)];
            if (std::find(exc.begin(), exc.end(), id) == exc.end())
                exc.push_back(id);
            QTimer::singleShot(0, this, &MainWindow::applyFilter);
        });
    }
    sideLay->addWidget(m_sideSplit, 1);
    connect(m_resultBox, &QComboBox::currentIndexChanged, this, [this](int i) {
        m_filter.result = i == 1 ? Result::Success : i == 2 ? Result::Failure : Result::Unknown;
        applyFilter();
    });
    connect(applyTime, &QPushButton::clicked, this, [this] {
        setTimeRange(m_from->dateTime().toMSecsSinceEpoch() * 1000000LL, m_to->dateTime().toMSecsSinceEpoch() * 1000000LL + 999999999LL);
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
    m_table->setWordWrap(false);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
    m_table->horizontalHeader()->setSectionsMovable(true);
    m_table->horizontalHeader()->setContextMenuPolicy(Qt::CustomContextMenu);
    m_table->setContextMenuPolicy(Qt::CustomContextMenu);
    const int widths[] = {180, 200, 170, 140, 150, 70, 80, 150, 80, 150, 160};
    for (int c = 0; c < TrailModel::ColCount; ++c)
        m_table->setColumnWidth(c, widths[c]);
    connect(m_table, &QWidget::customContextMenuRequested, this, &MainWindow::tableContextMenu);
    connect(m_table->horizontalHeader(), &QWidget::customContextMenuRequested, this, [this](const QPoint &pos) {
        QMenu menu(this);
        for (int c = 0; c < TrailModel::ColCount; ++c) {
            QAction *a = menu.addAction(m_model->headerData(c, Qt::Horizontal).toString());
            a->setCheckable(true);
            a->setChecked(!m_table->isColumnHidden(c));
            connect(a, &QAction::toggled, this, [this, c](bool on) { m_table->setColumnHidden(c, !on); });
        }
        menu.exec(m_table->horizontalHeader()->mapToGlobal(pos));
    });
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this](const QModelIndex &cur) {
        if (cur.isValid())
            showRecord(m_model->storeRow(cur.row()));
        else
            clearDetail();
    });
    centerLay->addWidget(m_search);
    centerLay->addWidget(m_chipBar);
    centerLay->addWidget(m_timeline);
    centerLay->addWidget(m_table, 1);

    // detail (center bottom)
    m_tabs = new QTabWidget(this);
    auto *pair = new QWidget(m_tabs);
    auto *pairLay = new QVBoxLayout(pair);
    pairLay->setContentsMargins(2, 2, 2, 2);
    m_detailSplit = new QSplitter(Qt::Horizontal, pair);
    auto makeSide = [&](const QString &title, JsonTree *&tree, QLineEdit *&search) {
        auto *w = new QWidget(m_detailSplit);
        auto *l = new QVBoxLayout(w);
        l->setContentsMargins(0, 0, 0, 0);
        auto *head = new QHBoxLayout;
        auto *label = new QLabel(QStringLiteral("<b>%1</b>").arg(title), w);
        search = new QLineEdit(w);
        search->setPlaceholderText(tr("Find field…"));
        search->setClearButtonEnabled(true);
        head->addWidget(label);
        head->addWidget(search, 1);
        tree = new JsonTree(w);
        l->addLayout(head);
        l->addWidget(tree, 1);
        m_detailSplit->addWidget(w);
        JsonTree *t = tree;
        connect(search, &QLineEdit::textChanged, t, &JsonTree::filterItems);
    };
    makeSide(tr("Raw record"), m_rawTree, m_rawSearch);
    makeSide(tr("ECS record"), m_ecsTree, m_ecsSearch);
    connect(m_rawTree, &JsonTree::pathActivated, this, &MainWindow::linkFromRaw);
    connect(m_ecsTree, &JsonTree::pathActivated, this, &MainWindow::linkFromEcs);
    m_linkInfo = new QLabel(pair);
    m_linkInfo->setWordWrap(true);
    m_linkInfo->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_diagnostics = new QListWidget(pair);
    m_diagnostics->setMaximumHeight(90);
    m_diagnostics->hide(); // shown when the selected record has schema problems
    m_diagnostics->setToolTip(tr("ECS validation of the selected record"));
    connect(m_diagnostics, &QListWidget::itemActivated, this, [this](QListWidgetItem *item) {
        m_ecsTree->revealPath(item->data(Qt::UserRole).toString());
        linkFromEcs(item->data(Qt::UserRole).toString());
    });
    pairLay->addWidget(m_detailSplit, 1);
    pairLay->addWidget(m_linkInfo);
    pairLay->addWidget(m_diagnostics);
    m_tabs->addTab(pair, tr("Raw \u2194 ECS"));

    auto *changesPage = new QWidget(m_tabs);
    auto *changesLay = new QVBoxLayout(changesPage);
    m_changesLabel = new QLabel(changesPage);
    m_changes = new QTreeWidget(changesPage);
    m_changes->setHeaderLabels({tr("Change"), tr("Field"), tr("Before"), tr("After")});
    m_changes->setRootIsDecorated(false);
    m_changes->setAlternatingRowColors(true);
    m_changes->setColumnWidth(0, 90);
    m_changes->setColumnWidth(1, 320);
    m_changes->setColumnWidth(2, 300);
    changesLay->addWidget(m_changesLabel);
    changesLay->addWidget(m_changes, 1);
    m_tabs->addTab(changesPage, tr("Changes"));

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
}

void MainWindow::buildMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *open = file->addAction(tr("&Open…"), this, [this] {
        const QStringList files = QFileDialog::getOpenFileNames(this, tr("Open audit logs"), QString(),
                                                                tr("Audit logs (*.json *.ndjson *.log *.gz *.txt);;All files (*)"));
        if (!files.isEmpty())
            openSources(files);
    });
    open->setShortcut(QKeySequence::Open);
    QAction *add = file->addAction(tr("&Add files…"), this, [this] {
        const QStringList files = QFileDialog::getOpenFileNames(this, tr("Add audit logs"));
        if (!files.isEmpty())
            openSources(files, true);
    });
    (void)add;
    m_recentMenu = file->addMenu(tr("Open &Recent"));
    file->addAction(tr("Open &sample logs"), this, &MainWindow::openSamples);
    QAction *paste = file->addAction(tr("&Paste records"), this, &MainWindow::pasteRecords);
    paste->setShortcut(QKeySequence::Paste);
    paste->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    m_table->addAction(paste);
    QAction *reloadAct = file->addAction(tr("Re&load"), this, &MainWindow::reload);
    reloadAct->setShortcut(QKeySequence::Refresh);
    file->addSeparator();
    file->addAction(tr("Load &parser…"), this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Intake directory (with ingest/parser.yml)"));
        if (!dir.isEmpty())
            loadParser(dir);
    });
    file->addAction(tr("Load parser &file…"), this, [this] {
        const QString f = QFileDialog::getOpenFileName(this, tr("parser.yml"), QString(), tr("Parser (*.yml *.yaml)"));
        if (!f.isEmpty())
            loadParser(f);
    });
    file->addAction(tr("Use the &built-in parser"), this, &MainWindow::useBuiltinParser);
    file->addSeparator();
    QAction *quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);

    QMenu *edit = menuBar()->addMenu(tr("&Edit"));
    QAction *copyRaw = edit->addAction(tr("&Copy as raw JSON"), this, [this] { copySelected(false); });
    copyRaw->setShortcut(QKeySequence::Copy);
    copyRaw->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    m_table->addAction(copyRaw);
    QAction *copyEcs = edit->addAction(tr("Copy as &ECS JSON"), this, [this] { copySelected(true); });
    copyEcs->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C));
    edit->addSeparator();
    QAction *find = edit->addAction(tr("&Find"), this, [this] {
        m_search->setFocus();
        m_search->selectAll();
    });
    find->setShortcut(QKeySequence::Find);
    edit->addAction(tr("Clear all &filters"), this, &MainWindow::clearFilters);
    auto *esc = new QShortcut(QKeySequence(Qt::Key_Escape), m_search);
    esc->setContext(Qt::WidgetShortcut);
    connect(esc, &QShortcut::activated, m_search, &QLineEdit::clear);

    QMenu *view = menuBar()->addMenu(tr("&View"));
    m_localTime = view->addAction(tr("&Local time"));
    m_localTime->setCheckable(true);
    connect(m_localTime, &QAction::toggled, this, [this](bool on) {
        m_model->setUtc(!on);
        for (QDateTimeEdit *e : {m_from, m_to})
            e->setTimeSpec(on ? Qt::LocalTime : Qt::UTC);
        refresh(true);
    });
    view->addAction(tr("&Rejected records"), this, &MainWindow::showRejected);

    QMenu *tools = menuBar()->addMenu(tr("&Tools"));
    tools->addAction(tr("&Logpush job…"), this, [this] {
        auto *dlg = new LogpushDialog(this);
        dlg->setAttribute(Qt::WA_DeleteOnClose);
        dlg->show();
    });
    m_receiverPanel = new ReceiverPanel(this);
    addDockWidget(Qt::RightDockWidgetArea, m_receiverPanel);
    m_receiverPanel->hide();
    m_receiverPanel->setStore(m_store);
    tools->addAction(m_receiverPanel->toggleViewAction());
    m_receiverPanel->toggleViewAction()->setText(tr("&Receiver (Logpush HTTP destination)"));
    auto *liveRefresh = new QTimer(this);
    liveRefresh->setSingleShot(true);
    liveRefresh->setInterval(250);
    connect(liveRefresh, &QTimer::timeout, this, [this] { refresh(true); });
    connect(m_receiverPanel, &ReceiverPanel::recordsArrived, liveRefresh, qOverload<>(&QTimer::start));
    connect(m_receiverPanel, &ReceiverPanel::createJobRequested, this, [this](const QString &url, const QString &header, const QString &secret) {
        auto *dlg = new LogpushDialog(this);
        dlg->setAttribute(Qt::WA_DeleteOnClose);
        dlg->setPreset(LogpushDialog::Receiver);
        dlg->setReceiver(url, header, secret);
        dlg->show();
    });

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About Auditlens"), this, &MainWindow::about);
    help->addAction(tr("About &Qt"), qApp, &QApplication::aboutQt);
}

void MainWindow::restoreSettings()
{
    QSettings s;
    if (!restoreGeometry(s.value(QStringLiteral("window/geometry")).toByteArray()))
        resize(1500, 950);
    restoreState(s.value(QStringLiteral("window/state")).toByteArray());
    m_mainSplit->restoreState(s.value(QStringLiteral("window/mainSplit")).toByteArray());
    m_detailSplit->restoreState(s.value(QStringLiteral("window/detailSplit")).toByteArray());
    m_sideSplit->restoreState(s.value(QStringLiteral("window/sideSplit")).toByteArray());
    if (auto *outer = findChild<QSplitter *>(QStringLiteral("outerSplit")))
        outer->restoreState(s.value(QStringLiteral("window/outerSplit")).toByteArray());
    const QByteArray header = s.value(QStringLiteral("trail/header")).toByteArray();
    if (!header.isEmpty())
        m_table->horizontalHeader()->restoreState(header);
    m_localTime->setChecked(s.value(QStringLiteral("view/localTime"), false).toBool());
    rebuildRecentMenu();
}

void MainWindow::saveSettings()
{
    QSettings s;
    s.setValue(QStringLiteral("window/geometry"), saveGeometry());
    s.setValue(QStringLiteral("window/state"), saveState());
    s.setValue(QStringLiteral("window/mainSplit"), m_mainSplit->saveState());
    s.setValue(QStringLiteral("window/detailSplit"), m_detailSplit->saveState());
    s.setValue(QStringLiteral("window/sideSplit"), m_sideSplit->saveState());
    if (auto *outer = findChild<QSplitter *>(QStringLiteral("outerSplit")))
        s.setValue(QStringLiteral("window/outerSplit"), outer->saveState());
    s.setValue(QStringLiteral("trail/header"), m_table->horizontalHeader()->saveState());
    s.setValue(QStringLiteral("view/localTime"), m_localTime->isChecked());
}

void MainWindow::closeEvent(QCloseEvent *e)
{
    saveSettings();
    if (m_cancelFlag)
        m_cancelFlag->store(true);
    QMainWindow::closeEvent(e);
}

// ------------------------------------------------------------------------------------------
// Loading

QStringList MainWindow::expandPaths(const QStringList &paths) const
{
    QStringList out;
    for (const QString &p : paths) {
        QFileInfo fi(p);
        if (p != QStringLiteral("-") && fi.isDir()) {
            QDirIterator it(p, QDir::Files, QDirIterator::Subdirectories);
            QStringList files;
            while (it.hasNext()) {
                const QString f = it.next();
                if (!QFileInfo(f).fileName().startsWith(QStringLiteral("duplicates-"))) // receiver journal duplicates
                    files << f;
            }
            files.sort();
            out << files;
        } else {
            out << p;
        }
    }
    return out;
}

void MainWindow::openSources(const QStringList &paths, bool append)
{
    const QStringList files = expandPaths(paths);
    std::vector<SourceSpec> specs;
    for (const QString &f : files)
        specs.push_back(f == QStringLiteral("-") ? SourceSpec::stdinSource() : SourceSpec::file(f.toStdString()));
    if (!append) {
        m_sources.clear();
        m_memorySources.clear();
    }
    m_sources << files;
    QStringList recent;
    for (const QString &f : paths)
        if (f != QStringLiteral("-"))
            recent << QFileInfo(f).absoluteFilePath();
    addRecent(recent);
    startLoad(std::move(specs), append);
}

void MainWindow::openSamples()
{
    QFile f(QStringLiteral(":/auditlens/samples/cloudflare-audit-logs.ndjson"));
    if (!f.open(QIODevice::ReadOnly))
        return;
    m_sources.clear();
    m_memorySources.clear();
    appendText(QStringLiteral("samples/cloudflare-audit-logs.ndjson"), f.readAll());
}

void MainWindow::appendText(const QString &label, const QByteArray &bytes)
{
    m_memorySources.emplace_back(label.toStdString(), bytes.toStdString());
    std::vector<SourceSpec> specs{SourceSpec::memory(label.toStdString(), bytes.toStdString())};
    startLoad(std::move(specs), !m_sources.isEmpty() || m_memorySources.size() > 1);
}

void MainWindow::reload()
{
    std::vector<SourceSpec> specs;
    for (const QString &f : m_sources)
        specs.push_back(f == QStringLiteral("-") ? SourceSpec::stdinSource() : SourceSpec::file(f.toStdString()));
    for (const auto &[label, bytes] : m_memorySources)
        specs.push_back(SourceSpec::memory(label, bytes));
    startLoad(std::move(specs), false);
}

void MainWindow::startLoad(std::vector<SourceSpec> specs, bool append)
{
    if (m_cancelFlag)
        m_cancelFlag->store(true);
    m_watcher.waitForFinished();
    if (!append) {
        m_store = std::make_shared<EventStore>();
        if (m_receiverPanel)
            m_receiverPanel->setStore(m_store);
        resetFilters();
        m_shownRows = SIZE_MAX;
        clearDetail();
    }
    m_cancelFlag = std::make_shared<std::atomic<bool>>(false);
    m_progressBytes = std::make_shared<std::atomic<uint64_t>>(0);
    m_totalBytes = 0;
    for (const SourceSpec &s : specs)
        m_totalBytes += s.kind == SourceSpec::Kind::File ? uint64_t(std::max<qint64>(0, QFileInfo(QString::fromStdString(s.path)).size()))
                                                          : s.bytes.size();
    m_progress->setValue(0);
    m_progress->show();
    m_cancel->show();
    auto store = m_store;
    auto cancel = m_cancelFlag;
    auto progress = m_progressBytes;
    m_watcher.setFuture(QtConcurrent::run([store, cancel, progress, specs = std::move(specs)] {
        uint64_t done = 0;
        for (const SourceSpec &spec : specs) {
            if (cancel->load())
                break;
            EventStore::LoadOptions o;
            o.cancel = cancel.get();
            o.mapFiles = true;
            o.progress = [progress, done](uint64_t bytes, size_t) { progress->store(done + bytes); };
            const ReadSummary s = store->load(spec, o);
            done += s.bytesRead;
        }
    }));
    m_liveTimer->start();
    refresh(false);
}

void MainWindow::addRecent(const QStringList &paths)
{
    if (paths.isEmpty())
        return;
    QSettings s;
    QStringList recent = s.value(QStringLiteral("recentFiles")).toStringList();
    for (const QString &p : paths) {
        recent.removeAll(p);
        recent.prepend(p);
    }
    while (recent.size() > kMaxRecent)
        recent.removeLast();
    s.setValue(QStringLiteral("recentFiles"), recent);
    rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu()
{
    m_recentMenu->clear();
    const QStringList recent = QSettings().value(QStringLiteral("recentFiles")).toStringList();
    for (const QString &p : recent)
        m_recentMenu->addAction(p, this, [this, p] { openSources({p}); });
    if (recent.isEmpty())
        m_recentMenu->addAction(tr("(none)"))->setEnabled(false);
    else {
        m_recentMenu->addSeparator();
        m_recentMenu->addAction(tr("Clear list"), this, [this] {
            QSettings().remove(QStringLiteral("recentFiles"));
            rebuildRecentMenu();
        });
    }
}

bool MainWindow::isLoading() const { return m_watcher.isRunning(); }

void MainWindow::dragEnterEvent(QDragEnterEvent *e)
{
    if (e->mimeData()->hasUrls() || e->mimeData()->hasText())
        e->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent *e)
{
    QStringList files;
    for (const QUrl &u : e->mimeData()->urls())
        if (u.isLocalFile())
            files << u.toLocalFile();
    if (!files.isEmpty())
        openSources(files, e->modifiers() & Qt::ShiftModifier);
    else if (e->mimeData()->hasText())
        appendText(tr("dropped text"), e->mimeData()->text().toUtf8());
}

void MainWindow::pasteRecords()
{
    const QString text = QApplication::clipboard()->text();
    if (text.trimmed().isEmpty()) {
        statusBar()->showMessage(tr("The clipboard holds no text to read records from"), 5000);
        return;
    }
    static int pasteCount = 0;
    appendText(tr("paste %1").arg(++pasteCount), text.toUtf8());
}

void MainWindow::loadParser(const QString &path)
{
    std::string err;
    auto p = intake::IntakeParser::load(path.toStdString(), err);
    if (!p) {
        QMessageBox::warning(this, tr("Parser not loaded"), QString::fromStdString(err));
        return;
    }
    m_parser = p;
    m_parserPath = path;
    m_parserLabel->setText(tr("Parser: %1").arg(QFileInfo(path).fileName()));
    if (!p->warnings().empty()) {
        QStringList w;
        for (const auto &s : p->warnings())
            w << QString::fromStdString(s);
        QMessageBox::information(this, tr("Parser loaded with warnings"), w.join(QLatin1Char('\n')));
    }
    if (m_currentRow != UINT32_MAX)
        showRecord(m_currentRow);
}

void MainWindow::useBuiltinParser()
{
    m_parser = intake::IntakeParser::builtin();
    m_parserPath.clear();
    m_parserLabel->setText(tr("Parser: built-in Cloudflare audit logs"));
    if (m_currentRow != UINT32_MAX)
        showRecord(m_currentRow);
}

// ------------------------------------------------------------------------------------------
// Filtering

void MainWindow::applyFilter() { refresh(true); }

void MainWindow::refresh(bool keepSelection)
{
    const Snapshot snap = m_store->snapshot();
    const bool live = isLoading();
    if (live && snap.size() == m_shownRows)
        return;
    // The text is searched once per text and snapshot, in the same pass as the rest of the
    // filter; later changes reuse the matches. Large trails are searched off the GUI thread
    // (the table keeps its rows meanwhile) and the GUI thread only shows the result.
    const bool search = !m_filter.text.empty() && !(m_filter.textHits && m_filter.textHits->size() == snap.size());
    if (search || m_filter.text.empty())
        m_filter.textHits.reset();
    if (search && snap.size() >= m_backgroundSearchFrom) {
        if (m_textCancel)
            m_textCancel->store(true);
        m_textCancel = std::make_shared<std::atomic<bool>>(false);
        auto cancel = m_textCancel;
        const std::string text = m_filter.text;
        auto *watcher = new QFutureWatcher<EventStore::Evaluation>(this);
        connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, cancel, text, snap] {
            watcher->deleteLater();
            // any change made meanwhile went through refresh(), which cancelled this search
            if (cancel->load() || text != m_filter.text)
                return;
            EventStore::Evaluation found = watcher->result();
            m_filter.textHits = found.textHits;
            showEvaluation(snap, std::move(found), true);
        });
        watcher->setFuture(QtConcurrent::run(
            [snap, f = m_filter, cancel] { return EventStore::evaluate(snap, f, facetColumns(), cancel.get()); }));
        m_statusLabel->setText(tr("Searching the raw records for \u201c%1\u201d…").arg(QString::fromStdString(text)));
        return;
    }
    EventStore::Evaluation eval = EventStore::evaluate(snap, m_filter, facetColumns());
    if (search)
        m_filter.textHits = eval.textHits;
    showEvaluation(snap, std::move(eval), keepSelection);
}

void MainWindow::showEvaluation(const Snapshot &snap, EventStore::Evaluation eval, bool keepSelection)
{
    uint32_t selected = UINT32_MAX;
    if (keepSelection) {
        const QModelIndex cur = m_table->currentIndex();
        if (cur.isValid())
            selected = m_model->storeRow(cur.row());
    }
    const std::vector<uint32_t> &rows = eval.rows;
    const std::vector<int64_t> &times = eval.times;
    m_model->setRows(snap, rows);
    m_shownRows = snap.size();
    m_timeline->setTimes(times, !m_localTime->isChecked());
    if (m_filter.from == INT64_MIN && m_filter.to == INT64_MAX && !times.empty()) {
        int64_t lo = INT64_MAX, hi = INT64_MIN;
        for (int64_t t : times)
            if (t != kNoTime) {
                lo = std::min(lo, t);
                hi = std::max(hi, t);
            }
        if (lo != INT64_MAX) {
            m_from->setDateTime(QDateTime::fromMSecsSinceEpoch(lo / 1000000, m_from->timeSpec()));
            m_to->setDateTime(QDateTime::fromMSecsSinceEpoch(hi / 1000000, m_to->timeSpec()));
        }
    }
    for (size_t k = 0; k < std::size(m_facets); ++k) {
        const Column c = m_facets[k]->column();
        m_facets[k]->setValues(snap, eval.counts[k], m_filter.include[size_t(c)], m_filter.exclude[size_t(c)]);
    }
    updateChips();
    if (selected != UINT32_MAX) {
        const int row = m_model->rowOfStoreRow(selected);
        if (row >= 0) {
            m_table->selectionModel()->blockSignals(true);
            m_table->setCurrentIndex(m_model->index(row, 0));
            m_table->selectRow(row);
            m_table->selectionModel()->blockSignals(false);
        } else {
            clearDetail();
        }
    }
    m_statusLabel->setText(statusText());
    const size_t rejected = m_store->rejectedCount();
    m_rejectedButton->setVisible(rejected > 0);
    m_rejectedButton->setText(tr("%n rejected record(s)", nullptr, int(rejected)));
    if (m_rejected->count() != int(rejected)) {
        m_rejected->clear();
        for (const Diagnostic &d : m_store->rejected())
            m_rejected->addItem(QString::fromStdString(d.toString()));
    }
    emit filterApplied();
}

QString MainWindow::statusText() const
{
    return tr("%1 of %2 records").arg(withThousands(size_t(m_model->rowCount())), withThousands(m_model->totalRecords()));
}


void MainWindow::updateChips()
{
    while (m_chipLayout->count() > 1) {
        QLayoutItem *it = m_chipLayout->takeAt(0);
        delete it->widget();
        delete it;
    }
    const Snapshot &snap = m_model->snapshot();
    auto addChip = [&](const QString &text, const std::function<void()> &remove) {
        auto *b = new QToolButton(m_chipBar);
        b->setText(text + QStringLiteral("  \u2715"));
        b->setToolTip(tr("Remove this filter"));
        b->setStyleSheet(QStringLiteral("QToolButton{border:1px solid palette(mid);border-radius:9px;padding:1px 8px;"
                                        "background:palette(alternate-base);}"));
        connect(b, &QToolButton::clicked, this, [this, remove] {
            remove();
            QTimer::singleShot(0, this, &MainWindow::applyFilter);
        });
        m_chipLayout->insertWidget(m_chipLayout->count() - 1, b);
    };
    static const char *names[] = {"actor", "action", "resource type", "actor type", "interface", "IP", "account", "source"};
    for (size_t c = 0; c < kColumnCount; ++c) {
        for (uint32_t id : m_filter.include[c])
            addChip(QStringLiteral("%1 = %2").arg(tr(names[c]), QString::fromStdString(snap.dict(Column(c)).at(id))),
                    [this, c, id] {
                        auto &v = m_filter.include[c];
                        v.erase(std::remove(v.begin(), v.end(), id), v.end());
                    });
        for (uint32_t id : m_filter.exclude[c])
            addChip(QStringLiteral("%1 \u2260 %2").arg(tr(names[c]), QString::fromStdString(snap.dict(Column(c)).at(id))),
                    [this, c, id] {
                        auto &v = m_filter.exclude[c];
                        v.erase(std::remove(v.begin(), v.end(), id), v.end());
                    });
    }
    if (m_filter.result != Result::Unknown)
        addChip(m_filter.result == Result::Success ? tr("result = success") : tr("result = failure"), [this] {
            m_filter.result = Result::Unknown;
            m_resultBox->blockSignals(true);
            m_resultBox->setCurrentIndex(0);
            m_resultBox->blockSignals(false);
        });
    if (m_filter.from != INT64_MIN || m_filter.to != INT64_MAX)
        addChip(tr("time %1 \u2013 %2").arg(m_model->timeText(m_filter.from), m_model->timeText(m_filter.to)),
                [this] {
                    m_filter.from = INT64_MIN;
                    m_filter.to = INT64_MAX;
                });
    if (!m_filter.text.empty())
        addChip(tr("text \u201c%1\u201d").arg(QString::fromStdString(m_filter.text)), [this] {
            m_filter.text.clear();
            m_search->blockSignals(true);
            m_search->clear();
            m_search->blockSignals(false);
        });
    m_chipBar->setVisible(m_chipLayout->count() > 1);
}

void MainWindow::setTextSearch(const QString &text)
{
    m_search->blockSignals(true);
    m_search->setText(text);
    m_search->blockSignals(false);
    setTextFilter(text.toStdString());
}

void MainWindow::setTextFilter(std::string text)
{
    m_filter.text = std::move(text);
    m_filter.textHits.reset(); // they belong to the previous text
    applyFilter();
}

void MainWindow::setResultFilter(Result r)
{
    m_resultBox->setCurrentIndex(r == Result::Success ? 1 : r == Result::Failure ? 2 : 0); // applies
    m_filter.result = r;
    applyFilter();
}

void MainWindow::setTimeRange(qint64 fromNs, qint64 toNs)
{
    m_filter.from = fromNs;
    m_filter.to = toNs;
    if (fromNs != INT64_MIN) {
        m_from->setDateTime(QDateTime::fromMSecsSinceEpoch(fromNs / 1000000, m_from->timeSpec()));
        m_to->setDateTime(QDateTime::fromMSecsSinceEpoch(toNs / 1000000, m_to->timeSpec()));
    }
    applyFilter();
}

void MainWindow::resetFilters()
{
    m_filter = Filter{};
    m_search->blockSignals(true);
    m_search->clear();
    m_search->blockSignals(false);
    m_resultBox->blockSignals(true);
    m_resultBox->setCurrentIndex(0);
    m_resultBox->blockSignals(false);
}

void MainWindow::clearFilters()
{
    resetFilters();
    applyFilter();
}

void MainWindow::selectRow(int row)
{
    if (row < 0 || row >= m_model->rowCount())
        return;
    m_table->setCurrentIndex(m_model->index(row, 0));
    m_table->selectRow(row);
    m_table->scrollTo(m_model->index(row, 0), QAbstractItemView::PositionAtCenter);
}

void MainWindow::tableContextMenu(const QPoint &pos)
{
    const QModelIndex idx = m_table->indexAt(pos);
    QMenu menu(this);
    if (idx.isValid()) {
        const int sc = TrailModel::storeColumn(idx.column());
        const uint32_t storeRow = m_model->storeRow(idx.row());
        if (sc >= 0) {
            const uint32_t id = m_model->snapshot().id(storeRow, Column(sc));
            const QString v = m_model->data(idx, TrailModel::ColumnValueRole).toString();
            menu.addAction(tr("Filter for \u201c%1\u201d").arg(v.left(40)), this, [this, sc, id] {
                auto &inc = m_filter.include[size_t(sc)];
                if (std::find(inc.begin(), inc.end(), id) == inc.end())
                    inc.push_back(id);
                applyFilter();
            });
            menu.addAction(tr("Filter out \u201c%1\u201d").arg(v.left(40)), this, [this, sc, id] {
                auto &exc = m_filter.exclude[size_t(sc)];
                if (std::find(exc.begin(), exc.end(), id) == exc.end())
                    exc.push_back(id);
                applyFilter();
            });
        } else if (idx.column() == TrailModel::Result) {
            const Result r = m_model->snapshot().result(storeRow);
            if (r != Result::Unknown)
                menu.addAction(tr("Filter for this result"), this, [this, r] { setResultFilter(r); });
        }
        menu.addSeparator();
    }
    menu.addAction(tr("Copy as raw JSON"), this, [this] { copySelected(false); });
    menu.addAction(tr("Copy as ECS JSON"), this, [this] { copySelected(true); });
    menu.exec(m_table->viewport()->mapToGlobal(pos));
}

void MainWindow::copySelected(bool ecs)
{
    const QModelIndexList rows = m_table->selectionModel()->selectedRows();
    QStringList out;
    const Snapshot &snap = m_model->snapshot();
    for (const QModelIndex &i : rows) {
        const std::string raw = snap.raw(m_model->storeRow(i.row()));
        if (!ecs) {
            out << QString::fromStdString(raw);
            continue;
        }
        auto r = intake::normalizeRecord(*m_parser, raw);
        out << (r.ok ? QString::fromStdString(r.result.event.dump()) : QString());
    }
    QApplication::clipboard()->setText(out.join(QLatin1Char('\n')));
    statusBar()->showMessage(tr("Copied %n record(s)", nullptr, int(out.size())), 3000);
}

void MainWindow::showRejected()
{
    m_tabs->setCurrentWidget(m_rejected);
}

// ------------------------------------------------------------------------------------------
// Record detail

void MainWindow::clearDetail()
{
    m_currentRow = UINT32_MAX;
    m_provenance.clear();
    m_rawTree->setJson(J());
    m_ecsTree->setJson(J());
    m_diagnostics->clear();
    m_diagnostics->hide();
    m_changes->clear();
    m_changesLabel->clear();
    m_tabs->setTabText(1, tr("Changes"));
    m_linkInfo->setText(tr("Select a record in the trail to see it raw and as ECS."));
}

void MainWindow::showRecord(uint32_t storeRow)
{
    m_currentRow = storeRow;
    const Snapshot &snap = m_model->snapshot();
    std::string err;
    const std::string raw = snap.raw(storeRow, &err);
    if (raw.empty()) {
        clearDetail();
        m_linkInfo->setText(tr("The record cannot be read back: %1").arg(QString::fromStdString(err)));
        return;
    }
    const J rawJson = J::parse(raw, nullptr, false);
    m_rawTree->setJson(rawJson.is_discarded() ? J() : rawJson);
    m_rawSearch->clear();
    m_ecsSearch->clear();
    auto n = intake::normalizeRecord(*m_parser, raw, 128, true);
    m_provenance = n.result.provenance;
    m_ecsTree->setJson(n.ok ? n.result.event : J());
    m_diagnostics->clear();
    m_linkInfo->setText(tr("Select a field on either side to see where it comes from or what it became."));

    // provenance tooltips on the ECS side; coverage on the raw side
    std::set<QString> covered;
    for (const auto &p : m_provenance) {
        const QString how = QString::fromStdString(intake::describeProvenance(p));
        m_ecsTree->markItem(QString::fromStdString(p.field), how, false);
        for (const auto &f : p.rawFields)
            covered.insert(QString::fromStdString(f));
    }
    // raw leaves reaching no ECS field
    std::function<void(QTreeWidgetItem *)> mark = [&](QTreeWidgetItem *item) {
        const QString path = m_rawTree->pathOf(item);
        bool reached = false;
        for (const QString &c : covered)
            if (c == path || path.startsWith(c + QLatin1Char('.')) || c.startsWith(path + QLatin1Char('.'))) {
                reached = true;
                break;
            }
        if (!reached) {
            m_rawTree->markItem(path, tr("This field reaches no ECS field"), true);
            return;
        }
        for (int i = 0; i < item->childCount(); ++i)
            mark(item->child(i));
    };
    for (int i = 0; i < m_rawTree->topLevelItemCount(); ++i)
        mark(m_rawTree->topLevelItem(i));

    if (!n.ok) {
        m_diagnostics->addItem(tr("Not normalized: %1").arg(QString::fromStdString(n.error)));
    } else {
        for (const auto &pr : ecs::validate(n.result.event, m_parser->taxonomy())) {
            const bool isErr = pr.severity == ecs::Problem::Severity::Error;
            auto *item = new QListWidgetItem(QStringLiteral("%1 %2").arg(isErr ? QStringLiteral("\u2716") : QStringLiteral("\u26a0"),
                                                                          QString::fromStdString(pr.message)), m_diagnostics);
            item->setData(Qt::UserRole, QString::fromStdString(pr.field));
            item->setForeground(isErr ? QColor(0xd3, 0x2f, 0x2f) : QColor(0xb2, 0x6a, 0x00));
            m_ecsTree->markItem(QString::fromStdString(pr.field), QString::fromStdString(pr.message), false,
                                isErr ? QColor(255, 0, 0, 50) : QColor(255, 170, 0, 50));
        }
        for (const auto &is : n.result.issues)
            (void)is; // evaluation notes are in --explain; the list stays about the schema
    }
    m_diagnostics->setVisible(m_diagnostics->count() > 0);

    // changes
    m_changes->clear();
    std::string label;
    const auto changes = rawJson.is_object() ? recordChanges(rawJson, label) : std::vector<Change>{};
    m_changesLabel->setText(label.empty() ? tr("This record carries no before/after values.")
                                          : tr("%1: %n difference(s)", nullptr, int(changes.size())).arg(QString::fromStdString(label)));
    for (const Change &c : changes) {
        auto text = [](const J &v) {
            if (v.is_null())
                return QString();
            return QString::fromStdString(v.is_string() ? v.get<std::string>() : v.dump());
        };
        auto *item = new QTreeWidgetItem(m_changes, {QString::fromLatin1(changeKindName(c.kind)), QString::fromStdString(c.path),
                                                     text(c.before), text(c.after)});
        const QColor col = c.kind == Change::Kind::Added ? QColor(0x2e, 0x7d, 0x32)
                           : c.kind == Change::Kind::Removed ? QColor(0xc6, 0x28, 0x28) : QColor(0x15, 0x65, 0xc0);
        item->setForeground(0, col);
        item->setToolTip(2, text(c.before).left(2000));
        item->setToolTip(3, text(c.after).left(2000));
    }
    m_tabs->setTabText(1, changes.empty() ? tr("Changes") : tr("Changes (%1)").arg(changes.size()));
}

void MainWindow::linkFromEcs(const QString &path)
{
    if (m_linking)
        return;
    m_linking = true;
    const std::string p = path.toStdString();
    const intake::FieldProvenance *best = nullptr;
    for (const auto &pr : m_provenance)
        if (pr.field == p || pr.field.rfind(p + ".", 0) == 0) {
            best = &pr;
            if (pr.field == p)
                break;
        }
    if (best && !best->rawFields.empty()) {
        m_rawTree->revealPath(QString::fromStdString(best->rawFields.front()));
        QStringList rf;
        for (const auto &f : best->rawFields)
            rf << QString::fromStdString(f);
        m_linkInfo->setText(tr("<b>%1</b> \u2190 raw <b>%2</b> (%3)")
                                .arg(path.toHtmlEscaped(), rf.join(QStringLiteral(", ")).toHtmlEscaped(),
                                     best->kind == intake::ProvenanceKind::Enrichment ? tr("enrichment")
                                                                : tr("%1, action %2").arg(QString::fromStdString(best->stage)).arg(best->action + 1)));
    } else if (best) {
        m_rawTree->clearSelection();
        m_linkInfo->setText(tr("<b>%1</b> is set by %2 from no raw field (a constant or derived value)")
                                .arg(path.toHtmlEscaped(), best->kind == intake::ProvenanceKind::Input ? tr("the input")
                                                           : QString::fromStdString(best->stage).toHtmlEscaped()));
    }
    m_linking = false;
}

void MainWindow::linkFromRaw(const QString &path)
{
    if (m_linking)
        return;
    m_linking = true;
    const std::string p = path.toStdString();
    QStringList targets;
    for (const auto &pr : m_provenance) {
        if (pr.kind == intake::ProvenanceKind::Input)
            continue;
        for (const auto &f : pr.rawFields)
            if (f == p || p.rfind(f + ".", 0) == 0 || f.rfind(p + ".", 0) == 0) {
                targets << QString::fromStdString(pr.field);
                break;
            }
    }
    if (!targets.isEmpty()) {
        m_ecsTree->revealPath(targets.front());
        m_linkInfo->setText(tr("raw <b>%1</b> \u2192 %2").arg(path.toHtmlEscaped(), targets.join(QStringLiteral(", ")).toHtmlEscaped()));
    } else {
        m_ecsTree->clearSelection();
        m_linkInfo->setText(tr("raw <b>%1</b> reaches no ECS field").arg(path.toHtmlEscaped()));
    }
    m_linking = false;
}

void MainWindow::about()
{
    QMessageBox::about(this, tr("About Auditlens"),
                       tr("<h3>Auditlens %1</h3><p>A workbench for Cloudflare audit logs: open or receive them, "
                          "browse and filter the trail, see each record raw and ECS-normalized side by side.</p>"
                          "<p>MIT License. Built with Qt %2, simdjson, nlohmann/json, yaml-cpp, zlib and libpsl.</p>")
                           .arg(QCoreApplication::applicationVersion(), QString::fromLatin1(qVersion())));
}

} // namespace auditlens::ui
