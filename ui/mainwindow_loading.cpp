// SPDX-License-Identifier: MIT
// MainWindow: opening, adding, pasting and reloading sources (loaded in the background), and
// choosing the intake parser.
#include "mainwindow.h"

#include "clickhouse/remotetrail.h"
#include "clickhousedialog.h"
#include "fetchdialog.h"
#include "receiverpanel.h"
#include "trailmodel.h"
#include "trailsourcewindow.h"
#include "util/datadir.h"

#include <QApplication>
#include <QClipboard>
#include <QDirIterator>
#include <QDragEnterEvent>
#include <QFileInfo>
#include <QLabel>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QStatusBar>
#include <QTimer>
#include <QToolButton>
#include <QtConcurrent/QtConcurrentRun>

namespace auditlens::ui {

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
    updateTitle();
}

void MainWindow::openSamples()
{
    const QString samples = QStringLiteral("samples/cloudflare-audit-logs.ndjson");
    QFile f(util::dataFile(samples)); // installed, else embedded
    if (!f.open(QIODevice::ReadOnly)) {
        f.setFileName(util::embeddedDataFile(samples));
        if (!f.open(QIODevice::ReadOnly))
            return;
    }
    m_sources.clear();
    m_memorySources.clear();
    appendText(QStringLiteral("samples/cloudflare-audit-logs.ndjson"), f.readAll());
}

void MainWindow::appendText(const QString &label, const QByteArray &bytes)
{
    m_memorySources.emplace_back(label.toStdString(), bytes.toStdString());
    std::vector<SourceSpec> specs{SourceSpec::memory(label.toStdString(), bytes.toStdString())};
    startLoad(std::move(specs), !m_sources.isEmpty() || m_memorySources.size() > 1);
    updateTitle();
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

void MainWindow::updateTitle()
{
    // the open sources by name: "a.ndjson, b.json — Auditlens", "a.ndjson and 4 more — …"
    QStringList names;
    for (const QString &f : m_sources)
        names << (f == QStringLiteral("-") ? tr("standard input") : QFileInfo(f).fileName());
    for (const auto &[label, bytes] : m_memorySources)
        names << QFileInfo(QString::fromStdString(label)).fileName();
    names.removeDuplicates();
    QString what;
    if (names.size() <= 3)
        what = names.join(QStringLiteral(", "));
    else
        what = tr("%1, %2 and %3 more").arg(names[0], names[1]).arg(names.size() - 2);
    setWindowTitle(what.isEmpty() ? QStringLiteral("Auditlens") : what + QStringLiteral(" \u2014 Auditlens"));
    if (m_sources.size() == 1 && m_memorySources.empty() && m_sources.front() != QStringLiteral("-"))
        setWindowFilePath(QFileInfo(m_sources.front()).absoluteFilePath());
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
        showMessage(QMessageBox::Warning, tr("Parser not loaded"), QString::fromStdString(err));
        return;
    }
    m_parser = p;
    m_fieldCache->setParser(m_parser);
    m_parserPath = path;
    m_parserLabel->setText(tr("Parser: %1").arg(QFileInfo(path).fileName()));
    if (!p->warnings().empty()) {
        QStringList w;
        for (const auto &s : p->warnings())
            w << QString::fromStdString(s);
        // a long list stays within the screen: the first few, then all in the details
        showMessage(QMessageBox::Information, tr("Parser loaded with warnings"),
                    tr("%n warning(s):\n", nullptr, int(w.size())) + QStringList(w.mid(0, 8)).join(QLatin1Char('\n'))
                        + (w.size() > 8 ? QStringLiteral("\n…") : QString()),
                    w.size() > 8 ? w.join(QLatin1Char('\n')) : QString());
    }
    if (m_currentRow != UINT32_MAX)
        showRecord(m_currentRow);
}

void MainWindow::useBuiltinParser()
{
    m_parser = intake::IntakeParser::builtin();
    m_fieldCache->setParser(m_parser);
    m_parserPath.clear();
    m_parserLabel->setText(tr("Parser: built-in Cloudflare audit logs"));
    if (m_currentRow != UINT32_MAX)
        showRecord(m_currentRow);
}

void MainWindow::openFetchDialog()
{
    auto *dlg = new FetchDialog(this);
    dlg->setAttribute(Qt::WA_DeleteOnClose);
    auto *refreshSoon = new QTimer(dlg); // one refresh for the pages of a quarter second
    refreshSoon->setSingleShot(true);
    refreshSoon->setInterval(250);
    connect(refreshSoon, &QTimer::timeout, this, [this] { refresh(true); });
    connect(dlg, &FetchDialog::pageFetched, this, [this, refreshSoon](const std::shared_ptr<const fetch::FetchedPage> &p) {
        m_store->appendIndexed(tr("Cloudflare API").toStdString(), p->block, p->records);
        if (!refreshSoon->isActive())
            refreshSoon->start();
    });
    connect(dlg, &FetchDialog::fetchFinished, this, [this] { refresh(true); });
    connect(dlg, &FetchDialog::openJournalRequested, this, [this](const QString &dir) { openSources({dir}); });
    dlg->show();
}

void MainWindow::openClickHouseTrail()
{
    ClickHouseDialog dlg(this);
    if (dlg.exec() != QDialog::Accepted)
        return;
    // the trail opens in a window of its own; the first answers say whether the server and the
    // table are there (the window shows what went wrong)
    auto *w = new TrailSourceWindow(clickhouse::openRemoteTrail(dlg.endpoint(), dlg.table()), m_parser, this);
    w->setAttribute(Qt::WA_DeleteOnClose);
    w->setWindowFlag(Qt::Window);
    w->resize(size());
    w->show();
}

} // namespace auditlens::ui
