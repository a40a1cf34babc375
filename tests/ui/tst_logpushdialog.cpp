// SPDX-License-Identifier: MIT
// The Logpush form, offscreen: preview follows the form, invalid inputs are flagged and block
// Create, the Sekoia preset reproduces the seed's request, secrets stay out of settings.
#include "../core/fakehttp.h"
#include "logpushdialog.h"

#include <QFile>
#include <QLabel>
#include <QCheckBox>
#include <QPushButton>
#include <QSettings>
#include <QStandardPaths>
#include <QTest>

#include <nlohmann/json.hpp>

using namespace auditlens::ui;
using auditlens::logpush::Scope;

namespace {
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
        srv.queue.append(FakeResponse(403, "{\"success\":false,\"errors\":[{\"code\":9109,\"message\":\"Unauthorized to access requested resource\"}],\"result\":null}"));
        srv.queue.append(FakeResponse(200, "{\"success\":true,\"errors\":[],\"result\":{\"id\":7,\"dataset\":\"audit_logs\",\"enabled\":true}}"));
        LogpushDialog d;
        d.setApiBase(srv.baseUrl());
        d.setToken(kToken);
        d.setScope(Scope::Account, kAccount);
        d.setPreset(LogpushDialog::Sekoia);
        d.setIntakeKey(QStringLiteral("KEY-abc"));
        QVERIFY(d.createButton()->isEnabled());
        d.createButton()->click();
        QVERIFY(d.resultLabel()->text().contains(QStringLiteral("Logs Write")));
        d.createButton()->click();
        QVERIFY2(d.resultLabel()->text().contains(QStringLiteral("job 7")), qPrintable(d.resultLabel()->text()));
        QCOMPARE(srv.received.size(), 2);
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
