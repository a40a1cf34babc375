// SPDX-License-Identifier: MIT
// The main window, offscreen: loading, filters and facet counts, record detail, linked
// selection through provenance, the Changes view and rejected records.
#include "facetlist.h"
#include "jsontree.h"
#include "mainwindow.h"
#include "receiverpanel.h"
#include "receiver/sender.h"
#include "trailmodel.h"

#include <QAbstractItemModelTester>
#include <QListWidget>
#include <QElapsedTimer>
#include <QSignalSpy>

#include <set>
#include <QTabWidget>
#include <QStandardPaths>
#include <QTableView>
#include <QTest>
#include <QTreeWidget>
#include <QTcpServer>
#include <QTemporaryDir>

using namespace auditlens;
using namespace auditlens::ui;

namespace {
QString data(const char *rel) { return QStringLiteral(AUDITLENS_TEST_DATA "/") + QString::fromLatin1(rel); }

std::vector<QString> column(MainWindow &w, int col)
{
    std::vector<QString> out;
    for (int r = 0; r < w.trailModel()->rowCount(); ++r)
        out.push_back(w.trailModel()->data(w.trailModel()->index(r, col), TrailModel::ColumnValueRole).toString());
    return out;
}

/// Once the facet counts of the filter on screen are in (they are asked of the trail after
/// the table shows its rows).
bool counted(MainWindow &w)
{
    QElapsedTimer t;
    t.start();
    while (w.countsPending() && t.elapsed() < 20000)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
    return !w.countsPending();
}

uint64_t facetCount(MainWindow &w, Column c, const QString &value)
{
    if (!counted(w))
        return UINT64_MAX;
    QListWidget *list = w.facet(c)->list();
    for (int i = 0; i < list->count(); ++i)
        if (list->item(i)->toolTip() == value) {
            const QString t = list->item(i)->text();
            return t.mid(t.lastIndexOf(QLatin1Char('(')) + 1).chopped(1).toULongLong();
        }
    return 0;
}

uint32_t idOf(MainWindow &w, Column c, const char *value) { return *w.trailModel()->snapshot().dict(c).find(value); }

void load(MainWindow &w, const QStringList &files)
{
    QSignalSpy done(&w, &MainWindow::loadFinished);
    w.openSources(files);
    QVERIFY(done.wait(20000));
}
} // namespace

class TstMainWindow : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void opensFilesAndListsRejected()
    {
        MainWindow w;
        load(w, {data("mixed.ndjson")});
        QCOMPARE(w.trailModel()->rowCount(), 4);
        QCOMPARE(w.statusText(), QStringLiteral("4 of 4 records"));
        QCOMPARE(w.rejectedList()->count(), 3);
        QVERIFY(w.rejectedList()->item(0)->text().startsWith(data("mixed.ndjson") + QStringLiteral(":3: error:")));
        QVERIFY(w.rejectedList()->item(1)->text().contains(QStringLiteral(":4: error:")));
        QVERIFY(w.rejectedList()->item(2)->text().contains(QStringLiteral(":7: error:")));
        // several sources merge into one trail ordered by time, with a Source column
        load(w, {data("mixed.ndjson"), data("seed/raw_samples.json")});
        QCOMPARE(w.trailModel()->rowCount(), 9);
        const auto times = column(w, TrailModel::Time);
        QVERIFY(std::is_sorted(times.begin(), times.end()));
        QVERIFY(column(w, TrailModel::Source).front().endsWith(QStringLiteral("mixed.ndjson")));
    }

    void filtersAndFacetCounts()
    {
        MainWindow w;
        QAbstractItemModelTester tester(w.trailModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        load(w, {data("mixed.ndjson"), data("seed/raw_samples.json")});
        QCOMPARE(facetCount(w, Column::Actor, QStringLiteral("john.doe@example.org")), uint64_t(5));
        // each list says how many values it has
        for (const Column c : {Column::Actor, Column::Action, Column::ResourceType}) {
            std::set<std::string> values;
            const Snapshot snap = w.trailModel()->snapshot();
            for (size_t r = 0; r < snap.size(); ++r)
                values.insert(snap.value(r, c));
            QVERIFY(values.size() > 1);
            QVERIFY2(w.facet(c)->title().endsWith(QStringLiteral(" — %1").arg(values.size())), qPrintable(w.facet(c)->title()));
        }
        QCOMPARE(facetCount(w, Column::ResourceType, QStringLiteral("dns_record")), uint64_t(2));
        // include an actor
        w.filter().include[size_t(Column::Actor)] = {idOf(w, Column::Actor, "john.doe@example.org")};
        w.applyFilter();
        QCOMPARE(w.trailModel()->rowCount(), 5);
        // resource type facet counts follow the actor filter; the actor facet ignores its own
        QCOMPARE(facetCount(w, Column::ResourceType, QStringLiteral("logpush job")), uint64_t(2));
        QCOMPARE(facetCount(w, Column::ResourceType, QStringLiteral("dns_record")), uint64_t(0));
        QCOMPARE(facetCount(w, Column::Actor, QStringLiteral("alice@example.com")), uint64_t(1));
        // and an action
        w.filter().include[size_t(Column::Action)] = {idOf(w, Column::Action, "job_update")};
        w.applyFilter();
        QCOMPARE(w.trailModel()->rowCount(), 1);
        QCOMPARE(w.statusText(), QStringLiteral("1 of 9 records"));
        // exclude a resource type instead
        w.filter().include[size_t(Column::Action)].clear();
        w.filter().exclude[size_t(Column::ResourceType)] = {idOf(w, Column::ResourceType, "logpush job")};
        w.applyFilter();
        QCOMPARE(w.trailModel()->rowCount(), 3);
        for (const QString &t : column(w, TrailModel::ResourceType))
            QVERIFY(t != QStringLiteral("logpush job"));
        w.clearFilters();
        QCOMPARE(w.trailModel()->rowCount(), 9);
        // result
        w.setResultFilter(Result::Failure);
        QCOMPARE(column(w, TrailModel::Action), (std::vector<QString>{QStringLiteral("login")}));
        w.setResultFilter(Result::Unknown);
        // text
        w.setTextSearch(QStringLiteral("192.0.2.9"));
        QCOMPARE(column(w, TrailModel::Action), (std::vector<QString>{QStringLiteral("rec_set")}));
        w.setTextSearch(QString());
        // time range: the seed's 2023-02-24 records only
        w.setTimeRange(1677196800LL * 1000000000LL, 1677283199LL * 1000000000LL);
        QCOMPARE(w.trailModel()->rowCount(), 5);
        // combination: time + actor type + text
        w.setTextSearch(QStringLiteral("logpush"));
        QCOMPARE(w.trailModel()->rowCount(), 2);
    }

    void facetListsFilterByTheirValues()
    {
        // as the user uses a facet list: a value ticked, then filtered out from its context
        // menu, then "(none)" (the records with no value) ticked
        MainWindow w;
        QSignalSpy loaded(&w, &MainWindow::loadFinished);
        w.appendText(QStringLiteral("pasted"), "{\"ID\":\"1\",\"ActorEmail\":\"a@x\",\"ActionType\":\"x\"}\n"
                                               "{\"ID\":\"2\",\"ActorEmail\":\"a@x\",\"ActionType\":\"y\"}\n"
                                               "{\"ID\":\"3\",\"ActorEmail\":\"b@x\",\"ActionType\":\"x\"}\n"
                                               "{\"ID\":\"4\",\"ActionType\":\"z\"}\n");
        QVERIFY(loaded.wait(20000));
        QCOMPARE(w.trailModel()->rowCount(), 4);
        QVERIFY(counted(w));
        QListWidget *list = w.facet(Column::Actor)->list();
        const auto item = [list](const QString &value) -> QListWidgetItem * {
            for (int i = 0; i < list->count(); ++i)
                if (FacetList::valueOf(list->item(i)) == value)
                    return list->item(i);
            return nullptr;
        };
        QVERIFY(item(QStringLiteral("a@x")) && item(QString()));
        QCOMPARE(item(QString())->text(), QStringLiteral("(none)  (1)"));
        QSignalSpy applied(&w, &MainWindow::filterApplied);
        item(QStringLiteral("a@x"))->setCheckState(Qt::Checked);
        QVERIFY(applied.wait(5000));
        QCOMPARE(column(w, TrailModel::Actor), (std::vector<QString>{QStringLiteral("a@x"), QStringLiteral("a@x")}));
        QVERIFY(counted(w));
        emit w.facet(Column::Actor)->excludeRequested(Column::Actor, QStringLiteral("a@x"));
        QVERIFY(applied.wait(5000));
        QCOMPARE(w.trailModel()->rowCount(), 2);
        QVERIFY(counted(w));
        QVERIFY(item(QStringLiteral("a@x"))->font().strikeOut());
        QCOMPARE(item(QStringLiteral("a@x"))->checkState(), Qt::Unchecked);
        w.clearFilters();
        QVERIFY(counted(w));
        item(QString())->setCheckState(Qt::Checked);
        QVERIFY(applied.wait(5000));
        QCOMPARE(column(w, TrailModel::Actor), (std::vector<QString>{QString()}));
    }

    void backgroundTextSearch()
    {
        // large trails are searched off the GUI thread: the same rows and counts arrive later,
        // a constraint changed while searching is honoured, a newer text replaces an older one
        MainWindow w;
        QAbstractItemModelTester tester(w.trailModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        w.setBackgroundSearchFrom(1);
        load(w, {data("mixed.ndjson"), data("seed/raw_samples.json")});
        QSignalSpy applied(&w, &MainWindow::filterApplied);
        w.setTextSearch(QStringLiteral("logpush"));
        QCOMPARE(w.trailModel()->rowCount(), 9); // not yet: the table keeps its rows
        QVERIFY(applied.wait(10000));
        const int withText = w.trailModel()->rowCount();
        QVERIFY(withText > 0 && withText < 9);
        for (int r = 0; r < withText; ++r)
            QVERIFY(QString::fromStdString(w.trailModel()->snapshot().raw(w.trailModel()->storeRow(r)))
                        .contains(QStringLiteral("logpush"), Qt::CaseInsensitive));
        QCOMPARE(facetCount(w, Column::ResourceType, QStringLiteral("logpush job")), uint64_t(2));
        // another constraint set while a new search runs: one answer, with both
        applied.clear();
        w.setTextSearch(QStringLiteral("example"));
        w.filter().include[size_t(Column::Actor)] = {idOf(w, Column::Actor, "john.doe@example.org")};
        w.applyFilter();
        QVERIFY(applied.wait(10000));
        for (const QString &a : column(w, TrailModel::Actor))
            QCOMPARE(a, QStringLiteral("john.doe@example.org"));
        QCOMPARE(w.trailModel()->rowCount(), 5);
        // a newer text wins over one still being searched
        applied.clear();
        w.filter().include[size_t(Column::Actor)].clear();
        w.setTextSearch(QStringLiteral("zzz-not-there"));
        w.setTextSearch(QStringLiteral("192.0.2.9"));
        QVERIFY(applied.wait(10000));
        QCOMPARE(column(w, TrailModel::Action), (std::vector<QString>{QStringLiteral("rec_set")}));
    }

    void detailTreesAndLinkedSelection()
    {
        MainWindow w;
        load(w, {data("seed/raw_samples.json")});
        // row 1 in time order is gateway_create_location (15:09:53)
        w.selectRow(1);
        JsonTree *raw = w.rawTree();
        JsonTree *ecs = w.ecsTree();
        QVERIFY(raw->indexForPath(QStringLiteral("ActionType")).isValid());
        QCOMPARE(raw->cellText(QStringLiteral("ActionType")), QStringLiteral("gateway_create_location"));
        QCOMPARE(ecs->cellText(QStringLiteral("event.action")), QStringLiteral("gateway_create_location"));
        QCOMPARE(ecs->cellText(QStringLiteral("source.ip")), QStringLiteral("78.197.123.35"));
        QCOMPARE(ecs->cellText(QStringLiteral("cloudflare.request_name")), QStringLiteral("AWS VM"));
        // ECS -> raw
        ecs->selectPath(QStringLiteral("source.ip"));
        QCOMPARE(raw->currentPath(), QStringLiteral("ActorIP"));
        QVERIFY(ecs->toolTipOf(QStringLiteral("source.ip")).contains(QStringLiteral("v1_fields")));
        // raw -> ECS
        raw->selectPath(QStringLiteral("Metadata.Request.name"));
        QCOMPARE(ecs->currentPath(), QStringLiteral("cloudflare.request_name"));
        raw->selectPath(QStringLiteral("ActionType"));
        QCOMPARE(ecs->currentPath(), QStringLiteral("event.action"));
        // unmapped raw fields are marked
        QVERIFY(raw->toolTipOf(QStringLiteral("Metadata.location_name")).contains(QStringLiteral("reaches no ECS field")));
        QVERIFY(raw->toolTipOf(QStringLiteral("ActorIP")).isEmpty());
        // no schema problems in the seed's records
        QCOMPARE(w.diagnosticsList()->count(), 0);
    }

    void changesView()
    {
        MainWindow w;
        load(w, {data("mixed.ndjson")});
        // rec_set: content 192.0.2.9 -> 192.0.2.1, ttl unchanged
        int row = -1;
        const auto actions = column(w, TrailModel::Action);
        for (size_t i = 0; i < actions.size(); ++i)
            if (actions[i] == QStringLiteral("rec_set"))
                row = int(i);
        QVERIFY(row >= 0);
        w.selectRow(row);
        QTreeWidget *c = w.changesView();
        QCOMPARE(c->topLevelItemCount(), 1);
        QCOMPARE(c->topLevelItem(0)->text(0), QStringLiteral("changed"));
        QCOMPARE(c->topLevelItem(0)->text(1), QStringLiteral("content"));
        QCOMPARE(c->topLevelItem(0)->text(2), QStringLiteral("192.0.2.9"));
        QCOMPARE(c->topLevelItem(0)->text(3), QStringLiteral("192.0.2.1"));
        // rec_del: NewValue {} and OldValue {content}: removed
        for (size_t i = 0; i < actions.size(); ++i)
            if (actions[i] == QStringLiteral("rec_del"))
                w.selectRow(int(i));
        QCOMPARE(c->topLevelItemCount(), 1);
        QCOMPARE(c->topLevelItem(0)->text(0), QStringLiteral("removed"));
        QCOMPARE(c->topLevelItem(0)->text(1), QStringLiteral("content"));
        auto *tabs = w.findChild<QTabWidget *>();
        QVERIFY(tabs);
        QCOMPARE(tabs->tabText(1), QStringLiteral("Changes (1)"));
        // a filter that hides the selected record empties the detail, its count included
        w.setTextSearch(QStringLiteral("no record holds this text"));
        QCOMPARE(c->topLevelItemCount(), 0);
        QCOMPARE(tabs->tabText(1), QStringLiteral("Changes"));
    }

    void receivedRecordsAppearInTheTrail()
    {
        MainWindow w;
        load(w, {data("seed/raw_samples.json")});
        QCOMPARE(w.trailModel()->rowCount(), 5);
        QTemporaryDir dir;
        QTcpServer probe;
        probe.listen(QHostAddress::LocalHost, 0);
        const int port = probe.serverPort();
        probe.close();
        ReceiverPanel *panel = w.receiverPanel();
        panel->setPort(port);
        panel->setJournalDir(dir.filePath(QStringLiteral("journal")));
        panel->setSecret(QStringLiteral("0123456789abcdef-secret"));
        QString err;
        QVERIFY2(panel->start(&err), qPrintable(err));
        QVERIFY(panel->destinationConf(false).endsWith(QStringLiteral("header_X-Auditlens-Secret=***")));
        receiver::Sender::Options so;
        so.url = QStringLiteral("http://127.0.0.1:%1/").arg(port).toStdString();
        so.secret = "0123456789abcdef-secret";
        receiver::Sender sender(so);
        sender.add(std::string("{\"ID\":\"live-1\",\"ActionType\":\"login\",\"ActorEmail\":\"live@x.io\",\"When\":\"2023-02-25T00:00:00Z\"}\n"));
        const auto outcomes = sender.run();
        QCOMPARE(outcomes.at(0).status, 200);
        QTRY_COMPARE(w.trailModel()->rowCount(), 6); // filters and counts stay live
        QTRY_COMPARE(facetCount(w, Column::Actor, QStringLiteral("live@x.io")), uint64_t(1));
        panel->stop();
    }

    void samplesOpenWithNoFile()
    {
        MainWindow w;
        QSignalSpy done(&w, &MainWindow::loadFinished);
        w.openSamples();
        QVERIFY(done.wait(20000));
        QVERIFY(w.trailModel()->rowCount() > 100);
        QCOMPARE(w.rejectedList()->count(), 0);
    }
};

QTEST_MAIN(TstMainWindow)
#include "tst_mainwindow.moc"
