// SPDX-License-Identifier: MIT
// MainWindow: the filter (facets, result, time, text) evaluated off or on the GUI thread and put
// on screen (table, timeline, facet counts, chips, status).
#include "mainwindow.h"

#include "facetlist.h"
#include "query/eval.h"
#include "store/embeddedtrail.h"
#include "highlightdelegate.h"
#include "jsontree.h"
#include "timeline.h"
#include "trailmodel.h"

#include <QAction>
#include <QComboBox>
#include <QDateTimeEdit>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QStatusBar>
#include <QTableView>
#include <QTimer>
#include <QToolButton>
#include <QtConcurrent/QtConcurrentRun>

namespace auditlens::ui {

namespace {
QString withThousands(size_t n) { return QLocale().toString(qulonglong(n)); }
} // namespace

void MainWindow::applyFilter() { refresh(true); }

void MainWindow::refresh(bool keepSelection)
{
    const Snapshot snap = m_store->snapshot();
    const bool live = isLoading();
    if (live && snap.size() == m_shownRows)
        return;
    if (runQueryIfNeeded(snap, keepSelection))
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
            [snap, f = m_filter, cancel] { return EventStore::evaluate(snap, f, {}, cancel.get()); }));
        m_statusLabel->setText(tr("Searching the raw records for \u201c%1\u201d…").arg(QString::fromStdString(text)));
        m_timeline->setStale(tr("Searching for the new filter…"));
        return;
    }
    EventStore::Evaluation eval = EventStore::evaluate(snap, m_filter, {}); // (the facets: askCounts)
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
    int64_t lo = INT64_MAX, hi = INT64_MIN; // the matched records' extent
    for (int64_t t : times)
        if (t != kNoTime) {
            lo = std::min(lo, t);
            hi = std::max(hi, t);
        }
    const TrailFilter byValue = trailFilter(snap);
    askCounts(snap, byValue);
    askTimeline(snap, byValue, lo, hi);
    if (m_filter.from == INT64_MIN && m_filter.to == INT64_MAX && lo != INT64_MAX) {
        m_from->setTimeNs(lo);
        m_to->setTimeNs(hi);
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
    // the text search's hits, marked in the trail and in both trees
    const QString hits = QString::fromStdString(m_filter.text);
    if (m_tableHighlight->text() != hits) {
        m_tableHighlight->setText(hits);
        m_table->viewport()->update();
        m_detail->rawTree()->setHighlight(hits);
        m_detail->ecsTree()->setHighlight(hits);
        m_hitPath.clear();
    }
    emit filterApplied();
}

MainWindow::DataKey MainWindow::dataKeyOf(const Snapshot &snap)
{
    return {snap.segments().empty() ? nullptr : snap.segments().front().get(), snap.size()};
}

EmbeddedTrail &MainWindow::viewSource(const Snapshot &snap)
{
    const DataKey key = dataKeyOf(snap);
    if (!m_viewSource || key != m_viewFor) {
        m_viewSource = std::make_unique<EmbeddedTrail>(snap, windowTitle().toStdString(), m_fieldCache);
        m_viewFor = key;
    }
    // what this window found for the filter shown (the source checks it covers the snapshot)
    m_viewSource->keepTextHits(m_filter.text, m_filter.textHits);
    if (m_query)
        m_viewSource->keepQueryRows(m_queryText, m_filter.rowMask);
    return *m_viewSource;
}

void MainWindow::askCounts(const Snapshot &snap, const TrailFilter &f)
{
    // every value of each facet under the filter without its own constraint, as the ClickHouse
    // window asks them; the lists keep their values until the answer
    m_countsPending = true;
    viewSource(snap).counts(f, facetColumns(), 0, this, [this, snap](TrailCounts c, TrailError e) {
        if (e.kind == TrailErrorKind::Cancelled)
            return; // a newer filter's are on their way
        m_countsPending = false;
        if (!e.ok()) {
            statusBar()->showMessage(tr("The facets could not be counted: %1").arg(QString::fromStdString(e.message)), 10000);
            return;
        }
        for (size_t k = 0; k < std::size(m_facets) && k < c.top.size(); ++k)
            showFacet(*m_facets[k], snap, c.top[k], k < c.distinct.size() ? size_t(c.distinct[k]) : c.top[k].size());
        emit countsShown();
    });
}

void MainWindow::askTimeline(const Snapshot &snap, const TrailFilter &f, int64_t lo, int64_t hi)
{
    const bool utc = !m_localTime->isChecked();
    if (lo == INT64_MAX) { // no matched record has a time: nothing to count
        m_timeline->setBuckets(0, 1, {}, utc);
        emit timelineShown();
        return;
    }
    if (hi == lo)
        hi = lo + 1000000000LL; // (one second wide)
    // the buckets asked of the trail, as the ClickHouse window asks them; the last drawing
    // stays until they come
    viewSource(snap).buckets(f, lo, hi, kTimelineBuckets, this, [this, utc](TrailBuckets b, TrailError e) {
        if (e.kind == TrailErrorKind::Cancelled)
            return; // a newer filter's are on their way
        if (!e.ok()) {
            m_timeline->setStale(tr("The timeline could not be counted: %1").arg(QString::fromStdString(e.message)));
            return;
        }
        m_timeline->setBuckets(b.from, b.width, b.counts, utc);
        emit timelineShown();
    });
}

QString MainWindow::statusText() const
{
    return tr("%1 of %2 records").arg(withThousands(size_t(m_model->rowCount())), withThousands(m_model->totalRecords()))
        + (m_query && m_model->rowCount() == 0 ? TrailModel::absentFieldsNote(m_queryAbsentFields) : QString());
}


void MainWindow::showFacet(FacetList &facet, const Snapshot &snap, const std::vector<std::pair<std::string, uint64_t>> &top,
                           size_t distinct)
{
    // the filter holds the store's ids; the list shows values (as the trail counted them)
    const Column c = facet.column();
    const StringDict &dict = snap.dict(c);
    const auto names = [&dict](const std::vector<uint32_t> &ids) {
        std::vector<std::string> out;
        out.reserve(ids.size());
        for (uint32_t id : ids)
            if (id < dict.size())
                out.push_back(dict.at(id));
        return out;
    };
    const std::vector<std::string> included = names(m_filter.include[size_t(c)]);
    for (const std::string &v : included)
        distinct += std::none_of(top.begin(), top.end(), [&v](const auto &p) { return p.first == v; });
    std::vector<std::pair<std::string, uint64_t>> values(top.begin(), top.begin() + ptrdiff_t(std::min(top.size(), FacetList::kMaxShown)));
    // an included value past the ones listed keeps its count
    for (const std::string &v : included)
        for (size_t i = FacetList::kMaxShown; i < top.size(); ++i)
            if (top[i].first == v)
                values.push_back(top[i]);
    facet.setValues(values, included, names(m_filter.exclude[size_t(c)]), distinct);
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
    if (m_filter.result != Result::Unknown || m_filter.withoutResult)
        addChip(m_filter.withoutResult ? tr("no result") : m_filter.result == Result::Success ? tr("result = success") : tr("result = failure"), [this] {
            m_filter.result = Result::Unknown;
            m_filter.withoutResult = false;
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
    if (m_query)
        addChip(tr("query %1").arg(QString::fromStdString(m_query->text()).left(60)), [this] {
            m_query.reset();
            m_filter.rowMask.reset();
            m_search->blockSignals(true);
            m_search->clear();
            m_search->blockSignals(false);
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
    if (setQueryText(text)) // plain text or a query; a malformed query keeps the last result
        applyFilter();
}

void MainWindow::setResultFilter(Result r)
{
    m_resultBox->setCurrentIndex(r == Result::Success ? 1 : r == Result::Failure ? 2 : 0); // applies
    m_filter.result = r;
    m_filter.withoutResult = false;
    applyFilter();
}

void MainWindow::setWithoutResultFilter()
{
    m_resultBox->setCurrentIndex(3); // applies
}

void MainWindow::setTimeRange(qint64 fromNs, qint64 toNs)
{
    m_filter.from = fromNs;
    m_filter.to = toNs;
    DateTimeEdit::showRange(m_from, m_to, fromNs, toNs);
    applyFilter();
}

void MainWindow::resetFilters()
{
    m_filter = Filter{};
    m_query.reset();
    m_queryError->hide();
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

} // namespace auditlens::ui
