// SPDX-License-Identifier: MIT
// The ClickHouse trail window against a running ClickHouse (AUDITLENS_CLICKHOUSE_URL; CI's
// 40-clickhouse step): the samples shipped there, side by side with the same window over the
// file, compared as a user reads them after every step: counts, facets, timeline, rows, the
// record's trees, its history, the Fields panel and the query bar's completion.
#include "../core/clickhousefixture.h"
#include "../core/samplestore.h"
#include "clickhouse/remotetrail.h"
#include "facetlist.h"
#include "fieldspanel.h"
#include "historydialog.h"
#include "intake/engine.h"
#include "jsontree.h"
#include "querycompleter.h"
#include "recorddetail.h"
#include "store/embeddedtrail.h"
#include "trailsourcewindowcheck.h"

#include <QAbstractItemView>
#include <QComboBox>
#include <QCompleter>
#include <QDockWidget>
#include <QLineEdit>
#include <QListWidget>
#include <QScopeGuard>
#include <QSettings>
#include <QStandardPaths>
#include <QTableView>
#include <QTreeWidget>

#include <array>
#include <set>

using namespace auditlens;
using namespace auditlens::ui;
using namespace auditlens::ui::windowcheck;

class TstClickHouseWindow : public SamplesWindowTest
{
    Q_OBJECT

private slots:
    void initTestCase() { QVERIFY2(begin(), "the bundled samples are missing"); }

    void aClickHouseTrailShowsWhatTheFileShows()
    {
        REQUIRE_CLICKHOUSE();
        using namespace clickhouse;
        Client c(testing::serverEndpoint());
        TrailTable t;
        t.table = testing::freshTable();
        for (const QByteArray &sql : initStatements(t, false))
            QVERIFY(runBlockingCliOnly(c, sql).ok());
        const auto drop = qScopeGuard([&] {
            runBlockingCliOnly(c, "SYSTEM START MERGES");
            runBlockingCliOnly(c, "DROP TABLE IF EXISTS " + t.qualified());
        });
        // shipped twice, merges stopped: every record has a copy, and counts once all the same
        QVERIFY(runBlockingCliOnly(c, "SYSTEM STOP MERGES").ok());
        QVERIFY(testing::ship(c, t, m_snap, 100));
        QVERIFY(testing::ship(c, t, m_snap, 1000));
        TrailSourceWindow remote(openRemoteTrail(testing::serverEndpoint(), t), intake::IntakeParser::builtin());
        remote.resize(1280, 800);
        remote.show();
        const auto local = shown();
        compareWindows(remote, *local);
        if (QTest::currentTestFailed())
            return;
        QCOMPARE(remote.status()->text(), countsText(m_snap.size(), m_snap.size()));

        // a facet value, a result, a time range, a text search: the same after each
        QListWidgetItem *actor = remote.facet(0)->list()->item(1);
        const QString value = FacetList::valueOf(actor);
        actor->setCheckState(Qt::Checked);
        for (int i = 0; i < local->facet(0)->list()->count(); ++i)
            if (FacetList::valueOf(local->facet(0)->list()->item(i)) == value)
                local->facet(0)->list()->item(i)->setCheckState(Qt::Checked);
        compareWindows(remote, *local);
        QVERIFY(remote.status()->text() != countsText(m_snap.size(), m_snap.size()));
        remote.clearFilters();
        local->clearFilters();
        remote.resultBox()->setCurrentIndex(2);
        local->resultBox()->setCurrentIndex(2);
        compareWindows(remote, *local);
        remote.resultBox()->setCurrentIndex(3); // no result
        local->resultBox()->setCurrentIndex(3);
        compareWindows(remote, *local);
        size_t none = 0;
        for (size_t r = 0; r < m_snap.size(); ++r)
            none += m_snap.result(r) == Result::Unknown;
        QVERIFY(none > 0 && none < m_snap.size());
        QCOMPARE(remote.status()->text(), countsText(none, m_snap.size()));
        remote.resultBox()->setCurrentIndex(2);
        local->resultBox()->setCurrentIndex(2);
        int64_t lo = INT64_MAX, hi = INT64_MIN;
        for (size_t r = 0; r < m_snap.size(); ++r)
            if (m_snap.time(r) != kNoTime)
                lo = std::min(lo, m_snap.time(r)), hi = std::max(hi, m_snap.time(r));
        remote.setTimeRange(lo + (hi - lo) / 3, hi - (hi - lo) / 3);
        local->setTimeRange(lo + (hi - lo) / 3, hi - (hi - lo) / 3);
        compareWindows(remote, *local);
        for (TrailSourceWindow *w : {&remote, local.get()}) {
            w->clearFilters();
            w->searchBox()->setText(QStringLiteral("GATEWAY"));
            QTest::keyClick(w->searchBox(), Qt::Key_Return);
        }
        compareWindows(remote, *local);
        // a KQL query by raw fields, run as SQL on the server: the same records
        for (TrailSourceWindow *w : {&remote, local.get()}) {
            w->clearFilters();
            w->queryBox()->setText(QStringLiteral("ActionType:gateway_* and NewValue.precedence >= 14000"));
            QTest::keyClick(w->queryBox(), Qt::Key_Return);
        }
        compareWindows(remote, *local);
        QVERIFY(remote.status()->text() != countsText(m_snap.size(), m_snap.size()));
        QVERIFY(!remote.status()->text().startsWith(QLatin1String("0 of")));
        // a misspelt field: nothing matches, and both say which field no record has
        for (TrailSourceWindow *w : {&remote, local.get()}) {
            w->queryBox()->setText(QStringLiteral("ActionType:gateway_* and NewValue.precedense >= 14000"));
            QTest::keyClick(w->queryBox(), Qt::Key_Return);
        }
        compareWindows(remote, *local);
        QVERIFY2(remote.status()->text().contains(QStringLiteral("no record has the field \u201cNewValue.precedense\u201d")),
                 qPrintable(remote.status()->text()));
        for (TrailSourceWindow *w : {&remote, local.get()}) {
            w->queryBox()->setText(QStringLiteral("ActionType:gateway_* and NewValue.precedence >= 14000"));
            QTest::keyClick(w->queryBox(), Qt::Key_Return);
        }
        compareWindows(remote, *local);
        // the same rows newest first (the server's descending pages against the store's)
        for (TrailSourceWindow *w : {&remote, local.get()})
            w->setNewestFirst(true);
        compareWindows(remote, *local);
        QVERIFY(remote.model()->rowCount() > 1);
        QVERIFY(remote.model()->trailRow(0)->time >= remote.model()->trailRow(remote.model()->rowCount() - 1)->time);
        for (TrailSourceWindow *w : {&remote, local.get()})
            w->setNewestFirst(false);
        compareWindows(remote, *local); // (the rows replaced before one is selected)

        // the first record, fetched by ID from ClickHouse: the same raw and ECS trees
        QSignalSpy shownRemote(&remote, &TrailSourceWindow::recordShown), shownLocal(local.get(), &TrailSourceWindow::recordShown);
        remote.table()->selectRow(0);
        local->table()->selectRow(0);
        QVERIFY(shownRemote.wait(10000));
        QVERIFY(!shownLocal.isEmpty() || shownLocal.wait(10000));
        QCOMPARE(remote.rawTree()->topLevelCount(), local->rawTree()->topLevelCount());
        QCOMPARE(remote.ecsTree()->topLevelCount(), local->ecsTree()->topLevelCount());
        QCOMPARE(remote.ecsTree()->cellText(QStringLiteral("event")), local->ecsTree()->cellText(QStringLiteral("event")));
        QCOMPARE(remote.ecsTree()->cellText(QStringLiteral("user")), local->ecsTree()->cellText(QStringLiteral("user")));
        // linked, validated and compared as from the file
        QCOMPARE(remote.detail()->changesView()->topLevelItemCount(), local->detail()->changesView()->topLevelItemCount());
        QCOMPARE(remote.detail()->diagnostics()->count(), local->detail()->diagnostics()->count());
        for (TrailSourceWindow *w : {&remote, local.get()})
            w->detail()->linkFromRaw(QStringLiteral("ActionType"));
        QCOMPARE(remote.detail()->linkInfo()->text(), local->detail()->linkInfo()->text());
        QVERIFY(remote.detail()->linkInfo()->text().contains(QLatin1String("event.action")));

        // the history of that record's resource and of its actor, read from ClickHouse: the
        // same steps, with the same changes, as from the file
        int compared = 0;
        for (const bool actorHistory : {false, true}) {
            std::array<HistoryDialog *, 2> dialogs{};
            for (TrailSourceWindow *w : {&remote, local.get()}) {
                for (HistoryDialog *old : w->findChildren<HistoryDialog *>())
                    delete old;
                w->showHistory(actorHistory);
                dialogs[w == &remote ? 0 : 1] = w->findChild<HistoryDialog *>();
            }
            if (!dialogs[0] && !dialogs[1])
                continue; // (the record names no resource: both said so)
            QVERIFY(dialogs[0] && dialogs[1]);
            // (both were opened before either is waited for: a spy of each, first)
            QSignalSpy remoteReady(dialogs[0], &HistoryDialog::ready), localReady(dialogs[1], &HistoryDialog::ready);
            for (QSignalSpy *ready : {&remoteReady, &localReady})
                QVERIFY(!ready->isEmpty() || ready->wait(20000));
            QCOMPARE(dialogs[0]->query(), dialogs[1]->query());
            QVERIFY(dialogs[1]->steps()->topLevelItemCount() > 0);
            QCOMPARE(dialogs[0]->steps()->topLevelItemCount(), dialogs[1]->steps()->topLevelItemCount());
            std::multiset<QString> steps[2];
            for (int k = 0; k < 2; ++k)
                for (int i = 0; i < dialogs[k]->steps()->topLevelItemCount(); ++i) {
                    QStringList cells;
                    for (int col = 0; col < 5; ++col)
                        cells << dialogs[k]->steps()->topLevelItem(i)->text(col);
                    steps[k].insert(cells.join(QLatin1Char('|')));
                }
            QCOMPARE(steps[0], steps[1]);
            QCOMPARE(dialogs[0]->summary()->text(), dialogs[1]->summary()->text());
            ++compared;
        }
        QVERIFY(compared > 0);

        // the Fields panel over the trail: the same fields, counted alike, the same top values
        // under the filter, and a value filters both trails alike
        for (TrailSourceWindow *w : {&remote, local.get()}) {
            w->clearFilters();
            w->fieldsDock()->show();
        }
        QTRY_VERIFY_WITH_TIMEOUT(!remote.fieldsPanel()->fieldPaths().isEmpty() && !local->fieldsPanel()->fieldPaths().isEmpty(), 20000);
        QCOMPARE(remote.fieldsPanel()->fieldPaths(), local->fieldsPanel()->fieldPaths());
        QVERIFY(remote.fieldsPanel()->fieldPaths().contains(QStringLiteral("NewValue.precedence")));
        const auto rows = [](QTreeWidget *tree) {
            QStringList out;
            for (int i = 0; i < tree->topLevelItemCount(); ++i)
                out << tree->topLevelItem(i)->text(0) + QLatin1Char('|') + tree->topLevelItem(i)->text(1) + QLatin1Char('|')
                        + tree->topLevelItem(i)->text(2);
            return out;
        };
        QCOMPARE(rows(remote.fieldsPanel()->fieldsView()), rows(local->fieldsPanel()->fieldsView()));
        for (TrailSourceWindow *w : {&remote, local.get()}) {
            w->queryBox()->setText(QStringLiteral("ResourceType:gateway*"));
            QTest::keyClick(w->queryBox(), Qt::Key_Return);
        }
        compareWindows(remote, *local);
        for (TrailSourceWindow *w : {&remote, local.get()})
            w->fieldsPanel()->selectField(QStringLiteral("ActionType"));
        QTRY_VERIFY_WITH_TIMEOUT(!remote.fieldsPanel()->isBusy() && !local->fieldsPanel()->isBusy()
                                     && remote.fieldsPanel()->valuesView()->topLevelItemCount() > 1,
                                 20000);
        QCOMPARE(rows(remote.fieldsPanel()->valuesView()), rows(local->fieldsPanel()->valuesView()));
        const qulonglong chosen = remote.fieldsPanel()->valuesView()->topLevelItem(1)->text(1).toULongLong();
        for (TrailSourceWindow *w : {&remote, local.get()}) {
            QTreeWidget *v = w->fieldsPanel()->valuesView();
            v->setCurrentItem(v->topLevelItem(1));
            emit v->itemActivated(v->topLevelItem(1), 0);
        }
        compareWindows(remote, *local);
        QVERIFY(remote.queryBox()->text().startsWith(QLatin1String("ResourceType:gateway* and ActionType:")));
        QCOMPARE(remote.queryBox()->text(), local->queryBox()->text());
        QCOMPARE(remote.status()->text(), countsText(chosen, m_snap.size()));

        // completion in the query bar: the same values offered after a field's colon
        QStringList offered[2];
        for (TrailSourceWindow *w : {&remote, local.get()}) {
            w->queryBox()->clear();
            w->activateWindow();
            w->queryBox()->setFocus();
            QTRY_VERIFY(w->queryBox()->hasFocus());
            QSignalSpy values(w->queryCompleter(), &QueryCompleter::valuesOffered);
            QTest::keyClicks(w->queryBox(), QStringLiteral("ActorEmail:"));
            QTRY_VERIFY_WITH_TIMEOUT(!values.isEmpty(), 20000);
            QCompleter *completer = w->queryCompleter()->completer();
            for (int i = 0; i < completer->completionModel()->rowCount(); ++i)
                offered[w == &remote ? 0 : 1] << completer->completionModel()->index(i, 0).data().toString();
            completer->popup()->hide();
        }
        QVERIFY(!offered[0].isEmpty());
        QCOMPARE(offered[0], offered[1]);
    }
};

QTEST_MAIN(TstClickHouseWindow)
#include "tst_clickhousewindow.moc"
