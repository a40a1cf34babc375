// SPDX-License-Identifier: MIT
// The Logpush form: construction of its widgets, presets and settings (logic in
// logpushdialog_form.cpp, network and Jobs tab in logpushdialog_net.cpp).
#include "logpushdialog.h"
#include "secretstore.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScreen>
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

namespace {
const QString kApiTokenKeychainKey = QStringLiteral("cloudflare-api-token");

QLabel *wrapped(const QString &text, QWidget *parent)
{
    auto *l = new QLabel(text, parent);
    l->setWordWrap(true);
    return l;
}

/// A framing line edit: escapes shown as typed (\n), empty = Cloudflare's default.
QLineEdit *framingEdit(QWidget *parent, const QString &placeholder)
{
    auto *e = new QLineEdit(parent);
    e->setPlaceholderText(placeholder);
    e->setToolTip(QObject::tr("Empty: Cloudflare's default. \\n, \\r, \\t and \\\\ stand for a line feed, a carriage "
                              "return, a tab and a backslash."));
    return e;
}

} // namespace

LogpushDialog::LogpushDialog(QWidget *parent) : QDialog(parent), m_client(new Client(this))
{
    setWindowTitle(tr("Logpush job"));
    connect(m_client, &Client::finished, this, &LogpushDialog::onFinished);
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
    // a default size that fits the screen (1024x768 included)
    QSize size(1180, 760);
    if (const QScreen *screen = parent ? parent->screen() : QGuiApplication::primaryScreen()) {
        const QSize avail = screen->availableGeometry().size();
        size = size.boundedTo(QSize(avail.width() * 95 / 100, avail.height() * 90 / 100));
    }
    resize(size);

    QSettings s;
    m_scope->setCurrentIndex(s.value(QStringLiteral("logpush/scope"), 0).toInt() == 1 ? 1 : 0);
    m_scopeId->setText(s.value(QStringLiteral("logpush/scopeId")).toString());
    m_apiBase->setText(s.value(QStringLiteral("logpush/apiBase"), QString::fromLatin1(kDefaultBaseUrl)).toString());
    const QByteArray env = qgetenv("CLOUDFLARE_API_TOKEN");
    if (!env.isEmpty()) {
        m_token->setText(QString::fromUtf8(env));
        m_token->setPlaceholderText(tr("from CLOUDFLARE_API_TOKEN"));
    }
    m_keychain->setChecked(s.value(QStringLiteral("logpush/useKeychain"), false).toBool());
    if (m_keychain->isChecked() && m_token->text().isEmpty()) {
        SecretStore::read(kApiTokenKeychainKey, this, [this](const SecretStore::Answer &a) {
            if (a.state == SecretStore::State::Found) {
                m_token->setText(a.secret);
                showMessage(m_keychainState, tr("Token read from the system keychain."), true);
            } else if (a.state == SecretStore::State::Unavailable) {
                showMessage(m_keychainState, tr("The system keychain is not available: %1").arg(a.message), false);
            }
        });
    }
    connect(m_keychain, &QCheckBox::toggled, this, [this](bool on) {
        QSettings().setValue(QStringLiteral("logpush/useKeychain"), on);
        if (on) {
            storeTokenInKeychain();
            return;
        }
        SecretStore::remove(kApiTokenKeychainKey, this, [this](const SecretStore::Answer &a) {
            const bool ok = a.state == SecretStore::State::Removed;
            showMessage(m_keychainState, ok ? tr("Token removed from the system keychain.")
                                            : tr("The system keychain is not available: %1").arg(a.message), ok);
        });
    });
    setPreset(Sekoia);
    update();
}

LogpushDialog::~LogpushDialog()
{
    if (m_pending)
        m_client->cancel(m_pending);
    saveSettings();
}

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
    split->setChildrenCollapsible(false);
    auto *outer = new QVBoxLayout(page);
    outer->setContentsMargins(0, 0, 0, 0);
    outer->addWidget(split);

    auto *scroll = new QScrollArea(split);
    scroll->setWidgetResizable(true);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAsNeeded);
    auto *formHost = new QWidget(scroll);
    auto *form = new QFormLayout(formHost);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    form->setRowWrapPolicy(QFormLayout::WrapLongRows);
    scroll->setWidget(formHost);

    m_token = new QLineEdit(formHost);
    m_token->setEchoMode(QLineEdit::Password);
    m_token->setPlaceholderText(tr("API token with Logs Write (or set CLOUDFLARE_API_TOKEN)"));
    m_token->setToolTip(tr("Kept in memory only: never saved, logged or shown in previews."));
    m_keychain = new QCheckBox(tr("Remember the token in the system keychain"), formHost);
    m_keychain->setToolTip(tr("Opt-in. The token is stored by the OS keychain (Secret Service, KWallet, Keychain), "
                              "never in Auditlens' settings."));
    m_keychainState = wrapped(QString(), formHost);
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
    m_preset->addItems({tr("Sekoia.io intake"), tr("This Auditlens receiver"), tr("Generic HTTPS (also New Relic)"), tr("Amazon S3"),
                        tr("Cloudflare R2"), tr("Google Cloud Storage"), tr("Azure Blob Storage"), tr("Datadog"), tr("Splunk"),
                        tr("Other (Kinesis, IBM Cloud Logs, BigQuery, Sumo Logic, …)")});
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
    rl->setRowWrapPolicy(QFormLayout::WrapLongRows);
    m_recvUrl = new QLineEdit(recvPage);
    m_recvUrl->setPlaceholderText(tr("public https URL of the tunnel or proxy"));
    m_recvHeader = new QLineEdit(QStringLiteral("X-Auditlens-Secret"), recvPage);
    m_recvSecret = new QLineEdit(recvPage);
    m_recvSecret->setEchoMode(QLineEdit::Password);
    rl->addRow(tr("Public URL"), m_recvUrl);
    rl->addRow(tr("Secret header"), m_recvHeader);
    rl->addRow(tr("Secret"), m_recvSecret);
    auto *genericPage = new QWidget(m_destStack);
    auto *gl = new QVBoxLayout(genericPage);
    gl->setContentsMargins(0, 0, 0, 0);
    m_destination = new QLineEdit(genericPage);
    m_destination->setToolTip(tr("destination_conf; a scheme Auditlens cannot check is sent as given, with a warning"));
    gl->addWidget(m_destination);
    m_destStack->addWidget(sekoiaPage);
    m_destStack->addWidget(recvPage);
    m_destStack->addWidget(genericPage);

    // destination check and ownership challenge
    auto *check = new QWidget(formHost);
    auto *cl = new QVBoxLayout(check);
    cl->setContentsMargins(0, 0, 0, 0);
    auto *checkRow = new QHBoxLayout;
    m_checkDest = new QPushButton(tr("Check destination"), check);
    m_checkDest->setToolTip(tr("Asks Cloudflare whether it can push there (also done before Create)"));
    m_requestChallenge = new QPushButton(tr("Request ownership challenge"), check);
    m_requestChallenge->setToolTip(tr("S3 without keys, Google Cloud Storage, Azure and Sumo Logic: Cloudflare writes a "
                                      "challenge file to the destination; paste its content below"));
    checkRow->addWidget(m_checkDest);
    checkRow->addWidget(m_requestChallenge);
    checkRow->addStretch(1);
    m_destCheck = wrapped(QString(), check);
    m_destCheck->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *challengeRow = new QHBoxLayout;
    m_challenge = new QLineEdit(check);
    m_challenge->setPlaceholderText(tr("content of the ownership challenge file"));
    m_validateChallenge = new QPushButton(tr("Validate"), check);
    challengeRow->addWidget(m_challenge, 1);
    challengeRow->addWidget(m_validateChallenge);
    m_challengeState = wrapped(QString(), check);
    m_challengeState->setTextInteractionFlags(Qt::TextSelectableByMouse);
    cl->addLayout(checkRow);
    cl->addWidget(m_destCheck);
    cl->addLayout(challengeRow);
    cl->addWidget(m_challengeState);

    auto *fieldsBox = new QWidget(formHost);
    auto *fl = new QVBoxLayout(fieldsBox);
    fl->setContentsMargins(0, 0, 0, 0);
    m_fields = new QListWidget(fieldsBox);
    m_fields->setMinimumHeight(110);
    auto *fieldButtons = new QHBoxLayout;
    auto *all = new QPushButton(tr("All"), fieldsBox);
    auto *none = new QPushButton(tr("None"), fieldsBox);
    m_loadFields = new QPushButton(tr("Load from the API"), fieldsBox);
    fieldButtons->addWidget(all);
    fieldButtons->addWidget(none);
    fieldButtons->addStretch(1);
    fieldButtons->addWidget(m_loadFields);
    fl->addWidget(m_fields);
    fl->addLayout(fieldButtons);
    connect(all, &QPushButton::clicked, this, [this] {
        for (int i = 0; i < m_fields->count(); ++i)
            if (m_fields->item(i)->flags() & Qt::ItemIsUserCheckable)
                m_fields->item(i)->setCheckState(Qt::Checked);
    });
    connect(none, &QPushButton::clicked, this, [this] {
        for (int i = 0; i < m_fields->count(); ++i)
            if (m_fields->item(i)->flags() & Qt::ItemIsUserCheckable)
                m_fields->item(i)->setCheckState(Qt::Unchecked);
    });
    connect(m_loadFields, &QPushButton::clicked, this, &LogpushDialog::loadFields);

    m_timestamps = new QComboBox(formHost);
    m_timestamps->addItem(tr("default (unixnano)"), QString());
    for (const char *t : {"rfc3339", "rfc3339ms", "rfc3339ns", "unix", "unixnano"})
        m_timestamps->addItem(QString::fromLatin1(t), QString::fromLatin1(t));
    m_outputType = new QComboBox(formHost);
    m_outputType->addItem(tr("default (ndjson)"), QString());
    m_outputType->addItem(QStringLiteral("ndjson"), QStringLiteral("ndjson"));
    m_outputType->addItem(QStringLiteral("csv"), QStringLiteral("csv"));
    m_sample = new QDoubleSpinBox(formHost);
    m_sample->setRange(0.0, 1.0);
    m_sample->setDecimals(4);
    m_sample->setSingleStep(0.05);
    m_sample->setValue(1.0);
    m_sample->setToolTip(tr("1 = every record"));
    m_cve = new QCheckBox(tr("CVE-2021-44228: replace ${ by x{ in the output"), formHost);

    auto *framing = new QGroupBox(tr("Framing (empty: Cloudflare's default)"), formHost);
    auto *frl = new QFormLayout(framing);
    frl->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    frl->setRowWrapPolicy(QFormLayout::WrapLongRows);
    m_batchPrefix = framingEdit(framing, tr("e.g. [ for a JSON array"));
    m_batchSuffix = framingEdit(framing, tr("e.g. ]"));
    m_recordPrefix = framingEdit(framing, tr("default {"));
    m_recordSuffix = framingEdit(framing, tr("default }\\n"));
    m_recordDelimiter = framingEdit(framing, tr("e.g. , for a JSON array"));
    m_fieldDelimiter = framingEdit(framing, tr("default ,"));
    m_recordTemplate = framingEdit(framing, tr("e.g. {\"when\":{{.When}}} (its fields must be ticked)"));
    frl->addRow(tr("Batch prefix"), m_batchPrefix);
    frl->addRow(tr("Batch suffix"), m_batchSuffix);
    frl->addRow(tr("Record prefix"), m_recordPrefix);
    frl->addRow(tr("Record suffix"), m_recordSuffix);
    frl->addRow(tr("Record delimiter"), m_recordDelimiter);
    frl->addRow(tr("Field delimiter"), m_fieldDelimiter);
    frl->addRow(tr("Record template"), m_recordTemplate);

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
    m_matchMode->addItem(tr("Match all (and)"), QStringLiteral("and"));
    m_matchMode->addItem(tr("Match any (or)"), QStringLiteral("or"));
    m_addCondition = new QPushButton(tr("Add condition"), builder);
    builderHead->addWidget(m_matchMode, 1);
    builderHead->addWidget(m_addCondition);
    m_conditions = new QWidget(builder);
    new QVBoxLayout(m_conditions);
    m_conditions->layout()->setContentsMargins(0, 0, 0, 0);
    bl->addLayout(builderHead);
    bl->addWidget(m_conditions);
    connect(m_addCondition, &QPushButton::clicked, this, [this] { addCondition(); });
    connect(m_matchMode, &QComboBox::currentIndexChanged, this, &LogpushDialog::buildFilterFromRows);
    m_attackTraffic = new QCheckBox(tr("Leave out DDoS attack traffic (filter_attack_traffic)"), formHost);
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
    m_kind = new QComboBox(formHost);
    m_kind->addItem(tr("not set (a normal job)"), QString());
    m_kind->addItem(QStringLiteral("edge"), QStringLiteral("edge"));
    m_kind->setToolTip(tr("edge = Edge Log Delivery (http_requests); set only at creation"));
    m_frequency = new QComboBox(formHost);
    m_frequency->addItem(tr("not set"), QString());
    m_frequency->addItem(QStringLiteral("high"), QStringLiteral("high"));
    m_frequency->addItem(QStringLiteral("low"), QStringLiteral("low"));
    m_frequency->setToolTip(tr("Deprecated by Cloudflare: prefer the max upload limits"));
    m_mergeSubrequests = new QCheckBox(tr("Merge Worker subrequests (http_requests)"), formHost);
    m_enabled = new QCheckBox(tr("Enabled (Cloudflare creates a disabled job otherwise)"), formHost);
    m_enabled->setChecked(true);
    m_legacy = new QCheckBox(tr("Send as logpull_options (as Sekoia.io's documentation does)"), formHost);
    m_legacy->setToolTip(tr("Fields, timestamps, sample rate and CVE-2021-44228 as the deprecated logpull_options string. "
                            "Unticking it on a job being edited moves the job to output_options."));

    form->addRow(tr("API token"), m_token);
    form->addRow(QString(), m_keychain);
    form->addRow(QString(), m_keychainState);
    form->addRow(tr("API base URL"), m_apiBase);
    form->addRow(tr("Scope"), scopeRow);
    form->addRow(tr("Dataset"), m_dataset);
    form->addRow(tr("Name"), m_name);
    form->addRow(tr("Destination"), m_preset);
    form->addRow(QString(), m_destStack);
    form->addRow(QString(), check);
    form->addRow(tr("Fields"), fieldsBox);
    form->addRow(tr("Timestamps"), m_timestamps);
    form->addRow(tr("Output type"), m_outputType);
    form->addRow(tr("Sample rate"), m_sample);
    form->addRow(QString(), m_cve);
    form->addRow(framing);
    form->addRow(tr("Filter"), builder);
    form->addRow(QString(), m_filter);
    form->addRow(QString(), m_attackTraffic);
    form->addRow(tr("Max upload bytes"), m_maxBytes);
    form->addRow(tr("Max upload records"), m_maxRecords);
    form->addRow(tr("Max upload interval (s)"), m_maxInterval);
    form->addRow(tr("Kind"), m_kind);
    form->addRow(tr("Frequency"), m_frequency);
    form->addRow(QString(), m_mergeSubrequests);
    form->addRow(QString(), m_enabled);
    form->addRow(QString(), m_legacy);

    // preview and answer
    auto *right = new QWidget(split);
    auto *rlay = new QVBoxLayout(right);
    m_errors = wrapped(QString(), right);
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
    m_newJob = new QPushButton(tr("New job"), right);
    m_newJob->setToolTip(tr("Stop editing and start a new job"));
    m_newJob->setVisible(false);
    m_cancel = new QPushButton(tr("Cancel request"), right);
    m_cancel->setEnabled(false);
    m_create = new QPushButton(tr("Create job"), right);
    m_update = new QPushButton(tr("Update job"), right);
    m_update->setVisible(false);
    buttons->addWidget(m_newJob);
    buttons->addStretch(1);
    buttons->addWidget(m_cancel);
    buttons->addWidget(m_update);
    buttons->addWidget(m_create);
    m_result = wrapped(QString(), right);
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
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    right->setMinimumWidth(260);
    scroll->setMinimumWidth(380);

    for (QLineEdit *e : {m_token, m_apiBase, m_scopeId, m_name, m_intakeKey, m_recvUrl, m_recvHeader, m_recvSecret, m_destination,
                         m_challenge, m_batchPrefix, m_batchSuffix, m_recordPrefix, m_recordSuffix, m_recordDelimiter,
                         m_fieldDelimiter, m_recordTemplate})
        connect(e, &QLineEdit::textChanged, this, &LogpushDialog::update);
    for (QComboBox *c : {m_scope, m_timestamps, m_outputType, m_kind, m_frequency})
        connect(c, &QComboBox::currentIndexChanged, this, &LogpushDialog::update);
    connect(m_dataset, &QComboBox::currentIndexChanged, this, [this] {
        if (m_editingJob)
            return; // the dataset of a job cannot change
        // the scope follows the dataset
        if (const DatasetInfo *d = findDataset(m_dataset->currentText().toStdString())) {
            if (d->account && !d->zone)
                m_scope->setCurrentIndex(0);
            else if (d->zone && !d->account)
                m_scope->setCurrentIndex(1);
        }
        const auto known = builtinFields(m_dataset->currentText().toStdString());
        fillFieldList(known, true);
        update();
        // every field of the dataset: Auditlens' list, else the API's when it can be asked
        if (known.empty() && !token().empty() && checkId(scopeId(), "ID").empty() && !m_pending)
            loadFields();
    });
    connect(m_preset, &QComboBox::currentIndexChanged, this, [this](int i) { setPreset(Preset(i)); });
    connect(m_sample, &QDoubleSpinBox::valueChanged, this, &LogpushDialog::update);
    for (QSpinBox *s : {m_maxBytes, m_maxRecords, m_maxInterval})
        connect(s, &QSpinBox::valueChanged, this, &LogpushDialog::update);
    connect(m_filter, &QPlainTextEdit::textChanged, this, &LogpushDialog::update);
    for (QCheckBox *b : {m_enabled, m_legacy, m_reveal, m_cve, m_mergeSubrequests, m_attackTraffic})
        connect(b, &QCheckBox::toggled, this, &LogpushDialog::update);
    connect(m_fields, &QListWidget::itemChanged, this, &LogpushDialog::update);
    connect(m_create, &QPushButton::clicked, this, &LogpushDialog::send);
    connect(m_update, &QPushButton::clicked, this, &LogpushDialog::send);
    connect(m_cancel, &QPushButton::clicked, this, &LogpushDialog::cancel);
    connect(m_checkDest, &QPushButton::clicked, this, [this] { checkDestination({}); });
    connect(m_requestChallenge, &QPushButton::clicked, this, &LogpushDialog::requestChallenge);
    connect(m_validateChallenge, &QPushButton::clicked, this, &LogpushDialog::validateChallenge);
    connect(m_newJob, &QPushButton::clicked, this, [this] {
        m_editingJob = 0;
        m_editBase = Json();
        m_dataset->setEnabled(true);
        m_kind->setEnabled(true);
        m_create->setVisible(true);
        m_update->setVisible(false);
        m_newJob->setVisible(false);
        setPreset(Sekoia);
    });
    fillFieldList(builtinFields("audit_logs"), true);
    for (QLabel *l : {m_keychainState, m_destCheck, m_challengeState, m_errors, m_result})
        l->setVisible(false); // shown with their first text
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
    // the stack is as tall as the page shown, not as its tallest page
    for (int i = 0; i < m_destStack->count(); ++i) {
        const bool shown = i == m_destStack->currentIndex();
        m_destStack->widget(i)->setSizePolicy(shown ? QSizePolicy::Preferred : QSizePolicy::Ignored,
                                              shown ? QSizePolicy::Preferred : QSizePolicy::Ignored);
    }
    m_destStack->adjustSize();
    static const char *hints[] = {"", "", "https://logs.example.com/ingest?header_Authorization=Bearer%20…",
                                  "s3://bucket/path?region=us-east-1", "r2://bucket/path?account-id=…&access-key-id=…&secret-access-key=…",
                                  "gs://bucket/path", "azure://container/path?sv=…&sig=…",
                                  "datadog://http-intake.logs.datadoghq.com/v1/input?header_DD-API-KEY=…",
                                  "splunk://host:8088/services/collector/raw?channel=…&header_Authorization=Splunk%20…",
                                  "kinesis://stream?region=…&sts-assume-role-arn=…  ibmcl://…  bq://…  sumo://…"};
    m_destination->setPlaceholderText(QString::fromUtf8(hints[int(p)]));
    if (p == Sekoia && !m_editingJob) {
        // the job of Sekoia.io's documentation
        m_dataset->setCurrentText(QStringLiteral("audit_logs"));
        m_scope->setCurrentIndex(0);
        fillFieldList(builtinFields("audit_logs"), true);
        m_timestamps->setCurrentIndex(m_timestamps->findData(QStringLiteral("rfc3339")));
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
    SecretStore::write(kApiTokenKeychainKey, m_token->text().trimmed(), this, [this](const SecretStore::Answer &a) {
        const bool ok = a.state == SecretStore::State::Stored;
        showMessage(m_keychainState, ok ? tr("Token kept in the system keychain.")
                                        : tr("The system keychain is not available: %1 (the token stays in memory only)").arg(a.message),
                    ok);
    });
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

std::string LogpushDialog::destination() const
{
    switch (Preset(m_preset->currentIndex())) {
    case Sekoia: return sekoiaDestination(m_intakeKey->text().toStdString());
    case Receiver:
        return m_recvUrl->text().isEmpty() ? std::string()
                                           : receiverDestination(m_recvUrl->text().toStdString(), m_recvHeader->text().toStdString(),
                                                                 m_recvSecret->text().toStdString());
    default: return m_destination->text().trimmed().toStdString();
    }
}

} // namespace auditlens::ui
