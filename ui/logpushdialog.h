// SPDX-License-Identifier: MIT
#pragma once

#include "logpush/api.h"

#include <QDialog>

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
class LogpushDialog : public QDialog
{
    Q_OBJECT
public:
    explicit LogpushDialog(QWidget *parent = nullptr);
    ~LogpushDialog() override;

    enum Preset { Sekoia, Receiver, Https, S3, R2, Gcs, Azure, Datadog, Splunk };

    // for tests and the receiver panel
    void setScope(logpush::Scope scope, const QString &id);
    void setPreset(Preset p);
    void setIntakeKey(const QString &key);
    void setReceiver(const QString &url, const QString &header, const QString &secret);
    void setDestination(const QString &dest);
    void setToken(const QString &token);
    void setApiBase(const QString &url);
    logpush::Job job() const;
    std::vector<logpush::FieldError> errors() const;
    QString bodyPreview() const;
    QString curlPreview() const;
    QPushButton *createButton() const { return m_create; }
    QWidget *fieldWidget(const QString &field) const;
    /// The filter builder: adds a condition row (for tests and users).
    void addFilterCondition(const QString &field, const QString &op, const QString &value) { addCondition(field, op, value); }
    QLabel *resultLabel() const { return m_result; }
    QCheckBox *keychainBox() const { return m_keychain; }
    QLabel *keychainState() const { return m_keychainState; }
    QTableWidget *jobsTable() const { return m_jobs; }
    void refreshJobs();

signals:
    void requestFinished();

private:
    void buildForm(QWidget *page);
    void buildJobs(QWidget *page);
    void update();
    void send();
    void loadFields();
    void fillFieldList(const std::vector<std::string> &fields, bool checkAll);
    void showResult(const logpush::ApiResult &r, const QString &what);
    logpush::Scope scope() const;
    std::string scopeId() const;
    std::string token() const;
    void editJob(const logpush::Job &job);
    void saveSettings() const;

    logpush::Client *m_client;
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
    QListWidget *m_fields;
    QComboBox *m_timestamps;
    QComboBox *m_outputType;
    QDoubleSpinBox *m_sample;
    QPlainTextEdit *m_filter;
    QWidget *m_conditions;   ///< the filter builder's rows
    QComboBox *m_matchMode;  ///< all (and) / any (or)
    void addCondition(const QString &field = {}, const QString &op = QStringLiteral("eq"), const QString &value = {});
    void buildFilterFromRows();
    QSpinBox *m_maxBytes, *m_maxRecords, *m_maxInterval;
    QCheckBox *m_enabled;
    QCheckBox *m_legacy;
    QCheckBox *m_keychain; ///< opt-in: keep the token in the OS keychain (never in settings)
    QLabel *m_keychainState;
    void storeTokenInKeychain();
    QLineEdit *m_token;
    QLineEdit *m_apiBase;
    QCheckBox *m_reveal;
    QPlainTextEdit *m_bodyView;
    QPlainTextEdit *m_curlView;
    QLabel *m_errors;
    QLabel *m_result;
    QPushButton *m_create;
    QPushButton *m_update;
    QTableWidget *m_jobs;
    int64_t m_editingJob = 0;
    std::vector<logpush::Job> m_jobList;
};

} // namespace auditlens::ui
