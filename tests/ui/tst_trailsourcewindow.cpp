// SPDX-License-Identifier: MIT
// The window a ClickHouse trail is browsed in, driven offscreen over the embedded store's
// TrailSource: counts and facets, a facet value and a query as the user applies them, the
// selected record raw and normalized, a bad query said under the bar.
#include "intake/engine.h"
#include "jsontree.h"
#include "sourcetrailmodel.h"
#include "store/embeddedtrail.h"
#include "trailsourcewindow.h"

#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QSignalSpy>
#include <QTableView>
#include <QTest>

using namespace auditlens;
using namespace auditlens::ui;

namespace {
const char *const kSamples = AUDITLENS_TEST_DATA "/../../resources/samples/cloudflare-audit-logs.ndjson";
}

class TstTrailSourceWindow : public QObject
{
    Q_OBJECT
    EventStore m_store;
    Snapshot m_snap;

private slots:
    void initTestCase()
    {
        m_store.load(SourceSpec::file(kSamples), {});
        m_snap = m_store.snapshot();
        QVERIFY(m_snap.size() > 300);
    }

    void browsesFiltersAndShowsARecord()
    {
        TrailSourceWindow w(std::make_unique<EmbeddedTrail>(m_snap, "samples"), intake::IntakeParser::builtin());
        w.resize(1280, 800);
        w.show();
        QSignalSpy counts(&w, &TrailSourceWindow::countsShown);
        QVERIFY(counts.wait(10000));
        const QString all = QString::number(m_snap.size());
        QCOMPARE(w.status()->text(), QStringLiteral("%1 of %1 records").arg(all));
        QVERIFY(w.facet(0)->count() > 1);

        // a facet value, as the user activates it: the table and the count follow
        QListWidgetItem *first = w.facet(0)->item(0);
        const QString actor = first->data(Qt::UserRole + 1).toString();
        const QString shown = first->text();
        const qulonglong n = shown.section(QLatin1Char('('), -1).chopped(1).toULongLong();
        QVERIFY(n > 0);
        emit w.facet(0)->itemActivated(first);
        QVERIFY(counts.wait(10000));
        QCOMPARE(w.status()->text(), QStringLiteral("%1 of %2 records").arg(n).arg(all));
        QTRY_VERIFY_WITH_TIMEOUT(w.model()->rowCount() > 0 && !w.model()->loading(), 10000);
        while (w.model()->canFetchMore({})) {
            w.model()->fetchMore({});
            QTRY_VERIFY_WITH_TIMEOUT(!w.model()->loading(), 10000);
        }
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
        w.queryBox()->setText(QStringLiteral("ActionType:("));
        QTest::keyClick(w.queryBox(), Qt::Key_Return);
        QTRY_VERIFY_WITH_TIMEOUT(!w.status()->text().startsWith(QStringLiteral("Counting")), 10000);
        QVERIFY(w.status()->text().contains(QLatin1String("at character")));
    }
};

QTEST_MAIN(TstTrailSourceWindow)
#include "tst_trailsourcewindow.moc"
