// SPDX-License-Identifier: MIT
#include "logpushdialog.h"

#include <qt6keychain/keychain.h>

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QSettings>
#include <QSpinBox>
#include <QSplitter>
#include <QStackedWidget>
#include <QTabWidget>
#include <QTableWidget>
#include <QVBoxLayout>

namespace auditlens::ui {

using namespace auditlens::logpush;

LogpushDialog::LogpushDialog(QWidget *parent) : QDialog(parent), m_client(new Client(this))
{
    setWindowTitle(tr("Logpush job"));
    auto *lay = new QVBoxLayout(this);
    m_tabs = new QTabWidget(this);
    auto *formPage = new QWidget(m_tabs);
    auto *jobsPage = new QWidget(m_tabs);
    buildForm(formPage);
    buildJobs(jobsPage);
    m_tabs->addTab(formPage, tr("Create or edit a job"));
    m_tabs->addTab(jobsPage, tr("Jobs"));
    lay->addWidget(m_tabs);
    auto *close = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(close, &QDialogButtonBox::rejected, this, &QDialog::reject);
    lay->addWidget(close);
    resize(1180, 760);

    QSettings s;
    m_scope->setCurrentIndex(s.value(QStringLiteral("logpush/scope"), 0).toInt());
    m_scopeId->setText(s.value(QStringLiteral("logpush/scopeId")).toString());
    m_apiBase->setText(s.value(QStringLiteral("logpush/apiBase"), QString::fromLatin1(kDefaultBaseUrl)).toString());
    const QByteArray env = qgetenv("CLOUDFLARE_API_TOKEN");
    if (!env.isEmpty()) {
        m_token->setText(QString::fromUtf8(env));
        m_token->setPlaceholderText(tr("from CLOUDFLARE_API_TOKEN"));
    }
    m_keychain->setChecked(s.value(QStringLiteral("logpush/useKeychain"), false).toBool());
    if (m_keychain->isChecked() && m_token->text().isEmpty()) {
        auto *job = new QKeychain::ReadPasswordJob(QStringLiteral("Auditlens"), this);
        job->setKey(QStringLiteral("cloudflare-api-token"));
        connect(job, &QKeychain::Job::finished, this, [this](QKeychain::Job *j) {
            auto *rj = static_cast<QKeychain::ReadPasswordJob *>(j);
            if (rj->error() == QKeychain::NoError) {
                m_token->setText(rj->textData());
                m_keychainState->setText(tr("Token read from the system keychain."));
            } else if (rj->error() != QKeychain::EntryNotFound) {
                m_keychainState->setText(tr("The system keychain is not available: %1").arg(rj->errorString()));
            }
        });
        job->start();
    }
    connect(m_keychain, &QCheckBox::toggled, this, [this](bool on) {
        QSettings().setValue(QStringLiteral("logpush/useKeychain"), on);
        if (on) {
            storeTokenInKeychain();
            return;
        }
        auto *job = new QKeychain::DeletePasswordJob(QStringLiteral("Auditlens"), this);
        job->setKey(QStringLiteral("cloudflare-api-token"));
        connect(job, &QKeychain::Job::finished, this, [this](QKeychain::Job *) {
            m_keychainState->setText(tr("Token removed from the system keychain."));
        });
        job->start();
    });
    setPreset(Sekoia);
    update();
}

LogpushDialog::~LogpushDialog() { saveSettings(); }

void LogpushDialog::saveSettings() const
{
    // never the token nor the intake key
    QSettings s;
    s.setValue(QStringLiteral("logpush/scope"), m_scope->currentIndex());
    s.setValue(QStringLiteral("logpush/scopeId"), m_scopeId->text());
    s.setValue(QStringLiteral("logpush/apiBase"), m_apiBase->text());
}

void LogpushDialog::buildForm(QWidget *page)
{
    auto *split = new QSplitter(Qt::Horizontal, page);
    auto *outer = new QVBoxLayout(page);
    outer->addWidget(split);

    auto *scroll = new QScrollArea(split);
    scroll->setWidgetResizable(true);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    auto *formHost = new QWidget(scroll);
    auto *form = new QFormLayout(formHost);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    scroll->setWidget(formHost);

    m_token = new QLineEdit(formHost);
    m_token->setEchoMode(QLineEdit::Password);
    m_token->setPlaceholderText(tr("API token with Logs Write (or set CLOUDFLARE_API_TOKEN)"));
    m_token->setToolTip(tr("Kept in memory only: never saved, logged or shown in previews."));
    m_keychain = new QCheckBox(tr("Remember the token in the system keychain"), formHost);
    m_keychain->setToolTip(tr("Opt-in. The token is stored by the OS keychain (Secret Service, KWallet, Keychain), "
                              "never in Auditlens' settings."));
    m_keychainState = new QLabel(formHost);
    m_keychainState->setWordWrap(true);
    m_apiBase = new QLineEdit(formHost);
    auto *scopeRow = new QHBoxLayout;
    m_scope = new QComboBox(formHost);
    m_scope->addItems({tr("Account"), tr("Zone")});
    m_scopeId = new QLineEdit(formHost);
    m_scopeId->setPlaceholderText(tr("32 hexadecimal characters"));
    scopeRow->addWidget(m_scope);
    scopeRow->addWidget(m_scopeId, 1);
    m_dataset = new QComboBox(formHost);
    for (const auto &d : datasets())
        m_dataset->addItem(QString::fromStdString(d.name));
    m_dataset->setCurrentText(QStringLiteral("audit_logs"));
    m_name = new QLineEdit(formHost);
    m_name->setPlaceholderText(tr("optional, e.g. the domain name"));

    m_preset = new QComboBox(formHost);
    m_preset->addItems({tr("Sekoia.io intake"), tr("This Auditlens receiver"), tr("Generic HTTPS"), tr("Amazon S3"),
                        tr("Cloudflare R2"), tr("Google Cloud Storage"), tr("Azure Blob Storage"), tr("Datadog"), tr("Splunk")});
    m_destStack = new QStackedWidget(formHost);
    auto *sekoiaPage = new QWidget(m_destStack);
    auto *sl = new QFormLayout(sekoiaPage);
    sl->setContentsMargins(0, 0, 0, 0);
    m_intakeKey = new QLineEdit(sekoiaPage);
    m_intakeKey->setEchoMode(QLineEdit::Password);
    m_intakeKey->setPlaceholderText(tr("the intake key from Sekoia.io"));
    sl->addRow(tr("Intake key"), m_intakeKey);
    auto *recvPage = new QWidget(m_destStack);
    auto *rl = new QFormLayout(recvPage);
    rl->setContentsMargins(0, 0, 0, 0);
    m_recvUrl = new QLineEdit(recvPage);
    m_recvUrl->setPlaceholderText(tr("public https URL of the tunnel or proxy in front of the receiver"));
    m_recvHeader = new QLineEdit(QStringLiteral("X-Auditlens-Secret"), recvPage);
    m_recvSecret = new QLineEdit(recvPage);
    m_recvSecret->setEchoMode(QLineEdit::Password);
    rl->addRow(tr("Public URL"), m_recvUrl);
    rl->addRow(tr("Secret header"), m_recvHeader);
    rl->addRow(tr("Secret"), m_recvSecret);
    auto *genericPage = new QWidget(m_destStack);
    auto *gl = new QFormLayout(genericPage);
    gl->setContentsMargins(0, 0, 0, 0);
    m_destination = new QLineEdit(genericPage);
    gl->addRow(tr("destination_conf"), m_destination);
    m_destStack->addWidget(sekoiaPage);
    m_destStack->addWidget(recvPage);
    m_destStack->addWidget(genericPage);

    auto *fieldsBox = new QWidget(formHost);
    auto *fl = new QVBoxLayout(fieldsBox);
    fl->setContentsMargins(0, 0, 0, 0);
    m_fields = new QListWidget(fieldsBox);
    m_fields->setMinimumHeight(120);
    auto *fieldButtons = new QHBoxLayout;
    auto *all = new QPushButton(tr("All"), fieldsBox);
    auto *none = new QPushButton(tr("None"), fieldsBox);
    auto *fromApi = new QPushButton(tr("Load from the API"), fieldsBox);
    fieldButtons->addWidget(all);
    fieldButtons->addWidget(none);
    fieldButtons->addStretch(1);
    fieldButtons->addWidget(fromApi);
    fl->addWidget(m_fields);
    fl->addLayout(fieldButtons);
    connect(all, &QPushButton::clicked, this, [this] {
        for (int i = 0; i < m_fields->count(); ++i)
            m_fields->item(i)->setCheckState(Qt::Checked);
    });
    connect(none, &QPushButton::clicked, this, [this] {
        for (int i = 0; i < m_fields->count(); ++i)
            m_fields->item(i)->setCheckState(Qt::Unchecked);
    });
    connect(fromApi, &QPushButton::clicked, this, &LogpushDialog::loadFields);

    m_timestamps = new QComboBox(formHost);
    m_timestamps->addItems({QStringLiteral("rfc3339"), QStringLiteral("rfc3339ms"), QStringLiteral("rfc3339ns"),
                            QStringLiteral("unix"), QStringLiteral("unixnano")});
    m_outputType = new QComboBox(formHost);
    m_outputType->addItems({QStringLiteral("ndjson"), QStringLiteral("csv")});
    m_sample = new QDoubleSpinBox(formHost);
    m_sample->setRange(0.0, 1.0);
    m_sample->setDecimals(3);
    m_sample->setSingleStep(0.05);
    m_sample->setValue(1.0);
    m_sample->setToolTip(tr("1 = every record"));
    m_filter = new QPlainTextEdit(formHost);
    m_filter->setPlaceholderText(QStringLiteral("{\"where\":{\"key\":\"ActionType\",\"operator\":\"eq\",\"value\":\"login\"}}"));
    m_filter->setMaximumHeight(60);
    m_filter->setToolTip(tr("Built from the conditions above, or written by hand (nested and/or)"));
    // filter builder: conditions joined by and / or
    auto *builder = new QWidget(formHost);
    auto *bl = new QVBoxLayout(builder);
    bl->setContentsMargins(0, 0, 0, 0);
    auto *builderHead = new QHBoxLayout;
    m_matchMode = new QComboBox(builder);
    m_matchMode->addItem(tr("Match all conditions (and)"), QStringLiteral("and"));
    m_matchMode->addItem(tr("Match any condition (or)"), QStringLiteral("or"));
    auto *addCond = new QPushButton(tr("Add condition"), builder);
    builderHead->addWidget(m_matchMode, 1);
    builderHead->addWidget(addCond);
    m_conditions = new QWidget(builder);
    new QVBoxLayout(m_conditions);
    m_conditions->layout()->setContentsMargins(0, 0, 0, 0);
    bl->addLayout(builderHead);
    bl->addWidget(m_conditions);
    connect(addCond, &QPushButton::clicked, this, [this] { addCondition(); });
    connect(m_matchMode, &QComboBox::currentIndexChanged, this, &LogpushDialog::buildFilterFromRows);
    auto spin = [&](int max, int step, const QString &tip) {
        auto *s = new QSpinBox(formHost);
        s->setRange(0, max);
        s->setSingleStep(step);
        s->setSpecialValueText(tr("not set"));
        s->setToolTip(tip);
        return s;
    };
    m_maxBytes = spin(1000000000, 1000000, tr("0 (not set) or 5,000,000 to 1,000,000,000 bytes"));
    m_maxRecords = spin(1000000, 1000, tr("0 (not set) or 1,000 to 1,000,000 records"));
    m_maxInterval = spin(300, 30, tr("0 (not set) or 30 to 300 seconds"));
    m_enabled = new QCheckBox(tr("Enabled (a new job is disabled otherwise)"), formHost);
    m_enabled->setChecked(true);
    m_legacy = new QCheckBox(tr("Send fields and timestamps as logpull_options (as Sekoia.io's documentation does)"), formHost);

    form->addRow(tr("API token"), m_token);
    form->addRow(QString(), m_keychain);
    form->addRow(QString(), m_keychainState);
    form->addRow(tr("API base URL"), m_apiBase);
    form->addRow(tr("Scope"), scopeRow);
    form->addRow(tr("Dataset"), m_dataset);
    form->addRow(tr("Name"), m_name);
    form->addRow(tr("Destination"), m_preset);
    form->addRow(QString(), m_destStack);
    form->addRow(tr("Fields"), fieldsBox);
    form->addRow(tr("Timestamps"), m_timestamps);
    form->addRow(tr("Output type"), m_outputType);
    form->addRow(tr("Sample rate"), m_sample);
    form->addRow(tr("Filter"), builder);
    form->addRow(QString(), m_filter);
    form->addRow(tr("Max upload bytes"), m_maxBytes);
    form->addRow(tr("Max upload records"), m_maxRecords);
    form->addRow(tr("Max upload interval (s)"), m_maxInterval);
    form->addRow(QString(), m_enabled);
    form->addRow(QString(), m_legacy);

    // preview and answer
    auto *right = new QWidget(split);
    auto *rlay = new QVBoxLayout(right);
    m_errors = new QLabel(right);
    m_errors->setWordWrap(true);
    m_errors->setStyleSheet(QStringLiteral("color:#c62828;"));
    m_reveal = new QCheckBox(tr("Reveal secrets in the preview"), right);
    m_bodyView = new QPlainTextEdit(right);
    m_bodyView->setReadOnly(true);
    m_curlView = new QPlainTextEdit(right);
    m_curlView->setReadOnly(true);
    QFont mono(QStringLiteral("monospace"));
    mono.setStyleHint(QFont::Monospace);
    m_bodyView->setFont(mono);
    m_curlView->setFont(mono);
    auto *buttons = new QHBoxLayout;
    m_create = new QPushButton(tr("Create job"), right);
    m_update = new QPushButton(tr("Update job"), right);
    m_update->setVisible(false);
    buttons->addStretch(1);
    buttons->addWidget(m_update);
    buttons->addWidget(m_create);
    m_result = new QLabel(right);
    m_result->setWordWrap(true);
    m_result->setTextInteractionFlags(Qt::TextSelectableByMouse);
    rlay->addWidget(new QLabel(tr("<b>Request body</b>"), right));
    rlay->addWidget(m_bodyView, 2);
    rlay->addWidget(new QLabel(tr("<b>Equivalent curl command</b>"), right));
    rlay->addWidget(m_curlView, 1);
    rlay->addWidget(m_reveal);
    rlay->addWidget(m_errors);
    rlay->addLayout(buttons);
    rlay->addWidget(m_result);
    split->addWidget(scroll);
    split->addWidget(right);
    split->setSizes({620, 540});

    for (QLineEdit *e : {m_token, m_apiBase, m_scopeId, m_name, m_intakeKey, m_recvUrl, m_recvHeader, m_recvSecret, m_destination})
        connect(e, &QLineEdit::textChanged, this, &LogpushDialog::update);
    for (QComboBox *c : {m_scope, m_timestamps, m_outputType})
        connect(c, &QComboBox::currentIndexChanged, this, &LogpushDialog::update);
    connect(m_dataset, &QComboBox::currentIndexChanged, this, [this] {
        // the scope follows the dataset
        if (const DatasetInfo *d = findDataset(m_dataset->currentText().toStdString())) {
            if (d->account && !d->zone)
                m_scope->setCurrentIndex(0);
            else if (d->zone && !d->account)
                m_scope->setCurrentIndex(1);
        }
        fillFieldList(builtinFields(m_dataset->currentText().toStdString()), true);
        update();
    });
    connect(m_preset, &QComboBox::currentIndexChanged, this, [this](int i) { setPreset(Preset(i)); });
    connect(m_sample, &QDoubleSpinBox::valueChanged, this, &LogpushDialog::update);
    for (QSpinBox *s : {m_maxBytes, m_maxRecords, m_maxInterval})
        connect(s, &QSpinBox::valueChanged, this, &LogpushDialog::update);
    connect(m_filter, &QPlainTextEdit::textChanged, this, &LogpushDialog::update);
    connect(m_enabled, &QCheckBox::toggled, this, &LogpushDialog::update);
    connect(m_legacy, &QCheckBox::toggled, this, &LogpushDialog::update);
    connect(m_reveal, &QCheckBox::toggled, this, &LogpushDialog::update);
    connect(m_fields, &QListWidget::itemChanged, this, &LogpushDialog::update);
    connect(m_create, &QPushButton::clicked, this, &LogpushDialog::send);
    connect(m_update, &QPushButton::clicked, this, &LogpushDialog::send);
    fillFieldList(builtinFields("audit_logs"), true);
}

void LogpushDialog::buildJobs(QWidget *page)
{
    auto *lay = new QVBoxLayout(page);
    m_jobs = new QTableWidget(0, 7, page);
    m_jobs->setHorizontalHeaderLabels({tr("ID"), tr("Name"), tr("Dataset"), tr("Enabled"), tr("Last complete"), tr("Last error"),
                                       tr("Error message")});
    m_jobs->horizontalHeader()->setStretchLastSection(true);
    m_jobs->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_jobs->setEditTriggers(QAbstractItemView::NoEditTriggers);
    auto *buttons = new QHBoxLayout;
    auto *refresh = new QPushButton(tr("Refresh"), page);
    auto *toggle = new QPushButton(tr("Enable / disable"), page);
    auto *edit = new QPushButton(tr("Edit"), page);
    auto *del = new QPushButton(tr("Delete…"), page);
    for (QPushButton *b : {refresh, toggle, edit, del})
        buttons->addWidget(b);
    buttons->addStretch(1);
    lay->addLayout(buttons);
    lay->addWidget(m_jobs, 1);
    auto selectedJob = [this]() -> const Job * {
        const int row = m_jobs->currentRow();
        return row >= 0 && size_t(row) < m_jobList.size() ? &m_jobList[size_t(row)] : nullptr;
    };
    connect(refresh, &QPushButton::clicked, this, &LogpushDialog::refreshJobs);
    connect(toggle, &QPushButton::clicked, this, [this, selectedJob] {
        const Job *j = selectedJob();
        if (!j || !j->id)
            return;
        Job change;
        change.enabled = !j->enabled.value_or(false);
        m_client->setToken(token());
        m_client->setBaseUrl(m_apiBase->text().toStdString());
        showResult(m_client->sendAndWait(updateJob(scope(), scopeId(), *j->id, change)),
                   change.enabled.value() ? tr("Job enabled") : tr("Job disabled"));
        refreshJobs();
    });
    connect(edit, &QPushButton::clicked, this, [this, selectedJob] {
        if (const Job *j = selectedJob())
            editJob(*j);
    });
    connect(del, &QPushButton::clicked, this, [this, selectedJob] {
        const Job *j = selectedJob();
        if (!j || !j->id)
            return;
        if (QMessageBox::question(this, tr("Delete job"), tr("Delete Logpush job %1 (%2)? Logs stop being pushed.")
                                                              .arg(*j->id).arg(QString::fromStdString(j->dataset.value_or(""))))
            != QMessageBox::Yes)
            return;
        m_client->setToken(token());
        m_client->setBaseUrl(m_apiBase->text().toStdString());
        showResult(m_client->sendAndWait(deleteJob(scope(), scopeId(), *j->id)), tr("Job deleted"));
        refreshJobs();
    });
}

void LogpushDialog::addCondition(const QString &field, const QString &op, const QString &value)
{
    auto *row = new QWidget(m_conditions);
    auto *l = new QHBoxLayout(row);
    l->setContentsMargins(0, 0, 0, 0);
    auto *f = new QComboBox(row);
    f->setEditable(true);
    for (const auto &name : builtinFields(m_dataset->currentText().toStdString()))
        f->addItem(QString::fromStdString(name));
    f->setCurrentText(field.isEmpty() ? f->itemText(0) : field);
    auto *o = new QComboBox(row);
    for (const char *op2 : {"eq", "!eq", "contains", "!contains", "startsWith", "endsWith", "!startsWith", "!endsWith", "in", "!in",
                            "lt", "leq", "gt", "geq"})
        o->addItem(QString::fromLatin1(op2));
    o->setCurrentText(op);
    auto *v = new QLineEdit(value, row);
    v->setPlaceholderText(tr("value (a list for in: a,b,c)"));
    auto *rm = new QPushButton(QStringLiteral("\u2715"), row);
    rm->setToolTip(tr("Remove this condition"));
    rm->setMaximumWidth(28);
    l->addWidget(f, 2);
    l->addWidget(o, 1);
    l->addWidget(v, 2);
    l->addWidget(rm);
    m_conditions->layout()->addWidget(row);
    connect(f, &QComboBox::currentTextChanged, this, &LogpushDialog::buildFilterFromRows);
    connect(o, &QComboBox::currentTextChanged, this, &LogpushDialog::buildFilterFromRows);
    connect(v, &QLineEdit::textChanged, this, &LogpushDialog::buildFilterFromRows);
    connect(rm, &QPushButton::clicked, this, [this, row] {
        row->deleteLater();
        row->setParent(nullptr);
        buildFilterFromRows();
    });
    buildFilterFromRows();
}

void LogpushDialog::buildFilterFromRows()
{
    Json nodes = Json::array();
    for (QWidget *row : m_conditions->findChildren<QWidget *>(QString(), Qt::FindDirectChildrenOnly)) {
        const auto combos = row->findChildren<QComboBox *>();
        const auto edits = row->findChildren<QLineEdit *>(QString(), Qt::FindDirectChildrenOnly);
        if (combos.size() < 2 || edits.isEmpty())
            continue;
        const std::string key = combos[0]->currentText().trimmed().toStdString();
        const std::string op = combos[1]->currentText().toStdString();
        const QString text = edits[0]->text();
        Json value;
        if (op == "in" || op == "!in") {
            value = Json::array();
            for (const QString &part : text.split(QLatin1Char(','), Qt::SkipEmptyParts))
                value.push_back(part.trimmed().toStdString());
        } else {
            value = text.toStdString();
        }
        nodes.push_back(Json{{"key", key}, {"operator", op}, {"value", value}});
    }
    if (nodes.empty()) {
        m_filter->setPlainText(QString());
        return;
    }
    Json where = nodes.size() == 1 ? nodes[0] : Json{{m_matchMode->currentData().toString().toStdString(), nodes}};
    m_filter->setPlainText(QString::fromStdString(Json{{"where", where}}.dump()));
}

void LogpushDialog::fillFieldList(const std::vector<std::string> &fields, bool checkAll)
{
    m_fields->blockSignals(true);
    m_fields->clear();
    for (const auto &f : fields) {
        auto *item = new QListWidgetItem(QString::fromStdString(f), m_fields);
        item->setFlags(Qt::ItemIsUserCheckable | Qt::ItemIsEnabled);
        item->setCheckState(checkAll ? Qt::Checked : Qt::Unchecked);
    }
    if (fields.empty()) {
        auto *item = new QListWidgetItem(tr("(fields unknown: use \"Load from the API\")"), m_fields);
        item->setFlags(Qt::NoItemFlags);
    }
    m_fields->blockSignals(false);
}

void LogpushDialog::setScope(Scope s, const QString &id)
{
    m_scope->setCurrentIndex(s == Scope::Account ? 0 : 1);
    m_scopeId->setText(id);
}

void LogpushDialog::setPreset(Preset p)
{
    m_preset->blockSignals(true);
    m_preset->setCurrentIndex(int(p));
    m_preset->blockSignals(false);
    m_destStack->setCurrentIndex(p == Sekoia ? 0 : p == Receiver ? 1 : 2);
    static const char *hints[] = {"", "", "https://logs.example.com/ingest?header_Authorization=Bearer%20…",
                                  "s3://bucket/path?region=us-east-1", "r2://bucket/path?account-id=…&access-key-id=…&secret-access-key=…",
                                  "gs://bucket/path", "azure://container/path?sv=…&sig=…",
                                  "datadog://http-intake.logs.datadoghq.com/v1/input?header_DD-API-KEY=…",
                                  "splunk://host:8088/services/collector/raw?channel=…&header_Authorization=Splunk%20…"};
    m_destination->setPlaceholderText(QString::fromLatin1(hints[int(p)]));
    if (p == Sekoia) {
        // the job of Sekoia.io's documentation
        m_dataset->setCurrentText(QStringLiteral("audit_logs"));
        m_scope->setCurrentIndex(0);
        fillFieldList(builtinFields("audit_logs"), true);
        m_timestamps->setCurrentText(QStringLiteral("rfc3339"));
        m_maxBytes->setValue(5000000);
        m_maxRecords->setValue(1000);
        m_enabled->setChecked(true);
        m_legacy->setChecked(true);
    }
    update();
}

void LogpushDialog::storeTokenInKeychain()
{
    if (!m_keychain->isChecked() || token().empty())
        return;
    auto *job = new QKeychain::WritePasswordJob(QStringLiteral("Auditlens"), this);
    job->setKey(QStringLiteral("cloudflare-api-token"));
    job->setTextData(m_token->text().trimmed());
    connect(job, &QKeychain::Job::finished, this, [this](QKeychain::Job *j) {
        m_keychainState->setText(j->error() == QKeychain::NoError
                                     ? tr("Token kept in the system keychain.")
                                     : tr("The system keychain is not available: %1 (the token stays in memory only)").arg(j->errorString()));
    });
    job->start();
}

void LogpushDialog::setIntakeKey(const QString &key) { m_intakeKey->setText(key); }
void LogpushDialog::setReceiver(const QString &url, const QString &header, const QString &secret)
{
    m_recvUrl->setText(url);
    m_recvHeader->setText(header);
    m_recvSecret->setText(secret);
}
void LogpushDialog::setDestination(const QString &dest) { m_destination->setText(dest); }
void LogpushDialog::setToken(const QString &t) { m_token->setText(t); }
void LogpushDialog::setApiBase(const QString &url) { m_apiBase->setText(url); }

Scope LogpushDialog::scope() const { return m_scope->currentIndex() == 1 ? Scope::Zone : Scope::Account; }
std::string LogpushDialog::scopeId() const { return m_scopeId->text().trimmed().toStdString(); }
std::string LogpushDialog::token() const { return m_token->text().trimmed().toStdString(); }

Job LogpushDialog::job() const
{
    Job j;
    j.dataset = m_dataset->currentText().toStdString();
    if (!m_name->text().isEmpty())
        j.name = m_name->text().toStdString();
    switch (Preset(m_preset->currentIndex())) {
    case Sekoia: j.destinationConf = sekoiaDestination(m_intakeKey->text().toStdString()); break;
    case Receiver:
        j.destinationConf = m_recvUrl->text().isEmpty() ? std::string()
                                                        : receiverDestination(m_recvUrl->text().toStdString(), m_recvHeader->text().toStdString(),
                                                                              m_recvSecret->text().toStdString());
        break;
    default: j.destinationConf = m_destination->text().trimmed().toStdString(); break;
    }
    std::vector<std::string> fields;
    for (int i = 0; i < m_fields->count(); ++i)
        if ((m_fields->item(i)->flags() & Qt::ItemIsUserCheckable) && m_fields->item(i)->checkState() == Qt::Checked)
            fields.push_back(m_fields->item(i)->text().toStdString());
    if (m_legacy->isChecked()) {
        std::string lp;
        if (!fields.empty()) {
            lp = "fields=";
            for (size_t i = 0; i < fields.size(); ++i)
                lp += (i ? "," : "") + fields[i];
        }
        lp += (lp.empty() ? "" : "&") + std::string("timestamps=") + m_timestamps->currentText().toStdString();
        if (m_sample->value() < 1.0)
            lp += "&sample=" + QString::number(m_sample->value()).toStdString();
        j.logpullOptions = lp;
    } else {
        OutputOptions o;
        o.fieldNames = fields;
        o.timestampFormat = m_timestamps->currentText().toStdString();
        if (m_outputType->currentText() != QStringLiteral("ndjson"))
            o.outputType = m_outputType->currentText().toStdString();
        if (m_sample->value() < 1.0)
            o.sampleRate = m_sample->value();
        j.outputOptions = o;
    }
    const QString filter = m_filter->toPlainText().trimmed();
    if (!filter.isEmpty())
        j.filter = filter.toStdString();
    if (m_maxBytes->value())
        j.maxUploadBytes = m_maxBytes->value();
    if (m_maxRecords->value())
        j.maxUploadRecords = m_maxRecords->value();
    if (m_maxInterval->value())
        j.maxUploadIntervalSeconds = m_maxInterval->value();
    j.enabled = m_enabled->isChecked();
    return j;
}

std::vector<FieldError> LogpushDialog::errors() const
{
    auto errs = validate(job(), scope(), scopeId(), m_editingJob != 0);
    if (Preset(m_preset->currentIndex()) == Sekoia && m_intakeKey->text().isEmpty()) {
        // one message for the missing key, not a second one about the URL it builds
        errs.erase(std::remove_if(errs.begin(), errs.end(), [](const FieldError &e) { return e.field == "destination_conf"; }), errs.end());
        errs.push_back({"intake_key", "the Sekoia.io intake key is required"});
    }
    if (Preset(m_preset->currentIndex()) == Receiver && m_recvSecret->text().size() < 16)
        errs.push_back({"receiver_secret", "use a secret of at least 16 characters for the receiver"});
    if (m_sample->value() <= 0.0)
        errs.push_back({"output_options.sample_rate", "the sample rate must be above 0"});
    return errs;
}

QWidget *LogpushDialog::fieldWidget(const QString &field) const
{
    const std::string f = field.toStdString();
    if (f == "account" || f == "zone")
        return m_scopeId;
    if (f == "dataset")
        return m_dataset;
    if (f == "name")
        return m_name;
    if (f == "destination_conf")
        return Preset(m_preset->currentIndex()) == Sekoia ? m_intakeKey
               : Preset(m_preset->currentIndex()) == Receiver ? m_recvUrl : m_destination;
    if (f == "intake_key")
        return m_intakeKey;
    if (f == "receiver_secret")
        return m_recvSecret;
    if (f == "filter")
        return m_filter;
    if (f == "max_upload_bytes")
        return m_maxBytes;
    if (f == "max_upload_records")
        return m_maxRecords;
    if (f == "max_upload_interval_seconds")
        return m_maxInterval;
    if (f == "output_options.sample_rate")
        return m_sample;
    if (f == "output_options.field_names" || f == "logpull_options")
        return m_fields;
    if (f == "output_options.timestamp_format")
        return m_timestamps;
    return nullptr;
}

QString LogpushDialog::bodyPreview() const { return m_bodyView->toPlainText(); }
QString LogpushDialog::curlPreview() const { return m_curlView->toPlainText(); }

void LogpushDialog::update()
{
    const Job j = job();
    const ApiRequest req = m_editingJob ? updateJob(scope(), scopeId(), m_editingJob, j) : createJob(scope(), scopeId(), j);
    m_bodyView->setPlainText(QString::fromStdString(bodyText(req, m_reveal->isChecked())));
    m_curlView->setPlainText(QString::fromStdString(curlCommand(req, m_apiBase->text().toStdString(), token(), m_reveal->isChecked())));
    // mark invalid fields where they are
    for (const char *f : {"account", "dataset", "name", "destination_conf", "intake_key", "receiver_secret", "filter",
                          "max_upload_bytes", "max_upload_records", "max_upload_interval_seconds", "output_options.sample_rate",
                          "output_options.field_names", "output_options.timestamp_format"})
        if (QWidget *w = fieldWidget(QString::fromLatin1(f))) {
            w->setStyleSheet(QString());
            w->setToolTip(QString());
        }
    QStringList lines;
    for (const FieldError &e : errors()) {
        lines << QStringLiteral("\u2716 %1: %2").arg(QString::fromStdString(e.field), QString::fromStdString(e.message));
        if (QWidget *w = fieldWidget(QString::fromStdString(e.field))) {
            w->setStyleSheet(QStringLiteral("border: 2px solid #c62828;"));
            w->setToolTip(QString::fromStdString(e.message));
        }
    }
    m_errors->setText(lines.join(QLatin1Char('\n')));
    const bool valid = lines.isEmpty();
    m_create->setEnabled(valid && !m_editingJob);
    m_update->setEnabled(valid && m_editingJob);
    if (token().empty()) {
        m_create->setEnabled(false);
        m_create->setToolTip(tr("Enter an API token (or set CLOUDFLARE_API_TOKEN) to send"));
    } else {
        m_create->setToolTip(QString());
    }
}

void LogpushDialog::send()
{
    m_client->setToken(token());
    m_client->setBaseUrl(m_apiBase->text().toStdString());
    const Job j = job();
    m_result->setText(tr("Sending…"));
    const ApiRequest req = m_editingJob ? updateJob(scope(), scopeId(), m_editingJob, j) : createJob(scope(), scopeId(), j);
    const ApiResult r = m_client->sendAndWait(req);
    showResult(r, m_editingJob ? tr("Job updated") : tr("Job created"));
    if (r.ok)
        storeTokenInKeychain();
    saveSettings();
    emit requestFinished();
}

void LogpushDialog::showResult(const ApiResult &r, const QString &what)
{
    if (r.ok) {
        const Job j = Job::fromJson(r.result);
        m_result->setStyleSheet(QStringLiteral("color:#2e7d32;"));
        m_result->setText(j.id ? tr("%1: job %2 (%3), %4.").arg(what).arg(*j.id).arg(QString::fromStdString(j.dataset.value_or("")),
                                                                               j.enabled.value_or(false) ? tr("enabled") : tr("disabled"))
                               : what + QLatin1Char('.'));
    } else {
        m_result->setStyleSheet(QStringLiteral("color:#c62828;"));
        m_result->setText(QString::fromStdString(r.message));
    }
}

void LogpushDialog::loadFields()
{
    if (token().empty()) {
        m_result->setText(tr("Enter an API token first."));
        return;
    }
    m_client->setToken(token());
    m_client->setBaseUrl(m_apiBase->text().toStdString());
    const ApiResult r = m_client->sendAndWait(listFields(scope(), scopeId(), m_dataset->currentText().toStdString()));
    if (!r.ok || !r.result.is_object()) {
        showResult(r, QString());
        return;
    }
    std::vector<std::string> fields;
    for (auto it = r.result.begin(); it != r.result.end(); ++it)
        fields.push_back(it.key());
    fillFieldList(fields, true);
    update();
}

void LogpushDialog::refreshJobs()
{
    m_client->setToken(token());
    m_client->setBaseUrl(m_apiBase->text().toStdString());
    const ApiResult r = m_client->sendAndWait(listJobs(scope(), scopeId()));
    m_jobList.clear();
    m_jobs->setRowCount(0);
    if (!r.ok) {
        showResult(r, QString());
        return;
    }
    for (const Json &j : r.result)
        m_jobList.push_back(Job::fromJson(j));
    m_jobs->setRowCount(int(m_jobList.size()));
    for (size_t i = 0; i < m_jobList.size(); ++i) {
        const Job &j = m_jobList[i];
        const QStringList cells = {QString::number(j.id.value_or(0)), QString::fromStdString(j.name.value_or("")),
                                   QString::fromStdString(j.dataset.value_or("")), j.enabled.value_or(false) ? tr("yes") : tr("no"),
                                   QString::fromStdString(j.lastComplete.value_or("")), QString::fromStdString(j.lastError.value_or("")),
                                   QString::fromStdString(j.errorMessage.value_or(""))};
        for (int c = 0; c < cells.size(); ++c)
            m_jobs->setItem(int(i), c, new QTableWidgetItem(cells[c]));
    }
}

void LogpushDialog::editJob(const Job &j)
{
    m_editingJob = j.id.value_or(0);
    m_dataset->setCurrentText(QString::fromStdString(j.dataset.value_or("audit_logs")));
    m_name->setText(QString::fromStdString(j.name.value_or("")));
    setPreset(Https);
    m_destination->setText(QString::fromStdString(j.destinationConf.value_or("")));
    m_enabled->setChecked(j.enabled.value_or(false));
    m_maxBytes->setValue(int(j.maxUploadBytes.value_or(0)));
    m_maxRecords->setValue(int(j.maxUploadRecords.value_or(0)));
    m_maxInterval->setValue(int(j.maxUploadIntervalSeconds.value_or(0)));
    m_filter->setPlainText(QString::fromStdString(j.filter.value_or("")));
    m_create->setVisible(false);
    m_update->setVisible(true);
    m_tabs->setCurrentIndex(0);
    update();
}

} // namespace auditlens::ui
