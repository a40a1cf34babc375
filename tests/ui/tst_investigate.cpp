// SPDX-License-Identifier: MIT
// Investigation in the main window, offscreen: the query bar (rows, counts, positioned errors,
// the last good result kept, live rows), the Fields panel, resource history, export.
#include "facetlist.h"
#include "fieldspanel.h"
#include "historydialog.h"
#include "jsontree.h"
#include "mainwindow.h"
#include "query/eval.h"
#include "store/embeddedtrail.h"
#include "store/trailsource.h"
#include "timeline.h"
#include "trailmodel.h"

#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>

#include <nlohmann/json.hpp>

#include <map>
#include <set>

using namespace auditlens;
using namespace auditlens::ui;

namespace {

QString samples() { return QStringLiteral(AUDITLENS_SOURCE_DIR "/resources/samples/cloudflare-audit-logs.ndjson"); }

void load(MainWindow &w, const QStringList &files)
{
    QSignalSpy done(&w, &MainWindow::loadFinished);
    w.openSources(files);
    QVERIFY(done.wait(20000));
}

/// Types a query and waits until the trail shows its result.
void runQuery(MainWindow &w, const QString &q)
{
    QSignalSpy applied(&w, &MainWindow::filterApplied);
    w.setTextSearch(q);
    if (applied.isEmpty())
        QVERIFY(applied.wait(20000));
}

/// The rows a query matches, read from each raw record without the query engine: the records
/// whose `key` (top level) equals `value`.
std::set<uint32_t> rowsWhere(const Snapshot &snap, const std::string &key, const std::string &value)
{
    std::set<uint32_t> out;
    for (size_t r = 0; r < snap.size(); ++r) {
        const auto j = nlohmann::json::parse(snap.raw(r), nullptr, false);
        if (j.is_object() && j.contains(key) && j[key].is_string() && j[key].get<std::string>() == value)
            out.insert(uint32_t(r));
    }
    return out;
}

std::set<uint32_t> shownRows(MainWindow &w)
{
    std::set<uint32_t> out;
    for (int i = 0; i < w.trailModel()->rowCount(); ++i)
        out.insert(w.trailModel()->storeRow(i));
    return out;
}

/// A trail that answers only when told: how often the Fields panel asks it for its field list.
class HeldSource final : public TrailSource
{
public:
    int fieldsAsked = 0;
    Answer<TrailFields> pendingFields;
    std::string label() const override { return "held"; }
    void counts(const TrailFilter &, const std::vector<Column> &, size_t, QObject *, Answer<TrailCounts>) override {}
    void buckets(const TrailFilter &, int64_t, int64_t, int, QObject *, Answer<TrailBuckets>) override {}
    void pageBy(const TrailFilter &, const TrailOrder &, const TrailKey &, size_t, QObject *, Answer<TrailPage>) override {}
    void records(const TrailFilter &, const TrailKey &, size_t, QObject *, Answer<TrailPage>) override {}
    void raw(const std::string &, int64_t, QObject *, Answer<std::string>) override {}
    void fields(QObject *, Answer<TrailFields> done) override
    {
        ++fieldsAsked;
        pendingFields = std::move(done);
    }
    void fieldValues(const TrailFilter &, const std::string &, size_t, QObject *, Answer<TrailValues>) override {}
    std::unique_ptr<TrailSource> sibling() const override { return std::make_unique<HeldSource>(); }
    void cancelAll() override {}
};

} // namespace

class TstInvestigate : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void queryBarShowsTheMatchingRows()
    {
        MainWindow w;
        load(w, {samples()});
        const Snapshot snap = w.trailModel()->snapshot();
        // while the query is read off the GUI thread the timeline says it is the last filter's
        QSignalSpy applied(&w, &MainWindow::filterApplied);
        w.setTextSearch(QStringLiteral("ActionType:\"waf_rule_update\" or ActionType:(login)"));
        QVERIFY(applied.isEmpty() && w.timeline()->isStale());
        QVERIFY(applied.wait(20000));
        QVERIFY(!w.timeline()->isStale());
        std::set<uint32_t> want = rowsWhere(snap, "ActionType", "waf_rule_update");
        for (uint32_t r : rowsWhere(snap, "ActionType", "login"))
            want.insert(r);
        QVERIFY(!want.empty());
        QCOMPARE(shownRows(w), want);
        QVERIFY(w.statusText().startsWith(QString::number(want.size()) + QStringLiteral(" of ")));
        QVERIFY(w.queryErrorLabel()->isHidden());

        // a malformed query says where, and the last good result stays
        w.setTextSearch(QStringLiteral("ActionType:(login"));
        QVERIFY(!w.queryErrorLabel()->isHidden());
        QVERIFY(w.queryErrorLabel()->text().contains(QStringLiteral("character 12")));
        QCOMPARE(shownRows(w), want);

        // plain text is still the raw-record search
        runQuery(w, QStringLiteral("terraform"));
        QVERIFY(w.queryErrorLabel()->isHidden());
        for (uint32_t r : shownRows(w))
            QVERIFY(QString::fromStdString(snap.raw(r)).contains(QStringLiteral("terraform"), Qt::CaseInsensitive));

        // nothing matched: the status names the fields no record has (a misspelt name), and only those
        runQuery(w, QStringLiteral("ActorEmial:x or ActionType:nothing_like_this"));
        QCOMPARE(w.trailModel()->rowCount(), 0);
        QVERIFY2(w.statusText().endsWith(QStringLiteral(" \u00b7 no record has the field \u201cActorEmial\u201d (names are case-sensitive)")),
                 qPrintable(w.statusText()));
        runQuery(w, QStringLiteral("ActionType:nothing_like_this"));
        QCOMPARE(w.statusText(), QStringLiteral("0 of %1 records").arg(QLocale().toString(qulonglong(snap.size()))));
        runQuery(w, QStringLiteral("ActorEmial:x or ActionType:login"));
        QVERIFY(w.trailModel()->rowCount() > 0);
        QVERIFY2(!w.statusText().contains(QStringLiteral("no record has")), qPrintable(w.statusText()));

        // a nested field, then clearing
        runQuery(w, QStringLiteral("Metadata.zone_name:*"));
        for (uint32_t r : shownRows(w))
            QVERIFY(nlohmann::json::parse(snap.raw(r))["Metadata"].contains("zone_name"));
        w.clearFilters();
        QCOMPARE(size_t(w.trailModel()->rowCount()), snap.size());
    }

    void liveRecordsAreQueriedToo()
    {
        MainWindow w;
        load(w, {samples()});
        runQuery(w, QStringLiteral("ActorEmail:\"zed@live.example\""));
        QCOMPARE(w.trailModel()->rowCount(), 0);
        QSignalSpy applied(&w, &MainWindow::filterApplied);
        w.appendText(QStringLiteral("live"),
                     QByteArrayLiteral("{\"ID\":\"l1\",\"ActorEmail\":\"zed@live.example\",\"ActionType\":\"login\",\"When\":\"2023-02-25T00:00:00Z\"}\n"
                                       "{\"ID\":\"l2\",\"ActorEmail\":\"other@live.example\",\"ActionType\":\"login\",\"When\":\"2023-02-25T00:00:01Z\"}\n"));
        QTRY_COMPARE_WITH_TIMEOUT(w.trailModel()->rowCount(), 1, 20000);
    }

    void reopeningAnotherFileRunsTheQueryAgain()
    {
        QTemporaryDir dir;
        const QString a = dir.filePath(QStringLiteral("a.ndjson")), b = dir.filePath(QStringLiteral("b.ndjson"));
        QFile fa(a), fb(b);
        QVERIFY(fa.open(QIODevice::WriteOnly) && fb.open(QIODevice::WriteOnly));
        // same number of records, the match in a different row
        fa.write("{\"ID\":\"1\",\"k\":\"x\"}\n{\"ID\":\"2\",\"k\":\"y\"}\n");
        fb.write("{\"ID\":\"3\",\"k\":\"y\"}\n{\"ID\":\"4\",\"k\":\"x\"}\n");
        fa.close();
        fb.close();
        MainWindow w;
        load(w, {a});
        runQuery(w, QStringLiteral("k:x"));
        QCOMPARE(shownRows(w), (std::set<uint32_t>{0}));
        // opening another trail starts with no filter; the same query then reads the new
        // records (not the columns kept for the first file, whose row count was the same)
        load(w, {b});
        QCOMPARE(w.trailModel()->rowCount(), 2);
        runQuery(w, QStringLiteral("k:x"));
        QCOMPARE(shownRows(w), (std::set<uint32_t>{1}));
    }

    /// The timeline counts the records the trail shows (those with a time), as its buckets
    /// come from the trail's interface: after a facet value, a text search, a query, a time
    /// range and none of them.
    void theTimelineCountsTheRowsShown()
    {
        MainWindow w;
        load(w, {samples()});
        const Snapshot snap = w.trailModel()->snapshot();
        const auto timed = [&] {
            uint64_t n = 0;
            for (uint32_t r : shownRows(w))
                n += snap.time(r) != kNoTime;
            return n;
        };
        const auto settled = [&](QSignalSpy &shown) {
            QTRY_VERIFY_WITH_TIMEOUT(!shown.isEmpty(), 20000);
            QCOMPARE(w.timeline()->total(), timed());
        };
        {
            QSignalSpy shown(&w, &MainWindow::timelineShown);
            w.applyFilter();
            settled(shown);
        }
        QVERIFY(w.timeline()->total() > 100);
        const std::string actor = snap.value(0, Column::Actor);
        w.filter().include[size_t(Column::Actor)] = {snap.id(0, Column::Actor)};
        {
            QSignalSpy shown(&w, &MainWindow::timelineShown);
            w.applyFilter();
            settled(shown);
        }
        QVERIFY(w.timeline()->total() > 0 && w.timeline()->total() < 20);
        w.filter().include[size_t(Column::Actor)].clear();
        for (const QString &q : {QStringLiteral("gateway"), QStringLiteral("ActionType:*update and not ActorEmail:*example.org")}) {
            QSignalSpy shown(&w, &MainWindow::timelineShown);
            runQuery(w, q);
            settled(shown);
            QVERIFY2(w.timeline()->total() > 0 && w.timeline()->total() < uint64_t(snap.size()), qPrintable(q));
            // the facet counts too (no column constraint: each facet counts the rows shown)
            QTRY_VERIFY_WITH_TIMEOUT(!w.countsPending(), 20000);
            std::map<QString, uint64_t> want, got;
            for (uint32_t r : shownRows(w))
                ++want[QString::fromStdString(snap.value(r, Column::Action))];
            QListWidget *list = w.facet(Column::Action)->list();
            for (int i = 0; i < list->count(); ++i) {
                const QString t = list->item(i)->text();
                got[FacetList::valueOf(list->item(i))] = t.mid(t.lastIndexOf(QLatin1Char('(')) + 1).chopped(1).toULongLong();
            }
            QVERIFY2(got == want, qPrintable(q));
        }
        {
            QSignalSpy shown(&w, &MainWindow::timelineShown);
            w.setTimeRange(snap.time(0), snap.time(0) + 86400LL * 1000000000LL);
            settled(shown);
        }
        {
            QSignalSpy shown(&w, &MainWindow::timelineShown);
            runQuery(w, QStringLiteral("NoSuchField:*"));
            settled(shown);
            QVERIFY(w.timeline()->isEmpty());
        }
    }

    /// Records arriving while the field list of a large trail is read replace the panel's source
    /// (to count their values) without restarting the list: it comes from the source it was
    /// asked of, kept for it, and the new ones are not asked again.
    void aFieldListOnItsWayIsNotRestartedByNewRecords()
    {
        FieldsPanel panel;
        panel.show();
        auto first = std::make_unique<HeldSource>();
        HeldSource *asked = first.get();
        panel.setSource(std::move(first));
        QCOMPARE(asked->fieldsAsked, 1);
        for (int i = 0; i < 3; ++i) { // (each replaced by the next: looked at while it is the panel's)
            auto next = std::make_unique<HeldSource>();
            HeldSource *now = next.get();
            panel.setSource(std::move(next), false);
            QCOMPARE(now->fieldsAsked, 0);
        }
        QSignalSpy ready(&panel, &FieldsPanel::catalogReady);
        TrailFields f;
        f.fields = {{"ActionType", 3, uint8_t(1u << unsigned(query::ValueType::String))}};
        asked->pendingFields(f, {}); // (the kept source answers)
        QCOMPARE(ready.count(), 1);
        QCOMPARE(panel.fieldPaths(), QStringList{QStringLiteral("ActionType")});
        // a new load asks again, of the newest source
        auto loaded = std::make_unique<HeldSource>();
        HeldSource *again = loaded.get();
        panel.setSource(std::move(loaded), true);
        QCOMPARE(again->fieldsAsked, 1);
    }

    /// Field names a query must escape, one it cannot name, and a 10 KB one: the panel's clauses
    /// name the field (read back by the query language), Exists is off where no query can name
    /// it, and a long name widens nothing.
    void oddFieldNamesInTheFieldsPanel()
    {
        const std::string longKey(10000, 'k');
        const std::string rec = "{\"ID\":\"1\",\"Metadata\":{\"q\\\"uote\":\"q\",\"back\\\\slash\":\"b\",\"has space\":\"s\",\""
            + longKey + "\":\"l\"}}\n";
        EventStore store;
        store.load(SourceSpec::memory("mem", rec), {});
        QCOMPARE(store.snapshot().size(), size_t(1));
        FieldsPanel panel;
        panel.resize(360, 600);
        panel.show();
        panel.setSource(std::make_unique<EmbeddedTrail>(store.snapshot(), "mem"));
        panel.setFilter({}, 1, 1);
        QTRY_VERIFY_WITH_TIMEOUT(!panel.fieldPaths().isEmpty(), 20000);
        QSignalSpy clauses(&panel, &FieldsPanel::clauseRequested);
        for (const std::string &path : {std::string("Metadata.q\"uote"), std::string("Metadata.back\\slash")}) {
            QVERIFY2(panel.fieldPaths().contains(QString::fromStdString(path)), path.c_str());
            panel.selectField(QString::fromStdString(path));
            QTRY_VERIFY_WITH_TIMEOUT(!panel.isBusy() && panel.valuesView()->topLevelItemCount() == 1, 20000);
            QTreeWidget *v = panel.valuesView();
            v->setCurrentItem(v->topLevelItem(0));
            emit v->itemActivated(v->topLevelItem(0), 0);
            QVERIFY(!clauses.isEmpty());
            const auto q = query::Query::parse(clauses.takeLast().at(0).toString().toStdString());
            QVERIFY2(q->ok(), q->error().c_str());
            QCOMPARE(q->fields(), std::vector<std::string>{path});
        }
        panel.selectField(QStringLiteral("Metadata.has space"));
        QPushButton *exists = nullptr;
        for (QPushButton *b : panel.findChildren<QPushButton *>())
            if (b->text() == QLatin1String("Exists"))
                exists = b;
        QVERIFY(exists && !exists->isEnabled());
        panel.selectField(QString::fromStdString("Metadata." + longKey));
        QTRY_VERIFY_WITH_TIMEOUT(!panel.isBusy() && panel.valuesView()->topLevelItemCount() == 1, 20000);
        QVERIFY2(panel.minimumSizeHint().width() < 600, qPrintable(QString::number(panel.minimumSizeHint().width())));
    }

    void fieldsPanelFiltersForAValue()
    {
        MainWindow w;
        w.resize(1600, 1000);
        w.show();
        load(w, {samples()});
        FieldsPanel *panel = w.fieldsPanel();
        panel->parentWidget()->show();
        // the window gives the panel a source over what it loaded; the panel reads the field
        // list once it is shown
        QTRY_VERIFY_WITH_TIMEOUT(!panel->fieldPaths().isEmpty(), 20000);
        QVERIFY(panel->fieldPaths().contains(QStringLiteral("Metadata.zone_name")));
        QVERIFY(panel->fieldPaths().contains(QStringLiteral("ActionType")));
        QSignalSpy values(panel, &FieldsPanel::valuesReady);
        panel->selectField(QStringLiteral("ActionType"));
        QVERIFY(values.wait(20000));
        QTreeWidget *v = panel->valuesView();
        QVERIFY(v->topLevelItemCount() > 1);
        // the top value's count is what the records say
        const QString top = v->topLevelItem(0)->text(0);
        const uint64_t count = v->topLevelItem(0)->text(1).toULongLong();
        QCOMPARE(size_t(count), rowsWhere(w.trailModel()->snapshot(), "ActionType", top.toStdString()).size());
        // Filter for: the clause goes to the bar and the trail shows those records
        QSignalSpy applied(&w, &MainWindow::filterApplied);
        v->setCurrentItem(v->topLevelItem(0));
        emit v->itemActivated(v->topLevelItem(0), 0);
        QTRY_COMPARE_WITH_TIMEOUT(size_t(w.trailModel()->rowCount()), size_t(count), 20000);
        // the values follow the filter: under it, the field has that one value
        QTRY_VERIFY_WITH_TIMEOUT(!panel->isBusy() && v->topLevelItemCount() == 1, 20000);
        QCOMPARE(v->topLevelItem(0)->text(0), top);
        QCOMPARE(v->topLevelItem(0)->text(1).toULongLong(), count);
        QCOMPARE(v->topLevelItem(0)->text(2), QStringLiteral("100.0"));
    }

    void resourceHistoryOldestFirst()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("r.ndjson"));
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("{\"ID\":\"3\",\"When\":\"2023-03-01T00:00:03Z\",\"ActionType\":\"delete\",\"ResourceID\":\"r1\",\"ResourceType\":\"rule\"}\n"
                "{\"ID\":\"1\",\"When\":\"2023-03-01T00:00:01Z\",\"ActionType\":\"create\",\"ResourceID\":\"r1\",\"ResourceType\":\"rule\",\"NewValue\":{\"on\":true}}\n"
                "{\"ID\":\"x\",\"When\":\"2023-03-01T00:00:00Z\",\"ActionType\":\"create\",\"ResourceID\":\"r2\",\"ResourceType\":\"rule\"}\n"
                "{\"ID\":\"2\",\"When\":\"2023-03-01T00:00:02Z\",\"ActionType\":\"update\",\"ResourceID\":\"r1\",\"ResourceType\":\"rule\",\"OldValue\":{\"on\":true},\"NewValue\":{\"on\":false}}\n");
        f.close();
        MainWindow w;
        load(w, {path});
        runQuery(w, QStringLiteral("ActionType:delete"));
        QCOMPARE(w.trailModel()->rowCount(), 1);
        w.table()->setCurrentIndex(w.trailModel()->index(0, 0));
        w.showHistory(false);
        auto *dlg = w.findChild<HistoryDialog *>();
        QVERIFY(dlg);
        QSignalSpy ready(dlg, &HistoryDialog::ready);
        QVERIFY(ready.wait(20000));
        QCOMPARE(dlg->steps()->topLevelItemCount(), 3); // r1 only, whatever the trail's filter
        QStringList actions;
        for (int i = 0; i < dlg->steps()->topLevelItemCount(); ++i)
            actions << dlg->steps()->topLevelItem(i)->text(2);
        QCOMPARE(actions, (QStringList{QStringLiteral("create"), QStringLiteral("update"), QStringLiteral("delete")}));
        QVERIFY(dlg->steps()->topLevelItem(1)->text(4).contains(QStringLiteral("on: true \u2192 false")));
        dlg->close();
    }

    void treeAndCellClauses()
    {
        const nlohmann::ordered_json ip = "1.2.3.4", n = 5, b = false, quote = "say \"hi\"";
        QCOMPARE(clauseForPath(QStringLiteral("ecs."), QStringLiteral("related.ip.0"), &ip, false), QStringLiteral("ecs.related.ip:\"1.2.3.4\""));
        QCOMPARE(clauseForPath(QString(), QStringLiteral("Metadata.count"), &n, true), QStringLiteral("not Metadata.count:5"));
        QCOMPARE(clauseForPath(QString(), QStringLiteral("NewValue.enabled"), &b, false), QStringLiteral("NewValue.enabled:false"));
        QCOMPARE(clauseForPath(QString(), QStringLiteral("a"), &quote, false), QStringLiteral("a:\"say \\\"hi\\\"\""));
        QCOMPARE(clauseForPath(QString(), QStringLiteral("NewValue.settings.2.id"), nullptr, false), QStringLiteral("NewValue.settings.id:*"));
        // clauses add up with "and", an "or" query is kept whole in parentheses
        MainWindow w;
        load(w, {samples()});
        runQuery(w, QStringLiteral("ActionType:login or ActionType:create"));
        const int both = w.trailModel()->rowCount();
        QSignalSpy applied(&w, &MainWindow::filterApplied);
        w.addQueryClause(QStringLiteral("not ActionType:create"));
        QTRY_VERIFY_WITH_TIMEOUT(w.trailModel()->rowCount() < both && w.trailModel()->rowCount() > 0, 20000);
        for (uint32_t r : shownRows(w))
            QVERIFY(nlohmann::json::parse(w.trailModel()->snapshot().raw(r))["ActionType"] == "login");
    }

    void exportCsvHasTheRowsShown()
    {
        MainWindow w;
        load(w, {samples()});
        runQuery(w, QStringLiteral("ActionType:login"));
        const int shown = w.trailModel()->rowCount();
        QVERIFY(shown > 0);
        QTemporaryDir dir;
        const QString csv = dir.filePath(QStringLiteral("out.csv"));
        QVERIFY(w.exportTo(csv));
        QTRY_VERIFY_WITH_TIMEOUT(!w.isExporting() && QFile::exists(csv), 20000);
        QFile f(csv);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = f.readAll().split('\n');
        // header + one line per record shown (CRLF ends, the last split is empty)
        QCOMPARE(lines.size(), shown + 2);
        QVERIFY(lines[0].startsWith("Time (UTC),Actor,Action"));
        for (int i = 1; i <= shown; ++i)
            QVERIFY(lines[i].contains(",login,"));

        const QString raw = dir.filePath(QStringLiteral("out.ndjson"));
        QVERIFY(w.exportTo(raw));
        QTRY_VERIFY_WITH_TIMEOUT(!w.isExporting() && QFile::exists(raw), 20000);
        MainWindow again;
        load(again, {raw});
        QCOMPARE(again.trailModel()->rowCount(), shown);
        QVERIFY(!w.exportTo(dir.filePath(QStringLiteral("out.txt")))); // no format for that name
    }
};

QTEST_MAIN(TstInvestigate)
#include "tst_investigate.moc"
