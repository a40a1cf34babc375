// SPDX-License-Identifier: MIT
// File ▸ Fetch from Cloudflare…, offscreen, against a scripted local Audit Logs API: records
// reach the trail as pages arrive, the progress bar and counts move, Cancel stops after the
// page in flight, errors are said plainly, the token is never saved or shown.
#include "../core/fakeauditapi.h"

#include "fetchdialog.h"
#include "mainwindow.h"
#include "receiver/receiver.h"
#include "trailmodel.h"

#include <QAction>
#include <QCheckBox>
#include <QFile>
#include <QLabel>
#include <QMenuBar>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace auditlens;
using namespace auditlens::ui;

namespace {
constexpr const char *kAccount = "0123456789abcdef0123456789abcdef";
constexpr int64_t kSec = 1'000'000'000LL;
const QString kToken = QStringLiteral("gui-secret-token-77");

FetchDialog *openDialog(MainWindow &w)
{
    for (QAction *a : w.menuBar()->actions()) {
        if (!a->menu())
            continue;
        for (QAction *item : a->menu()->actions())
            if (item->text().remove(QLatin1Char('&')) == QStringLiteral("Fetch from Cloudflare…")) {
                item->trigger();
                return w.findChild<FetchDialog *>();
            }
    }
    return nullptr;
}

/// A dialog ready to fetch every record of `api` (1,000 s of records from an hour ago).
void prepare(FetchDialog *d, FakeAuditApi &api, const QString &journal)
{
    d->setAccount(QLatin1String(kAccount));
    d->setToken(kToken);
    d->setApiBase(api.baseUrl());
    d->setJournalDir(journal);
    const QDateTime now = QDateTime::currentDateTimeUtc();
    d->setRange(now.addSecs(-7200), now.addSecs(60));
    d->setFollow(false);
}
} // namespace

class TstFetchDialog : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void recordsReachTheTrailAsPagesArrive()
    {
        QTemporaryDir journal;
        FakeAuditApi api;
        const int64_t start = (QDateTime::currentMSecsSinceEpoch() - 3600'000) * 1'000'000LL;
        api.generate(1000, start, kSec);
        api.delayMs = 150;
        MainWindow w;
        w.resize(1280, 800);
        w.show();
        FetchDialog *d = openDialog(w);
        QVERIFY(d);
        prepare(d, api, journal.path());
        d->setApi(fetch::ApiVersion::V2);
        QSignalSpy pages(d, &FetchDialog::pageFetched);
        QSignalSpy done(d, &FetchDialog::fetchFinished);
        auto opts = d->options();
        QCOMPARE(opts.query.perPage, 1000);
        QVERIFY(d->fetchButton()->isEnabled());
        d->fetchButton()->click();
        QVERIFY(d->isFetching());
        QVERIFY(!d->fetchButton()->isEnabled());
        QVERIFY(d->cancelButton()->isEnabled());
        QVERIFY(done.wait(20000));
        QCOMPARE(pages.size(), 1);
        QTRY_COMPARE(w.trailModel()->rowCount(), 1000);
        QCOMPARE(d->progressBar()->value(), 1000);
        QVERIFY2(d->statusLabel()->text().startsWith(QStringLiteral("Done.")), qPrintable(d->statusLabel()->text()));
        QVERIFY(d->statusLabel()->text().contains(QStringLiteral("new records")));
        QCOMPARE(receiver::journalFiles(journal.path().toStdString()).empty(), false);
        QVERIFY(!d->isFetching());
        QVERIFY(d->fetchButton()->isEnabled());
        // the journal opens like any folder of logs: the same records, once
        QSignalSpy loaded(&w, &MainWindow::loadFinished);
        QVERIFY(d->findChild<QPushButton *>() != nullptr);
        for (QPushButton *b : d->findChildren<QPushButton *>())
            if (b->text() == QStringLiteral("Open journal"))
                b->click();
        QVERIFY(loaded.wait(20000));
        QCOMPARE(w.trailModel()->rowCount(), 1000);
    }

    void progressAndCancel()
    {
        QTemporaryDir journal;
        FakeAuditApi api;
        const int64_t start = (QDateTime::currentMSecsSinceEpoch() - 3600'000) * 1'000'000LL;
        api.generate(10000, start, kSec / 4);
        api.holdFrom = 3; // pages 1 and 2 come at once, then the API is slow
        MainWindow w;
        w.show();
        FetchDialog *d = openDialog(w);
        QVERIFY(d);
        prepare(d, api, journal.path());
        d->setApi(fetch::ApiVersion::V1);
        QSignalSpy done(d, &FetchDialog::fetchFinished);
        d->fetchButton()->click();
        // the first pages are in the trail while the fetch goes on
        QTRY_COMPARE(api.held(), 1);
        QTRY_COMPARE(w.trailModel()->rowCount(), 2000);
        QVERIFY(d->isFetching());
        QVERIFY2(d->progressBar()->value() > 0 && d->progressBar()->value() < 1000, qPrintable(d->statusLabel()->text()));
        QVERIFY2(d->statusLabel()->text().startsWith(QStringLiteral("Page 2 · 2,000 new records"))
                     || d->statusLabel()->text().startsWith(QStringLiteral("Page 2 · 2000 new records")),
                 qPrintable(d->statusLabel()->text()));
        const int before = d->progressBar()->value();
        d->cancelButton()->click();
        QVERIFY(!d->cancelButton()->isEnabled());
        QVERIFY(d->isFetching()); // the page in flight is taken in first
        api.release();
        QVERIFY(done.wait(10000));
        const auto out = done.first().first().value<fetch::FetchOutcome>();
        QVERIFY(out.stopped && !out.complete && out.error.empty());
        QCOMPARE(out.stats.records, quint64(3000));
        QVERIFY(d->progressBar()->value() > before);
        QVERIFY(d->statusLabel()->text().startsWith(QStringLiteral("Cancelled")));
        QTRY_COMPARE(w.trailModel()->rowCount(), 3000); // every page fetched is shown
        QCOMPARE(api.requests, 3);                      // and nothing more was asked
        // Fetch again: goes on from the checkpoint, each record once
        done.clear();
        d->fetchButton()->click();
        QVERIFY(done.wait(20000));
        QTRY_COMPARE(w.trailModel()->rowCount(), 10000);
    }

    void plainErrorsNoTokenShown_data()
    {
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("says");
        QTest::newRow("401") << 401 << QStringLiteral("did not accept the API token");
        QTest::newRow("403") << 403 << QStringLiteral("Account Settings Read");
        QTest::newRow("404") << 404 << QStringLiteral("check the account ID");
        QTest::newRow("400") << 400 << QStringLiteral("invalid");
        QTest::newRow("429") << 429 << QStringLiteral("rate limiting");
        QTest::newRow("503") << 503 << QStringLiteral("server error (503)");
    }

    void plainErrorsNoTokenShown()
    {
        QFETCH(int, status);
        QFETCH(QString, says);
        FakeAuditApi api;
        api.generate(10, (QDateTime::currentMSecsSinceEpoch() - 600'000) * 1'000'000LL, kSec);
        for (int i = 1; i <= 12; ++i)
            api.faults[i] = {status, status == 429 ? QByteArray("0") : QByteArray(), {}, false};
        FetchDialog d;
        QTemporaryDir journal;
        prepare(&d, api, journal.path());
        QSignalSpy done(&d, &FetchDialog::fetchFinished);
        d.fetchButton()->click();
        QVERIFY(done.wait(60000));
        QVERIFY(d.messageLabel()->isVisibleTo(&d));
        QVERIFY2(d.messageLabel()->text().contains(says), qPrintable(d.messageLabel()->text()));
        QVERIFY(d.statusLabel()->text().startsWith(QStringLiteral("Stopped by an error")));
        for (QLabel *l : d.findChildren<QLabel *>())
            QVERIFY(!l->text().contains(kToken));
        QSettings s;
        for (const QString &k : s.allKeys())
            QVERIFY2(!s.value(k).toString().contains(kToken), qPrintable(k)); // never saved
    }

    void refusesWhatCannotBeSent()
    {
        FetchDialog d;
        d.setAccount(QStringLiteral("not an id"));
        d.setToken(kToken);
        d.setApi(fetch::ApiVersion::V1);
        d.setActorEmail(QStringLiteral("bot@example.com"), true);
        QSignalSpy done(&d, &FetchDialog::fetchFinished);
        d.fetchButton()->click();
        QVERIFY(!d.isFetching());
        QVERIFY(d.messageLabel()->text().contains(QStringLiteral("account ID")));
        QVERIFY(d.messageLabel()->text().contains(QStringLiteral("v1 API cannot exclude")));
        QCOMPARE(done.size(), 0);
    }

    void keychainOptInSaysWhatHappenedAndNeverSavesTheToken()
    {
        const auto box = [](FetchDialog &d) {
            for (QCheckBox *b : d.findChildren<QCheckBox *>())
                if (b->text() == QStringLiteral("Remember the token in the system keychain"))
                    return b;
            return static_cast<QCheckBox *>(nullptr);
        };
        const auto state = [](FetchDialog &d) {
            for (QLabel *l : d.findChildren<QLabel *>())
                if (l->text().contains(QLatin1String("keychain")))
                    return l->text();
            return QString();
        };
        {
            FetchDialog d;
            QVERIFY(box(d) && !box(d)->isChecked()); // opt-in
            d.setToken(kToken);
            box(d)->setChecked(true); // kept there (or the keychain says it cannot)
            QTRY_VERIFY_WITH_TIMEOUT(state(d).contains(QLatin1String("kept")) || state(d).contains(QLatin1String("not available")), 30000);
            QVERIFY(!state(d).contains(kToken));
        }
        {
            FetchDialog d; // read back on open, or said unavailable
            QVERIFY(box(d)->isChecked());
            QTRY_VERIFY_WITH_TIMEOUT(state(d).contains(QLatin1String("read")) || state(d).contains(QLatin1String("not available")), 30000);
            box(d)->setChecked(false);
            QTRY_VERIFY_WITH_TIMEOUT(state(d).contains(QLatin1String("removed")) || state(d).contains(QLatin1String("not available")), 30000);
        }
        QSettings s;
        s.sync();
        QCOMPARE(s.value(QStringLiteral("fetch/useKeychain")).toBool(), false);
        QFile f(s.fileName());
        QVERIFY(f.open(QIODevice::ReadOnly));
        QVERIFY(!f.readAll().contains(kToken.toUtf8()));
    }

    void keepFollowing()
    {
        QTemporaryDir journal;
        FakeAuditApi api;
        const int64_t start = (QDateTime::currentMSecsSinceEpoch() - 600'000) * 1'000'000LL;
        api.generate(50, start, kSec);
        MainWindow w;
        FetchDialog *d = openDialog(w);
        prepare(d, api, journal.path());
        d->setPreset(FetchDialog::Last24Hours);
        d->setFollow(true, 1);
        QSignalSpy done(d, &FetchDialog::fetchFinished);
        d->fetchButton()->click();
        QTRY_COMPARE(w.trailModel()->rowCount(), 50);
        QTRY_VERIFY(d->statusLabel()->text().contains(QStringLiteral("Following")));
        const int64_t lastT = api.records.back().timeNs;
        api.records.push_back({"followed-1", lastT + kSec, "late@example.com", "create"});
        QTRY_COMPARE_WITH_TIMEOUT(w.trailModel()->rowCount(), 51, 10000);
        d->cancelButton()->click();
        QVERIFY(done.wait(10000));
        QVERIFY(d->statusLabel()->text().startsWith(QStringLiteral("Stopped following")));
        QCOMPARE(w.trailModel()->rowCount(), 51);
    }
};

QTEST_MAIN(TstFetchDialog)
#include "tst_fetchdialog.moc"
