// SPDX-License-Identifier: MIT
#pragma once

#include "fetch/fetcher.h"

#include <QDialog>
#include <QPointer>

#include <memory>

class QCheckBox;
class QComboBox;
class QDateTimeEdit;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QThread;

namespace auditlens::ui {

/// File ▸ Fetch from Cloudflare…: account, token, API version, time range and filters; the
/// fetch runs on a worker thread, pages go to the journal directory (settings) and, through
/// pageFetched, to the trail as they arrive. "Keep following" polls for new records.
class FetchDialog : public QDialog
{
    Q_OBJECT
public:
    explicit FetchDialog(QWidget *parent = nullptr);
    ~FetchDialog() override;

    enum Preset { Last24Hours, Last7Days, Last30Days, Custom };

    // for tests and callers
    void setAccount(const QString &id);
    void setToken(const QString &token);
    void setApi(fetch::ApiVersion v);
    void setPreset(Preset p);
    void setRange(const QDateTime &from, const QDateTime &to); ///< switches to Custom
    void setApiBase(const QString &url);
    void setJournalDir(const QString &dir);
    void setFollow(bool on, int intervalSeconds = 60);
    void setActorEmail(const QString &email, bool exclude = false);
    /// The options a Fetch would use now (the token included; never shown).
    fetch::FetchOptions options(QString *problem = nullptr) const;
    bool isFetching() const { return !m_fetcher.isNull(); }
    QPushButton *fetchButton() const { return m_fetch; }
    QPushButton *cancelButton() const { return m_cancel; }
    QProgressBar *progressBar() const { return m_progress; }
    QLabel *statusLabel() const { return m_status; }
    QLabel *messageLabel() const { return m_message; }
    QString journalDir() const;

    void startFetch();
    void cancelFetch();

signals:
    /// New records of a page (already in the journal when there is one).
    void pageFetched(std::shared_ptr<const auditlens::fetch::FetchedPage> page);
    /// "Open journal": the caller opens the directory as a source.
    void openJournalRequested(const QString &dir);
    void fetchFinished(const auditlens::fetch::FetchOutcome &outcome);

protected:
    void closeEvent(QCloseEvent *e) override;

private:
    void buildUi();
    void updateRange();
    void fitHeight();
    void updateState();
    void onProgress(const fetch::FetchStats &s);
    void onFinished(const fetch::FetchOutcome &o);
    void readKeychain();
    void storeTokenInKeychain();
    void saveSettings() const;

    QLineEdit *m_account = nullptr;
    QComboBox *m_api = nullptr;
    QLineEdit *m_token = nullptr;
    QCheckBox *m_keychain = nullptr;
    QLabel *m_keychainState = nullptr;
    QComboBox *m_preset = nullptr;
    QDateTimeEdit *m_from = nullptr;
    QDateTimeEdit *m_to = nullptr;
    struct FilterRow
    {
        const char *friendly;
        QComboBox *mode;
        QLineEdit *value;
    };
    std::vector<FilterRow> m_filters;
    QLineEdit *m_moreFilters = nullptr;
    QLineEdit *m_journal = nullptr;
    QCheckBox *m_follow = nullptr;
    QSpinBox *m_interval = nullptr;
    QLineEdit *m_apiBase = nullptr;
    QProgressBar *m_progress = nullptr;
    QLabel *m_status = nullptr;
    QLabel *m_message = nullptr;
    QPushButton *m_fetch = nullptr;
    QPushButton *m_cancel = nullptr;
    QPushButton *m_openJournal = nullptr;

    QThread *m_thread = nullptr;               ///< the fetcher's; quit and waited for in the destructor
    QPointer<fetch::Fetcher> m_fetcher;        ///< lives on m_thread while a fetch runs
    fetch::FetchStats m_last;
    QString m_waiting;
    QStringList m_warnings;
};

} // namespace auditlens::ui
