// SPDX-License-Identifier: MIT
#pragma once

// File ▸ Open ClickHouse trail…: where the trail table is (URL, database, table) and who asks
// (user, password). The URL, database, table and user are remembered; the password is kept in
// memory only, never in the settings, and a URL with credentials in it is refused.

#include "clickhouse/client.h"
#include "clickhouse/trail.h"

#include <QDialog>

class QLabel;
class QLineEdit;
class QPushButton;

namespace auditlens::ui {

class ClickHouseDialog : public QDialog
{
    Q_OBJECT
public:
    explicit ClickHouseDialog(QWidget *parent = nullptr);

    /// Valid after accept().
    const clickhouse::Endpoint &endpoint() const { return m_endpoint; }
    const clickhouse::TrailTable &table() const { return m_table; }

    QLineEdit *urlEdit() const { return m_url; }
    QLineEdit *passwordEdit() const { return m_password; }
    QLabel *message() const { return m_message; }

    void accept() override;

private:
    QLineEdit *m_url;
    QLineEdit *m_database;
    QLineEdit *m_tableName;
    QLineEdit *m_user;
    QLineEdit *m_password;
    QLabel *m_message;
    clickhouse::Endpoint m_endpoint;
    clickhouse::TrailTable m_table;
};

} // namespace auditlens::ui
