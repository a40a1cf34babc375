// SPDX-License-Identifier: MIT
// MainWindow: the query language in the search bar (run off the GUI thread, positioned errors,
// history and saved queries, completion), the Fields panel, resource and actor history, and
// File ▸ Export.
#include "mainwindow.h"

#include "exportrunner.h"
#include "fieldspanel.h"
#include "historydialog.h"
#include "jsontree.h"
#include "query/eval.h"
#include "query/history.h"
#include "querycompleter.h"
#include "source/timestamp.h"
#include "store/embeddedtrail.h"
#include "timeline.h"
#include "trailmodel.h"

#include <QAction>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QProgressDialog>
#include <QScreen>
#include <QSettings>
#include <QStatusBar>
#include <QTableView>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

namespace auditlens::ui {

namespace {

constexpr int kMaxHistory = 20;

} // namespace

void MainWindow::buildQueryUi(QVBoxLayout *centerLay)
{
    m_fieldCache = std::make_shared<query::FieldCache>(m_parser);
    m_search->setPlaceholderText(tr("Search: text, or a query such as ActionType:update and not ActorEmail:*@example.com (Ctrl+F)"));
    m_search->setToolTip(tr("<p>Free text is searched in the raw records (case-insensitive).</p>"
                            "<p>Queries use the Kibana Query Language: <code>field:value</code>, "
                            "<code>field:\"quoted phrase\"</code>, wildcards <code>*</code> <code>?</code>, "
                            "<code>field:*</code> (exists), <code>field:(a or b)</code>, "
                            "<code>field &gt;= 2023-02-01</code>, <code>not</code>, <code>and</code>, <code>or</code>, "
                            "parentheses. Fields are raw paths (<code>Metadata.zone_name</code>) or "
                            "<code>ecs.</code> fields of the normalized record.</p>"));
    m_queryError = new QLabel(this);
    m_queryError->setWordWrap(true);
    m_queryError->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_queryError->setForegroundRole(QPalette::BrightText);
    m_queryError->setAutoFillBackground(true);
    m_queryError->setBackgroundRole(QPalette::Highlight);
    m_queryError->setContentsMargins(6, 2, 6, 2);
    m_queryError->hide();
    centerLay->insertWidget(centerLay->indexOf(m_search) + 1, m_queryError);

    // history and saved queries, from the bar's trailing button
    QAction *historyAct = m_search->addAction(style()->standardIcon(QStyle::SP_FileDialogDetailedView), QLineEdit::TrailingPosition);
    historyAct->setToolTip(tr("Query history and saved queries"));
    connect(historyAct, &QAction::triggered, this, [this] {
        auto *menu = new QMenu(this);
        menu->setAttribute(Qt::WA_DeleteOnClose);
        fillQueryMenu(menu);
        menu->popup(m_search->mapToGlobal(QPoint(m_search->width() - 200, m_search->height())));
    });

    // completion of field names, and after "field:" of its most frequent values
    m_queryCompleter = new QueryCompleter(m_search, this);

    // the Fields panel
    m_fieldsPanel = new FieldsPanel(this);
    m_fieldsDock = new QDockWidget(tr("Fields"), this);
    m_fieldsDock->setObjectName(QStringLiteral("fieldsDock"));
    m_fieldsDock->setWidget(m_fieldsPanel);
    addDockWidget(Qt::RightDockWidgetArea, m_fieldsDock);
    // on small screens the panel starts closed (View ▸ Fields opens it)
    const QScreen *screen = this->screen();
    if (screen && screen->availableGeometry().width() < 1500)
        m_fieldsDock->hide();
    connect(m_fieldsPanel, &FieldsPanel::clauseRequested, this, &MainWindow::addQueryClause);
    connect(m_fieldsPanel, &FieldsPanel::columnRequested, this, [this](const QString &path) {
        m_model->addFieldColumn(path, m_fieldCache);
        m_table->setColumnWidth(m_model->columnCount() - 1, 160);
        m_table->scrollTo(m_model->index(0, m_model->columnCount() - 1));
    });

    // both ask the trail through sources of their own over the store's snapshot: anew when
    // a load ends (the field list read again), and when records were appended since (their
    // values counted; the list of fields kept until the next load); the panel follows the filter
    const auto feed = [this](bool loaded) {
        const Snapshot snap = m_store->snapshot();
        if (loaded || dataKeyOf(snap) != m_fieldsFor) {
            m_fieldsFor = dataKeyOf(snap);
            const std::string label = windowTitle().toStdString();
            m_fieldsPanel->setSource(std::make_unique<EmbeddedTrail>(snap, label, m_fieldCache), loaded);
            m_queryCompleter->setSource(std::make_unique<EmbeddedTrail>(snap, label, m_fieldCache),
                                        [this] { return m_fieldsPanel->fieldPaths(); });
        }
        m_fieldsPanel->setFilter(trailFilter(snap), uint64_t(m_model->rowCount()), snap.size());
    };
    connect(this, &MainWindow::loadFinished, this, [feed] { feed(true); });
    connect(this, &MainWindow::filterApplied, this, [feed] { feed(false); });

    m_export = new ExportRunner(this);
    connect(m_export, &ExportRunner::progress, this, [this](qint64 done, qint64 total) {
        if (m_exportProgress) {
            m_exportProgress->setMaximum(int(std::min<qint64>(total, INT_MAX)));
            m_exportProgress->setValue(int(std::min<qint64>(done, INT_MAX)));
        }
    });
    connect(m_export, &ExportRunner::finished, this, [this](bool ok, const QString &message) {
        if (m_exportProgress) {
            m_exportProgress->deleteLater();
            m_exportProgress = nullptr;
        }
        statusBar()->showMessage(message, 10000);
        if (!ok) {
            auto *box = new QMessageBox(QMessageBox::Warning, tr("Export"), message, QMessageBox::Ok, this);
            box->setAttribute(Qt::WA_DeleteOnClose);
            box->open();
        }
    });
}

bool MainWindow::setQueryText(const std::string &text)
{
    const auto q = query::Query::parse(text);
    if (!q->ok()) {
        // the last good result stays on screen
        m_queryError->setText(tr("Query error at character %1: %2").arg(q->errorPos() + 1).arg(QString::fromStdString(q->error())));
        m_queryError->show();
        if (m_queryCancel)
            m_queryCancel->store(true);
        return false;
    }
    m_queryError->hide();
    if (m_queryCancel)
        m_queryCancel->store(true);
    m_filter.rowMask.reset();
    m_queryFirstSegment.reset();
    m_queryAbsentFields.clear();
    const query::Node *root = q->root();
    if (!root || root->kind == query::Node::Kind::Text) {
        // plain text: the raw-record search, as before
        m_query.reset();
        m_filter.text = root ? root->value : std::string();
    } else {
        m_query = q;
        m_queryText = text;
        m_filter.text.clear();
        rememberQuery(QString::fromStdString(text));
    }
    m_filter.textHits.reset();
    return true;
}

TrailFilter MainWindow::trailFilter(const Snapshot &snap) const
{
    TrailFilter f;
    for (size_t c = 0; c < kColumnCount; ++c) {
        for (uint32_t id : m_filter.include[c])
            f.include[c].push_back(snap.dict(Column(c)).at(id));
        for (uint32_t id : m_filter.exclude[c])
            f.exclude[c].push_back(snap.dict(Column(c)).at(id));
    }
    f.from = m_filter.from;
    f.to = m_filter.to;
    f.result = m_filter.result;
    f.withoutResult = m_filter.withoutResult;
    f.text = m_filter.text;
    if (m_query)
        f.query = m_queryText;
    return f;
}

bool MainWindow::runQueryIfNeeded(const Snapshot &snap, bool keepSelection)
{
    if (!m_query)
        return false;
    const std::shared_ptr<const Segment> first = snap.segments().empty() ? nullptr : snap.segments().front();
    if (m_filter.rowMask && m_filter.rowMask->size() == snap.size() && m_queryFirstSegment.lock() == first)
        return false;
    if (m_queryCancel)
        m_queryCancel->store(true);
    m_queryCancel = std::make_shared<std::atomic<bool>>(false);
    auto cancel = m_queryCancel;
    auto q = m_query;
    auto cache = m_fieldCache;
    struct Answer
    {
        std::shared_ptr<std::vector<uint8_t>> hits;
        std::vector<std::string> absent; ///< fields of the query no record has
    };
    auto *watcher = new QFutureWatcher<Answer>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, cancel, q, first, keepSelection] {
        watcher->deleteLater();
        if (cancel->load() || q != m_query)
            return; // a newer query or filter change took over
        Answer a = watcher->result();
        if (!a.hits)
            return;
        m_filter.rowMask = std::move(a.hits);
        m_queryAbsentFields = std::move(a.absent);
        m_queryFirstSegment = first;
        refresh(keepSelection);
    });
    watcher->setFuture(QtConcurrent::run([snap, q, cache, cancel] {
        Answer a{query::evaluateQuery(*q, snap, *cache, cancel.get()), {}};
        if (a.hits) // (the columns are read: a pass over their distinct values)
            a.absent = query::absentFields(*q, snap, *cache, cancel.get());
        return a;
    }));
    m_statusLabel->setText(q->fields().empty() ? tr("Searching…") : tr("Reading %1…").arg(QString::fromStdString(q->fields().front())));
    m_timeline->setStale(tr("Searching for the new filter…"));
    return true;
}

void MainWindow::addQueryClause(const QString &clause)
{
    setTextSearch(withClause(m_search->text(), clause));
}

void MainWindow::rememberQuery(const QString &text)
{
    QSettings s;
    QStringList hist = s.value(QStringLiteral("query/history")).toStringList();
    hist.removeAll(text);
    hist.prepend(text);
    while (hist.size() > kMaxHistory)
        hist.removeLast();
    s.setValue(QStringLiteral("query/history"), hist);
}

void MainWindow::fillQueryMenu(QMenu *menu)
{
    QSettings s;
    const QVariant savedValue = s.value(QStringLiteral("query/saved"));
    const QVariantMap saved = savedValue.typeId() == QMetaType::QVariantMap ? savedValue.toMap() : QVariantMap();
    QMenu *savedMenu = menu->addMenu(tr("Saved queries"));
    savedMenu->setEnabled(!saved.isEmpty());
    for (auto it = saved.begin(); it != saved.end(); ++it) {
        const QString q = it.value().toString();
        QAction *a = savedMenu->addAction(it.key(), this, [this, q] { setTextSearch(q); });
        a->setToolTip(q);
    }
    QAction *save = menu->addAction(tr("Save this query…"), this, [this] {
        const QString current = m_search->text().trimmed();
        auto *dlg = new QInputDialog(this);
        dlg->setAttribute(Qt::WA_DeleteOnClose);
        dlg->setWindowTitle(tr("Save query"));
        dlg->setLabelText(tr("Name for \u201c%1\u201d:").arg(current.left(80)));
        connect(dlg, &QInputDialog::textValueSelected, this, [current](const QString &name) {
            if (name.trimmed().isEmpty())
                return;
            QSettings st;
            const QVariant v = st.value(QStringLiteral("query/saved"));
            QVariantMap m = v.typeId() == QMetaType::QVariantMap ? v.toMap() : QVariantMap();
            m.insert(name.trimmed(), current);
            st.setValue(QStringLiteral("query/saved"), m);
        });
        dlg->open();
    });
    save->setEnabled(!m_search->text().trimmed().isEmpty());
    menu->addSeparator();
    const QStringList hist = s.value(QStringLiteral("query/history")).toStringList();
    if (hist.isEmpty())
        menu->addAction(tr("(no queries yet)"))->setEnabled(false);
    for (const QString &q : hist)
        menu->addAction(q.left(100), this, [this, q] { setTextSearch(q); });
}

void MainWindow::showHistory(bool actor)
{
    const QModelIndex cur = m_table->currentIndex();
    if (!cur.isValid())
        return;
    const uint32_t row = m_model->storeRow(cur.row());
    const Snapshot &snap = m_model->snapshot();
    const std::string raw = snap.raw(row);
    const auto rec = nlohmann::ordered_json::parse(raw, nullptr, false);
    if (!rec.is_object())
        return;
    const auto q = actor ? query::actorHistoryQuery(rec) : query::resourceHistoryQuery(rec);
    if (!q) {
        statusBar()->showMessage(actor ? tr("This record names no actor.") : tr("This record names no resource (no ResourceID)."), 6000);
        return;
    }
    QString subject;
    if (actor) {
        subject = QString::fromStdString(snap.value(row, Column::Actor));
    } else {
        const auto id = rec.value("ResourceID", std::string());
        subject = QStringLiteral("%1 %2").arg(QString::fromStdString(snap.value(row, Column::ResourceType)), QString::fromStdString(id));
    }
    auto *dlg = new HistoryDialog(actor ? HistoryDialog::Kind::Actor : HistoryDialog::Kind::Resource, subject.trimmed(),
                                  QString::fromStdString(*q),
                                  std::make_unique<EmbeddedTrail>(snap, windowTitle().toStdString(), m_fieldCache), this);
    connect(dlg, &HistoryDialog::showInTrail, this, [this](const QString &query) { setTextSearch(query); });
    connect(dlg, &HistoryDialog::recordActivated, this, [this](const QString &id, qint64) {
        // the embedded trail names a record by its store row: "row:N"
        bool ok = false;
        const uint32_t storeRow = id.startsWith(QLatin1String("row:")) ? id.mid(4).toUInt(&ok) : 0;
        const int r = ok ? m_model->rowOfStoreRow(storeRow) : -1;
        if (r >= 0)
            selectRow(r);
        else
            statusBar()->showMessage(tr("That record is hidden by the current filter."), 5000);
    });
    dlg->show();
}

void MainWindow::exportShown()
{
    if (m_export->isRunning()) {
        statusBar()->showMessage(tr("An export is already running."), 5000);
        return;
    }
    auto *dlg = new QFileDialog(this, tr("Export the %n record(s) shown", nullptr, m_model->rowCount()));
    dlg->setAttribute(Qt::WA_DeleteOnClose);
    dlg->setAcceptMode(QFileDialog::AcceptSave);
    dlg->setNameFilters({tr("Raw records (*.ndjson)"), tr("ECS records (*.ecs.ndjson)"), tr("Visible columns as CSV (*.csv)")});
    dlg->selectFile(QStringLiteral("auditlens-export.ndjson"));
    connect(dlg, &QFileDialog::fileSelected, this, [this](const QString &path) { exportTo(path); });
    dlg->open();
}

bool MainWindow::exportTo(const QString &path)
{
    const auto format = query::exportFormatForName(path.toStdString());
    if (!format) {
        auto *box = new QMessageBox(QMessageBox::Warning, tr("Export"),
                                    tr("The file name says which format to write: .ndjson (raw records), .ecs.ndjson (ECS "
                                       "records) or .csv (the visible columns)."),
                                    QMessageBox::Ok, this);
        box->setAttribute(Qt::WA_DeleteOnClose);
        box->open();
        return false;
    }
    std::vector<uint32_t> rows(size_t(m_model->rowCount()));
    for (int i = 0; i < m_model->rowCount(); ++i)
        rows[size_t(i)] = m_model->storeRow(i); // in the order shown
    query::ExportOptions opts;
    opts.format = *format;
    opts.parser = m_parser.get();
    if (*format == query::ExportFormat::Csv) {
        // the visible columns, in the order shown, with their full values
        QHeaderView *h = m_table->horizontalHeader();
        std::vector<int> cols;
        for (int v = 0; v < h->count(); ++v) {
            const int c = h->logicalIndex(v);
            if (!m_table->isColumnHidden(c)) {
                cols.push_back(c);
                opts.header.push_back(m_model->headerData(c, Qt::Horizontal).toString().toStdString());
            }
        }
        const TrailModel::CellReader cells = m_model->cellReader();
        opts.cells = [cells, cols](uint32_t row, std::string_view raw) {
            std::vector<std::string> out;
            out.reserve(cols.size());
            for (int c : cols)
                out.push_back(cells(row, c, raw));
            return out;
        };
    }
    m_exportProgress = new QProgressDialog(tr("Exporting %n record(s)…", nullptr, int(rows.size())), tr("Cancel"), 0,
                                           int(std::min<size_t>(rows.size(), INT_MAX)), this);
    m_exportProgress->setWindowTitle(tr("Export"));
    m_exportProgress->setMinimumDuration(300);
    m_exportProgress->setAutoClose(false);
    m_exportProgress->setAutoReset(false);
    connect(m_exportProgress, &QProgressDialog::canceled, m_export, &ExportRunner::cancel);
    m_export->start(m_model->snapshot(), std::move(rows), path, std::move(opts));
    return true;
}

bool MainWindow::isExporting() const { return m_export && m_export->isRunning(); }

} // namespace auditlens::ui
