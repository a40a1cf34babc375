// SPDX-License-Identifier: MIT
#pragma once

#include "logpush/api.h"

#include <QDialog>

#include <functional>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;
class QStackedWidget;
class QTableWidget;
class QTabWidget;

namespace auditlens::ui {

/// Tools ▸ Logpush job…: a form that builds, checks and sends the Cloudflare API call, with a
/// live preview, and the list of existing jobs. Secrets (token, intake key) are never saved.
/// Every network call runs in the background and reports through the client's signal (no
/// nested event loop): the dialog stays responsive and each call can be cancelled.
/// The form is in logpushdialog.cpp, the network side in logpushdialog_net.cpp.
class LogpushDialog : public QDialog
{
    Q_OBJECT
public:
    explicit LogpushDialog(QWidget *parent = nullptr);
    ~LogpushDialog() override;

    enum Preset { Sekoia, Receiver, Https, S3, R2, Gcs, Azure, Datadog, Splunk, Other };

    // for tests and the receiver panel
    void setScope(logpush::Scope scope, const QString &id);
    void setPreset(Preset p);
    void setIntakeKey(const QString &key);
    void setReceiver(const QString &url, const QString &header, const QString &secret);
    void setDestination(const QString &dest);
    void setToken(const QString &token);
    void setApiBase(const QString &url);
    /// The job the form describes, as it would be created.
    logpush::Job job() const;
    std::vector<logpush::FieldError> errors() const;
    QString bodyPreview() const;
    QString curlPreview() const;
    QPushButton *createButton() const { return m_create; }
    QPushButton *updateButton() const { return m_update; }
    QPushButton *cancelButton() const { return m_cancel; }
    QPushButton *checkDestinationButton() const { return m_checkDest; }
    QPushButton *requestChallengeButton() const { return m_requestChallenge; }
    QPushButton *validateChallengeButton() const { return m_validateChallenge; }
    QPushButton *loadFieldsButton() const { return m_loadFields; }
    QPushButton *addConditionButton() const { return m_addCondition; }
    QPushButton *jobsEditButton() const { return m_jobsEdit; }
    QPushButton *jobsToggleButton() const { return m_jobsToggle; }
    QWidget *fieldWidget(const QString &field) const;
    /// The filter builder: adds a condition row (for tests and users).
    void addFilterCondition(const QString &field, const QString &op, const QString &value) { addCondition(field, op, value); }
    QLabel *resultLabel() const { return m_result; }
    QLabel *jobsResultLabel() const { return m_jobsResult; }
    QLabel *destinationCheckLabel() const { return m_destCheck; }
    QLabel *challengeLabel() const { return m_challengeState; }
    QLineEdit *challengeEdit() const { return m_challenge; }
    QCheckBox *keychainBox() const { return m_keychain; }
    QLabel *keychainState() const { return m_keychainState; }
    QTableWidget *jobsTable() const { return m_jobs; }
    QTabWidget *tabs() const { return m_tabs; }
    bool busy() const { return m_pending != 0; }
    /// Editing job `id`: true once its current state has been read and fills the form.
    bool editing() const { return m_editingJob != 0; }
    void refreshJobs();
    /// Reads job `id` (GET) and fills the form with it.
    void editJobById(int64_t id, bool announce = true);

signals:
    void requestFinished();

private:
    // form (logpushdialog.cpp)
    void buildForm(QWidget *page);
    void buildJobs(QWidget *page);
    void update();
    void fillFieldList(const std::vector<std::string> &fields, bool checkAll);
    void fillFormFrom(const logpush::Job &job, bool legacy);
    logpush::Job formJob() const;
    logpush::Scope scope() const;
    std::string scopeId() const;
    std::string token() const;
    std::string destination() const;
    void saveSettings() const;
    void storeTokenInKeychain();
    void addCondition(const QString &field = {}, const QString &op = QStringLiteral("eq"), const QString &value = {});
    void buildFilterFromRows();
    void setBusy(bool on);
    /// The edit the form makes to the job being edited, and the PUT body it gives.
    logpush::JobEdit formEdit() const;

    // network (logpushdialog_net.cpp)
    using Then = std::function<void(const logpush::ApiResult &)>;
    void run(const logpush::ApiRequest &req, QLabel *where, const QString &doing, Then then);
    void onFinished(quint64 id, const logpush::ApiResult &r);
    void cancel();
    void send();
    void createAfterChecks(const logpush::Job &job);
    void updateJobAsync(int64_t id, const logpush::JobEdit &edit, QLabel *where, const QString &done, std::function<void()> after);
    void loadFields();
    void checkDestination(std::function<void(bool)> after);
    void requestChallenge();
    void validateChallenge();
    void deleteSelected();
    void showResult(QLabel *where, const logpush::ApiResult &r, const QString &what);
    void showMessage(QLabel *where, const QString &text, bool good);
    void prepareClient();

    logpush::Client *m_client;
    quint64 m_pending = 0;
    Then m_then;
    QLabel *m_pendingLabel = nullptr;

    QTabWidget *m_tabs;
    QComboBox *m_scope;
    QLineEdit *m_scopeId;
    QComboBox *m_dataset;
    QLineEdit *m_name;
    QComboBox *m_preset;
    QStackedWidget *m_destStack;
    QLineEdit *m_intakeKey;
    QLineEdit *m_recvUrl, *m_recvHeader, *m_recvSecret;
    QLineEdit *m_destination;
    QPushButton *m_checkDest;
    QLabel *m_destCheck;
    QPushButton *m_requestChallenge, *m_validateChallenge;
    QLineEdit *m_challenge;
    QLabel *m_challengeState;
    QListWidget *m_fields;
    QPushButton *m_loadFields;
    QComboBox *m_timestamps;
    QComboBox *m_outputType;
    QDoubleSpinBox *m_sample;
    QCheckBox *m_cve;
    QLineEdit *m_batchPrefix, *m_batchSuffix, *m_recordPrefix, *m_recordSuffix, *m_recordDelimiter, *m_fieldDelimiter,
        *m_recordTemplate;
    QCheckBox *m_mergeSubrequests;
    QComboBox *m_kind;
    QComboBox *m_frequency;
    QCheckBox *m_attackTraffic;
    QPlainTextEdit *m_filter;
    QWidget *m_conditions;  ///< the filter builder's rows
    QComboBox *m_matchMode; ///< all (and) / any (or)
    QPushButton *m_addCondition;
    QSpinBox *m_maxBytes, *m_maxRecords, *m_maxInterval;
    QCheckBox *m_enabled;
    QCheckBox *m_legacy;
    QCheckBox *m_keychain; ///< opt-in: keep the token in the OS keychain (never in settings)
    QLabel *m_keychainState;
    QLineEdit *m_token;
    QLineEdit *m_apiBase;
    QCheckBox *m_reveal;
    QPlainTextEdit *m_bodyView;
    QPlainTextEdit *m_curlView;
    QLabel *m_errors;
    QLabel *m_result;
    QPushButton *m_create;
    QPushButton *m_update;
    QPushButton *m_cancel;
    QPushButton *m_newJob;
    // jobs tab
    QTableWidget *m_jobs;
    QLabel *m_jobsResult;
    QPushButton *m_jobsRefresh, *m_jobsToggle, *m_jobsEdit, *m_jobsDelete, *m_jobsCancel;
    std::vector<logpush::Job> m_jobList;
    // editing an existing job: the job as read, and the form as it was filled from it
    int64_t m_editingJob = 0;
    logpush::Json m_editBase;
    logpush::Job m_loaded;
    bool m_loadedLegacy = false;
};

} // namespace auditlens::ui
