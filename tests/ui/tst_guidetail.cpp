// SPDX-License-Identifier: MIT
// The main window's detail and filters, offscreen: lazy record trees (a record of 100,000 keys),
// provenance links, validation problems, find boxes, facets, colours from the palette,
// keyboard, title, the "No result" choice, search hits (F3) and the timeline.
#include "datetimeedit.h"
#include "facetlist.h"
#include "highlightdelegate.h"
#include "jsonmodel.h"
#include "jsontree.h"
#include "mainwindow.h"
#include "palettecolors.h"
#include "timeline.h"
#include "trailcheck.h"
#include "trailmodel.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QComboBox>
#include <QElapsedTimer>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QScrollBar>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTest>

using namespace auditlens;
using namespace auditlens::ui;

namespace {
QString data(const char *rel) { return QStringLiteral(AUDITLENS_TEST_DATA "/") + QString::fromLatin1(rel); }

void load(MainWindow &w, const QStringList &files)
{
    QSignalSpy done(&w, &MainWindow::loadFinished);
    w.openSources(files);
    QVERIFY(done.wait(20000));
}

void loadText(MainWindow &w, const QByteArray &text)
{
    QSignalSpy done(&w, &MainWindow::loadFinished);
    w.appendText(QStringLiteral("records.ndjson"), text);
    QVERIFY(done.wait(60000));
}

int rowOfAction(MainWindow &w, const QString &action)
{
    for (int r = 0; r < w.trailModel()->rowCount(); ++r)
        if (w.trailModel()->data(w.trailModel()->index(r, TrailModel::Action)).toString() == action)
            return r;
    return -1;
}

QPalette darkPalette()
{
    QPalette p;
    p.setColor(QPalette::Window, QColor(0x2b, 0x2b, 0x2b));
    p.setColor(QPalette::Base, QColor(0x1e, 0x1e, 0x1e));
    p.setColor(QPalette::AlternateBase, QColor(0x26, 0x26, 0x26));
    p.setColor(QPalette::Text, QColor(0xee, 0xee, 0xee));
    p.setColor(QPalette::WindowText, QColor(0xee, 0xee, 0xee));
    return p;
}
} // namespace

class TstGuiDetail : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void aRecordOf100kKeysShows()
    {
        // one record, 100,000 keys: the trees make the rows on screen, the rest on demand
        QByteArray rec = "{\"ID\":\"wide\",\"ActionType\":\"wide\",\"ActorEmail\":\"w@x.io\",\"When\":\"2023-02-25T00:00:00Z\"";
        for (int i = 0; i < 100000; ++i)
            rec += ",\"k" + QByteArray::number(i) + "\":\"value " + QByteArray::number(i) + "\"";
        rec += "}\n";
        MainWindow w;
        loadText(w, rec);
        QCOMPARE(w.trailModel()->rowCount(), 1);
        QElapsedTimer t;
        t.start();
        w.selectRow(0);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        qInfo("a record of 100,000 keys selected and shown in %lld ms", t.elapsed());
        JsonTree *raw = w.rawTree();
        QVERIFY(raw->topLevelCount() > 0);
        QVERIFY2(raw->topLevelCount() <= 10 * JsonModel::kBatch, qPrintable(QString::number(raw->topLevelCount()))); // not one row per key up front
        QVERIFY(raw->model()->canFetchMore({}));
        QCOMPARE(raw->cellText(QStringLiteral("ActionType")), QStringLiteral("wide"));
        // any key on demand, the last one too
        QCOMPARE(raw->cellText(QStringLiteral("k99999")), QStringLiteral("value 99999"));
        raw->revealPath(QStringLiteral("k54321"));
        QCOMPARE(raw->currentPath(), QStringLiteral("k54321"));
        // the find box walks the whole value
        raw->filterItems(QStringLiteral("value 7777"));
        QVERIFY(raw->indexForPath(QStringLiteral("k7777")).isValid());
        QVERIFY(!raw->indexForPath(QStringLiteral("k7")).isValid());
        raw->filterItems(QString());
        // fetching all of it through the model keeps it consistent
        while (raw->model()->canFetchMore({}))
            raw->model()->fetchMore({});
        QCOMPARE(raw->model()->rowCount(), 100004);
    }

    void jsonModelUnderTheModelTester()
    {
        // wide and nested, fetched batch by batch, found, filtered and reset under the tester
        nlohmann::ordered_json j = nlohmann::ordered_json::object();
        for (int i = 0; i < 1800; ++i)
            j["k" + std::to_string(i)] = i % 3 ? nlohmann::ordered_json("v" + std::to_string(i))
                                               : nlohmann::ordered_json{{"a", i}, {"list", {1, 2, 3}}};
        JsonModel m;
        QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
        m.setJson(j);
        QCOMPARE(m.rowCount(), int(JsonModel::kBatch));
        while (m.canFetchMore({}))
            m.fetchMore({});
        QCOMPARE(m.rowCount(), 1800);
        const QModelIndex deep = m.indexForPath(QStringLiteral("k1500.list.2"));
        QVERIFY(deep.isValid());
        QCOMPARE(deep.siblingAtColumn(1).data().toString(), QStringLiteral("3"));
        QCOMPARE(JsonModel::pathOf(deep), QStringLiteral("k1500.list.2"));
        m.setFilterText(QStringLiteral("v1799"));
        QCOMPARE(m.rowCount(), 1);
        QCOMPARE(m.index(0, 0).data().toString(), QStringLiteral("k1799"));
        m.setFilterText(QString());
        QCOMPARE(m.rowCount(), int(JsonModel::kBatch));
        m.setJson(nlohmann::ordered_json());
        QCOMPARE(m.rowCount(), 0);
    }

    void aDeepRecordShows()
    {
        QByteArray rec = "{\"ID\":\"deep\",\"ActionType\":\"deep\",\"When\":\"2023-02-25T00:00:00Z\",\"d\":";
        for (int i = 0; i < 100; ++i)
            rec += "{\"n\":";
        rec += "\"bottom\"";
        for (int i = 0; i < 100; ++i)
            rec += "}";
        rec += "}\n";
        MainWindow w;
        loadText(w, rec);
        w.selectRow(0);
        QString path = QStringLiteral("d");
        for (int i = 0; i < 100; ++i)
            path += QStringLiteral(".n");
        QCOMPARE(w.rawTree()->cellText(path), QStringLiteral("bottom"));
        w.rawTree()->revealPath(path);
        QCOMPARE(w.rawTree()->currentPath(), path);
    }

    void parseOrderedKeepsOrderAndValues()
    {
        const auto j = parseOrdered(R"({"b":1,"a":[true,null,"x",{"z":2.5}],"c":{"y":-3}})");
        QCOMPARE(QString::fromStdString(j.dump()), QStringLiteral(R"({"b":1,"a":[true,null,"x",{"z":2.5}],"c":{"y":-3}})"));
        QVERIFY(parseOrdered("{\"a\":").is_discarded());
    }

    void rawFieldHighlightsEveryEcsFieldItFeeds()
    {
        MainWindow w;
        load(w, {data("seed/raw_samples.json")});
        w.selectRow(1);
        w.rawTree()->selectPath(QStringLiteral("ActorIP"));
        const QStringList sel = w.ecsTree()->selectedPaths();
        QVERIFY2(sel.size() >= 3, qPrintable(sel.join(QLatin1Char(' '))));
        QVERIFY(sel.contains(QStringLiteral("source.ip")));
        for (const QString &p : sel)
            QVERIFY2(w.linkInfo()->text().contains(p), qPrintable(p));
    }

    void arrayElementReplacesTheProvenanceText()
    {
        MainWindow w;
        load(w, {data("seed/raw_samples.json")});
        w.selectRow(1);
        w.ecsTree()->selectPath(QStringLiteral("source.ip"));
        const QString before = w.linkInfo()->text();
        QVERIFY(before.contains(QStringLiteral("source.ip")));
        // an array element of the ECS record
        QString element;
        for (const char *candidate : {"related.ip.0", "event.category.0", "event.type.0"})
            if (w.ecsTree()->indexForPath(QString::fromLatin1(candidate)).isValid()) {
                element = QString::fromLatin1(candidate);
                break;
            }
        QVERIFY(!element.isEmpty());
        w.ecsTree()->selectPath(element);
        QVERIFY(w.linkInfo()->text() != before);
        QVERIFY2(w.linkInfo()->text().contains(element), qPrintable(w.linkInfo()->text()));
    }

    void clickingAProblemGoesToItsField()
    {
        MainWindow w;
        load(w, {data("seed/raw_samples.json")});
        w.selectRow(1);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        // a problem as showRecord lists them: its text, and its field in Qt::UserRole (the seed's
        // records have none; the built-in parser's output is schema-clean)
        QListWidget *problems = w.diagnosticsList();
        auto *item = new QListWidgetItem(QStringLiteral("\u2716 'source.ip': not an IP address"), problems);
        item->setData(Qt::UserRole, QStringLiteral("source.ip"));
        problems->show();
        QTRY_VERIFY(problems->isVisible() && problems->visualItemRect(item).isValid());
        w.ecsTree()->selectPath(QStringLiteral("event.action"));
        w.detailTabs()->setCurrentIndex(1);
        QTest::mouseClick(problems->viewport(), Qt::LeftButton, {}, problems->visualItemRect(item).center());
        QCOMPARE(w.detailTabs()->currentIndex(), 0);
        QCOMPARE(w.ecsTree()->currentPath(), QStringLiteral("source.ip"));
        QCOMPARE(w.rawTree()->currentPath(), QStringLiteral("ActorIP"));
    }

    void escapeClearsTheFindBoxes()
    {
        MainWindow w;
        load(w, {data("seed/raw_samples.json")});
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QApplication::setActiveWindow(&w);
        for (const char *name : {"rawFind", "ecsFind"}) {
            auto *box = w.findChild<QLineEdit *>(QString::fromLatin1(name));
            QVERIFY(box);
            box->setFocus();
            QTest::keyClicks(box, QStringLiteral("action"));
            QCOMPARE(box->text(), QStringLiteral("action"));
            QTest::keyClick(box, Qt::Key_Escape);
            QCOMPARE(box->text(), QString());
        }
    }

    void tickedFacetValuesStayInSight()
    {
        QByteArray recs;
        for (int i = 0; i < 300; ++i)
            recs += "{\"ID\":\"f" + QByteArray::number(i) + "\",\"ActionType\":\"a\",\"ActorEmail\":\"user" +
                    QByteArray::number(1000 + i) + "@x.io\",\"When\":\"2023-02-25T00:00:00Z\"}\n";
        MainWindow w;
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        loadText(w, recs);
        QTRY_VERIFY_WITH_TIMEOUT(!w.countsPending(), 20000); // (counted after the table shows the rows)
        QListWidget *list = w.facet(Column::Actor)->list();
        QCOMPARE(list->count(), 300);
        list->scrollToBottom();
        QListWidgetItem *last = list->item(list->count() - 1);
        const QString value = last->toolTip();
        QSignalSpy applied(&w, &MainWindow::filterApplied);
        last->setCheckState(Qt::Checked);
        QVERIFY(applied.wait(5000));
        QTRY_VERIFY_WITH_TIMEOUT(!w.countsPending(), 20000);
        QCOMPARE(list->item(0)->toolTip(), value);
        QCOMPARE(list->item(0)->checkState(), Qt::Checked);
        QCOMPARE(list->verticalScrollBar()->value(), list->verticalScrollBar()->minimum());
    }

    void failureRowsLegibleOnLightAndDark_data()
    {
        QTest::addColumn<bool>("dark");
        QTest::newRow("light") << false;
        QTest::newRow("dark") << true;
    }
    void failureRowsLegibleOnLightAndDark()
    {
        QFETCH(bool, dark);
        const QPalette saved = QApplication::palette();
        QPalette p = saved;
        if (dark)
            p = darkPalette();
        else {
            p.setColor(QPalette::Base, Qt::white);
            p.setColor(QPalette::Text, Qt::black);
        }
        QApplication::setPalette(p);
        MainWindow w;
        load(w, {data("mixed.ndjson")});
        const int row = rowOfAction(w, QStringLiteral("login")); // the failure
        QVERIFY(row >= 0);
        const QColor fg = w.trailModel()->data(w.trailModel()->index(row, TrailModel::Actor), Qt::ForegroundRole).value<QBrush>().color();
        const double ratio = contrastRatio(fg, p.color(QPalette::Base));
        QApplication::setPalette(saved);
        QVERIFY2(ratio >= 4.5, qPrintable(QStringLiteral("%1 on %2: %3").arg(fg.name(), p.color(QPalette::Base).name()).arg(ratio)));
        for (Tone t : {Tone::Failure, Tone::Warning, Tone::Added, Tone::Removed, Tone::Changed})
            QVERIFY(contrastRatio(toneColor(t, p), p.color(QPalette::Base)) >= 4.5);
    }

    void tabMovesBetweenPanes()
    {
        MainWindow w;
        load(w, {data("seed/raw_samples.json")});
        w.show();
        QApplication::setActiveWindow(&w);
        QVERIFY(QTest::qWaitForWindowActive(&w));
        w.table()->setFocus();
        QVERIFY(w.table()->hasFocus());
        QTest::keyClick(w.table(), Qt::Key_Tab);
        QVERIFY(!w.table()->hasFocus());
        QWidget *next = QApplication::focusWidget();
        QVERIFY(next);
        // on to the raw record (its find box first), and Tab keeps going pane by pane
        QCOMPARE(next, static_cast<QWidget *>(w.findChild<QLineEdit *>(QStringLiteral("rawFind"))));
        QTest::keyClick(next, Qt::Key_Tab);
        QCOMPARE(QApplication::focusWidget(), static_cast<QWidget *>(w.rawTree()));
        QTest::keyClick(w.rawTree(), Qt::Key_Tab);
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_Tab);
        QCOMPARE(QApplication::focusWidget(), static_cast<QWidget *>(w.ecsTree()));
    }

    void shortcutsForTheDetailTabs()
    {
        MainWindow w;
        load(w, {data("seed/raw_samples.json")});
        w.show();
        QApplication::setActiveWindow(&w);
        QVERIFY(QTest::qWaitForWindowActive(&w));
        w.table()->setFocus();
        QTest::keyClick(w.table(), Qt::Key_2, Qt::ControlModifier);
        QCOMPARE(w.detailTabs()->currentIndex(), 1);
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_3, Qt::ControlModifier);
        QCOMPARE(w.detailTabs()->currentIndex(), 2);
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_1, Qt::ControlModifier);
        QCOMPARE(w.detailTabs()->currentIndex(), 0);
    }

    void titleNamesTheOpenFiles()
    {
        MainWindow w;
        load(w, {data("mixed.ndjson")});
        QVERIFY2(w.windowTitle().contains(QStringLiteral("mixed.ndjson")), qPrintable(w.windowTitle()));
        load(w, {data("mixed.ndjson"), data("seed/raw_samples.json")});
        QVERIFY(w.windowTitle().contains(QStringLiteral("mixed.ndjson")));
        QVERIFY(w.windowTitle().contains(QStringLiteral("raw_samples.json")));
        QVERIFY(w.windowTitle().contains(QStringLiteral("Auditlens")));
    }

    void noResultChoice()
    {
        MainWindow w;
        loadText(w, "{\"ID\":\"r1\",\"ActionType\":\"a\",\"When\":\"2023-02-25T00:00:00Z\",\"ActionResult\":true}\n"
                    "{\"ID\":\"r2\",\"ActionType\":\"b\",\"When\":\"2023-02-25T00:00:01Z\",\"ActionResult\":false}\n"
                    "{\"ID\":\"r3\",\"ActionType\":\"c\",\"When\":\"2023-02-25T00:00:02Z\"}\n"
                    "{\"ID\":\"r4\",\"ActionType\":\"d\",\"When\":\"2023-02-25T00:00:03Z\",\"ActionResult\":\"maybe\"}\n");
        QCOMPARE(w.trailModel()->rowCount(), 4);
        QCOMPARE(w.resultBox()->count(), 4);
        w.resultBox()->setCurrentIndex(3); // "No result"
        QCOMPARE(w.trailModel()->rowCount(), 2);
        for (int r = 0; r < 2; ++r)
            QCOMPARE(w.trailModel()->data(w.trailModel()->index(r, TrailModel::Result)).toString(), QString());
        w.resultBox()->setCurrentIndex(0);
        QCOMPARE(w.trailModel()->rowCount(), 4);
    }

    void searchHitsAreMarkedAndF3GoesThroughThem()
    {
        MainWindow w;
        load(w, {data("mixed.ndjson"), data("seed/raw_samples.json")});
        w.show();
        QApplication::setActiveWindow(&w);
        QVERIFY(QTest::qWaitForWindowActive(&w));
        w.setTextSearch(QStringLiteral("john"));
        QVERIFY(w.trailModel()->rowCount() > 1);
        // the trail marks them
        QCOMPARE(w.tableHighlighter()->text(), QStringLiteral("john"));
        const int before = w.tableHighlighter()->paintedHits();
        w.table()->grab();
        QVERIFY(w.tableHighlighter()->paintedHits() > before);
        // F3: the first hit of the first record, in the raw tree, marked there too
        w.table()->setFocus();
        QTest::keyClick(w.table(), Qt::Key_F3);
        const QString first = w.rawTree()->currentPath();
        QVERIFY(!first.isEmpty());
        QVERIFY(w.rawTree()->valueText(first).contains(QStringLiteral("john"), Qt::CaseInsensitive)
                || first.contains(QStringLiteral("john"), Qt::CaseInsensitive));
        const int treeBefore = w.rawTree()->highlighter()->paintedHits();
        QVERIFY2(w.rawTree()->isVisible() && w.rawTree()->viewport()->height() > 0,
                 qPrintable(QStringLiteral("%1 %2").arg(w.rawTree()->isVisible()).arg(w.rawTree()->viewport()->height())));
        QCOMPARE(w.rawTree()->highlighter()->text(), QStringLiteral("john"));
        w.rawTree()->grab();
        QVERIFY2(w.rawTree()->highlighter()->paintedHits() > treeBefore,
                 qPrintable(w.rawTree()->highlightedPaths().join(QLatin1Char(' ')) + QStringLiteral(" | ") + first + QStringLiteral(" ")
                            + QString::number(w.rawTree()->visualRect(w.rawTree()->currentIndex()).y())
                            + QStringLiteral(" vp ") + QString::number(w.rawTree()->viewport()->height())));
        const int firstRow = w.table()->currentIndex().row();
        // F3 again: another hit (of this record or the next); Shift+F3 back to the first
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_F3);
        const QString second = w.rawTree()->currentPath();
        QVERIFY(second != first || w.table()->currentIndex().row() != firstRow);
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_F3, Qt::ShiftModifier);
        QCOMPARE(w.table()->currentIndex().row(), firstRow);
        QCOMPARE(w.rawTree()->currentPath(), first);
        // every hit of the trail is reached, record by record
        QSet<int> rows;
        for (int i = 0; i < 200; ++i) {
            QTest::keyClick(QApplication::focusWidget(), Qt::Key_F3);
            rows.insert(w.table()->currentIndex().row());
        }
        QCOMPARE(rows.size(), w.trailModel()->rowCount());
        // no text: the marks go
        w.setTextSearch(QString());
        QCOMPARE(w.tableHighlighter()->text(), QString());
    }

    void timelineTicksWithinADayShowTheTime()
    {
        constexpr int64_t s = 1000000000LL;
        const int64_t day = 1677196800LL * s; // 2023-02-24 00:00 UTC
        // two days, six ticks: 9.6 h apart, each must say when
        QVERIFY(Timeline::formatFor(day, day + 2 * 86400 * s, 6, true).contains(QStringLiteral("HH")));
        QVERIFY(Timeline::formatFor(day, day + 2 * 86400 * s, 6, true).contains(QStringLiteral("dd")));
        // within one day: the time
        QVERIFY(Timeline::formatFor(day + 3600 * s, day + 5 * 3600 * s, 6, true).contains(QStringLiteral("HH:mm")));
        // a second: the milliseconds
        QVERIFY(Timeline::formatFor(day, day + s, 6, true).contains(QStringLiteral("zzz")));
        // weeks: the date
        QCOMPARE(Timeline::formatFor(day, day + 30 * 86400 * s, 6, true), QStringLiteral("yyyy-MM-dd"));
    }

    void timelineWithNoMatchKeepsItsAxis()
    {
        constexpr int64_t s = 1000000000LL;
        const int64_t t0 = 1677196800LL * s;
        Timeline t;
        t.setBuckets(t0, 60 * s, std::vector<uint64_t>{1, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                                       0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                                       0, 0, 0, 0, 0, 0, 1},
                     true);
        const QDateTime lo = t.timeMin(), hi = t.timeMax();
        QVERIFY(lo.toMSecsSinceEpoch() <= t0 / 1000000 && hi.toMSecsSinceEpoch() >= (t0 + 3600 * s) / 1000000);
        t.setBuckets(t0, 60 * s, {}, true);
        QVERIFY(t.isEmpty());
        QCOMPARE(t.timeMin(), lo); // not today
        QCOMPARE(t.timeMax(), hi);
        // the count axis reads 0 and 1, not 1, 0, 0
        QCOMPARE(t.countMax(), 1.0);
        QCOMPARE(t.countTicks(), 2);
        // whole numbers when there are counts: every tick an integer
        t.setBuckets(t0, 3600 * s, {5, 1}, true);
        const double step = t.countMax() / (t.countTicks() - 1);
        QCOMPARE(step, std::floor(step));
    }

    void timelineDrawsBucketsCountedElsewhere()
    {
        // a source's buckets: the axis over the buckets
        constexpr int64_t s = 1000000000LL;
        const int64_t t0 = 1677196800LL * s;
        Timeline t;
        t.setBuckets(t0, 60 * s, {3, 0, 5, 1}, true);
        QVERIFY(!t.isEmpty());
        QCOMPARE(t.total(), uint64_t(9));
        QCOMPARE(t.timeMin().toMSecsSinceEpoch(), t0 / 1000000);
        QVERIFY(t.timeMax().toMSecsSinceEpoch() >= (t0 + 240 * s) / 1000000);
        QCOMPARE(t.countMax(), 6.0); // 5: an even top
        t.setBuckets(t0, 60 * s, {1, 2}, true);
        QCOMPARE(t.total(), uint64_t(3));
        const QDateTime lo = t.timeMin(), hi = t.timeMax();
        t.setBuckets(t0, 60 * s, {0, 0}, true); // nothing matched: the axis kept
        QVERIFY(t.isEmpty());
        QCOMPARE(t.total(), uint64_t(0));
        QCOMPARE(t.timeMin(), lo);
        QCOMPARE(t.timeMax(), hi);
        QCOMPARE(t.countMax(), 1.0);
    }

    void typingAFullDateTime()
    {
        DateTimeEdit e;
        e.setDisplayFormat(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
        e.setTimeSpec(Qt::UTC);
        e.setDateTime(QDateTime(QDate(2021, 11, 30), QTime(15, 9, 53), Qt::UTC));
        e.show();
        QApplication::setActiveWindow(&e);
        QVERIFY(QTest::qWaitForWindowActive(&e));
        e.setFocus();
        e.setSelectedSection(QDateTimeEdit::YearSection);
        QTest::keyClicks(&e, QStringLiteral("2023-02-25 00:00:00"));
        QCOMPARE(e.dateTime(), QDateTime(QDate(2023, 2, 25), QTime(0, 0, 0), Qt::UTC));
        // as a keyboard types it: Shift pressed on its own before ':'
        e.setSelectedSection(QDateTimeEdit::YearSection);
        for (QChar c : QStringLiteral("2022-01-02 03:04:05")) {
            if (c == QLatin1Char(':')) {
                QTest::keyPress(&e, Qt::Key_Shift);
                QTest::keyClick(&e, c.toLatin1(), Qt::ShiftModifier);
                QTest::keyRelease(&e, Qt::Key_Shift);
            } else {
                QTest::keyClick(&e, c.toLatin1());
            }
        }
        QCOMPARE(e.dateTime(), QDateTime(QDate(2022, 1, 2), QTime(3, 4, 5), Qt::UTC));
    }
};

QTEST_MAIN(TstGuiDetail)
#include "tst_guidetail.moc"
