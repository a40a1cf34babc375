// SPDX-License-Identifier: MIT
// File ▸ Open ClickHouse trail…, offscreen: credentials in the URL refused; the password never
// in the settings, a log line or stdout, with the keychain box on or off; the keychain key is
// per server (user@host:port); without a keychain service the state says so plainly and Open
// still opens; with one, each server keeps its own password (skipped when none answers).
#include "clickhousedialog.h"
#include "secretstore.h"

#include <QCheckBox>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QSettings>
#include <QStandardPaths>
#include <QTest>

#include <memory>
#include <optional>

using namespace auditlens::ui;

namespace {

QStringList g_messages; ///< every qDebug / qWarning of the test run
QtMessageHandler g_previous = nullptr;

void keepMessage(QtMsgType type, const QMessageLogContext &context, const QString &text)
{
    g_messages << text;
    if (g_previous)
        g_previous(type, context, text);
}

QByteArray settingsFile()
{
    QSettings s;
    s.sync();
    QFile f(s.fileName());
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

/// Types `text` into `e` and leaves the field, as the user would (the dialog looks that server up).
void typeIn(QLineEdit *e, const QString &text)
{
    e->setText(text);
    emit e->editingFinished();
}

} // namespace

class TstClickHouseDialog : public QObject
{
    Q_OBJECT
    std::optional<SecretStore::Answer> m_probe; ///< a read of a key nobody keeps

    /// Whether a system keychain answers here (asked once); `why` says what it said otherwise.
    bool keychainRunning(QString *why = nullptr)
    {
        if (!m_probe) {
            auto answer = std::make_shared<std::optional<SecretStore::Answer>>();
            QObject context;
            SecretStore::read(QStringLiteral("clickhouse:auditlens-probe@nowhere.invalid:1"), &context,
                              [answer](const SecretStore::Answer &a) { *answer = a; });
            if (!QTest::qWaitFor([&] { return answer->has_value(); }, 30000))
                *answer = SecretStore::Answer{SecretStore::State::Unavailable, {}, QStringLiteral("no answer in 30 s")};
            m_probe = answer->value_or(SecretStore::Answer{SecretStore::State::Unavailable, {}, QStringLiteral("no answer in 30 s")});
        }
        if (why)
            *why = m_probe->message;
        return m_probe->state != SecretStore::State::Unavailable;
    }

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QSettings().clear();
        g_previous = qInstallMessageHandler(keepMessage);
    }

    void cleanupTestCase()
    {
        qInstallMessageHandler(g_previous);
        for (const QString &m : std::as_const(g_messages))
            QVERIFY2(!m.contains(QLatin1String("hunter2")) && !m.contains(QLatin1String("pw-of-")), qPrintable(m));
    }

    void refusesCredentialsInTheUrlAndNeverSavesThePassword_data()
    {
        QTest::addColumn<bool>("keychain");
        QTest::newRow("keychain off") << false;
        QTest::newRow("keychain on") << true;
    }

    void refusesCredentialsInTheUrlAndNeverSavesThePassword()
    {
        QFETCH(bool, keychain);
        QSettings().clear();
        {
            ClickHouseDialog dlg;
            QVERIFY(!dlg.keychainBox()->isChecked()); // opt-in
            QCOMPARE(dlg.passwordEdit()->placeholderText(), QStringLiteral("kept in memory only"));
            dlg.keychainBox()->setChecked(keychain);
            // the field says where the password goes
            QCOMPARE(dlg.passwordEdit()->placeholderText().contains(QLatin1String("keychain")), keychain);
            dlg.urlEdit()->setText(QStringLiteral("http://bob:s3cret@localhost:8123"));
            dlg.passwordEdit()->setText(QStringLiteral("hunter2-secret"));
            dlg.accept();
            QCOMPARE(dlg.result(), int(QDialog::Rejected));
            QVERIFY(dlg.message()->text().contains(QLatin1String("not in the URL")));
            dlg.urlEdit()->setText(QStringLiteral("ftp://localhost:8123"));
            dlg.accept();
            QVERIFY(dlg.message()->text().contains(QLatin1String("http://")));
            dlg.urlEdit()->setText(QStringLiteral("https://ch.example:8443"));
            dlg.accept(); // with the box on, once the keychain has answered
            QTRY_COMPARE_WITH_TIMEOUT(dlg.result(), int(QDialog::Accepted), 30000);
            QCOMPARE(dlg.endpoint().url.toString(), QStringLiteral("https://ch.example:8443"));
            QCOMPARE(dlg.endpoint().password, QStringLiteral("hunter2-secret"));
            QCOMPARE(dlg.table().table, QStringLiteral("auditlens_trail"));
            QCOMPARE(dlg.keychainState()->text().isEmpty(), !keychain);
            QVERIFY(!dlg.keychainState()->text().contains(QLatin1String("hunter2")));
        }
        const QByteArray saved = settingsFile();
        QVERIFY(saved.contains("ch.example"));
        QVERIFY(saved.contains("useKeychain"));
        QVERIFY(!saved.contains("hunter2"));
        QVERIFY(!saved.contains("s3cret"));
        QCOMPARE(QSettings().value(QStringLiteral("clickhouse/useKeychain")).toBool(), keychain);

        ClickHouseDialog again; // remembered, the password only from the keychain
        QCOMPARE(again.urlEdit()->text(), QStringLiteral("https://ch.example:8443"));
        QCOMPARE(again.keychainBox()->isChecked(), keychain);
        if (!keychain) {
            QVERIFY(again.passwordEdit()->text().isEmpty());
            QVERIFY(again.keychainState()->text().isEmpty());
            return;
        }
        QTRY_VERIFY_WITH_TIMEOUT(!again.keychainState()->text().isEmpty(), 30000);
        QCOMPARE(again.passwordEdit()->text().isEmpty(), !keychainRunning());
        again.keychainBox()->setChecked(false); // and out of the keychain again
        QTRY_VERIFY_WITH_TIMEOUT(again.keychainState()->text().contains(QLatin1String("removed"))
                                     || again.keychainState()->text().contains(QLatin1String("not available")),
                                 30000);
        QVERIFY(!settingsFile().contains("hunter2"));
    }

    void theKeychainKeyIsPerServer_data()
    {
        QTest::addColumn<QString>("url");
        QTest::addColumn<QString>("user");
        QTest::addColumn<QString>("key");
        QTest::newRow("default user") << "http://localhost:8123" << "" << "clickhouse:default@localhost:8123";
        QTest::newRow("user") << "http://localhost:8123" << " alice " << "clickhouse:alice@localhost:8123";
        QTest::newRow("another port") << "http://localhost:9123" << "alice" << "clickhouse:alice@localhost:9123";
        QTest::newRow("another host") << "https://CH.example:8443/" << "alice" << "clickhouse:alice@ch.example:8443";
        QTest::newRow("scheme's port") << "https://ch.example" << "alice" << "clickhouse:alice@ch.example:443";
        QTest::newRow("IPv6") << "http://[::1]:8123" << "" << "clickhouse:default@[::1]:8123";
        QTest::newRow("no host") << "not a url" << "alice" << "";
    }

    void theKeychainKeyIsPerServer()
    {
        QFETCH(QString, url);
        QFETCH(QString, user);
        QFETCH(QString, key);
        QCOMPARE(ClickHouseDialog::keychainKey(QUrl(url, QUrl::StrictMode), user), key);
    }

    void withoutAKeychainTheStateSaysSoAndOpenStillOpens()
    {
        QString why;
        if (keychainRunning(&why))
            QSKIP("a system keychain answers here: its absence is tested where none runs");
        QSettings().clear();
        QSettings().setValue(QStringLiteral("clickhouse/useKeychain"), true);
        ClickHouseDialog dlg;
        QVERIFY(dlg.keychainBox()->isChecked());
        QTRY_VERIFY_WITH_TIMEOUT(dlg.keychainState()->text().contains(QLatin1String("not available")), 30000);
        QVERIFY2(dlg.keychainState()->text().contains(QLatin1String("memory only")), qPrintable(dlg.keychainState()->text()));
        QVERIFY(dlg.keychainState()->isVisibleTo(&dlg));
        QVERIFY(dlg.passwordEdit()->text().isEmpty());
        typeIn(dlg.urlEdit(), QStringLiteral("http://127.0.0.1:18123")); // another server: asked again, same answer
        dlg.passwordEdit()->setText(QStringLiteral("hunter2-memory"));
        dlg.accept();
        QTRY_COMPARE_WITH_TIMEOUT(dlg.result(), int(QDialog::Accepted), 30000);
        QCOMPARE(dlg.endpoint().password, QStringLiteral("hunter2-memory"));
        QVERIFY(dlg.keychainState()->text().contains(QLatin1String("memory only")));
        dlg.keychainBox()->setChecked(false);
        QTRY_VERIFY_WITH_TIMEOUT(dlg.keychainState()->text().contains(QLatin1String("nothing was removed")), 30000);
        QVERIFY(!settingsFile().contains("hunter2"));
    }

    void aRunningKeychainKeepsOnePasswordPerServer()
    {
        QString why;
        if (!keychainRunning(&why))
            QSKIP(qPrintable(QStringLiteral("no system keychain answers here (%1)").arg(why)));
        const QString a = QStringLiteral("http://127.0.0.1:18123"), b = QStringLiteral("http://127.0.0.1:18124");
        const QString user = QStringLiteral("auditlens-test");
        QSettings().clear();
        QSettings().setValue(QStringLiteral("clickhouse/useKeychain"), true);
        {
            ClickHouseDialog dlg; // A's password kept as the trail opens
            typeIn(dlg.urlEdit(), a);
            typeIn(dlg.userEdit(), user);
            dlg.passwordEdit()->setText(QStringLiteral("pw-of-a"));
            dlg.accept();
            QTRY_COMPARE_WITH_TIMEOUT(dlg.result(), int(QDialog::Accepted), 30000);
            QVERIFY2(dlg.keychainState()->text().contains(QLatin1String("kept")), qPrintable(dlg.keychainState()->text()));
        }
        {
            ClickHouseDialog dlg; // A again: read; B: not A's
            QTRY_COMPARE_WITH_TIMEOUT(dlg.passwordEdit()->text(), QStringLiteral("pw-of-a"), 30000);
            QVERIFY(dlg.keychainState()->text().contains(QLatin1String("read")));
            typeIn(dlg.urlEdit(), b);
            QTRY_VERIFY_WITH_TIMEOUT(dlg.keychainState()->text().contains(QLatin1String("No password for auditlens-test@127.0.0.1:18124")), 30000);
            QVERIFY(dlg.passwordEdit()->text().isEmpty());
            typeIn(dlg.urlEdit(), a);
            QTRY_COMPARE_WITH_TIMEOUT(dlg.passwordEdit()->text(), QStringLiteral("pw-of-a"), 30000);
            dlg.keychainBox()->setChecked(false); // removed from the keychain
            QTRY_VERIFY_WITH_TIMEOUT(dlg.keychainState()->text().contains(QLatin1String("removed")), 30000);
        }
        QSettings().setValue(QStringLiteral("clickhouse/useKeychain"), true);
        ClickHouseDialog dlg;
        QTRY_VERIFY_WITH_TIMEOUT(dlg.keychainState()->text().contains(QLatin1String("No password")), 30000);
        QVERIFY(dlg.passwordEdit()->text().isEmpty());
        QVERIFY(!settingsFile().contains("pw-of-a"));
    }
};

QTEST_MAIN(TstClickHouseDialog)
#include "tst_clickhousedialog.moc"
