// SPDX-License-Identifier: MIT
#include "trailsourcewindow.h"

#include "datetimeedit.h"
#include "facetlist.h"
#include "fieldspanel.h"
#include "historydialog.h"
#include "query/history.h"
#include "jsontree.h"
#include "querycompleter.h"
#include "recorddetail.h"
#include "sourcetrailmodel.h"
#include "timeline.h"

#include <QComboBox>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QDockWidget>
#include <QToolButton>
#include <QMenu>
#include <QPushButton>
#include <QScreen>
#include <QScrollBar>
#include <QSettings>
#include <QShortcut>
#include <QSplitter>
#include <QStatusBar>
#include <QTableView>
#include <QVBoxLayout>

namespace auditlens::ui {

namespace {

constexpr std::array<Column, 3> kSourceFacets{Column::Actor, Column::Action, Column::ResourceType};
constexpr int kTimelineBuckets = 100;
constexpr size_t kFacetValues = 50; ///< shown per facet; one more is asked, to say that more exist
constexpr auto kNewestFirstKey = "clickhouseTrail/newestFirst";
using Col = SourceTrailModel::Col;

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

    // result and time range, as in the main window's filter pane
    auto *filterRow = new QHBoxLayout;
    filterRow->addWidget(new QLabel(tr("Result:"), central));
    m_resultBox = new QComboBox(central);
    m_resultBox->addItems({tr("All"), tr("Success"), tr("Failure"), tr("No result")});
    m_resultBox->setToolTip(tr("Records by their ActionResult (No result: the records that state none)"));
    filterRow->addWidget(m_resultBox);
    filterRow->addSpacing(12);
    m_from = new DateTimeEdit(central);
    m_to = new DateTimeEdit(central);
    m_from->setUpForTimeRange();
    m_to->setUpForTimeRange();
    m_from->setAccessibleName(tr("From"));
    m_to->setAccessibleName(tr("To"));
    filterRow->addWidget(new QLabel(tr("From"), central));
    filterRow->addWidget(m_from);
    filterRow->addWidget(new QLabel(tr("To"), central));
    filterRow->addWidget(m_to);
    m_applyTime = new QPushButton(tr("Apply"), central);
    auto *anyTime = new QPushButton(tr("Any time"), central);
    filterRow->addWidget(m_applyTime);
    filterRow->addWidget(anyTime);
    filterRow->addStretch(1);
    auto *fieldsButton = new QToolButton(central);
    filterRow->addWidget(fieldsButton);
    m_clear = new QPushButton(tr("Clear filters"), central);
    m_clear->setToolTip(tr("Back to the whole trail: no facet value, time range, result, text or query"));
    filterRow->addWidget(m_clear);
    layout->addLayout(filterRow);
    layout->addWidget(m_error);
    m_timeline = new Timeline(central);
    m_timeline->setMinimumHeight(110);
    m_timeline->setMaximumHeight(150);
    layout->addWidget(m_timeline);
    // nothing to show before the trail first answers: no axis of 1970, no placeholder range
    m_timeline->setVisible(false);
    setRangeEditable(false);

    auto *split = new QSplitter(Qt::Horizontal, central);
    auto *facetPane = new QWidget(split);
    auto *facetLayout = new QVBoxLayout(facetPane);
    facetLayout->setContentsMargins(0, 0, 0, 0);
    const QString titles[] = {tr("Actor"), tr("Action"), tr("Resource type")};
    for (size_t k = 0; k < m_facets.size(); ++k) {
        // the main window's facet list: check a value to keep it, filter one out from the context menu
        m_facets[k] = new FacetList(kSourceFacets[k], titles[k], facetPane);
        m_facets[k]->list()->setAccessibleName(titles[k]);
        facetLayout->addWidget(m_facets[k]);
        connect(m_facets[k], &FacetList::includeToggled, this,
                [this](Column c, const QString &value, bool on) { setFacetValue(c, value, true, on); });
        connect(m_facets[k], &FacetList::excludeRequested, this,
                [this](Column c, const QString &value) { setFacetValue(c, value, false, true); });
    }
    auto *center = new QSplitter(Qt::Vertical, split); // the table over the record, as in the main window
    m_table = new QTableView(center);
    m_table->setModel(m_model);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    TrailModel::setUpTable(m_table);
    m_table->horizontalHeader()->setStretchLastSection(true);
    // ordered by time (the Time column turns the order) or by a column's value, then time (a
    // click on it; again to turn), as the source pages them
    QHeaderView *header = m_table->horizontalHeader();
    header->setSectionsClickable(true);
    header->setSortIndicatorShown(true);
    m_model->setNewestFirst(QSettings().value(kNewestFirstKey, false).toBool());
    header->setSortIndicator(Col::Time, m_model->newestFirst() ? Qt::DescendingOrder : Qt::AscendingOrder);
    connect(header, &QHeaderView::sectionClicked, this, &TrailSourceWindow::orderBySection);
    // the selected record as in the main window: raw and ECS side by side, linked field to
    // field, validated, its changes
    m_detail = new RecordDetail(center);
    // "Filter for this value" on the raw tree adds to the query, run on the server (ECS fields
    // are made here, not there: the ECS tree offers none)
    m_detail->rawTree()->setQueryPrefix(QString());
    connect(m_detail->rawTree(), &JsonTree::clauseRequested, this, [this](const QString &clause) {
        m_query->setText(withClause(m_query->text(), clause));
        applyFilter();
    });
    center->setStretchFactor(0, 3);
    center->setStretchFactor(1, 2);
    split->setStretchFactor(1, 1);
    layout->addWidget(split, 1);
    setCentralWidget(central);
    m_status = new QLabel(this);
    statusBar()->addWidget(m_status, 1);
    m_pendingLabel = new QLabel(this);
    m_cancel = new QPushButton(tr("Cancel"), this);
    m_cancel->setToolTip(tr("Stop the pending requests (Esc); what is shown stays"));
    statusBar()->addPermanentWidget(m_pendingLabel);
    statusBar()->addPermanentWidget(m_cancel);
    m_pendingLabel->setVisible(false);
    m_cancel->setVisible(false);
    auto *esc = new QShortcut(QKeySequence(Qt::Key_Escape), this);
    connect(esc, &QShortcut::activated, this, &TrailSourceWindow::cancel);
    connect(m_cancel, &QPushButton::clicked, this, &TrailSourceWindow::cancel);

    connect(m_resultBox, &QComboBox::currentIndexChanged, this, [this](int i) {
        m_filter.result = i == 1 ? Result::Success : i == 2 ? Result::Failure : Result::Unknown;
        m_filter.withoutResult = i == 3;
        applyFilter();
    });
    connect(m_applyTime, &QPushButton::clicked, this, [this] { setTimeRange(m_from->timeNs(), m_to->timeNs(true)); });
    connect(anyTime, &QPushButton::clicked, this, [this] { setTimeRange(INT64_MIN, INT64_MAX); });
    connect(m_clear, &QPushButton::clicked, this, &TrailSourceWindow::clearFilters);
    connect(m_timeline, &Timeline::rangeSelected, this, &TrailSourceWindow::setTimeRange);
    connect(m_model, &SourceTrailModel::loadingChanged, this, &TrailSourceWindow::updatePending);
    // a page cancelled or failed is asked again when the user scrolls on
    connect(m_table->verticalScrollBar(), &QScrollBar::actionTriggered, this, [this] {
        if (m_model->halted())
            m_model->retry();
    });

    connect(m_search, &QLineEdit::returnPressed, this, &TrailSourceWindow::applyFilter);
    connect(m_query, &QLineEdit::returnPressed, this, &TrailSourceWindow::applyFilter);
    connect(m_model, &SourceTrailModel::failed, this, [this](const QString &m) {
        m_error->setText(m);
        m_error->setVisible(true);
    });
    // a new filter's (or order's) first page: its first rows on screen, and no record in the
    // trees that may not pass it
    connect(m_model, &QAbstractItemModel::modelReset, this, [this] {
        m_table->scrollToTop();
        m_detail->clear();
        m_shownId.clear();
    });
    // follow the selected record's resource or actor through the whole trail, as the main window does
    auto *resourceHistory = new QShortcut(QKeySequence(Qt::CTRL | Qt::Key_H), this);
    connect(resourceHistory, &QShortcut::activated, this, [this] { showHistory(false); });
    auto *actorHistory = new QShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_H), this);
    connect(actorHistory, &QShortcut::activated, this, [this] { showHistory(true); });
    m_table->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_table, &QWidget::customContextMenuRequested, this, [this](const QPoint &pos) {
        const QModelIndex at = m_table->indexAt(pos);
        if (!at.isValid())
            return;
        m_table->setCurrentIndex(at);
        QMenu menu(this);
        menu.addAction(tr("History of this resource\tCtrl+H"), this, [this] { showHistory(false); });
        menu.addAction(tr("Everything this actor did\tCtrl+Shift+H"), this, [this] { showHistory(true); });
        menu.exec(m_table->viewport()->mapToGlobal(pos));
    });
    auto *close = new QShortcut(QKeySequence::Close, this);
    connect(close, &QShortcut::activated, this, &QWidget::close);
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex &cur) { showRecord(cur.row()); });
    m_table->installEventFilter(this); // Ctrl+End: the trail's end, not the end of the rows loaded
    connect(m_model, &SourceTrailModel::pageLoaded, this, [this](int, bool more) {
        if (m_toEnd == ToEnd::Loading) {
            if (more)
                return m_model->fetchMore({});
            m_toEnd = ToEnd::No;
            selectLastRow();
        } else if (m_toEnd == ToEnd::Turned) {
            m_toEnd = ToEnd::No;
            m_table->setCurrentIndex(m_model->index(0, 0));
            statusBar()->showMessage(m_model->sortColumn() >= 0
                                         ? tr("The end of the trail: its last row, first now that the order is turned "
                                              "(click the column to turn back)")
                                     : m_model->newestFirst()
                                         ? tr("The end of the trail: its newest record, first now that the rows are newest first "
                                              "(click the Time column to turn back)")
                                         : tr("The end of the trail: its oldest record, first now that the rows are oldest first "
                                              "(click the Time column to turn back)"),
                                     10000);
        }
    });
    connect(m_model, &SourceTrailModel::loadingChanged, this, [this](bool loading) {
        if (!loading && m_model->halted())
            m_toEnd = ToEnd::No; // a cancelled or failed page ends the walk to the end
    });
    // the Fields panel and the query's completion, each over a source of its own on the same
    // trail (their requests never supersede the window's): the field list is read when the
    // panel is first shown, the top values of a field under the window's filter
    m_fieldsPanel = new FieldsPanel(this);
    m_fieldsPanel->setColumnsEnabled(false); // (the table's columns are the trail's own)
    m_fieldsDock = new QDockWidget(tr("Fields"), this);
    m_fieldsDock->setObjectName(QStringLiteral("trailFieldsDock"));
    m_fieldsDock->setWidget(m_fieldsPanel);
    addDockWidget(Qt::RightDockWidgetArea, m_fieldsDock);
    m_fieldsDock->hide(); // (a scan of the whole trail's fields: when asked for)
    QAction *fieldsAct = m_fieldsDock->toggleViewAction();
    fieldsAct->setText(tr("Fields"));
    fieldsAct->setToolTip(tr("Every field of the trail's records, and the top values of one under the filter"));
    fieldsButton->setDefaultAction(fieldsAct);
    connect(fieldsAct, &QAction::toggled, this, [this, sized = false](bool on) mutable {
        if (!on || sized)
            return;
        sized = true;
        // the first time: room for the paths beside their counts, in the window when it has
        // that room beside its filter row, else beside it (a small screen: the window would grow
        // past the screen's edge)
        const int room = this->width() - centralWidget()->minimumSizeHint().width();
        if (room >= 300) {
            resizeDocks({m_fieldsDock}, {std::min(room, std::max(360, this->width() / 4))}, Qt::Horizontal);
            return;
        }
        m_fieldsDock->setFloating(true);
        const QRect screen = this->screen() ? this->screen()->availableGeometry() : geometry();
        const QRect frame = frameGeometry();
        m_fieldsDock->resize(360, std::min(frame.height(), screen.height()));
        m_fieldsDock->move(std::max(screen.left(), std::min(frame.right() - 360, screen.right() - 360)),
                           std::max(screen.top(), frame.top()));
    });
    m_fieldsPanel->setSource(m_source->sibling());
    connect(m_fieldsPanel, &FieldsPanel::clauseRequested, this, [this](const QString &clause) {
        m_query->setText(withClause(m_query->text(), clause));
        applyFilter();
    });
    m_completer = new QueryCompleter(m_query, this);
    m_completer->setSource(m_source->sibling(), [this] { return m_fieldsPanel->fieldPaths(); });

    m_model->setSource(m_source.get());
    applyFilter();
}

bool TrailSourceWindow::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_table && event->type() == QEvent::KeyPress
        && static_cast<QKeyEvent *>(event)->matches(QKeySequence::MoveToEndOfDocument)) {
        goToEnd();
        return true;
    }
    return QMainWindow::eventFilter(watched, event);
}

void TrailSourceWindow::selectLastRow()
{
    const int last = m_model->rowCount() - 1;
    if (last < 0)
        return;
    m_table->setCurrentIndex(m_model->index(last, 0));
    m_table->scrollToBottom();
}

void TrailSourceWindow::goToEnd()
{
    m_toEnd = ToEnd::No;
    if (!m_model->hasMore() && !m_model->stale())
        return selectLastRow();
    const uint64_t remaining = m_matched - std::min(m_matched, uint64_t(m_model->rowCount()));
    const bool known = !m_countsPending && !m_lastCounts.isEmpty() && !m_model->stale();
    if (known && remaining <= m_loadToEnd) {
        m_toEnd = ToEnd::Loading;
        statusBar()->showMessage(tr("Loading the last %1 rows…").arg(QLocale().toString(qulonglong(remaining))), 5000);
        if (m_model->halted())
            m_model->retry();
        else if (m_model->canFetchMore({}))
            m_model->fetchMore({});
        // (else a page is on its way: its answer goes on)
        return;
    }
    // too many to load: the other order's first row is the trail's last
    m_toEnd = ToEnd::Turned;
    if (m_model->sortColumn() >= 0)
        setOrder(m_model->sortColumn(), !m_model->descending());
    else
        setNewestFirst(!m_model->newestFirst());
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
    m_toEnd = ToEnd::No;
    m_error->setVisible(false);
    m_status->setText(m_lastCounts.isEmpty() ? tr("Counting…") : tr("Counting… (last: %1)").arg(m_lastCounts));
    m_model->setFilter(m_filter);
    const uint64_t serial = ++m_countsSerial;
    ++m_bucketsSerial; // the timeline's buckets are asked again once the new counts are in
    m_bucketsPending = false;
    if (!m_timeline->isHidden()) // (hidden until the first answer: nothing drawn yet)
        m_timeline->setStale(tr("Counting for the new filter…"));
    m_countsPending = true;
    m_source->counts(m_filter, {kSourceFacets.begin(), kSourceFacets.end()}, kFacetValues + 1, this,
                     [this, serial](TrailCounts c, TrailError e) {
        if (serial != m_countsSerial)
            return; // superseded: a newer filter is on its way
        m_countsPending = false;
        if (!e.ok())
            showFailure(tr("counts"), e);
        else {
            showCounts(c);
            askBuckets(c);
        }
        updatePending();
    });
    updatePending();
}

void TrailSourceWindow::askBuckets(const TrailCounts &c)
{
    setRangeEditable(true);
    if (c.first == kNoTime) {
        m_timeline->setBuckets(0, 1, {}, true); // nothing with a time: "no record"
        m_timeline->setVisible(true);
        emit bucketsShown();
        return;
    }
    if (m_filter.from == INT64_MIN && m_filter.to == INT64_MAX) {
        // no range chosen: From / To show the matched extent, as in the main window
        m_from->setTimeNs(c.first);
        m_to->setTimeNs(c.last);
    }
    const uint64_t serial = ++m_bucketsSerial;
    m_bucketsPending = true;
    m_source->buckets(m_filter, c.first, c.last, kTimelineBuckets, this, [this, serial](TrailBuckets b, TrailError e) {
        if (serial != m_bucketsSerial)
            return;
        m_bucketsPending = false;
        if (!e.ok())
            showFailure(tr("timeline"), e);
        else {
            m_timeline->setBuckets(b.from, b.width, b.counts, true);
            m_timeline->setVisible(true);
            emit bucketsShown();
        }
        updatePending();
    });
}

void TrailSourceWindow::showFailure(const QString &what, const TrailError &e)
{
    // the last good counts, timeline and rows stay; the message says what went wrong and where
    const QString last = m_lastCounts.isEmpty() ? QString() : tr(" — still showing the last answer: %1").arg(m_lastCounts);
    if (m_timeline->isStale()) // (it shows an earlier filter's records)
        m_timeline->setStale(e.kind == TrailErrorKind::Cancelled ? tr("Cancelled: the last filter's records")
                                                                 : tr("Not counted: the last filter's records"));
    if (e.kind == TrailErrorKind::Cancelled) {
        m_status->setText(tr("Cancelled%1").arg(last));
        return;
    }
    QString message = QString::fromStdString(e.message);
    if (e.kind == TrailErrorKind::Auth)
        message = tr("ClickHouse refused the user or the password (%1). Open the trail again with the right ones "
                     "(File ▸ Open ClickHouse trail…).").arg(QString::fromStdString(m_source->label()));
    // a query's message points at its position with a caret under it: in a fixed-width font
    const bool inQuery = e.kind == TrailErrorKind::Query || e.kind == TrailErrorKind::Syntax;
    m_error->setFont(inQuery ? QFontDatabase::systemFont(QFontDatabase::FixedFont) : QFont());
    m_error->setText(message);
    m_error->setVisible(true);
    const QString line = message.section(QLatin1Char('\n'), 0, 0); // the status bar: one line
    m_status->setText(inQuery ? tr("The query was not run: %1%2").arg(line, last)
                              : tr("The trail did not answer (%1): %2%3").arg(what, line, last));
}

bool TrailSourceWindow::pending() const { return m_countsPending || m_bucketsPending || m_model->loading(); }

void TrailSourceWindow::updatePending()
{
    QStringList waiting;
    if (m_countsPending)
        waiting << tr("counts");
    if (m_bucketsPending)
        waiting << tr("timeline");
    if (m_model->loading())
        waiting << tr("rows");
    m_pendingLabel->setText(tr("Waiting for %1 from the trail…").arg(waiting.join(tr(", "))));
    m_pendingLabel->setVisible(!waiting.isEmpty());
    m_cancel->setVisible(!waiting.isEmpty());
    if (waiting.isEmpty())
        emit settled();
}

void TrailSourceWindow::cancel()
{
    m_toEnd = ToEnd::No;
    if (pending())
        m_source->cancelAll(); // each pending answer comes back Cancelled, and says so
}

void TrailSourceWindow::setNewestFirst(bool newest)
{
    QSettings().setValue(kNewestFirstKey, newest);
    m_model->setNewestFirst(newest);
    showOrder();
    updatePending();
}

void TrailSourceWindow::setRangeEditable(bool editable)
{
    for (QWidget *w : std::initializer_list<QWidget *>{m_from, m_to, m_applyTime})
        w->setEnabled(editable);
}

void TrailSourceWindow::setOrder(int column, bool descending)
{
    if (column < 0)
        return setNewestFirst(descending);
    m_model->setOrder(column, descending);
    showOrder();
    updatePending();
}

void TrailSourceWindow::orderBySection(int section)
{
    const int column = TrailModel::storeColumn(section);
    if (section == Col::Time)
        setNewestFirst(m_model->sortColumn() < 0 ? !m_model->newestFirst() : QSettings().value(kNewestFirstKey, false).toBool());
    else if (column >= 0)
        setOrder(column, column == m_model->sortColumn() && !m_model->descending());
    else {
        showOrder(); // (the header moved its indicator to the clicked column)
        statusBar()->showMessage(tr("The rows are ordered by time or by a column's value; not by this one"), 5000);
    }
}

void TrailSourceWindow::showOrder()
{
    int section = Col::Time;
    for (int c = 0; c < Col::ColCount; ++c)
        if (m_model->sortColumn() >= 0 && TrailModel::storeColumn(c) == m_model->sortColumn())
            section = c;
    m_table->horizontalHeader()->setSortIndicator(section, m_model->descending() ? Qt::DescendingOrder : Qt::AscendingOrder);
}

void TrailSourceWindow::setTimeRange(qint64 fromNs, qint64 toNs)
{
    m_filter.from = fromNs;
    m_filter.to = toNs;
    DateTimeEdit::showRange(m_from, m_to, fromNs, toNs);
    applyFilter();
}

void TrailSourceWindow::clearFilters()
{
    m_filter = TrailFilter{};
    m_search->clear();
    m_query->clear();
    m_resultBox->blockSignals(true);
    m_resultBox->setCurrentIndex(0);
    m_resultBox->blockSignals(false);
    applyFilter();
}

void TrailSourceWindow::showCounts(const TrailCounts &c)
{
    m_matched = c.matched;
    m_lastCounts = tr("%1 of %2 records").arg(QLocale().toString(qulonglong(c.matched)), QLocale().toString(qulonglong(c.total)))
        + TrailModel::absentFieldsNote(c.absentFields);
    m_status->setText(m_lastCounts);
    m_fieldsPanel->setFilter(m_filter, c.matched, c.total);
    for (size_t k = 0; k < c.top.size() && k < m_facets.size(); ++k) {
        // one more than shown is asked: whether more exist
        const bool more = c.top[k].size() > kFacetValues;
        const std::vector<std::pair<std::string, uint64_t>> top(c.top[k].begin(),
                                                                c.top[k].begin() + ptrdiff_t(std::min(c.top[k].size(), kFacetValues)));
        const Column col = kSourceFacets[k];
        m_facets[k]->setValues(top, m_filter.include[size_t(col)], m_filter.exclude[size_t(col)], top.size(), more);
    }
    emit countsShown();
}

void TrailSourceWindow::setFacetValue(Column c, const QString &value, bool include, bool on)
{
    const std::string v = value.toStdString();
    auto &inc = m_filter.include[size_t(c)];
    auto &exc = m_filter.exclude[size_t(c)];
    inc.erase(std::remove(inc.begin(), inc.end(), v), inc.end());
    exc.erase(std::remove(exc.begin(), exc.end(), v), exc.end());
    if (on)
        (include ? inc : exc).push_back(v);
    applyFilter(); // (the lists are refilled by the counts' answer, never from inside this call)
}

void TrailSourceWindow::showRecord(int row)
{
    const TrailRow *r = m_model->trailRow(row);
    if (!r)
        return;
    m_shownId.clear();
    m_source->raw(r->id, r->time, this, [this, id = r->id](std::string raw, TrailError e) {
        if (e.kind == TrailErrorKind::Cancelled)
            return;
        if (!e.ok()) {
            m_detail->clear(tr("The record cannot be read: %1").arg(QString::fromStdString(e.message)));
            m_status->setText(tr("The record cannot be read: %1").arg(QString::fromStdString(e.message)));
            return;
        }
        m_detail->showRecord(raw, m_parser.get());
        m_shownId = id;
        emit recordShown();
    });
}

JsonTree *TrailSourceWindow::rawTree() const { return m_detail->rawTree(); }
JsonTree *TrailSourceWindow::ecsTree() const { return m_detail->ecsTree(); }

void TrailSourceWindow::showHistory(bool actor)
{
    const QModelIndex cur = m_table->currentIndex();
    const TrailRow *row = cur.isValid() ? m_model->trailRow(cur.row()) : nullptr;
    if (!row)
        return;
    if (m_shownId != row->id) {
        statusBar()->showMessage(tr("The record is still being read: try again once the trees show it."), 6000);
        return;
    }
    const nlohmann::ordered_json &rec = m_detail->rawTree()->json(); // (the record shown, parsed once)
    const auto q = rec.is_object() ? (actor ? query::actorHistoryQuery(rec) : query::resourceHistoryQuery(rec)) : std::nullopt;
    if (!q) {
        statusBar()->showMessage(actor ? tr("This record names no actor.") : tr("This record names no resource (no ResourceID)."), 6000);
        return;
    }
    const QString subject = actor ? QString::fromStdString(row->values[size_t(Column::Actor)])
                                  : QStringLiteral("%1 %2").arg(QString::fromStdString(row->values[size_t(Column::ResourceType)]),
                                                                QString::fromStdString(rec.value("ResourceID", std::string())));
    auto *dlg = new HistoryDialog(actor ? HistoryDialog::Kind::Actor : HistoryDialog::Kind::Resource, subject.trimmed(),
                                  QString::fromStdString(*q), m_source->sibling(), this);
    connect(dlg, &HistoryDialog::showInTrail, this, [this](const QString &query) {
        m_query->setText(query);
        applyFilter();
    });
    connect(dlg, &HistoryDialog::recordActivated, this, [this](const QString &id, qint64) { selectRecord(id); });
    dlg->show();
}

void TrailSourceWindow::selectRecord(const QString &id)
{
    const std::string key = id.toStdString();
    for (int r = 0; r < m_model->rowCount(); ++r)
        if (const TrailRow *row = m_model->trailRow(r); row && row->id == key) {
            m_table->setCurrentIndex(m_model->index(r, 0));
            m_table->scrollTo(m_model->index(r, 0));
            return;
        }
    statusBar()->showMessage(tr("That record is not among the rows loaded: the filter hides it, or it lies further on."), 6000);
}

} // namespace auditlens::ui
