// SPDX-License-Identifier: MIT
#include "clickhousedialog.h"

#include "secretstore.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QVBoxLayout>

#include <algorithm>

namespace auditlens::ui {

namespace {
const QString kGroup = QStringLiteral("clickhouse/");
const QString kUseKeychain = kGroup + QStringLiteral("useKeychain");
}

ClickHouseDialog::ClickHouseDialog(QWidget *parent) : QDialog(parent)
{
    setWindowTitle(tr("Open ClickHouse trail"));
    QSettings s;
    auto *lay = new QVBoxLayout(this);
    auto *form = new QFormLayout;
    m_url = new QLineEdit(s.value(kGroup + QStringLiteral("url"), QStringLiteral("http://localhost:8123")).toString(), this);
    m_url->setToolTip(tr("http:// or https:// with host and port (no user or password in the URL)"));
    m_database = new QLineEdit(s.value(kGroup + QStringLiteral("database"), QStringLiteral("default")).toString(), this);
    m_tableName = new QLineEdit(s.value(kGroup + QStringLiteral("table"), QStringLiteral("auditlens_trail")).toString(), this);
    m_tableName->setToolTip(tr("The trail table, or the Distributed table of a cluster"));
    m_user = new QLineEdit(s.value(kGroup + QStringLiteral("user")).toString(), this);
    m_user->setPlaceholderText(tr("default"));
    m_password = new QLineEdit(this);
    m_password->setEchoMode(QLineEdit::Password);
    m_keychain = new QCheckBox(tr("Remember the password in the system keychain"), this);
    m_keychain->setToolTip(tr("Opt-in. The OS keychain (Secret Service, KWallet, Keychain) keeps it, one per user@host:port, "
                              "never Auditlens' settings."));
    m_keychainState = new QLabel(this);
    m_keychainState->setWordWrap(true);
    m_keychainState->setVisible(false);
    form->addRow(tr("&URL:"), m_url);
    form->addRow(tr("&Database:"), m_database);
    form->addRow(tr("&Table:"), m_tableName);
    form->addRow(tr("U&ser:"), m_user);
    form->addRow(tr("&Password:"), m_password);
    form->addRow(QString(), m_keychain);
    form->addRow(QString(), m_keychainState);
    lay->addLayout(form);
    m_message = new QLabel(this);
    m_message->setWordWrap(true);
    m_message->setVisible(false);
    lay->addWidget(m_message);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Open | QDialogButtonBox::Cancel, this);
    m_open = buttons->button(QDialogButtonBox::Open);
    connect(buttons, &QDialogButtonBox::accepted, this, &ClickHouseDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &ClickHouseDialog::reject);
    lay->addWidget(buttons);

    // the password field says where the password will be kept
    const auto placeholder = [this](bool keychain) {
        m_password->setPlaceholderText(keychain ? tr("kept in the system keychain") : tr("kept in memory only"));
    };
    connect(m_keychain, &QCheckBox::toggled, this, placeholder);
    m_keychain->setChecked(s.value(kUseKeychain, false).toBool());
    placeholder(m_keychain->isChecked());
    if (m_keychain->isChecked())
        readKeychain();
    // another server or user: its own password
    for (QLineEdit *e : {m_url, m_user})
        connect(e, &QLineEdit::editingFinished, this, [this] {
            if (m_keychain->isChecked() && currentKey() != m_readKey)
                readKeychain();
        });
    connect(m_keychain, &QCheckBox::toggled, this, [this](bool on) {
        QSettings().setValue(kUseKeychain, on);
        if (on)
            return readKeychain();
        const QString key = currentKey();
        m_readKey.clear();
        m_fromKeychain.clear();
        if (key.isEmpty())
            return showKeychainState(QString(), true);
        SecretStore::remove(key, this, [this, key](const SecretStore::Answer &a) {
            const bool ok = a.state == SecretStore::State::Removed;
            showKeychainState(ok ? tr("Password for %1 removed from the system keychain.").arg(key.section(QLatin1Char(':'), 1))
                                 : tr("The system keychain is not available (%1): nothing was removed.").arg(a.message),
                              ok);
        });
    });
}

QString ClickHouseDialog::keychainKey(const QUrl &url, const QString &user)
{
    if (!url.isValid() || url.host().isEmpty())
        return {};
    const int port = url.port(url.scheme() == QLatin1String("https") ? 443 : 80);
    const QString who = user.trimmed().isEmpty() ? QStringLiteral("default") : user.trimmed();
    QString host = url.host().toLower();
    if (host.contains(QLatin1Char(':')))
        host = QLatin1Char('[') + host + QLatin1Char(']'); // IPv6
    return QStringLiteral("clickhouse:%1@%2:%3").arg(who, host).arg(port);
}

QString ClickHouseDialog::currentKey() const
{
    return keychainKey(QUrl(m_url->text().trimmed(), QUrl::StrictMode), m_user->text());
}

void ClickHouseDialog::showKeychainState(const QString &text, bool good)
{
    // the palette's own text colour; a failure is marked by a sign
    m_keychainState->setText(text.isEmpty() || good ? text : QStringLiteral("\u2716 ") + text);
    m_keychainState->setVisible(!text.isEmpty());
    // a shown dialog does not grow by itself: room for the wrapped lines, none cut
    if (isVisible()) {
        layout()->activate();
        resize(width(), std::max(height(), sizeHint().height()));
    }
}

void ClickHouseDialog::showUnavailable(const QString &why)
{
    showKeychainState(tr("The system keychain is not available (%1): the password stays in memory only.").arg(why), false);
    m_password->setPlaceholderText(tr("kept in memory only (no system keychain answers)"));
}

void ClickHouseDialog::readKeychain()
{
    const QString key = currentKey();
    m_readKey = key;
    if (key.isEmpty())
        return showKeychainState(tr("Give a valid URL: its password is looked up in the system keychain."), false);
    SecretStore::read(key, this, [this, key](const SecretStore::Answer &a) {
        if (key != m_readKey || !m_keychain->isChecked())
            return; // another server was asked for since
        const QString server = key.section(QLatin1Char(':'), 1);
        switch (a.state) {
        case SecretStore::State::Found:
            if (m_password->text().isEmpty() || m_password->text() == m_fromKeychain)
                m_password->setText(a.secret);
            m_fromKeychain = a.secret;
            return showKeychainState(tr("Password for %1 read from the system keychain.").arg(server), true);
        case SecretStore::State::NotFound:
            if (m_password->text() == m_fromKeychain)
                m_password->clear(); // not the previous server's
            m_fromKeychain.clear();
            return showKeychainState(tr("No password for %1 in the system keychain yet: it is kept there when the trail is opened.").arg(server), true);
        default:
            m_fromKeychain.clear();
            return showUnavailable(a.message);
        }
    });
}

void ClickHouseDialog::accept()
{
    if (m_storing)
        return;
    const QUrl url(m_url->text().trimmed(), QUrl::StrictMode);
    QString why;
    if (!url.isValid() || url.host().isEmpty())
        why = tr("The URL is not valid: give http:// or https://, a host and a port.");
    else if (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https"))
        why = tr("The URL must start with http:// or https://.");
    else if (!url.userInfo().isEmpty())
        why = tr("Put the user and password in their fields, not in the URL.");
    else if (m_database->text().trimmed().isEmpty() || m_tableName->text().trimmed().isEmpty())
        why = tr("Give the database and the table.");
    if (!why.isEmpty()) {
        m_message->setText(why);
        m_message->setVisible(true);
        return;
    }
    m_message->setVisible(false);
    m_endpoint = {};
    m_endpoint.url = url;
    m_endpoint.database = m_database->text().trimmed();
    m_endpoint.user = m_user->text().trimmed();
    m_endpoint.password = m_password->text();
    m_table = {};
    m_table.database = m_endpoint.database;
    m_table.table = m_tableName->text().trimmed();
    QSettings s; // never the password
    s.setValue(kGroup + QStringLiteral("url"), url.toString());
    s.setValue(kGroup + QStringLiteral("database"), m_endpoint.database);
    s.setValue(kGroup + QStringLiteral("table"), m_table.table);
    s.setValue(kGroup + QStringLiteral("user"), m_endpoint.user);
    s.setValue(kUseKeychain, m_keychain->isChecked());
    const QString key = keychainKey(url, m_endpoint.user);
    const bool kept = key == m_readKey && !m_fromKeychain.isEmpty() && m_fromKeychain == m_endpoint.password;
    if (!m_keychain->isChecked() || m_endpoint.password.isEmpty() || kept)
        return QDialog::accept();
    m_storing = true;
    m_open->setEnabled(false);
    showKeychainState(tr("Keeping the password in the system keychain…"), true);
    SecretStore::write(key, m_endpoint.password, this, [this, key](const SecretStore::Answer &a) {
        if (!m_storing)
            return; // cancelled meanwhile (the keychain keeps it all the same)
        m_storing = false;
        m_open->setEnabled(true);
        if (a.state == SecretStore::State::Stored) {
            m_readKey = key;
            m_fromKeychain = m_endpoint.password;
            showKeychainState(tr("Password for %1 kept in the system keychain.").arg(key.section(QLatin1Char(':'), 1)), true);
        } else {
            showUnavailable(a.message);
        }
        QDialog::accept();
    });
}

void ClickHouseDialog::reject()
{
    m_storing = false;
    m_open->setEnabled(true);
    QDialog::reject();
}

} // namespace auditlens::ui
