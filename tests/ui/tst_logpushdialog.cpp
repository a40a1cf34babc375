// SPDX-License-Identifier: MIT
// The Logpush form, offscreen: preview follows the form, invalid inputs are flagged and block
// Create, the Sekoia preset reproduces the seed's request, secrets stay out of settings.
#include "../core/fakehttp.h"
#include "../core/logpushfixtures.h"
#include "logpushdialog.h"

#include <QFile>
#include <QLabel>
#include <QCheckBox>
#include <QComboBox>
#include <QLineEdit>
#include <QScrollArea>
#include <QTabWidget>
#include <QTableWidget>
#include <QPushButton>
#include <QSettings>
#include <QStandardPaths>
#include <QElapsedTimer>
#include <QScrollBar>
#include <QSpinBox>
#include <QTest>

#include <nlohmann/json.hpp>

using namespace auditlens::ui;
using auditlens::logpush::Scope;

namespace {
using J = nlohmann::ordered_json;
bool same(const J &a, const J &b) { return nlohmann::json::parse(a.dump()) == nlohmann::json::parse(b.dump()); }

/// The part of `w` its ancestors (up to `top`) let through, in `top`'s coordinates.
QRect visiblePart(const QWidget *w, const QWidget *top)
{
    QRect r(w->mapTo(top, QPoint(0, 0)), w->size());
    for (const QWidget *p = w->parentWidget(); p && p != top; p = p->parentWidget())
        r &= QRect(p->mapTo(top, QPoint(0, 0)), p->size());
    return r & top->rect();
}

const QString kAccount = QStringLiteral("0123456789abcdef0123456789abcdef");
const QString kToken = QStringLiteral("tok-SECRET-0a1b2c3d4e5f");
}

class TstLogpushDialog : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        qunsetenv("CLOUDFLARE_API_TOKEN");
        QSettings().clear();
    }

    void sekoiaPresetGivesTheSeedRequest()
    {
        LogpushDialog d;
        d.setScope(Scope::Account, kAccount);
        d.setPreset(LogpushDialog::Sekoia);
        d.setIntakeKey(QStringLiteral("<YOUR_INTAKE_KEY>"));
        QFile f(QStringLiteral(AUDITLENS_TEST_DATA "/seed/logpush_create_body.json"));
        QVERIFY(f.open(QIODevice::ReadOnly));
        const auto seed = nlohmann::json::parse(f.readAll().toStdString());
        const auto body = nlohmann::json::parse(d.job().toBody().dump());
        QVERIFY2(body == seed, body.dump().c_str());
        QVERIFY(d.errors().empty());
        QVERIFY(d.curlPreview().contains(QStringLiteral("/accounts/") + kAccount + QStringLiteral("/logpush/jobs")));
    }

    void previewFollowsTheForm()
    {
        LogpushDialog d;
        d.setScope(Scope::Account, kAccount);
        d.setPreset(LogpushDialog::Https);
        d.setDestination(QStringLiteral("https://logs.example.com/in?header_X-Key=abcdef"));
        QVERIFY(d.bodyPreview().contains(QStringLiteral("https://logs.example.com/in?header_X-Key=***")));
        QVERIFY(!d.bodyPreview().contains(QStringLiteral("abcdef")));
        d.setDestination(QStringLiteral("https://other.example.com/x"));
        QVERIFY(d.bodyPreview().contains(QStringLiteral("https://other.example.com/x")));
    }

    void invalidInputsAreFlaggedAndBlockCreate()
    {
        LogpushDialog d;
        d.setToken(kToken);
        d.setScope(Scope::Account, QStringLiteral("not-an-id"));
        d.setPreset(LogpushDialog::Https);
        d.setDestination(QStringLiteral("http://plain.example.com"));
        QVERIFY(!d.createButton()->isEnabled());
        QWidget *id = d.fieldWidget(QStringLiteral("account"));
        QVERIFY(id->toolTip().contains(QStringLiteral("32 hexadecimal")));
        QVERIFY(id->styleSheet().contains(QStringLiteral("border")));
        QWidget *dest = d.fieldWidget(QStringLiteral("destination_conf"));
        QVERIFY(dest->toolTip().contains(QStringLiteral("https")));
        d.setScope(Scope::Account, kAccount);
        QVERIFY(!d.createButton()->isEnabled());
        d.setDestination(QStringLiteral("https://plain.example.com"));
        QVERIFY(d.createButton()->isEnabled());
        QVERIFY(id->styleSheet().isEmpty());
        // the Sekoia preset without its key
        d.setPreset(LogpushDialog::Sekoia);
        QVERIFY(!d.createButton()->isEnabled());
        QVERIFY(d.fieldWidget(QStringLiteral("intake_key"))->toolTip().contains(QStringLiteral("intake key")));
    }

    void filterBuilder()
    {
        LogpushDialog d;
        d.setScope(Scope::Account, kAccount);
        d.setPreset(LogpushDialog::Https);
        d.setDestination(QStringLiteral("https://x.example.com/"));
        d.addFilterCondition(QStringLiteral("ActionType"), QStringLiteral("eq"), QStringLiteral("login"));
        QCOMPARE(QString::fromStdString(*d.job().filter),
                 QStringLiteral("{\"where\":{\"key\":\"ActionType\",\"operator\":\"eq\",\"value\":\"login\"}}"));
        d.addFilterCondition(QStringLiteral("ActorEmail"), QStringLiteral("in"), QStringLiteral("a@x.io, b@x.io"));
        const auto f = nlohmann::json::parse(*d.job().filter);
        QCOMPARE(f["where"]["and"].size(), size_t(2));
        QVERIFY(f["where"]["and"][1]["value"] == nlohmann::json::parse("[\"a@x.io\",\"b@x.io\"]"));
        QVERIFY(d.errors().empty());
        QVERIFY(d.bodyPreview().contains(QStringLiteral("ActorEmail")));
    }

    void sendsAndShowsTheAnswerPlainly()
    {
        FakeHttpServer srv;
        // the destination check comes first: its refusal is shown, nothing is created
        srv.queue.append(FakeResponse(403, "{\"success\":false,\"errors\":[{\"code\":9109,\"message\":\"Unauthorized to access requested resource\"}],\"result\":null}"));
        LogpushDialog d;
        d.setApiBase(srv.baseUrl());
        d.setToken(kToken);
        d.setScope(Scope::Account, kAccount);
        d.setPreset(LogpushDialog::Sekoia);
        d.setIntakeKey(QStringLiteral("KEY-abc"));
        QVERIFY(d.createButton()->isEnabled());
        d.createButton()->click();
        QTRY_VERIFY2(d.resultLabel()->text().contains(QStringLiteral("Logs Write")), qPrintable(d.resultLabel()->text()));
        QCOMPARE(srv.received.size(), 1);
        QVERIFY(srv.received[0].path.endsWith("/logpush/validate/destination"));
        srv.queue.append(FakeResponse(200, "{\"success\":true,\"errors\":[],\"result\":{\"valid\":true,\"message\":\"\"}}"));
        srv.queue.append(FakeResponse(200, "{\"success\":true,\"errors\":[],\"result\":{\"id\":7,\"dataset\":\"audit_logs\",\"enabled\":true}}"));
        QTRY_VERIFY(d.createButton()->isEnabled());
        d.createButton()->click();
        QTRY_VERIFY2(d.resultLabel()->text().contains(QStringLiteral("job 7")), qPrintable(d.resultLabel()->text()));
        QCOMPARE(srv.received.size(), 3);
        QVERIFY(srv.received[2].path.endsWith("/logpush/jobs"));
        // the seed's request, byte for byte the same JSON
        QFile f(QStringLiteral(AUDITLENS_TEST_DATA "/seed/logpush_create_body.json"));
        QVERIFY(f.open(QIODevice::ReadOnly));
        auto seed = nlohmann::json::parse(f.readAll().toStdString());
        seed["destination_conf"] = "https://intake.sekoia.io/plain/batch?header_X-SEKOIAIO-INTAKE-KEY=KEY-abc";
        QVERIFY(nlohmann::json::parse(srv.received[2].body.toStdString()) == seed);
    }

    void networkCallsDoNotBlockAndCanBeCancelled()
    {
        // a server that never answers: the click returns at once, the dialog says what it is
        // doing, Cancel ends the call (the old dialog sat in a nested event loop for 30 s x 3)
        FakeHttpServer srv;
        srv.queue.append(FakeResponse(200, QByteArray(), true));
        LogpushDialog d;
        d.setApiBase(srv.baseUrl());
        d.setToken(kToken);
        d.setScope(Scope::Account, kAccount);
        d.setPreset(LogpushDialog::Sekoia);
        d.setIntakeKey(QStringLiteral("KEY-abc"));
        QElapsedTimer t;
        t.start();
        d.createButton()->click();
        QVERIFY2(t.elapsed() < 2000, "the click waited for the network");
        QVERIFY(d.busy());
        QVERIFY(d.cancelButton()->isEnabled());
        QVERIFY(!d.createButton()->isEnabled());
        QTRY_COMPARE(srv.received.size(), 1);
        d.cancelButton()->click();
        QVERIFY(!d.busy());
        QVERIFY2(d.resultLabel()->text().contains(QStringLiteral("Cancelled")), qPrintable(d.resultLabel()->text()));
        QVERIFY(d.createButton()->isEnabled());
    }

    void jobsTabErrorsShowOnTheJobsTab()
    {
        FakeHttpServer srv;
        srv.queue.append(FakeResponse(403, "{\"success\":false,\"errors\":[{\"code\":9109,\"message\":\"Unauthorized\"}],\"result\":null}"));
        LogpushDialog d;
        d.setApiBase(srv.baseUrl());
        d.setToken(kToken);
        d.setScope(Scope::Account, kAccount);
        d.tabs()->setCurrentIndex(1);
        d.refreshJobs();
        QTRY_VERIFY2(d.jobsResultLabel()->text().contains(QStringLiteral("Logs Write")), qPrintable(d.jobsResultLabel()->text()));
        QVERIFY(!d.resultLabel()->text().contains(QStringLiteral("Logs Write")));
        // the label is on the Jobs tab
        QVERIFY(d.tabs()->widget(1)->isAncestorOf(d.jobsResultLabel()));
        d.jobsEditButton()->click(); // nothing selected: said there too
        QVERIFY(d.jobsResultLabel()->text().contains(QStringLiteral("Select a job")));
    }

    void editingAJobChangesOnlyWhatTheUserChanged()
    {
        FakeCloudflare srv;
        srv.jobs[7] = logpushfixtures::richJob(7);
        srv.jobs[8] = logpushfixtures::sekoiaJob(8);
        LogpushDialog d;
        d.setApiBase(srv.baseUrl());
        d.setToken(kToken);
        d.setScope(Scope::Account, kAccount);
        d.refreshJobs();
        QTRY_COMPARE(d.jobsTable()->rowCount(), 2);
        // a job with every output option, framing and unknown fields
        d.jobsTable()->selectRow(0);
        d.jobsEditButton()->click();
        QTRY_VERIFY(d.editing());
        QCOMPARE(qobject_cast<QLineEdit *>(d.fieldWidget(QStringLiteral("output_options.batch_prefix")))->text(), QStringLiteral("["));
        QVERIFY(d.errors().empty());
        auto *ts = qobject_cast<QComboBox *>(d.fieldWidget(QStringLiteral("output_options.timestamp_format")));
        QCOMPARE(ts->currentText(), QStringLiteral("unix"));
        ts->setCurrentIndex(ts->findData(QStringLiteral("rfc3339")));
        QTRY_VERIFY(d.updateButton()->isEnabled());
        d.updateButton()->click();
        QTRY_VERIFY2(d.resultLabel()->text().contains(QStringLiteral("Job updated")), qPrintable(d.resultLabel()->text()));
        J expected = logpushfixtures::richJob(7);
        expected["output_options"]["timestamp_format"] = "rfc3339";
        QVERIFY2(same(srv.jobs[7], expected), srv.jobs[7].dump(1).c_str());
        // a job set up as Sekoia.io's documentation does keeps its logpull_options
        QTRY_VERIFY(!d.busy());
        d.editJobById(8);
        QTRY_VERIFY(d.jobsResultLabel()->text().contains(QStringLiteral("Job 8 is in the form")));
        QCOMPARE(qobject_cast<QComboBox *>(d.fieldWidget(QStringLiteral("output_options.timestamp_format")))->currentText(),
                 QStringLiteral("rfc3339"));
        auto *max = qobject_cast<QSpinBox *>(d.fieldWidget(QStringLiteral("max_upload_records")));
        max->setValue(2000);
        QTRY_VERIFY(d.updateButton()->isEnabled());
        d.updateButton()->click();
        QTRY_VERIFY2(d.resultLabel()->text().contains(QStringLiteral("Job updated")), qPrintable(d.resultLabel()->text()));
        J sek = logpushfixtures::sekoiaJob(8);
        sek["max_upload_records"] = 2000;
        QVERIFY2(same(srv.jobs[8], sek), srv.jobs[8].dump(1).c_str());
    }

    void aDatasetAuditlensDoesNotKnowGetsTheApisFields()
    {
        FakeCloudflare srv;
        srv.fields = J{{"ClientIP", "string"}, {"RayID", "string"}};
        LogpushDialog d;
        d.setApiBase(srv.baseUrl());
        d.setToken(kToken);
        d.setScope(Scope::Zone, kAccount);
        auto *ds = qobject_cast<QComboBox *>(d.fieldWidget(QStringLiteral("dataset")));
        ds->setCurrentText(QStringLiteral("http_requests"));
        QTRY_VERIFY2(d.job().outputOptions && d.job().logpullOptions.value_or("").find("RayID") != std::string::npos,
                     qPrintable(d.bodyPreview()));
        QVERIFY(srv.received.last().path.endsWith("/logpush/datasets/http_requests/fields"));
    }

    void everyOptionIsInTheForm()
    {
        LogpushDialog d;
        d.setScope(Scope::Account, kAccount);
        d.setPreset(LogpushDialog::Https);
        d.setDestination(QStringLiteral("https://x.example.com/"));
        for (const char *f : {"output_options.output_type", "output_options.batch_prefix", "output_options.batch_suffix",
                              "output_options.record_prefix", "output_options.record_suffix", "output_options.record_delimiter",
                              "output_options.field_delimiter", "output_options.record_template", "output_options.sample_rate",
                              "output_options.CVE-2021-44228", "output_options.timestamp_format", "output_options.field_names",
                              "kind", "max_upload_bytes", "max_upload_records", "max_upload_interval_seconds", "filter", "name",
                              "frequency", "ownership_challenge", "output_options.merge_subrequests"})
            QVERIFY2(d.fieldWidget(QString::fromLatin1(f)), f);
        // a JSON array: needs output_options, so logpull_options must be off
        qobject_cast<QLineEdit *>(d.fieldWidget(QStringLiteral("output_options.batch_prefix")))->setText(QStringLiteral("["));
        qobject_cast<QLineEdit *>(d.fieldWidget(QStringLiteral("output_options.record_delimiter")))->setText(QStringLiteral(","));
        qobject_cast<QLineEdit *>(d.fieldWidget(QStringLiteral("output_options.record_suffix")))->setText(QStringLiteral("}\\n"));
        qobject_cast<QCheckBox *>(d.fieldWidget(QStringLiteral("output_options")))->setChecked(false);
        QVERIFY(d.errors().empty());
        const auto body = nlohmann::json::parse(d.job().toBody().dump());
        QCOMPARE(body["output_options"]["batch_prefix"].get<std::string>(), std::string("["));
        QCOMPARE(body["output_options"]["record_suffix"].get<std::string>(), std::string("}\n"));
        QCOMPARE(body["enabled"].get<bool>(), true);
        QVERIFY(body["output_options"]["field_names"].size() == 15);
        qobject_cast<QCheckBox *>(d.fieldWidget(QStringLiteral("output_options")))->setChecked(true);
        QVERIFY(!d.errors().empty()); // framing cannot go into logpull_options
    }

    void destinationCheckAndOwnershipChallenge()
    {
        FakeCloudflare srv;
        LogpushDialog d;
        d.setApiBase(srv.baseUrl());
        d.setToken(kToken);
        d.setScope(Scope::Account, kAccount);
        d.setPreset(LogpushDialog::Https);
        d.setDestination(QStringLiteral("https://logs.example.com/in"));
        srv.destinationValid = false;
        d.checkDestinationButton()->click();
        QTRY_VERIFY2(d.destinationCheckLabel()->text().contains(QStringLiteral("error validating destination")),
                     qPrintable(d.destinationCheckLabel()->text()));
        QTRY_VERIFY(d.createButton()->isEnabled());
        d.createButton()->click();
        QTRY_VERIFY2(d.resultLabel()->text().contains(QStringLiteral("not created")), qPrintable(d.resultLabel()->text()));
        QVERIFY(srv.jobs.empty());
        // Google Cloud Storage needs the ownership challenge
        srv.destinationValid = true;
        d.setPreset(LogpushDialog::Gcs);
        d.setDestination(QStringLiteral("gs://bucket/logs"));
        QTRY_VERIFY(d.createButton()->isEnabled());
        d.createButton()->click();
        QTRY_VERIFY2(d.resultLabel()->text().contains(QStringLiteral("ownership challenge")), qPrintable(d.resultLabel()->text()));
        QVERIFY(srv.jobs.empty());
        d.requestChallengeButton()->click();
        QTRY_VERIFY2(d.challengeLabel()->text().contains(QString::fromStdString(srv.challengeFile)), qPrintable(d.challengeLabel()->text()));
        d.challengeEdit()->setText(QString::fromStdString(srv.challengeToken));
        QTRY_VERIFY(d.validateChallengeButton()->isEnabled());
        d.validateChallengeButton()->click();
        QTRY_VERIFY2(d.challengeLabel()->text().contains(QStringLiteral("valid")), qPrintable(d.challengeLabel()->text()));
        d.createButton()->click();
        QTRY_VERIFY2(d.resultLabel()->text().contains(QStringLiteral("Job created")), qPrintable(d.resultLabel()->text()));
        QCOMPARE(srv.jobs.size(), size_t(1));
        QCOMPARE(nlohmann::json::parse(srv.received.last().body.toStdString())["ownership_challenge"].get<std::string>(), srv.challengeToken);
    }

    void fitsSmallScreens_data()
    {
        QTest::addColumn<QSize>("screen");
        QTest::newRow("1024x768") << QSize(1024, 768);
        QTest::newRow("1280x800") << QSize(1280, 800);
    }
    void fitsSmallScreens()
    {
        // the size the screenshot tool gives the dialog on such a screen; every control of the
        // form can be reached (in view, or by scrolling the form) and none is cut off
        QFETCH(QSize, screen);
        LogpushDialog d;
        d.resize(screen.width() - 40, screen.height() - 60);
        d.show();
        QVERIFY(QTest::qWaitForWindowExposed(&d));
        auto *scroll = d.findChild<QScrollArea *>();
        QVERIFY(scroll);
        for (QWidget *w : {static_cast<QWidget *>(d.loadFieldsButton()), static_cast<QWidget *>(d.addConditionButton()),
                           d.fieldWidget(QStringLiteral("output_options.record_template")), d.fieldWidget(QStringLiteral("kind")),
                           static_cast<QWidget *>(d.createButton())}) {
            scroll->ensureWidgetVisible(w, 0, 0);
            const QRect seen = visiblePart(w, &d);
            QVERIFY2(seen.size() == w->size(), qPrintable(QStringLiteral("%1 cut to %2x%3 of %4x%5").arg(QLatin1String(w->metaObject()->className()))
                                                              .arg(seen.width()).arg(seen.height()).arg(w->width()).arg(w->height())));
        }
        // no horizontal scrolling needed to reach the right edge of the form
        QVERIFY2(!scroll->horizontalScrollBar()->isVisible(), "the form is wider than its pane");
        // for a person to look at: AUDITLENS_SCREENSHOT_DIR=dir saves the form at the top, the middle
        // and the bottom of its scroll range
        if (const QString dir = qEnvironmentVariable("AUDITLENS_SCREENSHOT_DIR"); !dir.isEmpty()) {
            QScrollBar *bar = scroll->verticalScrollBar();
            for (int part = 0; part < 3; ++part) {
                bar->setValue(bar->maximum() * part / 2);
                QVERIFY(d.grab().save(QStringLiteral("%1/logpush_%2x%3_%4.png").arg(dir).arg(screen.width()).arg(screen.height()).arg(part)));
            }
        }
    }

    void secretsNeverReachSettings()
    {
        {
            LogpushDialog d;
            d.setToken(kToken);
            d.setScope(Scope::Account, kAccount);
            d.setIntakeKey(QStringLiteral("INTAKE-KEY-zzz"));
            QVERIFY(!d.curlPreview().contains(kToken));
        }
        {
            // opting in to the keychain stores a flag in settings, never the token (here the
            // keychain may be unavailable: that is said, nothing else happens)
            LogpushDialog d;
            d.setToken(kToken);
            d.keychainBox()->setChecked(true);
            QTRY_VERIFY_WITH_TIMEOUT(!d.keychainState()->text().isEmpty(), 10000);
            d.keychainBox()->setChecked(false);
        }
        QSettings s;
        s.sync();
        QVERIFY(s.contains(QStringLiteral("logpush/useKeychain")));
        QFile f(s.fileName());
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray all = f.readAll();
        QVERIFY(all.contains(kAccount.toUtf8())); // settings are written…
        QVERIFY(!all.contains(kToken.toUtf8()));  // …but never the secrets
        QVERIFY(!all.contains("INTAKE-KEY-zzz"));
    }
};

QTEST_MAIN(TstLogpushDialog)
#include "tst_logpushdialog.moc"
