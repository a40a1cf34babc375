// SPDX-License-Identifier: MIT
// MainWindow: the menu bar (buildMenus, the one place menu entries are created), the recent
// files menu, the trail's context menu and copying.
#include "mainwindow.h"

#include "facetlist.h"
#include "jsontree.h"
#include "intake/normalizer.h"
#include "query/history.h"
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
#include <QTreeWidget>

namespace auditlens::ui {

namespace {
constexpr int kMaxRecent = 10;
} // namespace

void MainWindow::buildMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *open = file->addAction(tr("&Open…"), this, [this] {
        askForFiles(tr("Open audit logs"), tr("Audit logs (*.json *.ndjson *.log *.gz *.txt);;All files (*)"),
                    QFileDialog::ExistingFiles, [this](const QStringList &files) { openSources(files); });
    });
    open->setShortcut(QKeySequence::Open);
    file->addAction(tr("&Add files…"), this, [this] {
        askForFiles(tr("Add audit logs"), tr("Audit logs (*.json *.ndjson *.log *.gz *.txt);;All files (*)"),
                    QFileDialog::ExistingFiles, [this](const QStringList &files) { openSources(files, true); });
    });
    m_recentMenu = file->addMenu(tr("Open &Recent"));
    file->addAction(tr("Open &sample logs"), this, &MainWindow::openSamples);
    QAction *paste = file->addAction(tr("&Paste records"), this, &MainWindow::pasteRecords);
    paste->setShortcut(QKeySequence::Paste);
    paste->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    m_table->addAction(paste);
    QAction *reloadAct = file->addAction(tr("Re&load"), this, &MainWindow::reload);
    reloadAct->setShortcut(QKeySequence::Refresh);
    file->addAction(tr("&Fetch from Cloudflare…"), this, &MainWindow::openFetchDialog);
    file->addAction(tr("Open Click&House trail…"), this, &MainWindow::openClickHouseTrail);
    QAction *exportAct = file->addAction(tr("&Export…"), this, &MainWindow::exportShown);
    exportAct->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    exportAct->setToolTip(tr("Write the records shown as raw NDJSON, ECS NDJSON or CSV"));
    file->addSeparator();
    file->addAction(tr("Load &parser…"), this, [this] {
        askForFiles(tr("Intake directory (with ingest/parser.yml)"), QString(), QFileDialog::Directory,
                    [this](const QStringList &dirs) { loadParser(dirs.front()); });
    });
    file->addAction(tr("Load parser &file…"), this, [this] {
        askForFiles(tr("parser.yml"), tr("Parser (*.yml *.yaml)"), QFileDialog::ExistingFile,
                    [this](const QStringList &files) { loadParser(files.front()); });
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
    QAction *next = edit->addAction(tr("Find &next"), this, [this] { findNext(false); });
    next->setShortcut(QKeySequence(Qt::Key_F3));
    QAction *previous = edit->addAction(tr("Find pre&vious"), this, [this] { findNext(true); });
    previous->setShortcut(QKeySequence(Qt::SHIFT | Qt::Key_F3));
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
    view->addSeparator();
    // the detail tabs: Ctrl+1, Ctrl+2, Ctrl+3
    const QString tabNames[] = {tr("Raw \u2194 &ECS"), tr("&Changes"), tr("&Rejected records")};
    for (int i = 0; i < 3; ++i) {
        QAction *tab = view->addAction(tabNames[i], this, [this, i] {
            m_tabs->setCurrentIndex(i);
            QWidget *focus[] = {m_detail->rawTree(), m_detail->changesView(), m_rejected};
            focus[i]->setFocus();
        });
        tab->setShortcut(QKeySequence(Qt::CTRL | Qt::Key(Qt::Key_1 + i)));
    }

    QMenu *investigate = menuBar()->addMenu(tr("&Investigate"));
    QAction *fields = m_fieldsDock->toggleViewAction();
    fields->setText(tr("&Fields panel"));
    fields->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_F));
    investigate->addAction(fields);
    QAction *resourceHistory = investigate->addAction(tr("&History of this resource"), this, [this] { showHistory(false); });
    resourceHistory->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_H));
    QAction *actorHistory = investigate->addAction(tr("Everything this &actor did"), this, [this] { showHistory(true); });
    actorHistory->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_H));
    // Filter for / out / exists from the raw and ECS trees go to the query bar
    m_detail->rawTree()->setQueryPrefix(QString());
    m_detail->ecsTree()->setQueryPrefix(QStringLiteral("ecs."));
    connect(m_detail->rawTree(), &JsonTree::clauseRequested, this, &MainWindow::addQueryClause);
    connect(m_detail->ecsTree(), &JsonTree::clauseRequested, this, &MainWindow::addQueryClause);

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
    auto *menu = new QMenu(this);
    menu->setAttribute(Qt::WA_DeleteOnClose);
    if (idx.isValid()) {
        const int sc = TrailModel::storeColumn(idx.column());
        const uint32_t storeRow = m_model->storeRow(idx.row());
        if (sc >= 0) {
            const uint32_t id = m_model->snapshot().id(storeRow, Column(sc));
            const QString v = m_model->data(idx, TrailModel::ColumnValueRole).toString();
            menu->addAction(tr("Filter for \u201c%1\u201d").arg(v.left(40)), this, [this, sc, id] {
                auto &inc = m_filter.include[size_t(sc)];
                if (std::find(inc.begin(), inc.end(), id) == inc.end())
                    inc.push_back(id);
                applyFilter();
            });
            menu->addAction(tr("Filter out \u201c%1\u201d").arg(v.left(40)), this, [this, sc, id] {
                auto &exc = m_filter.exclude[size_t(sc)];
                if (std::find(exc.begin(), exc.end(), id) == exc.end())
                    exc.push_back(id);
                applyFilter();
            });
        } else if (idx.column() == TrailModel::ResourceId || idx.column() >= TrailModel::ColCount) {
            // not a store column: through the query bar
            const QString field = idx.column() == TrailModel::ResourceId ? QStringLiteral("ResourceID") : m_model->fieldColumnPath(idx.column());
            const QString v = m_model->data(idx, TrailModel::ColumnValueRole).toString();
            if (!v.isEmpty() && !v.startsWith(QLatin1Char('['))) {
                const QString clause = field + QLatin1Char(':') + QString::fromStdString(query::quoteValue(v.toStdString()));
                menu->addAction(tr("Filter for \u201c%1\u201d").arg(v.left(40)), this, [this, clause] { addQueryClause(clause); });
                menu->addAction(tr("Filter out \u201c%1\u201d").arg(v.left(40)), this, [this, clause] { addQueryClause(QStringLiteral("not ") + clause); });
            }
            menu->addAction(tr("Filter for records with %1").arg(field), this, [this, field] { addQueryClause(field + QStringLiteral(":*")); });
        } else if (idx.column() == TrailModel::Result) {
            const Result r = m_model->snapshot().result(storeRow);
            if (r != Result::Unknown)
                menu->addAction(tr("Filter for this result"), this, [this, r] { setResultFilter(r); });
        }
        menu->addSeparator();
    }
    if (idx.isValid()) {
        menu->addAction(tr("History of this resource"), this, [this] { showHistory(false); });
        menu->addAction(tr("Everything this actor did"), this, [this] { showHistory(true); });
        menu->addSeparator();
    }
    menu->addAction(tr("Copy as raw JSON"), this, [this] { copySelected(false); });
    menu->addAction(tr("Copy as ECS JSON"), this, [this] { copySelected(true); });
    menu->popup(m_table->viewport()->mapToGlobal(pos)); // no nested event loop
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

void MainWindow::askForFiles(const QString &title, const QString &filter, QFileDialog::FileMode mode,
                             const std::function<void(const QStringList &)> &done)
{
    // window-modal and asynchronous: the answer comes through a signal, no nested event loop
    auto *d = new QFileDialog(this, title, QString(), filter);
    d->setAttribute(Qt::WA_DeleteOnClose);
    d->setFileMode(mode);
    if (mode == QFileDialog::Directory)
        d->setOption(QFileDialog::ShowDirsOnly);
    connect(d, &QFileDialog::filesSelected, this, [done](const QStringList &files) {
        if (!files.isEmpty())
            done(files);
    });
    d->open();
}

void MainWindow::showMessage(QMessageBox::Icon icon, const QString &title, const QString &text, const QString &details)
{
    auto *box = new QMessageBox(icon, title, text, QMessageBox::Ok, this);
    box->setAttribute(Qt::WA_DeleteOnClose);
    if (!details.isEmpty())
        box->setDetailedText(details); // scrolls, whatever its length
    box->open();
}

void MainWindow::about()
{
    showMessage(QMessageBox::Information, tr("About Auditlens"),
                       tr("<h3>Auditlens %1</h3><p>A workbench for Cloudflare audit logs: open or receive them, "
                          "browse and filter the trail, see each record raw and ECS-normalized side by side.</p>"
                          "<p>MIT License. Built with Qt %2, simdjson, nlohmann/json, yaml-cpp, zlib and libpsl.</p>")
                           .arg(QCoreApplication::applicationVersion(), QString::fromLatin1(qVersion())));
}

} // namespace auditlens::ui
