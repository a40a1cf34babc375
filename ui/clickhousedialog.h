// SPDX-License-Identifier: MIT
#pragma once

// File ▸ Open ClickHouse trail…: where the trail table is (URL, database, table) and who asks
// (user, password). The URL, database, table and user are remembered; the password is kept in
// memory only, never in the settings, and a URL with credentials in it is refused. Opt-in, the
// system keychain keeps the password, one per server (user@host:port): read on open, stored
// when the trail is opened, removed when the box is unticked.

#include "clickhouse/client.h"
#include "clickhouse/trail.h"

#include <QDialog>

class QCheckBox;
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
    QLineEdit *userEdit() const { return m_user; }
    QLineEdit *passwordEdit() const { return m_password; }
    QCheckBox *keychainBox() const { return m_keychain; }
    QLabel *keychainState() const { return m_keychainState; }
    QLabel *message() const { return m_message; }

    /// The keychain key of a server's password: "clickhouse:user@host:port" (user `default`
    /// when empty, the scheme's port when none); empty for a URL without a host.
    static QString keychainKey(const QUrl &url, const QString &user);

    /// With the keychain box on, waits for the password to be stored (or the keychain to say
    /// it cannot) before closing; the trail opens either way.
    void accept() override;
    void reject() override;

private:
    QString currentKey() const;
    void readKeychain();
    void showKeychainState(const QString &text, bool good);
    void showUnavailable(const QString &why);

    QLineEdit *m_url;
    QLineEdit *m_database;
    QLineEdit *m_tableName;
    QLineEdit *m_user;
    QLineEdit *m_password;
    QCheckBox *m_keychain;
    QLabel *m_keychainState;
    QLabel *m_message;
    QPushButton *m_open;
    QString m_readKey;      ///< the key last read from the keychain
    QString m_fromKeychain; ///< and what it gave (replaced by the next server's, unless typed over)
    bool m_storing = false; ///< accept() waits for the keychain
    clickhouse::Endpoint m_endpoint;
    clickhouse::TrailTable m_table;
};

} // namespace auditlens::ui
