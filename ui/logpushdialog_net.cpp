// SPDX-License-Identifier: MIT
// The Logpush dialog's network side and its Jobs tab. Every call goes through run(): it starts
// the request and returns at once; the answer comes back through Client::finished and the
// continuation runs then. No nested event loop, every call can be cancelled.
#include "logpushdialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QTabWidget>
#include <QTableWidget>
#include <QVBoxLayout>

namespace auditlens::ui {

using namespace auditlens::logpush;

namespace {
bool resultValid(const ApiResult &r) { return r.ok && r.result.is_object() && r.result.value("valid", false); }
QString resultText(const ApiResult &r, const char *key)
{
    if (r.result.is_object() && r.result.contains(key) && r.result[key].is_string())
        return QString::fromStdString(maskText(r.result[key].get<std::string>()));
    return {};
}
} // namespace

void LogpushDialog::buildJobs(QWidget *page)
{
    auto *lay = new QVBoxLayout(page);
    m_jobs = new QTableWidget(0, 7, page);
    m_jobs->setHorizontalHeaderLabels({tr("ID"), tr("Name"), tr("Dataset"), tr("Enabled"), tr("Last complete"), tr("Last error"),
                                       tr("Error message")});
    m_jobs->horizontalHeader()->setStretchLastSection(true);
    m_jobs->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_jobs->setSelectionMode(QAbstractItemView::SingleSelection);
    m_jobs->setEditTriggers(QAbstractItemView::NoEditTriggers);
    auto *buttons = new QHBoxLayout;
    m_jobsRefresh = new QPushButton(tr("Refresh"), page);
    m_jobsToggle = new QPushButton(tr("Enable / disable"), page);
    m_jobsEdit = new QPushButton(tr("Edit"), page);
    m_jobsDelete = new QPushButton(tr("Delete…"), page);
    m_jobsCancel = new QPushButton(tr("Cancel request"), page);
    m_jobsCancel->setEnabled(false);
    for (QPushButton *b : {m_jobsRefresh, m_jobsToggle, m_jobsEdit, m_jobsDelete})
        buttons->addWidget(b);
    buttons->addStretch(1);
    buttons->addWidget(m_jobsCancel);
    m_jobsResult = new QLabel(page);
    m_jobsResult->setWordWrap(true);
    m_jobsResult->setTextInteractionFlags(Qt::TextSelectableByMouse);
    lay->addLayout(buttons);
    lay->addWidget(m_jobs, 1);
    lay->addWidget(m_jobsResult);
    auto selectedJob = [this]() -> const Job * {
        const int row = m_jobs->currentRow();
        return row >= 0 && size_t(row) < m_jobList.size() ? &m_jobList[size_t(row)] : nullptr;
    };
    connect(m_jobsRefresh, &QPushButton::clicked, this, &LogpushDialog::refreshJobs);
    connect(m_jobsCancel, &QPushButton::clicked, this, &LogpushDialog::cancel);
    connect(m_jobsToggle, &QPushButton::clicked, this, [this, selectedJob] {
        const Job *j = selectedJob();
        if (!j || !j->id) {
            showMessage(m_jobsResult, tr("Select a job first."), false);
            return;
        }
        JobEdit change;
        change.enabled = !j->enabled.value_or(false);
        updateJobAsync(*j->id, change, m_jobsResult, *change.enabled ? tr("Job enabled") : tr("Job disabled"), [this] { refreshJobs(); });
    });
    connect(m_jobsEdit, &QPushButton::clicked, this, [this, selectedJob] {
        if (const Job *j = selectedJob(); j && j->id)
            editJobById(*j->id);
        else
            showMessage(m_jobsResult, tr("Select a job first."), false);
    });
    connect(m_jobsDelete, &QPushButton::clicked, this, &LogpushDialog::deleteSelected);
}

void LogpushDialog::prepareClient()
{
    m_client->setToken(token());
    m_client->setBaseUrl(m_apiBase->text().trimmed().toStdString());
}

void LogpushDialog::run(const ApiRequest &req, QLabel *where, const QString &doing, Then then)
{
    if (m_pending) {
        showMessage(where, tr("Another request is still running: wait for it or cancel it."), false);
        return;
    }
    if (token().empty()) {
        showMessage(where, tr("Enter an API token first (or set CLOUDFLARE_API_TOKEN)."), false);
        return;
    }
    prepareClient();
    m_pendingLabel = where;
    m_then = std::move(then);
    showMessage(where, doing, true);
    m_pending = m_client->send(req);
    setBusy(true);
}

void LogpushDialog::onFinished(quint64 id, const ApiResult &r)
{
    if (id != m_pending)
        return;
    m_pending = 0;
    Then then = std::move(m_then);
    m_then = nullptr;
    QLabel *where = m_pendingLabel;
    setBusy(false);
    if (r.cancelled) {
        showMessage(where, tr("Cancelled: nothing more was sent."), false);
        emit requestFinished();
        return;
    }
    if (then)
        then(r);
    emit requestFinished();
}

void LogpushDialog::cancel()
{
    if (m_pending)
        m_client->cancel(m_pending);
}

void LogpushDialog::showMessage(QLabel *where, const QString &text, bool good)
{
    if (!where)
        return;
    // the palette's own text colour (legible in light and dark themes); a failure is marked by a sign
    where->setText(text.isEmpty() || good ? text : QStringLiteral("\u2716 ") + text);
    where->setVisible(!text.isEmpty());
}

void LogpushDialog::showResult(QLabel *where, const ApiResult &r, const QString &what)
{
    if (r.ok) {
        const Job j = Job::fromJson(r.result);
        showMessage(where,
                    j.id ? tr("%1: job %2 (%3), %4.").arg(what).arg(*j.id).arg(QString::fromStdString(j.dataset.value_or("")),
                                                                                j.enabled.value_or(false) ? tr("enabled") : tr("disabled"))
                         : what + QLatin1Char('.'),
                    true);
    } else {
        showMessage(where, QString::fromStdString(maskText(r.message)), false);
    }
}

void LogpushDialog::send()
{
    storeTokenInKeychain();
    saveSettings();
    if (m_editingJob) {
        const int64_t id = m_editingJob;
        updateJobAsync(id, formEdit(), m_result, tr("Job updated"), [this, id] { editJobById(id, false); });
        return;
    }
    const Job j = job();
    // Cloudflare checks the destination first (and the ownership challenge where one is needed)
    checkDestination([this, j](bool ok) {
        if (ok)
            createAfterChecks(j);
    });
}

void LogpushDialog::checkDestination(std::function<void(bool)> after)
{
    const std::string dest = destination();
    QLabel *where = after ? m_result : m_destCheck;
    auto validate = [this, dest, after, where] {
        run(validateDestination(scope(), scopeId(), dest), where, tr("Asking Cloudflare whether it can push there…"),
            [this, after, where](const ApiResult &r) {
                if (!r.ok) {
                    showMessage(m_destCheck, tr("The destination could not be checked: %1").arg(QString::fromStdString(r.message)), false);
                    showMessage(where, m_destCheck->text(), false);
                    if (after)
                        after(false);
                    return;
                }
                const bool valid = resultValid(r);
                const QString msg = resultText(r, "message");
                showMessage(m_destCheck,
                            valid ? tr("Cloudflare can push to this destination.")
                                  : tr("Cloudflare cannot push to this destination%1").arg(msg.isEmpty() ? QString() : QStringLiteral(": ") + msg),
                            valid);
                if (where != m_destCheck)
                    showMessage(where, valid ? tr("Destination checked.") : m_destCheck->text() + tr(" The job was not created."), valid);
                if (after)
                    after(valid);
            });
    };
    if (after && needsOwnershipChallenge(dest)) {
        const std::string challenge = m_challenge->text().trimmed().toStdString();
        if (challenge.empty()) {
            showMessage(m_result, tr("This destination needs an ownership challenge: use \"Request ownership challenge\", then "
                                     "paste the content of the file Cloudflare writes there."), false);
            after(false);
            return;
        }
        run(validateOwnership(scope(), scopeId(), dest, challenge), m_result, tr("Validating the ownership challenge…"),
            [this, validate, after](const ApiResult &r) {
                if (!resultValid(r)) {
                    showMessage(m_result, r.ok ? tr("Cloudflare does not accept the ownership challenge; the job was not created.")
                                               : QString::fromStdString(r.message), false);
                    after(false);
                    return;
                }
                showMessage(m_challengeState, tr("Ownership challenge valid."), true);
                validate();
            });
        return;
    }
    validate();
}

void LogpushDialog::createAfterChecks(const Job &j)
{
    run(createJob(scope(), scopeId(), j), m_result, tr("Creating the job…"), [this](const ApiResult &r) {
        showResult(m_result, r, tr("Job created"));
    });
}

void LogpushDialog::requestChallenge()
{
    const std::string dest = destination();
    run(ownershipChallenge(scope(), scopeId(), dest), m_challengeState, tr("Asking Cloudflare to write the challenge file…"),
        [this](const ApiResult &r) {
            const QString file = resultText(r, "filename");
            if (!resultValid(r) || file.isEmpty()) {
                const QString msg = r.ok ? resultText(r, "message") : QString::fromStdString(r.message);
                showMessage(m_challengeState, tr("Cloudflare could not write the challenge file%1")
                                                  .arg(msg.isEmpty() ? QString() : QStringLiteral(": ") + msg), false);
                return;
            }
            showMessage(m_challengeState,
                        tr("Cloudflare wrote the challenge file %1 at the destination. Open it there and paste its content "
                           "above, then Validate (or Create).").arg(file),
                        true);
            m_challenge->setFocus();
        });
}

void LogpushDialog::validateChallenge()
{
    run(validateOwnership(scope(), scopeId(), destination(), m_challenge->text().trimmed().toStdString()), m_challengeState,
        tr("Validating the ownership challenge…"), [this](const ApiResult &r) {
            if (!r.ok) {
                showMessage(m_challengeState, QString::fromStdString(r.message), false);
                return;
            }
            const bool ok = resultValid(r);
            showMessage(m_challengeState, ok ? tr("Ownership challenge valid.") : tr("Cloudflare does not accept this challenge."), ok);
        });
}

void LogpushDialog::updateJobAsync(int64_t id, const JobEdit &edit, QLabel *where, const QString &done, std::function<void()> after)
{
    // read the job as it is now, change only what the user changed, send it back complete
    run(getJob(scope(), scopeId(), id), where, tr("Reading job %1…").arg(id), [=, this](const ApiResult &cur) {
        if (!cur.ok) {
            showMessage(where, tr("Cannot read job %1 to change it: %2").arg(id).arg(QString::fromStdString(cur.message)), false);
            return;
        }
        const UpdatePlan plan = planUpdate(cur.result, edit);
        if (!plan.error.empty()) {
            showMessage(where, QString::fromStdString(plan.error), false);
            return;
        }
        ApiRequest req = updateJob(scope(), scopeId(), id, Job{});
        req.body = plan.body;
        run(req, where, tr("Updating job %1…").arg(id), [=, this](const ApiResult &r) {
            showResult(where, r, done);
            if (r.ok && after)
                after();
        });
    });
}

void LogpushDialog::editJobById(int64_t id, bool announce)
{
    run(getJob(scope(), scopeId(), id), announce ? m_jobsResult : nullptr, tr("Reading job %1…").arg(id), [this, id, announce](const ApiResult &r) {
        if (!r.ok || !r.result.is_object()) {
            showMessage(announce ? m_jobsResult : m_result, r.ok ? tr("The API did not return job %1.").arg(id) : QString::fromStdString(r.message), false);
            return;
        }
        const Job j = Job::fromJson(r.result);
        const bool legacy = j.logpullOptions && !j.logpullOptions->empty() && !r.result.contains("output_options");
        m_editingJob = 0; // fill as a form first (no preview churn against the old base)
        fillFormFrom(j, legacy);
        m_editBase = r.result;
        m_editingJob = id;
        m_loaded = formJob();
        m_loadedLegacy = legacy;
        m_dataset->setEnabled(false);
        m_kind->setEnabled(false);
        m_create->setVisible(false);
        m_update->setVisible(true);
        m_newJob->setVisible(true);
        if (announce) {
            showMessage(m_jobsResult, tr("Job %1 is in the form.").arg(id), true);
            showMessage(m_result, tr("Editing job %1: only what you change is changed; the rest is sent back as read.").arg(id), true);
        }
        m_tabs->setCurrentIndex(0);
        update();
    });
}

void LogpushDialog::loadFields()
{
    const std::string dataset = m_dataset->currentText().toStdString();
    run(listFields(scope(), scopeId(), dataset), m_result, tr("Reading the fields of %1…").arg(QString::fromStdString(dataset)),
        [this](const ApiResult &r) {
            if (!r.ok || !r.result.is_object()) {
                showResult(m_result, r, QString());
                return;
            }
            std::vector<std::string> fields;
            for (auto it = r.result.begin(); it != r.result.end(); ++it)
                fields.push_back(it.key());
            fillFieldList(fields, true);
            showMessage(m_result, tr("%n field(s) from the API.", nullptr, int(fields.size())), true);
            update();
        });
}

void LogpushDialog::refreshJobs()
{
    run(listJobs(scope(), scopeId()), m_jobsResult, tr("Reading the jobs…"), [this](const ApiResult &r) {
        if (!r.ok) {
            showResult(m_jobsResult, r, QString());
            return;
        }
        m_jobList.clear();
        m_jobs->setRowCount(0);
        if (r.result.is_array())
            for (const Json &j : r.result)
                m_jobList.push_back(Job::fromJson(j));
        m_jobs->setRowCount(int(m_jobList.size()));
        for (size_t i = 0; i < m_jobList.size(); ++i) {
            const Job &j = m_jobList[i];
            const QStringList cells = {QString::number(j.id.value_or(0)), QString::fromStdString(j.name.value_or("")),
                                       QString::fromStdString(j.dataset.value_or("")), j.enabled.value_or(false) ? tr("yes") : tr("no"),
                                       QString::fromStdString(j.lastComplete.value_or("")), QString::fromStdString(j.lastError.value_or("")),
                                       QString::fromStdString(maskText(j.errorMessage.value_or("")))};
            for (int c = 0; c < cells.size(); ++c)
                m_jobs->setItem(int(i), c, new QTableWidgetItem(cells[c]));
        }
        showMessage(m_jobsResult, tr("%n job(s).", nullptr, int(m_jobList.size())), true);
    });
}

void LogpushDialog::deleteSelected()
{
    const int row = m_jobs->currentRow();
    if (row < 0 || size_t(row) >= m_jobList.size() || !m_jobList[size_t(row)].id) {
        showMessage(m_jobsResult, tr("Select a job first."), false);
        return;
    }
    const Job j = m_jobList[size_t(row)];
    auto *box = new QMessageBox(QMessageBox::Question, tr("Delete job"),
                                tr("Delete Logpush job %1 (%2)? Logs stop being pushed.").arg(*j.id).arg(QString::fromStdString(j.dataset.value_or(""))),
                                QMessageBox::Yes | QMessageBox::No, this);
    box->setAttribute(Qt::WA_DeleteOnClose);
    connect(box, &QMessageBox::finished, this, [this, id = *j.id](int answer) {
        if (answer != QMessageBox::Yes)
            return;
        run(deleteJob(scope(), scopeId(), id), m_jobsResult, tr("Deleting job %1…").arg(id), [this](const ApiResult &r) {
            showResult(m_jobsResult, r, tr("Job deleted"));
            if (r.ok)
                QMetaObject::invokeMethod(this, &LogpushDialog::refreshJobs, Qt::QueuedConnection);
        });
    });
    box->open();
}

} // namespace auditlens::ui
