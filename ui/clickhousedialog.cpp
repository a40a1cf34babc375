// SPDX-License-Identifier: MIT
#include "clickhousedialog.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QVBoxLayout>

namespace auditlens::ui {

namespace {
const QString kGroup = QStringLiteral("clickhouse/");
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
    m_password->setPlaceholderText(tr("kept in memory only"));
    form->addRow(tr("&URL:"), m_url);
    form->addRow(tr("&Database:"), m_database);
    form->addRow(tr("&Table:"), m_tableName);
    form->addRow(tr("U&ser:"), m_user);
    form->addRow(tr("&Password:"), m_password);
    lay->addLayout(form);
    m_message = new QLabel(this);
    m_message->setWordWrap(true);
    m_message->setVisible(false);
    lay->addWidget(m_message);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Open | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &ClickHouseDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    lay->addWidget(buttons);
}

void ClickHouseDialog::accept()
{
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
    m_endpoint = {};
    m_endpoint.url = url;
    m_endpoint.database = m_database->text().trimmed();
    m_endpoint.user = m_user->text().trimmed();
    m_endpoint.password = m_password->text();
    m_table = {};
    m_table.database = m_endpoint.database;
    m_table.table = m_tableName->text().trimmed();
    QSettings s;
    s.setValue(kGroup + QStringLiteral("url"), url.toString());
    s.setValue(kGroup + QStringLiteral("database"), m_endpoint.database);
    s.setValue(kGroup + QStringLiteral("table"), m_table.table);
    s.setValue(kGroup + QStringLiteral("user"), m_endpoint.user);
    QDialog::accept();
}

} // namespace auditlens::ui
