// SPDX-License-Identifier: MIT
// The window a ClickHouse trail is browsed in, driven offscreen over the embedded store's
// TrailSource: counts and facets, a facet value and a query as the user applies them, the
// selected record raw and normalized, a bad query said under the bar; the timeline's buckets,
// a time range (typed or dragged) and a result against a row-by-row reading of the samples;
// Cancel and Esc leaving the last answer on screen; Clear filters; ordering, Ctrl+End,
// histories, a server that does not answer. The same window over a real ClickHouse beside the
// window over the file: tst_clickhousewindow.cpp.
#include "clickhouse/remotetrail.h"
#include "datetimeedit.h"
#include "ecs/validator.h"
#include "facetlist.h"
#include "historydialog.h"
#include "intake/engine.h"
#include "intake/normalizer.h"
#include "jsontree.h"
#include "query/eval.h"
#include "query/history.h"
#include "recorddetail.h"
#include "store/diff.h"
#include "sourcetrailmodel.h"
#include "store/embeddedtrail.h"
#include "../core/samplestore.h"
#include "timeline.h"
#include "trailsourcewindow.h"
#include "trailsourcewindowcheck.h"

#include <QApplication>
#include <QComboBox>
#include <QHeaderView>
#include <QPushButton>
#include <QScopeGuard>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QScrollBar>
#include <QSettings>
#include <QSignalSpy>
#include <QStatusBar>
#include <QStandardPaths>
#include <QTableView>
#include <QTest>
#include <QTreeWidget>

#include <map>
#include <set>

using namespace auditlens;
using namespace auditlens::ui;
using namespace auditlens::ui::windowcheck;

namespace {

/// Records of the samples with a time in [from, to] and the result (Unknown: any), read row by row.
uint64_t countRows(const Snapshot &snap, int64_t from, int64_t to, Result result)
{
    uint64_t n = 0;
    for (size_t r = 0; r < snap.size(); ++r) {
        const int64_t t = snap.time(r);
        const bool timeOk = (from == INT64_MIN && to == INT64_MAX) || (t != kNoTime && t >= from && t <= to);
        n += timeOk && (result == Result::Unknown || snap.result(r) == result);
    }
    return n;
}

/// A click on the header of a column of the window's table, where the user clicks.
void clickHeader(TrailSourceWindow &w, int column)
{
    QHeaderView *h = w.table()->horizontalHeader();
    const QPoint at(h->sectionViewportPosition(column) + h->sectionSize(column) / 2, h->height() / 2);
    QTest::mouseClick(h->viewport(), Qt::LeftButton, {}, at);
}

/// The times of every row the window's table holds, once it has asked for all of them.
std::vector<int64_t> allTimes(TrailSourceWindow &w)
{
    if (!fetchAll(w))
        return {};
    std::vector<int64_t> out;
    for (int r = 0; r < w.model()->rowCount(); ++r)
        out.push_back(w.model()->trailRow(r)->time);
    return out;
}

/// The store rows a query matches, oldest first, those without a time last (a history's order).
std::vector<uint32_t> historyRows(const Snapshot &snap, const std::string &q)
{
    query::FieldCache cache;
    const auto hits = query::evaluateQuery(*query::Query::parse(q), snap, cache);
    std::vector<std::pair<int64_t, uint32_t>> timed;
    std::vector<uint32_t> out;
    for (size_t r = 0; hits && r < hits->size(); ++r)
        if ((*hits)[r]) {
            if (snap.time(r) == kNoTime)
                out.push_back(uint32_t(r));
            else
                timed.emplace_back(snap.time(r), uint32_t(r));
        }
    std::sort(timed.begin(), timed.end());
    std::vector<uint32_t> ordered;
    for (const auto &t : timed)
        ordered.push_back(t.second);
    ordered.insert(ordered.end(), out.begin(), out.end());
    return ordered;
}

/// The store rows of a history dialog's steps, in its order (their ids are "row:N").
std::vector<uint32_t> stepRows(const HistoryDialog &d)
{
    std::vector<uint32_t> out;
    for (int i = 0; i < d.steps()->topLevelItemCount(); ++i)
        out.push_back(d.steps()->topLevelItem(i)->data(0, Qt::UserRole).toString().mid(4).toUInt());
    return out;
}

} // namespace


class TstTrailSourceWindow : public SamplesWindowTest
{
    Q_OBJECT

private slots:
    void initTestCase() { QVERIFY2(begin(), "the bundled samples are missing"); }

    void browsesFiltersAndShowsARecord()
    {
        const auto window = shown();
        TrailSourceWindow &w = *window;
        // before the trail's first answer: no timeline, no range to edit (its dates are placeholders)
        QVERIFY(!w.timeline()->isVisible() && !w.fromEdit()->isEnabled() && !w.applyTimeButton()->isEnabled());
        QSignalSpy counts(&w, &TrailSourceWindow::countsShown);
        QVERIFY(counts.wait(10000));
        QVERIFY(settle(w));
        QVERIFY(w.timeline()->isVisible() && w.fromEdit()->isEnabled() && w.applyTimeButton()->isEnabled());
        const QString all = QString::number(m_snap.size());
        QCOMPARE(w.status()->text(), QStringLiteral("%1 of %1 records").arg(all));
        QVERIFY(w.facet(0)->list()->count() > 1);

        // a facet value, as the user activates it: the table and the count follow
        QListWidgetItem *first = w.facet(0)->list()->item(0);
        const QString actor = FacetList::valueOf(first);
        const QString shown = first->text();
        const qulonglong n = shown.section(QLatin1Char('('), -1).chopped(1).toULongLong();
        QVERIFY(n > 0);
        first->setCheckState(Qt::Checked); // (as the user ticks it)
        QVERIFY(counts.wait(10000));
        QCOMPARE(w.status()->text(), QStringLiteral("%1 of %2 records").arg(n).arg(all));
        QTRY_VERIFY_WITH_TIMEOUT(w.model()->rowCount() > 0 && !w.model()->loading(), 10000);
        QVERIFY(fetchAll(w));
        QCOMPARE(qulonglong(w.model()->rowCount()), n);
        for (int r = 0; r < w.model()->rowCount(); ++r)
            QCOMPARE(QString::fromStdString(w.model()->trailRow(r)->values[size_t(Column::Actor)]), actor);

        // the selected record: raw and ECS trees
        QSignalSpy shownRecord(&w, &TrailSourceWindow::recordShown);
        w.table()->selectRow(0);
        QVERIFY(shownRecord.wait(10000));
        QVERIFY(w.rawTree()->topLevelCount() > 5);
        QVERIFY(w.ecsTree()->topLevelCount() > 0);
        QVERIFY(!w.ecsTree()->cellText(QStringLiteral("event")).isNull());

        // a query, then a bad one: said under the bar, the counts stay
        w.queryBox()->setText(QStringLiteral("ActionType:gateway_*"));
        QTest::keyClick(w.queryBox(), Qt::Key_Return);
        QVERIFY(counts.wait(10000));
        const QString withQuery = w.status()->text();
        QVERIFY(withQuery != QStringLiteral("%1 of %2 records").arg(n).arg(all));
        w.queryBox()->setText(QStringLiteral("Actiontype:gateway_*"));
        QTest::keyClick(w.queryBox(), Qt::Key_Return);
        QVERIFY(counts.wait(10000));
        QCOMPARE(w.status()->text(), QStringLiteral("0 of %1 records \u00b7 no record has the field \u201cActiontype\u201d "
                                                    "(names are case-sensitive)").arg(all));
        w.queryBox()->setText(QStringLiteral("ActionType:("));
        QTest::keyClick(w.queryBox(), Qt::Key_Return);
        QTRY_VERIFY_WITH_TIMEOUT(!w.status()->text().startsWith(QStringLiteral("Counting")), 10000);
        QVERIFY(w.status()->text().contains(QLatin1String("at character")));
        QVERIFY2(w.status()->text().startsWith(QLatin1String("The query was not run: ")), qPrintable(w.status()->text()));
        QVERIFY(!w.status()->text().contains(QLatin1Char('\n'))); // the caret's line stays under the bar
    }

    void theRecordIsLinkedValidatedAndItsChangesShown()
    {
        // the main window's detail: a record with before/after values, its fields linked raw to
        // ECS and back, its changes listed, the schema's problems (if any) as the validator says
        size_t row = m_snap.size();
        for (size_t r = 0; r < m_snap.size() && row == m_snap.size(); ++r) {
            const auto rec = nlohmann::ordered_json::parse(m_snap.raw(r));
            if (rec.contains("OldValue") && rec.contains("NewValue") && rec.contains("ActorEmail"))
                row = r;
        }
        QVERIFY(row < m_snap.size());
        const auto window = shown();
        TrailSourceWindow &w = *window;
        QVERIFY(settle(w));
        w.queryBox()->setText(QStringLiteral("ID:\"%1\"").arg(QString::fromStdString(
            nlohmann::ordered_json::parse(m_snap.raw(row)).value("ID", std::string()))));
        QTest::keyClick(w.queryBox(), Qt::Key_Return);
        QVERIFY(settle(w));
        QTRY_VERIFY_WITH_TIMEOUT(w.model()->rowCount() == 1 && !w.model()->loading(), 10000);
        QSignalSpy shownRecord(&w, &TrailSourceWindow::recordShown);
        w.table()->selectRow(0);
        QVERIFY(shownRecord.wait(10000));
        std::string label;
        const auto changes = recordChanges(nlohmann::ordered_json::parse(m_snap.raw(row)), label);
        QVERIFY(!changes.empty());
        QCOMPARE(w.detail()->changesView()->topLevelItemCount(), int(changes.size()));
        QCOMPARE(w.detail()->tabText(1), QStringLiteral("Changes (%1)").arg(changes.size()));
        w.detail()->linkFromRaw(QStringLiteral("ActorEmail"));
        QVERIFY2(w.detail()->linkInfo()->text().contains(QLatin1String("user.email")), qPrintable(w.detail()->linkInfo()->text()));
        w.detail()->linkFromEcs(QStringLiteral("user.email"));
        QVERIFY2(w.detail()->linkInfo()->text().contains(QLatin1String("ActorEmail")), qPrintable(w.detail()->linkInfo()->text()));
        const auto n = intake::normalizeRecord(*intake::IntakeParser::builtin(), m_snap.raw(row), 128, true);
        QVERIFY(n.ok);
        QCOMPARE(w.detail()->diagnostics()->count(),
                 int(ecs::validate(n.result.event, intake::IntakeParser::builtin()->taxonomy()).size()));
        // a new filter: nothing left of it
        w.clearFilters();
        QVERIFY(settle(w));
        QTRY_COMPARE_WITH_TIMEOUT(w.detail()->changesView()->topLevelItemCount(), 0, 10000);
        QCOMPARE(w.rawTree()->topLevelCount(), 0);
    }

    void aValueOfTheRawTreeFiltersTheTrail()
    {
        // "Filter for this value" on a raw field: added to the query with "and" (an "or" query
        // kept whole), the counts those of the query
        const auto window = shown();
        TrailSourceWindow &w = *window;
        QVERIFY(settle(w));
        w.queryBox()->setText(QStringLiteral("ActionType:login or ActionType:create"));
        QTest::keyClick(w.queryBox(), Qt::Key_Return);
        QVERIFY(settle(w));
        QSignalSpy counts(&w, &TrailSourceWindow::countsShown);
        emit w.rawTree()->clauseRequested(QStringLiteral("not ActionType:\"create\""));
        QVERIFY(counts.wait(10000));
        QCOMPARE(w.queryBox()->text(), QStringLiteral("(ActionType:login or ActionType:create) and not ActionType:\"create\""));
        uint64_t logins = 0;
        for (size_t r = 0; r < m_snap.size(); ++r)
            logins += m_snap.value(r, Column::Action) == "login";
        QVERIFY(logins > 0);
        QCOMPARE(w.status()->text(), countsText(logins, m_snap.size()));
    }

    void aNewFilterShowsItsFirstRowsAndNoEarlierRecord()
    {
        // scrolled down with a record shown, then a facet value: the table is back at its first
        // row and the trees are empty (the record shown may not pass the filter)
        const auto window = shown();
        TrailSourceWindow &w = *window;
        QVERIFY(settle(w));
        QVERIFY(fetchAll(w));
        QSignalSpy shownRecord(&w, &TrailSourceWindow::recordShown);
        const int last = w.model()->rowCount() - 1;
        w.table()->selectRow(last);
        w.table()->scrollToBottom();
        QVERIFY(shownRecord.wait(10000));
        QVERIFY(w.rawTree()->topLevelCount() > 0);
        QVERIFY(w.table()->verticalScrollBar()->value() > 0);
        w.facet(1)->list()->item(0)->setCheckState(Qt::Checked);
        QVERIFY(settle(w));
        QTRY_VERIFY_WITH_TIMEOUT(!w.model()->stale(), 10000);
        QCOMPARE(w.table()->verticalScrollBar()->value(), 0);
        QCOMPARE(w.rawTree()->topLevelCount(), 0);
        QCOMPARE(w.ecsTree()->topLevelCount(), 0);
    }

    void aFacetSaysWhenMoreValuesExist()
    {
        // the samples have more actors than a facet lists: the list says so, and its last line
        // is no value to filter by; a facet with fewer values lists them all
        std::set<std::string> actors, types;
        for (size_t r = 0; r < m_snap.size(); ++r) {
            actors.insert(m_snap.value(r, Column::Actor));
            types.insert(m_snap.value(r, Column::ResourceType));
        }
        actors.erase(std::string());
        types.erase(std::string());
        QVERIFY(actors.size() > 50 && types.size() < 50);
        const auto window = shown();
        TrailSourceWindow &w = *window;
        QVERIFY(settle(w));
        QCOMPARE(w.facet(0)->list()->count(), 51);
        QListWidgetItem *more = w.facet(0)->list()->item(50);
        QVERIFY(more->text().contains(QLatin1String("top 50")));
        QCOMPARE(more->flags(), Qt::NoItemFlags);
        QVERIFY(FacetList::valueOf(more).isNull());
        QCOMPARE(size_t(w.facet(2)->list()->count()), types.size());
    }

    void aFacetValueFilteredOutOrBeyondTheTop()
    {
        // the main window's facet list: a value filtered out from its context menu is struck
        // out and its records leave the count; a value kept that is not among the server's
        // top 50 says so, never "0"
        const auto window = shown();
        TrailSourceWindow &w = *window;
        QVERIFY(settle(w));
        QListWidgetItem *first = w.facet(0)->list()->item(0);
        const QString value = FacetList::valueOf(first);
        std::map<std::string, uint64_t> byActor;
        for (size_t r = 0; r < m_snap.size(); ++r)
            ++byActor[m_snap.value(r, Column::Actor)];
        const uint64_t n = byActor[value.toStdString()];
        QVERIFY(n > 0);
        QSignalSpy counts(&w, &TrailSourceWindow::countsShown);
        emit w.facet(0)->excludeRequested(Column::Actor, value); // (Filter out value)
        QVERIFY(counts.wait(10000));
        QCOMPARE(w.status()->text(), countsText(m_snap.size() - n, m_snap.size()));
        QCOMPARE(w.filter().exclude[size_t(Column::Actor)], std::vector<std::string>{value.toStdString()});
        bool struck = false;
        for (int i = 0; i < w.facet(0)->list()->count(); ++i)
            if (FacetList::valueOf(w.facet(0)->list()->item(i)) == value)
                struck = w.facet(0)->list()->item(i)->font().strikeOut();
        QVERIFY(struck);
        // ticked again: back in, not out
        for (int i = 0; i < w.facet(0)->list()->count(); ++i)
            if (FacetList::valueOf(w.facet(0)->list()->item(i)) == value)
                w.facet(0)->list()->item(i)->setCheckState(Qt::Checked);
        QVERIFY(counts.wait(10000));
        QCOMPARE(w.status()->text(), countsText(n, m_snap.size()));
        QVERIFY(w.filter().exclude[size_t(Column::Actor)].empty());

        // an actor with the fewest records, not among the 50 listed, kept
        w.clearFilters();
        QVERIFY(counts.wait(10000));
        std::set<QString> listed;
        for (int i = 0; i < w.facet(0)->list()->count(); ++i)
            listed.insert(FacetList::valueOf(w.facet(0)->list()->item(i)));
        std::string rare;
        for (const auto &[actor, count] : byActor)
            if (!actor.empty() && !listed.count(QString::fromStdString(actor)) && (rare.empty() || count < byActor[rare]))
                rare = actor;
        QVERIFY(!rare.empty());
        emit w.facet(0)->includeToggled(Column::Actor, QString::fromStdString(rare), true); // (Filter for value)
        QVERIFY(counts.wait(10000));
        QCOMPARE(w.status()->text(), countsText(byActor[rare], m_snap.size()));
        QListWidgetItem *kept = w.facet(0)->list()->item(0); // ticked values first
        QCOMPARE(FacetList::valueOf(kept), QString::fromStdString(rare));
        QCOMPARE(kept->checkState(), Qt::Checked);
        QVERIFY2(kept->text().endsWith(QLatin1String("(not in the top 50)")), qPrintable(kept->text()));
    }

    void theTimelineCountsTheMatchedRecords()
    {
        const auto window = shown();
        TrailSourceWindow &w = *window;
        QSignalSpy buckets(&w, &TrailSourceWindow::bucketsShown);
        QVERIFY(buckets.wait(10000));
        const uint64_t timed = countRows(m_snap, INT64_MIN + 1, INT64_MAX, Result::Unknown);
        QVERIFY(timed > 300);
        QCOMPARE(w.timeline()->total(), timed);
        QVERIFY(!w.timeline()->isEmpty());
        // From / To show the matched extent while no range is chosen
        int64_t lo = INT64_MAX, hi = INT64_MIN;
        for (size_t r = 0; r < m_snap.size(); ++r)
            if (m_snap.time(r) != kNoTime)
                lo = std::min(lo, m_snap.time(r)), hi = std::max(hi, m_snap.time(r));
        QCOMPARE(w.fromEdit()->dateTime().toSecsSinceEpoch(), lo / 1000000000);
        QCOMPARE(w.toEdit()->dateTime().toSecsSinceEpoch(), hi / 1000000000);
        // under a result: the buckets follow the counts
        w.resultBox()->setCurrentIndex(2);
        QVERIFY(buckets.wait(10000));
        const uint64_t failed = countRows(m_snap, INT64_MIN + 1, INT64_MAX, Result::Failure);
        QVERIFY(failed > 0 && failed < timed);
        QCOMPARE(w.timeline()->total(), failed);
        QCOMPARE(w.status()->text(), countsText(countRows(m_snap, INT64_MIN, INT64_MAX, Result::Failure), m_snap.size()));
    }

    void aTimeRangeAndAResultGiveTheRowByRowCounts()
    {
        const auto window = shown();
        TrailSourceWindow &w = *window;
        QVERIFY(settle(w));
        QSignalSpy counts(&w, &TrailSourceWindow::countsShown);
        QSignalSpy buckets(&w, &TrailSourceWindow::bucketsShown);

        // typed in From / To (whole seconds, To to its last ns), then a result
        int64_t lo = INT64_MAX, hi = INT64_MIN;
        for (size_t r = 0; r < m_snap.size(); ++r)
            if (m_snap.time(r) != kNoTime)
                lo = std::min(lo, m_snap.time(r)), hi = std::max(hi, m_snap.time(r));
        // the middle half of the samples' extent
        const int64_t from = (lo + (hi - lo) / 4) / 1000000000 * 1000000000;
        const int64_t to = (lo + (hi - lo) / 4 * 3) / 1000000000 * 1000000000 + 999999999;
        w.fromEdit()->setTimeNs(from);
        w.toEdit()->setTimeNs(to);
        w.applyTimeButton()->click();
        QVERIFY(counts.wait(10000));
        QCOMPARE(w.filter().from, from);
        QCOMPARE(w.filter().to, to);
        const uint64_t inRange = countRows(m_snap, from, to, Result::Unknown);
        QVERIFY(inRange > 0 && inRange < m_snap.size());
        QCOMPARE(w.status()->text(), countsText(inRange, m_snap.size()));
        w.resultBox()->setCurrentIndex(1);
        QVERIFY(counts.wait(10000));
        const uint64_t succeeded = countRows(m_snap, from, to, Result::Success);
        QVERIFY(succeeded > 0 && succeeded < inRange);
        QCOMPARE(w.status()->text(), countsText(succeeded, m_snap.size()));
        QTRY_COMPARE_WITH_TIMEOUT(w.timeline()->total(), succeeded, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(!w.pending(), 10000);
        QCOMPARE(qulonglong(w.model()->rowCount()), qulonglong(std::min<uint64_t>(succeeded, 500)));

        // dragged across the timeline: the range is what the chart shows there
        w.resultBox()->setCurrentIndex(0);
        QVERIFY(settle(w));
        QWidget *vp = w.timeline()->viewport();
        const QRect plot = w.timeline()->chart()->plotArea().toRect();
        const int y = plot.center().y();
        QTest::mousePress(vp, Qt::LeftButton, {}, QPoint(plot.left() + plot.width() / 4, y));
        QTest::mouseMove(vp, QPoint(plot.left() + plot.width() / 2, y));
        QTest::mouseRelease(vp, Qt::LeftButton, {}, QPoint(plot.left() + plot.width() * 3 / 4, y));
        QVERIFY(counts.wait(10000));
        const TrailFilter dragged = w.filter();
        QVERIFY(dragged.from > from && dragged.to < to && dragged.from < dragged.to);
        QCOMPARE(w.fromEdit()->dateTime().toSecsSinceEpoch(), dragged.from / 1000000000);
        QCOMPARE(w.status()->text(), countsText(countRows(m_snap, dragged.from, dragged.to, Result::Unknown), m_snap.size()));

        // Clear filters: the whole trail again
        w.clearFiltersButton()->click();
        QVERIFY(counts.wait(10000));
        QCOMPARE(w.filter().from, INT64_MIN);
        QCOMPARE(w.filter().to, INT64_MAX);
        QCOMPARE(w.resultBox()->currentIndex(), 0);
        QCOMPARE(w.status()->text(), countsText(m_snap.size(), m_snap.size()));
    }

    void cancelLeavesTheLastAnswerOnScreen()
    {
        const auto window = shown();
        TrailSourceWindow &w = *window;
        QVERIFY(settle(w));
        QVERIFY(!w.cancelButton()->isVisible());
        const QString last = w.status()->text();
        QCOMPARE(last, countsText(m_snap.size(), m_snap.size()));
        const int facetRows = w.facet(0)->list()->count(), rows = w.model()->rowCount();
        const uint64_t drawn = w.timeline()->total();
        QVERIFY(rows > 0);

        for (int how = 0; how < 2; ++how) {
            QSignalSpy counts(&w, &TrailSourceWindow::countsShown);
            QSignalSpy settled(&w, &TrailSourceWindow::settled);
            QCOMPARE(w.timeline()->isStale(), how > 0); // (after the first cancel, stale)
            w.resultBox()->setCurrentIndex(how == 0 ? 2 : 1); // asks for counts and a page
            QVERIFY(w.pending());
            QVERIFY(w.timeline()->isStale()); // the drawing is the last filter's, and says so
            QVERIFY(w.cancelButton()->isVisible());
            QVERIFY(w.pendingLabel()->text().contains(QLatin1String("counts")));
            if (how == 0)
                w.cancelButton()->click();
            else
                QTest::keyClick(&w, Qt::Key_Escape);
            QVERIFY(settled.wait(10000));
            QVERIFY(!w.pending());
            QVERIFY(!w.cancelButton()->isVisible());
            QVERIFY2(w.status()->text().startsWith(QLatin1String("Cancelled")), qPrintable(w.status()->text()));
            QVERIFY2(w.status()->text().contains(last), qPrintable(w.status()->text()));
            QVERIFY(!counts.wait(300)); // no answer comes after all
            QCOMPARE(w.facet(0)->list()->count(), facetRows);
            QCOMPARE(w.model()->rowCount(), rows); // the rows shown stay
            QVERIFY(w.model()->halted() && !w.model()->canFetchMore({}));
            QCOMPARE(w.timeline()->total(), drawn);
            QVERIFY2(w.timeline()->staleNote().startsWith(QLatin1String("Cancelled")), qPrintable(w.timeline()->staleNote()));
        }

        // a failed request: said, and the last counts stay
        w.queryBox()->setText(QStringLiteral("Action:("));
        QTest::keyClick(w.queryBox(), Qt::Key_Return);
        QVERIFY(settle(w));
        QVERIFY2(w.status()->text().contains(QLatin1String("at character")), qPrintable(w.status()->text()));
        QVERIFY2(w.status()->text().contains(last), qPrintable(w.status()->text()));
        QCOMPARE(w.model()->rowCount(), rows);
        QVERIFY2(w.timeline()->staleNote().startsWith(QLatin1String("Not counted")), qPrintable(w.timeline()->staleNote()));

        // a new filter answers again
        QSignalSpy counts(&w, &TrailSourceWindow::countsShown);
        w.clearFiltersButton()->click();
        QVERIFY(counts.wait(10000));
        QCOMPARE(w.status()->text(), last);
        QVERIFY(settle(w));
        QVERIFY(!w.timeline()->isStale()); // drawn for the filter shown
        QCOMPARE(w.timeline()->total(), drawn);
    }

    void ctrlEndReachesTheTrailsLastRecord()
    {
        // the oldest and newest times, read row by row (an untimed record sorts first)
        int64_t oldest = INT64_MAX, newest = INT64_MIN;
        for (size_t r = 0; r < m_snap.size(); ++r)
            oldest = std::min(oldest, m_snap.time(r)), newest = std::max(newest, m_snap.time(r));
        const auto window = shown();
        TrailSourceWindow &w = *window;
        const auto order = qScopeGuard([&w] { w.setNewestFirst(false); });
        w.model()->setPageSize(40);
        w.setNewestFirst(false);
        QVERIFY(settle(w));
        w.clearFilters();
        QVERIFY(settle(w));
        QCOMPARE(w.model()->rowCount(), 40);
        QVERIFY(w.model()->hasMore());
        const int last = int(m_snap.size()) - 1;

        // a few pages left: loaded, and the last row selected (not the last of the rows loaded)
        w.table()->setFocus();
        QTest::keyClick(w.table(), Qt::Key_End, Qt::ControlModifier);
        QTRY_COMPARE_WITH_TIMEOUT(w.table()->currentIndex().row(), last, 10000);
        QVERIFY(!w.model()->hasMore());
        QCOMPARE(w.model()->rowCount(), last + 1);
        QCOMPARE(w.model()->trailRow(last)->time, newest);
        QVERIFY(!w.model()->newestFirst());

        // more rows left than it loads: the order turns and its first row is the trail's last
        w.setLoadToEnd(10);
        w.clearFilters();
        QVERIFY(settle(w));
        QCOMPARE(w.model()->rowCount(), 40);
        QTest::keyClick(w.table(), Qt::Key_End, Qt::ControlModifier);
        QTRY_VERIFY_WITH_TIMEOUT(w.model()->newestFirst() && w.table()->currentIndex().row() == 0 && !w.pending(), 10000);
        QCOMPARE(w.model()->trailRow(0)->time, newest);
        QVERIFY2(w.statusBar()->currentMessage().startsWith(QLatin1String("The end of the trail: its newest record")),
                 qPrintable(w.statusBar()->currentMessage()));
        QCOMPARE(w.table()->horizontalHeader()->sortIndicatorOrder(), Qt::DescendingOrder);
        // and from newest first, the end is the oldest record
        QTest::keyClick(w.table(), Qt::Key_End, Qt::ControlModifier);
        QTRY_VERIFY_WITH_TIMEOUT(!w.model()->newestFirst() && w.table()->currentIndex().row() == 0 && !w.pending(), 10000);
        QCOMPARE(w.model()->trailRow(0)->time, oldest);
        QVERIFY(w.statusBar()->currentMessage().startsWith(QLatin1String("The end of the trail: its oldest record")));

        // ordered by actor: the end is the last actor's last record, the order turned
        std::string lastActor;
        for (size_t r = 0; r < m_snap.size(); ++r)
            lastActor = std::max(lastActor, m_snap.value(r, Column::Actor));
        w.setOrder(int(Column::Actor), false);
        QVERIFY(settle(w));
        QTRY_VERIFY_WITH_TIMEOUT(!w.model()->stale() && !w.model()->loading(), 10000);
        QTest::keyClick(w.table(), Qt::Key_End, Qt::ControlModifier);
        QTRY_VERIFY_WITH_TIMEOUT(w.model()->descending() && w.table()->currentIndex().row() == 0 && !w.pending(), 10000);
        QCOMPARE(w.model()->sortColumn(), int(Column::Actor));
        QCOMPARE(w.model()->trailRow(0)->values[size_t(Column::Actor)], lastActor);
        QVERIFY2(w.statusBar()->currentMessage().startsWith(QLatin1String("The end of the trail: its last row")),
                 qPrintable(w.statusBar()->currentMessage()));
    }

    void theTimeColumnTurnsTheOrder()
    {
        // the rows come by time: a click on Time shows the newest first, then the oldest again;
        // a column that cannot order them does not pretend to; the order is kept for the next window
        QSettings().remove(QStringLiteral("clickhouseTrail/newestFirst"));
        const auto reset = qScopeGuard([] { QSettings().remove(QStringLiteral("clickhouseTrail/newestFirst")); });
        auto w = shown();
        QVERIFY(settle(*w));
        const std::vector<int64_t> oldest = allTimes(*w);
        QCOMPARE(oldest.size(), m_snap.size());
        QVERIFY(std::is_sorted(oldest.begin(), oldest.end()));
        QVERIFY(oldest.front() < oldest.back());
        QHeaderView *h = w->table()->horizontalHeader();
        QCOMPARE(h->sortIndicatorOrder(), Qt::AscendingOrder);

        clickHeader(*w, SourceTrailModel::Col::Time);
        QVERIFY(w->model()->newestFirst());
        QVERIFY(settle(*w));
        const std::vector<int64_t> newest = allTimes(*w);
        QCOMPARE(newest, std::vector<int64_t>(oldest.rbegin(), oldest.rend()));
        QCOMPARE(h->sortIndicatorSection(), int(SourceTrailModel::Col::Time));
        QCOMPARE(h->sortIndicatorOrder(), Qt::DescendingOrder);

        // a column that cannot order the rows (Resource ID): the order and its indicator stay on Time
        clickHeader(*w, SourceTrailModel::Col::ResourceId);
        QVERIFY(w->model()->newestFirst() && !w->pending());
        QCOMPARE(h->sortIndicatorSection(), int(SourceTrailModel::Col::Time));
        QCOMPARE(h->sortIndicatorOrder(), Qt::DescendingOrder);

        // the next window opens newest first; a click there turns it back
        w.reset();
        auto again = shown();
        QVERIFY(again->model()->newestFirst());
        QVERIFY(settle(*again));
        QCOMPARE(again->model()->trailRow(0)->time, oldest.back());
        clickHeader(*again, SourceTrailModel::Col::Time);
        QVERIFY(settle(*again));
        QCOMPARE(again->model()->trailRow(0)->time, oldest.front());
        QVERIFY(!QSettings().value(QStringLiteral("clickhouseTrail/newestFirst")).toBool());
    }

    void aHistoryDialogReadsEveryRecordAPageAtATime()
    {
        // everything one actor did, asked of a source a few records at a time: every record
        // of it once, oldest first, the summary from their raw bytes; at a limit, it says how
        // many there are; a bad query says so
        std::map<std::string, uint32_t> byActor; // the actor with the most records, and one of its rows
        std::map<std::string, size_t> records;
        for (size_t r = 0; r < m_snap.size(); ++r)
            if (const auto rec = nlohmann::ordered_json::parse(m_snap.raw(r)); rec.contains("ActorEmail")) {
                byActor[rec["ActorEmail"].get<std::string>()] = uint32_t(r);
                ++records[rec["ActorEmail"].get<std::string>()];
            }
        const auto most = std::max_element(records.begin(), records.end(), [](const auto &a, const auto &b) { return a.second < b.second; });
        QVERIFY(most != records.end());
        const std::string q = *query::actorHistoryQuery(nlohmann::ordered_json::parse(m_snap.raw(byActor[most->first])));
        const std::vector<uint32_t> want = historyRows(m_snap, q);
        QVERIFY(want.size() > 6);
        {
            HistoryDialog d(HistoryDialog::Kind::Actor, QStringLiteral("x"), QString::fromStdString(q),
                            std::make_unique<EmbeddedTrail>(m_snap, "samples"));
            d.setLimits(2, HistoryDialog::kMaxSteps);
            QSignalSpy ready(&d, &HistoryDialog::ready);
            QVERIFY(ready.wait(20000));
            QCOMPARE(stepRows(d), want);
            QCOMPARE(ready.count(), 1);
            QVERIFY2(d.summary()->text().startsWith(QStringLiteral("%1 records").arg(want.size())), qPrintable(d.summary()->text()));
            QVERIFY(d.summary()->text().contains(QLatin1String("IP addresses:")));
            QVERIFY(!d.summary()->text().contains(QLatin1String("first")));
        }
        {
            HistoryDialog d(HistoryDialog::Kind::Actor, QStringLiteral("x"), QString::fromStdString(q),
                            std::make_unique<EmbeddedTrail>(m_snap, "samples"));
            d.setLimits(2, 5);
            QSignalSpy ready(&d, &HistoryDialog::ready);
            QVERIFY(ready.wait(20000));
            QCOMPARE(stepRows(d), std::vector<uint32_t>(want.begin(), want.begin() + 5));
            QVERIFY2(d.summary()->text().startsWith(QStringLiteral("The first 5 of %1 records").arg(want.size())),
                     qPrintable(d.summary()->text()));
            QVERIFY(d.summary()->text().contains(QLatin1String("In the records read:")));
        }
        {
            HistoryDialog d(HistoryDialog::Kind::Resource, QStringLiteral("x"), QStringLiteral("ResourceID:(\"a\" or"),
                            std::make_unique<EmbeddedTrail>(m_snap, "samples"));
            QSignalSpy ready(&d, &HistoryDialog::ready);
            QVERIFY(ready.wait(20000));
            QCOMPARE(d.steps()->topLevelItemCount(), 0);
            QVERIFY2(d.summary()->text().startsWith(QLatin1String("The history could not be read: query, at character")),
                     qPrintable(d.summary()->text()));
        }
        // closed while it reads: nothing answers a dialog that is gone
        {
            auto *d = new HistoryDialog(HistoryDialog::Kind::Actor, QStringLiteral("x"), QString::fromStdString(q),
                                        std::make_unique<EmbeddedTrail>(m_snap, "samples"));
            d->setLimits(1, HistoryDialog::kMaxSteps);
            QTest::qWait(5);
            delete d;
            QTest::qWait(50);
        }
    }

    void aHistoryFromAServerThatDoesNotAnswerSaysSo()
    {
        // a ClickHouse trail whose server is gone: the dialog says so plainly, and is ready
        clickhouse::Endpoint ep;
        std::string error;
        QVERIFY(clickhouse::makeEndpoint("http://127.0.0.1:1", "", ep, error));
        clickhouse::TrailTable t;
        HistoryDialog d(HistoryDialog::Kind::Actor, QStringLiteral("x"), QStringLiteral("ActorEmail:\"a@x\""),
                        clickhouse::openRemoteTrail(ep, t));
        QSignalSpy ready(&d, &HistoryDialog::ready);
        QVERIFY(ready.wait(20000));
        QCOMPARE(d.steps()->topLevelItemCount(), 0);
        QVERIFY2(d.summary()->text().startsWith(QLatin1String("The history could not be read: ")), qPrintable(d.summary()->text()));
        QVERIFY2(d.summary()->text().contains(QLatin1String("unreachable")), qPrintable(d.summary()->text()));
    }

    void theHistoryOfTheSelectedRecord()
    {
        // a resource with several records (one without a time), as the user finds it: a query,
        // a row, Ctrl+H
        EventStore store;
        store.load(SourceSpec::memory("m",
            "{\"ID\":\"3\",\"When\":\"2023-03-01T00:00:03Z\",\"ActionType\":\"delete\",\"ActorEmail\":\"a@x\",\"ActorIP\":\"10.0.0.1\",\"ResourceID\":\"r1\",\"ResourceType\":\"rule\"}\n"
            "{\"ID\":\"1\",\"When\":\"2023-03-01T00:00:01Z\",\"ActionType\":\"create\",\"ActorEmail\":\"a@x\",\"ResourceID\":\"r1\",\"ResourceType\":\"rule\",\"NewValue\":{\"on\":true}}\n"
            "{\"ID\":\"x\",\"When\":\"2023-03-01T00:00:00Z\",\"ActionType\":\"create\",\"ActorEmail\":\"b@x\",\"ResourceID\":\"r2\",\"ResourceType\":\"rule\"}\n"
            "{\"ID\":\"2\",\"When\":\"2023-03-01T00:00:02Z\",\"ActionType\":\"update\",\"ActorEmail\":\"b@x\",\"ResourceID\":\"r1\",\"ResourceType\":\"rule\",\"OldValue\":{\"on\":true},\"NewValue\":{\"on\":false}}\n"
            "{\"ID\":\"4\",\"ActionType\":\"update\",\"ActorEmail\":\"a@x\",\"ResourceID\":\"r1\",\"ResourceType\":\"rule\"}\n"), {});
        const Snapshot snap = store.snapshot();
        QCOMPARE(snap.size(), size_t(5));
        TrailSourceWindow w(std::make_unique<EmbeddedTrail>(snap, "mem"), intake::IntakeParser::builtin());
        w.resize(1280, 800);
        w.show();
        QVERIFY(settle(w));
        w.queryBox()->setText(QStringLiteral("ResourceID:\"r1\""));
        QTest::keyClick(w.queryBox(), Qt::Key_Return);
        QVERIFY(settle(w));
        QTRY_VERIFY_WITH_TIMEOUT(w.model()->rowCount() > 0 && !w.model()->loading(), 10000);
        // before its record is read, the history waits for it
        w.table()->setCurrentIndex(w.model()->index(0, 0));
        w.showHistory(false); // (the record's bytes are asked, never answered inside the call)
        QVERIFY(!w.findChild<HistoryDialog *>());
        QVERIFY2(w.statusBar()->currentMessage().contains(QLatin1String("still being read")),
                 qPrintable(w.statusBar()->currentMessage()));
        QTRY_VERIFY_WITH_TIMEOUT(w.rawTree()->topLevelCount() > 0, 10000);
        QApplication::setActiveWindow(&w);
        QVERIFY(QTest::qWaitForWindowActive(&w));
        QTest::keyClick(w.table(), Qt::Key_H, Qt::ControlModifier);
        auto *dlg = w.findChild<HistoryDialog *>();
        QVERIFY(dlg);
        QSignalSpy ready(dlg, &HistoryDialog::ready);
        QVERIFY(ready.wait(20000));
        const uint32_t first = uint32_t(std::stoul(w.model()->trailRow(0)->id.substr(4)));
        const auto q = query::resourceHistoryQuery(nlohmann::ordered_json::parse(snap.raw(first)));
        QVERIFY(q);
        QCOMPARE(dlg->query(), QString::fromStdString(*q));
        const std::vector<uint32_t> want = historyRows(snap, *q);
        QCOMPARE(want, (std::vector<uint32_t>{1, 3, 0, 4})); // oldest first, the record without a time last
        QCOMPARE(stepRows(*dlg), want);
        QCOMPARE(dlg->steps()->topLevelItem(3)->text(0), QStringLiteral("(no time)"));
        QVERIFY(dlg->steps()->topLevelItem(1)->text(4).contains(QStringLiteral("on: true \u2192 false")));
        // a step activated: its record selected in the window's table
        QTreeWidgetItem *last = dlg->steps()->topLevelItem(dlg->steps()->topLevelItemCount() - 1);
        emit dlg->steps()->itemActivated(last, 0);
        QCOMPARE(QString::fromStdString(w.model()->trailRow(w.table()->currentIndex().row())->id),
                 last->data(0, Qt::UserRole).toString());
        // Show in trail: the window's query is the history's
        QSignalSpy counts(&w, &TrailSourceWindow::countsShown);
        emit dlg->showInTrail(dlg->query());
        QVERIFY(counts.wait(10000));
        QCOMPARE(w.queryBox()->text(), dlg->query());
        QCOMPARE(w.status()->text(), countsText(want.size(), snap.size()));
        delete dlg;

        // everything the actor did (Ctrl+Shift+H)
        QTRY_VERIFY_WITH_TIMEOUT(w.model()->rowCount() > 0 && !w.model()->loading(), 10000);
        const uint32_t shownRow = uint32_t(std::stoul(w.model()->trailRow(0)->id.substr(4)));
        w.table()->setCurrentIndex(w.model()->index(0, 0));
        QTRY_VERIFY_WITH_TIMEOUT(w.rawTree()->topLevelCount() > 0, 10000);
        QApplication::setActiveWindow(&w);
        QVERIFY(QTest::qWaitForWindowActive(&w));
        QTest::keyClick(w.table(), Qt::Key_H, Qt::ControlModifier | Qt::ShiftModifier);
        auto *actor = w.findChild<HistoryDialog *>();
        QVERIFY(actor);
        QSignalSpy actorReady(actor, &HistoryDialog::ready);
        QVERIFY(actorReady.wait(20000));
        const auto aq = query::actorHistoryQuery(nlohmann::ordered_json::parse(snap.raw(shownRow)));
        QVERIFY(aq);
        QCOMPARE(QString::fromStdString(*aq), QStringLiteral("ActorEmail:\"a@x\""));
        QCOMPARE(stepRows(*actor), (std::vector<uint32_t>{1, 0, 4}));
        QVERIFY2(actor->summary()->text().contains(QLatin1String("IP addresses:</b> 10.0.0.1 (1)")), qPrintable(actor->summary()->text()));
    }

    void aColumnsHeaderOrdersTheRows()
    {
        // a click on Actor: by actor, then time; again: turned; on Resource ID (no order by
        // it): a word why, the order kept; on Time: by time again
        const auto window = shown();
        TrailSourceWindow &w = *window;
        QVERIFY(settle(w));
        const auto actors = [&w] {
            std::vector<std::string> out;
            for (int r = 0; r < w.model()->rowCount(); ++r)
                out.push_back(w.model()->trailRow(r)->values[size_t(Column::Actor)]);
            return out;
        };
        std::vector<std::string> all;
        for (size_t r = 0; r < m_snap.size(); ++r)
            all.push_back(m_snap.value(r, Column::Actor));
        std::sort(all.begin(), all.end());
        clickHeader(w, SourceTrailModel::Col::Actor);
        QTRY_VERIFY_WITH_TIMEOUT(!w.model()->stale() && !w.model()->loading(), 10000);
        QCOMPARE(w.model()->sortColumn(), int(Column::Actor));
        QCOMPARE(w.table()->horizontalHeader()->sortIndicatorSection(), int(SourceTrailModel::Col::Actor));
        QVERIFY(fetchAll(w));
        QCOMPARE(actors(), all);
        clickHeader(w, SourceTrailModel::Col::Actor);
        QTRY_VERIFY_WITH_TIMEOUT(!w.model()->stale() && !w.model()->loading(), 10000);
        QVERIFY(w.model()->descending());
        QCOMPARE(w.table()->horizontalHeader()->sortIndicatorOrder(), Qt::DescendingOrder);
        QVERIFY(fetchAll(w));
        std::reverse(all.begin(), all.end());
        QCOMPARE(actors(), all);
        clickHeader(w, SourceTrailModel::Col::ResourceId);
        QCOMPARE(w.model()->sortColumn(), int(Column::Actor));
        QCOMPARE(w.table()->horizontalHeader()->sortIndicatorSection(), int(SourceTrailModel::Col::Actor));
        QVERIFY(w.statusBar()->currentMessage().contains(QLatin1String("not by this one")));
        clickHeader(w, SourceTrailModel::Col::Time);
        QTRY_VERIFY_WITH_TIMEOUT(!w.model()->stale() && !w.model()->loading(), 10000);
        QCOMPARE(w.model()->sortColumn(), -1);
        QCOMPARE(w.table()->horizontalHeader()->sortIndicatorSection(), int(SourceTrailModel::Col::Time));
        const std::vector<int64_t> times = allTimes(w);
        QVERIFY(std::is_sorted(times.begin(), times.end()) || std::is_sorted(times.rbegin(), times.rend()));
    }
};

QTEST_MAIN(TstTrailSourceWindow)
#include "tst_trailsourcewindow.moc"
