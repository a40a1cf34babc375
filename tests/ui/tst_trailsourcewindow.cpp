// SPDX-License-Identifier: MIT
// The window a ClickHouse trail is browsed in, driven offscreen over the embedded store's
// TrailSource: counts and facets, a facet value and a query as the user applies them, the
// selected record raw and normalized, a bad query said under the bar.
#include "clickhousedialog.h"
#include "intake/engine.h"
#include "jsontree.h"
#include "sourcetrailmodel.h"
#include "store/embeddedtrail.h"
#include "../core/samplestore.h"
#include "trailsourcewindow.h"

#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTest>

using namespace auditlens;
using namespace auditlens::ui;


class TstTrailSourceWindow : public QObject
{
    Q_OBJECT
    SampleStore m_samples;
    const Snapshot &m_snap = m_samples.snap;

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QSettings().clear();
        QVERIFY2(m_samples.load(), "the bundled samples are missing");
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

    void theClickHouseDialogRefusesCredentialsInTheUrlAndNeverSavesThePassword()
    {
        {
            ClickHouseDialog dlg;
            dlg.urlEdit()->setText(QStringLiteral("http://bob:s3cret@localhost:8123"));
            dlg.passwordEdit()->setText(QStringLiteral("hunter2-secret"));
            dlg.accept();
            QCOMPARE(dlg.result(), int(QDialog::Rejected));
            QVERIFY(dlg.message()->text().contains(QLatin1String("not in the URL")));
            dlg.urlEdit()->setText(QStringLiteral("ftp://localhost:8123"));
            dlg.accept();
            QVERIFY(dlg.message()->text().contains(QLatin1String("http://")));
            dlg.urlEdit()->setText(QStringLiteral("https://ch.example:8443"));
            dlg.accept();
            QCOMPARE(dlg.result(), int(QDialog::Accepted));
            QCOMPARE(dlg.endpoint().url.toString(), QStringLiteral("https://ch.example:8443"));
            QCOMPARE(dlg.endpoint().password, QStringLiteral("hunter2-secret"));
            QCOMPARE(dlg.table().table, QStringLiteral("auditlens_trail"));
        }
        QSettings settings;
        settings.sync();
        QFile f(settings.fileName());
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray saved = f.readAll();
        QVERIFY(saved.contains("ch.example"));
        QVERIFY(!saved.contains("hunter2"));
        ClickHouseDialog again; // remembered, password empty
        QCOMPARE(again.urlEdit()->text(), QStringLiteral("https://ch.example:8443"));
        QVERIFY(again.passwordEdit()->text().isEmpty());
    }
};

QTEST_MAIN(TstTrailSourceWindow)
#include "tst_trailsourcewindow.moc"
