// SPDX-License-Identifier: MIT
// The main window's state, offscreen on a 1024x768 screen: saved settings (a sorted trail,
// earlier layouts, garbage) never break a start, the window fits the screen, and after every
// transition a user can make each visible cell of the trail is what its raw record says.
#include "facetlist.h"
#include "mainwindow.h"
#include "trailcheck.h"
#include "trailmodel.h"
#include "trailsourcewindow.h"
#include "fieldspanel.h"
#include "intake/engine.h"
#include "store/embeddedtrail.h"

#include "source/reader.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QClipboard>
#include <QDockWidget>
#include <QHeaderView>
#include <QListWidget>
#include <QMenuBar>
#include <QRandomGenerator>
#include <QScreen>
#include <QSettings>
#include <QSignalSpy>
#include <QSplitter>
#include <QStandardItemModel>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

using namespace auditlens;
using namespace auditlens::ui;
using namespace auditlens::ui::testing;

namespace {
QString data(const char *rel) { return QStringLiteral(AUDITLENS_TEST_DATA "/") + QString::fromLatin1(rel); }

void load(MainWindow &w, const QStringList &files, bool append = false)
{
    QSignalSpy done(&w, &MainWindow::loadFinished);
    w.openSources(files, append);
    QVERIFY(done.wait(20000));
}

QAction *action(MainWindow &w, const QString &text)
{
    for (QAction *a : w.findChildren<QAction *>())
        if (a->text() == text)
            return a;
    return nullptr;
}

const QStringList kKeys = {QStringLiteral("window/geometry"),   QStringLiteral("window/state"),
                           QStringLiteral("window/mainSplit"),  QStringLiteral("window/detailSplit"),
                           QStringLiteral("window/sideSplit"),  QStringLiteral("window/outerSplit"),
                           QStringLiteral("trail/header"),      QStringLiteral("view/localTime"),
                           QStringLiteral("recentFiles"),       QStringLiteral("window/layoutVersion")};

/// The window and its frame lie within the screen's available area.
bool onScreen(const QWidget &w)
{
    const QRect avail = w.screen()->availableGeometry();
    return avail.contains(w.frameGeometry());
}
} // namespace

class TstGuiState : public QObject
{
    Q_OBJECT
    QTemporaryDir m_settingsDir;

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QSettings::setDefaultFormat(QSettings::IniFormat);
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settingsDir.path());
        QVERIFY(QGuiApplication::primaryScreen());
        QCOMPARE(QGuiApplication::primaryScreen()->geometry().size(), QSize(1024, 768));
    }
    void init() { QSettings().clear(); }

    void startsAfterSortingByAnyColumn_data()
    {
        QTest::addColumn<int>("column");
        for (int c = 0; c < TrailModel::ColCount; ++c)
            QTest::newRow(qPrintable(QString::number(c))) << c;
    }
    void startsAfterSortingByAnyColumn()
    {
        // the trail sorted by a column, the window closed: the next start restores that header
        // before any record is loaded (it crashed in TrailModel::sort on an empty store)
        QFETCH(int, column);
        {
            MainWindow w;
            load(w, {data("mixed.ndjson")});
            w.table()->sortByColumn(column, Qt::DescendingOrder);
            w.close();
        }
        MainWindow w;
        QCOMPARE(w.table()->horizontalHeader()->sortIndicatorSection(), column);
        load(w, {data("mixed.ndjson")});
        QCOMPARE(w.trailModel()->rowCount(), 4);
        QCOMPARE(firstMismatch(*w.trailModel()), QString());
    }

    void everyCellIsItsRecordAfterEachTransition()
    {
        MainWindow w;
        QAbstractItemModelTester tester(w.trailModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        auto check = [&](const char *what) {
            const QString m = firstMismatch(*w.trailModel());
            QVERIFY2(m.isEmpty(), qPrintable(QStringLiteral("after %1: %2").arg(QLatin1String(what), m)));
        };
        load(w, {data("mixed.ndjson")});
        check("open");
        // every Resource ID read (and cached) before the next file comes
        for (int r = 0; r < w.trailModel()->rowCount(); ++r)
            w.trailModel()->data(w.trailModel()->index(r, TrailModel::ResourceId));
        load(w, {data("seed/raw_samples.json")});
        QCOMPARE(w.trailModel()->rowCount(), 5);
        check("open another");
        load(w, {data("mixed.ndjson")}, true);
        QCOMPARE(w.trailModel()->rowCount(), 9);
        check("add files");
        {
            QSignalSpy done(&w, &MainWindow::loadFinished);
            QVERIFY(action(w, QStringLiteral("Re&load")));
            action(w, QStringLiteral("Re&load"))->trigger();
            QVERIFY(done.wait(20000));
        }
        QCOMPARE(w.trailModel()->rowCount(), 9);
        check("reload");
        {
            QApplication::clipboard()->setText(QStringLiteral(
                "{\"ID\":\"p-1\",\"ActionType\":\"pasted\",\"ActorEmail\":\"paste@x.io\",\"ResourceID\":\"pr1\","
                "\"ActionResult\":true,\"When\":\"2023-03-01T00:00:00Z\"}\n"));
            QSignalSpy done(&w, &MainWindow::loadFinished);
            action(w, QStringLiteral("&Paste records"))->trigger();
            QVERIFY(done.wait(20000));
        }
        QCOMPARE(w.trailModel()->rowCount(), 10);
        check("paste");
        // live records: appended to the store as the receiver does, then the trail refreshes
        {
            std::string line = "{\"ID\":\"live-1\",\"ActionType\":\"live\",\"ActorEmail\":\"live@x.io\","
                               "\"ResourceID\":\"lr1\",\"When\":\"2020-01-01T00:00:00Z\"}";
            std::string padded = line;
            padded.resize(line.size() + kRecordPadding, '\0');
            std::vector<IndexedRecord> recs{indexRecord(std::string_view(padded.data(), line.size()), padded.size(), 64)};
            Block block;
            block.spans.push_back(RecordSpan{0, uint32_t(line.size()), 1});
            block.dataLen = line.size() + 1;
            block.data = std::make_shared<const std::string>(line + "\n" + std::string(kRecordPadding, '\0'));
            w.store()->appendIndexed("receiver", std::move(block), std::move(recs));
            w.applyFilter();
        }
        QCOMPARE(w.trailModel()->rowCount(), 11);
        check("live records");
        for (int c = 0; c < TrailModel::ColCount; ++c)
            for (Qt::SortOrder o : {Qt::AscendingOrder, Qt::DescendingOrder}) {
                w.table()->sortByColumn(c, o);
                check("sort");
                w.filter().include[size_t(Column::Actor)] = {*w.trailModel()->snapshot().dict(Column::Actor).find("alice@example.com")};
                w.applyFilter();
                QVERIFY(w.trailModel()->rowCount() > 0);
                check("filter");
                w.setTextSearch(QStringLiteral("token"));
                check("text filter");
                w.clearFilters();
                QCOMPARE(w.trailModel()->rowCount(), 11);
                check("clear");
            }
        load(w, {data("seed/raw_samples.json")});
        check("open after sorting");
    }

    void garbageSettingsNeverBreakAStart_data()
    {
        QTest::addColumn<QString>("key");
        for (const QString &k : kKeys)
            QTest::newRow(qPrintable(k)) << k;
    }
    void garbageSettingsNeverBreakAStart()
    {
        // random bytes, random text, numbers and cut or flipped copies of a real saved value as
        // each saved value: the window starts, fits the screen and shows the records
        QFETCH(QString, key);
        QByteArray real;
        {
            MainWindow w;
            load(w, {data("mixed.ndjson")});
            w.table()->sortByColumn(TrailModel::Actor, Qt::AscendingOrder);
            w.close();
            real = QSettings().value(key).toByteArray();
        }
        QRandomGenerator rng(0x5eed + uint(qHash(key)));
        for (int round = 0; round < 12; ++round) {
            QSettings s;
            s.setValue(QStringLiteral("window/layoutVersion"), 2);
            s.setValue(QStringLiteral("trail/columns"), int(TrailModel::ColCount));
            QVariant v;
            QByteArray bytes(int(rng.bounded(1, 300)), Qt::Uninitialized);
            for (char &b : bytes)
                b = char(rng.bounded(256));
            switch (round % 6) {
            case 0: v = bytes; break;
            case 1: v = QString::fromLatin1(bytes); break;
            case 2: v = int(rng.generate()); break;
            case 3: v = real.left(int(rng.bounded(qMax(1, int(real.size()))))); break;
            case 4: {
                QByteArray flipped = real;
                for (int i = 0; i < 4 && !flipped.isEmpty(); ++i)
                    flipped[int(rng.bounded(int(flipped.size())))] = char(rng.bounded(256));
                v = flipped;
                break;
            }
            case 5: v = QStringList{QString::fromLatin1(bytes), QString()}; break;
            }
            s.setValue(key, v);
            s.sync();
            MainWindow w;
            w.show();
            QVERIFY(QTest::qWaitForWindowExposed(&w));
            QTRY_VERIFY2(onScreen(w), qPrintable(QStringLiteral("round %1: %2x%3 at %4,%5, least %6x%7").arg(round)
                                                     .arg(w.frameGeometry().width()).arg(w.frameGeometry().height())
                                                     .arg(w.frameGeometry().x()).arg(w.frameGeometry().y())
                                                     .arg(w.minimumSizeHint().width()).arg(w.minimumSizeHint().height())));
            load(w, {data("mixed.ndjson")});
            QCOMPARE(w.trailModel()->rowCount(), 4);
            QHeaderView *h = w.table()->horizontalHeader();
            int shown = 0;
            for (int c = 0; c < TrailModel::ColCount; ++c)
                shown += h->isSectionHidden(c) ? 0 : 1;
            QVERIFY(shown > 0);
            QVERIFY(h->sortIndicatorSection() >= 0 && h->sortIndicatorSection() < TrailModel::ColCount);
            QCOMPARE(firstMismatch(*w.trailModel()), QString());
            QCOMPARE(w.findChild<QSplitter *>(QStringLiteral("outerSplit"))->orientation(), Qt::Horizontal);
            // the window's own splitters, whose state is saved (a panel's splitter inside a
            // closed dock has no size to show)
            for (QSplitter *sp : w.findChildren<QSplitter *>()) {
                if (!sp->isVisibleTo(&w))
                    continue;
                int visible = 0;
                for (int sz : sp->sizes())
                    visible += sz > 0;
                QVERIFY(visible > 0);
            }
        }
    }

    void anEarlierLayoutFallsBackToDefaults_data()
    {
        QTest::addColumn<int>("layoutVersion"); // 0: not written (versions before it)
        QTest::addColumn<int>("columns");
        QTest::newRow("no layout version") << 0 << 0;
        QTest::newRow("other columns") << 2 << 9;
    }
    void anEarlierLayoutFallsBackToDefaults()
    {
        // a header saved with fewer columns, sorted by a column this version does not have
        QFETCH(int, layoutVersion);
        QFETCH(int, columns);
        QStandardItemModel old(0, 9);
        QHeaderView oldHeader(Qt::Horizontal);
        oldHeader.setModel(&old);
        oldHeader.setSortIndicator(8, Qt::DescendingOrder);
        oldHeader.hideSection(0);
        QSettings s;
        if (layoutVersion)
            s.setValue(QStringLiteral("window/layoutVersion"), layoutVersion);
        if (columns)
            s.setValue(QStringLiteral("trail/columns"), columns);
        s.setValue(QStringLiteral("trail/header"), oldHeader.saveState());
        s.sync();
        MainWindow w;
        load(w, {data("mixed.ndjson")});
        QHeaderView *h = w.table()->horizontalHeader();
        QCOMPARE(h->count(), int(TrailModel::ColCount));
        QVERIFY(!h->isSectionHidden(TrailModel::Time));
        QCOMPARE(h->sortIndicatorSection(), int(TrailModel::Time));
        QCOMPARE(firstMismatch(*w.trailModel()), QString());
    }

    void firstWindowFitsTheScreen()
    {
        MainWindow w;
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QVERIFY2(onScreen(w), qPrintable(QStringLiteral("%1x%2 at %3,%4").arg(w.frameGeometry().width()).arg(w.frameGeometry().height())
                                              .arg(w.frameGeometry().x()).arg(w.frameGeometry().y())));
        QVERIFY(w.width() >= 800 && w.height() >= 600); // and uses the room there is
    }

    void aSavedGeometryThatNoLongerFitsIsPulledBack()
    {
        // saved on a large screen, far right and bigger than this one
        {
            QWidget big;
            big.setGeometry(2600, 1200, 1900, 1300);
            QSettings s;
            s.setValue(QStringLiteral("window/geometry"), big.saveGeometry());
        }
        MainWindow w;
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QTRY_VERIFY2(onScreen(w), qPrintable(QStringLiteral("%1x%2 at %3,%4").arg(w.frameGeometry().width()).arg(w.frameGeometry().height())
                                                 .arg(w.frameGeometry().x()).arg(w.frameGeometry().y())));
    }

    /// The ClickHouse window's Fields panel, opened on this small screen: within the screen,
    /// and the window too (the panel floats rather than push the window past the edge).
    void theTrailWindowsFieldsPanelStaysOnScreen()
    {
        EventStore store;
        store.load(SourceSpec::memory("mem", "{\"ID\":\"1\",\"ActionType\":\"a\",\"When\":\"2023-02-25T00:00:00Z\"}\n"), {});
        TrailSourceWindow w(std::make_unique<EmbeddedTrail>(store.snapshot(), "mem"), intake::IntakeParser::builtin());
        w.resize(1000, 700);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        w.fieldsDock()->toggleViewAction()->trigger();
        QTRY_VERIFY(w.fieldsDock()->isVisible());
        QTRY_VERIFY(!w.fieldsPanel()->fieldPaths().isEmpty());
        QVERIFY2(onScreen(w), qPrintable(QStringLiteral("window %1x%2 at %3,%4").arg(w.frameGeometry().width())
                                             .arg(w.frameGeometry().height()).arg(w.frameGeometry().x()).arg(w.frameGeometry().y())));
        QVERIFY2(onScreen(*w.fieldsDock()), qPrintable(QStringLiteral("panel %1x%2 at %3,%4").arg(w.fieldsDock()->frameGeometry().width())
                                                           .arg(w.fieldsDock()->frameGeometry().height())
                                                           .arg(w.fieldsDock()->frameGeometry().x())
                                                           .arg(w.fieldsDock()->frameGeometry().y())));
        QVERIFY(w.fieldsDock()->width() >= 300);
    }

    void usableAt1024x768()
    {
        // everything of the main window fits: nothing forces it past the screen
        MainWindow w;
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        const QSize least = w.minimumSizeHint().expandedTo(w.minimumSize());
        QVERIFY2(least.width() <= 1024 && least.height() <= 768 - 40,
                 qPrintable(QStringLiteral("minimum %1x%2").arg(least.width()).arg(least.height())));
    }
};

int main(int argc, char **argv)
{
    // a 1024x768 screen, whatever the platform default (800x600 offscreen)
    qputenv("QT_QPA_PLATFORM", "offscreen:configfile=" AUDITLENS_SCREEN_CONFIG);
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("AuditlensTest"));
    QApplication::setApplicationName(QStringLiteral("tst_guistate"));
    TstGuiState t;
    return QTest::qExec(&t, argc, argv);
}

#include "tst_guistate.moc"
