// SPDX-License-Identifier: MIT
// MainWindow: the menu bar (buildMenus, the one place menu entries are created), the recent
// files menu, the trail's context menu and copying.
#include "mainwindow.h"

#include "facetlist.h"
#include "intake/normalizer.h"
#include "logpushdialog.h"
#include "receiverpanel.h"
#include "trailmodel.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QDateTimeEdit>
#include <QFileDialog>
#include <QHeaderView>
#include <QLineEdit>
#include <QListWidget>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QSettings>
#include <QShortcut>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>

namespace auditlens::ui {

namespace {
constexpr int kMaxRecent = 10;
} // namespace

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

void MainWindow::addRecent(const QStringList &paths)
{
    if (paths.isEmpty())
        return;
    QSettings s;
    QStringList recent = recentFiles();
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
    const QStringList recent = recentFiles();
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

void MainWindow::about()
{
    QMessageBox::about(this, tr("About Auditlens"),
                       tr("<h3>Auditlens %1</h3><p>A workbench for Cloudflare audit logs: open or receive them, "
                          "browse and filter the trail, see each record raw and ECS-normalized side by side.</p>"
                          "<p>MIT License. Built with Qt %2, simdjson, nlohmann/json, yaml-cpp, zlib and libpsl.</p>")
                           .arg(QCoreApplication::applicationVersion(), QString::fromLatin1(qVersion())));
}

} // namespace auditlens::ui
