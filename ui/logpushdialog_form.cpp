// SPDX-License-Identifier: MIT
// The Logpush form's logic: form <-> job, the edit it makes to a job being edited, the filter
// builder, previews and the marking of invalid fields.
#include "logpushdialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>

namespace auditlens::ui {

using namespace auditlens::logpush;

namespace {

std::optional<std::string> framingValue(const QLineEdit *e)
{
    if (e->text().isEmpty())
        return std::nullopt;
    return unescapeText(e->text().toStdString());
}

void setFraming(QLineEdit *e, const std::optional<std::string> &v)
{
    e->setText(v ? QString::fromStdString(escapeText(*v)) : QString());
}

} // namespace

void LogpushDialog::addCondition(const QString &field, const QString &op, const QString &value)
{
    auto *row = new QWidget(m_conditions);
    auto *l = new QHBoxLayout(row);
    l->setContentsMargins(0, 0, 0, 0);
    auto *f = new QComboBox(row);
    f->setEditable(true);
    f->setMinimumContentsLength(8);
    f->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    for (const auto &name : builtinFields(m_dataset->currentText().toStdString()))
        f->addItem(QString::fromStdString(name));
    f->setCurrentText(field.isEmpty() ? f->itemText(0) : field);
    auto *o = new QComboBox(row);
    for (const char *op2 : {"eq", "!eq", "contains", "!contains", "startsWith", "endsWith", "!startsWith", "!endsWith", "in", "!in",
                            "lt", "leq", "gt", "geq"})
        o->addItem(QString::fromLatin1(op2));
    o->setCurrentText(op);
    auto *v = new QLineEdit(value, row);
    v->setPlaceholderText(tr("value (in: a,b,c)"));
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

Job LogpushDialog::formJob() const
{
    Job j;
    j.dataset = m_dataset->currentText().toStdString();
    if (!m_name->text().isEmpty())
        j.name = m_name->text().toStdString();
    j.destinationConf = destination();
    OutputOptions o;
    for (int i = 0; i < m_fields->count(); ++i)
        if ((m_fields->item(i)->flags() & Qt::ItemIsUserCheckable) && m_fields->item(i)->checkState() == Qt::Checked)
            o.fieldNames.push_back(m_fields->item(i)->text().toStdString());
    auto choice = [](const QComboBox *c) {
        const QString v = c->currentData().toString();
        return v.isEmpty() ? std::optional<std::string>() : std::optional<std::string>(v.toStdString());
    };
    o.timestampFormat = choice(m_timestamps);
    o.outputType = choice(m_outputType);
    if (m_sample->value() < 1.0)
        o.sampleRate = m_sample->value();
    if (m_cve->isChecked())
        o.cve202144228 = true;
    o.batchPrefix = framingValue(m_batchPrefix);
    o.batchSuffix = framingValue(m_batchSuffix);
    o.recordPrefix = framingValue(m_recordPrefix);
    o.recordSuffix = framingValue(m_recordSuffix);
    o.recordDelimiter = framingValue(m_recordDelimiter);
    o.fieldDelimiter = framingValue(m_fieldDelimiter);
    o.recordTemplate = framingValue(m_recordTemplate);
    if (m_mergeSubrequests->isChecked())
        o.mergeSubrequests = true;
    j.outputOptions = o;
    const QString filter = m_filter->toPlainText().trimmed();
    if (!filter.isEmpty())
        j.filter = filter.toStdString();
    if (m_attackTraffic->isChecked())
        j.filterAttackTraffic = true;
    if (m_maxBytes->value())
        j.maxUploadBytes = m_maxBytes->value();
    if (m_maxRecords->value())
        j.maxUploadRecords = m_maxRecords->value();
    if (m_maxInterval->value())
        j.maxUploadIntervalSeconds = m_maxInterval->value();
    j.kind = choice(m_kind);
    j.frequency = choice(m_frequency);
    j.enabled = m_enabled->isChecked();
    if (!m_challenge->text().trimmed().isEmpty())
        j.ownershipChallenge = m_challenge->text().trimmed().toStdString();
    return j;
}

Job LogpushDialog::job() const
{
    Job j = formJob();
    if (m_legacy->isChecked() && j.outputOptions) {
        // the deprecated string Sekoia.io's documentation uses: fields, timestamps, sample, CVE
        const OutputOptions &o = *j.outputOptions;
        j.logpullOptions = logpullFrom(o);
        OutputOptions rest = o;
        rest.fieldNames.clear();
        rest.timestampFormat.reset();
        rest.sampleRate.reset();
        rest.cve202144228.reset();
        j.outputOptions = rest;
    }
    return j;
}

JobEdit LogpushDialog::formEdit() const
{
    JobEdit e = diffJobs(m_loaded, formJob());
    e.kind.reset(); // cannot change; the box is disabled while editing
    e.toOutputOptions = m_loadedLegacy && !m_legacy->isChecked();
    return e;
}

void LogpushDialog::fillFormFrom(const Job &j, bool legacy)
{
    m_dataset->blockSignals(true);
    m_dataset->setCurrentText(QString::fromStdString(j.dataset.value_or("audit_logs")));
    m_dataset->blockSignals(false);
    m_name->setText(QString::fromStdString(j.name.value_or("")));
    setPreset(Other);
    m_destination->setText(QString::fromStdString(j.destinationConf.value_or("")));
    m_challenge->clear();
    const OutputOptions o = legacy ? outputOptionsFromLogpull(j.logpullOptions.value_or("")) : j.outputOptions.value_or(OutputOptions{});
    // the job's fields first, in its order, then the other known ones unticked
    std::vector<std::string> all = o.fieldNames;
    for (const auto &f : builtinFields(j.dataset.value_or("")))
        if (std::find(all.begin(), all.end(), f) == all.end())
            all.push_back(f);
    fillFieldList(all, false);
    m_fields->blockSignals(true);
    for (int i = 0; i < int(o.fieldNames.size()) && i < m_fields->count(); ++i)
        m_fields->item(i)->setCheckState(Qt::Checked);
    m_fields->blockSignals(false);
    auto pick = [](QComboBox *c, const std::optional<std::string> &v) {
        int i = c->findData(QString::fromStdString(v.value_or("")));
        if (i < 0) { // a value this Auditlens does not list: kept as it is
            c->addItem(QString::fromStdString(*v), QString::fromStdString(*v));
            i = c->count() - 1;
        }
        c->setCurrentIndex(i);
    };
    pick(m_timestamps, o.timestampFormat);
    pick(m_outputType, o.outputType);
    m_sample->setValue(o.sampleRate.value_or(1.0));
    m_cve->setChecked(o.cve202144228.value_or(false));
    setFraming(m_batchPrefix, o.batchPrefix);
    setFraming(m_batchSuffix, o.batchSuffix);
    setFraming(m_recordPrefix, o.recordPrefix);
    setFraming(m_recordSuffix, o.recordSuffix);
    setFraming(m_recordDelimiter, o.recordDelimiter);
    setFraming(m_fieldDelimiter, o.fieldDelimiter);
    setFraming(m_recordTemplate, o.recordTemplate);
    m_mergeSubrequests->setChecked(o.mergeSubrequests.value_or(false));
    m_filter->blockSignals(true);
    m_filter->setPlainText(QString::fromStdString(j.filter.value_or("")));
    m_filter->blockSignals(false);
    m_attackTraffic->setChecked(j.filterAttackTraffic.value_or(false));
    m_maxBytes->setValue(int(j.maxUploadBytes.value_or(0)));
    m_maxRecords->setValue(int(j.maxUploadRecords.value_or(0)));
    m_maxInterval->setValue(int(j.maxUploadIntervalSeconds.value_or(0)));
    pick(m_kind, j.kind && !j.kind->empty() ? j.kind : std::nullopt);
    pick(m_frequency, j.frequency);
    m_enabled->setChecked(j.enabled.value_or(false));
    m_legacy->setChecked(legacy);
}

std::vector<FieldError> LogpushDialog::errors() const
{
    const Job j = m_editingJob ? formJob() : job();
    auto errs = validate(j, scope(), scopeId(), m_editingJob != 0);
    if (m_editingJob) {
        // values already on the job (a field Auditlens does not know yet, …) are said, not blocking
        const std::set<std::string> edited = editedFields(formEdit());
        for (FieldError &e : errs)
            if (e.field != "account" && e.field != "zone" && !edited.count(e.field))
                e.warning = true;
    }
    const Preset p = Preset(m_preset->currentIndex());
    if (p == Sekoia && m_intakeKey->text().isEmpty() && !m_editingJob) {
        // one message for the missing key, not a second one about the URL it builds
        errs.erase(std::remove_if(errs.begin(), errs.end(), [](const FieldError &e) { return e.field == "destination_conf"; }), errs.end());
        errs.push_back({"intake_key", "the Sekoia.io intake key is required"});
    }
    if (p == Receiver && m_recvSecret->text().size() < 16)
        errs.push_back({"receiver_secret", "use a secret of at least 16 characters for the receiver"});
    if (m_sample->value() <= 0.0)
        errs.push_back({"output_options.sample_rate", "the sample rate must be above 0"});
    if (m_editingJob) {
        const UpdatePlan plan = planUpdate(m_editBase, formEdit());
        if (!plan.error.empty())
            errs.push_back({"output_options", plan.error});
    } else if (m_legacy->isChecked() && j.outputOptions && !j.outputOptions->isEmpty()) {
        errs.push_back({"output_options", "the output type, framing, record template and subrequest merging exist only in "
                                          "output_options: untick \"Send as logpull_options\""});
    }
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
    if (f == "filter_attack_traffic")
        return m_attackTraffic;
    if (f == "max_upload_bytes")
        return m_maxBytes;
    if (f == "max_upload_records")
        return m_maxRecords;
    if (f == "max_upload_interval_seconds")
        return m_maxInterval;
    if (f == "kind")
        return m_kind;
    if (f == "frequency")
        return m_frequency;
    if (f == "ownership_challenge")
        return m_challenge;
    if (f == "output_options.sample_rate")
        return m_sample;
    if (f == "output_options.field_names" || f == "logpull_options")
        return m_fields;
    if (f == "output_options.timestamp_format")
        return m_timestamps;
    if (f == "output_options.output_type")
        return m_outputType;
    if (f == "output_options.CVE-2021-44228")
        return m_cve;
    if (f == "output_options.batch_prefix")
        return m_batchPrefix;
    if (f == "output_options.batch_suffix")
        return m_batchSuffix;
    if (f == "output_options.record_prefix")
        return m_recordPrefix;
    if (f == "output_options.record_suffix")
        return m_recordSuffix;
    if (f == "output_options.record_delimiter")
        return m_recordDelimiter;
    if (f == "output_options.field_delimiter")
        return m_fieldDelimiter;
    if (f == "output_options.record_template")
        return m_recordTemplate;
    if (f == "output_options.merge_subrequests")
        return m_mergeSubrequests;
    if (f == "output_options")
        return m_legacy;
    return nullptr;
}

QString LogpushDialog::bodyPreview() const { return m_bodyView->toPlainText(); }
QString LogpushDialog::curlPreview() const { return m_curlView->toPlainText(); }

void LogpushDialog::update()
{
    ApiRequest req;
    if (m_editingJob) {
        const UpdatePlan plan = planUpdate(m_editBase, formEdit());
        req = updateJob(scope(), scopeId(), m_editingJob, Job{});
        req.body = plan.error.empty() ? plan.body : Json::object();
    } else {
        req = createJob(scope(), scopeId(), job());
    }
    m_bodyView->setPlainText(QString::fromStdString(bodyText(req, m_reveal->isChecked())));
    m_curlView->setPlainText(QString::fromStdString(curlCommand(req, m_apiBase->text().toStdString(), token(), m_reveal->isChecked())));
    // mark invalid fields where they are
    static const char *marked[] = {"account", "dataset", "name", "destination_conf", "intake_key", "receiver_secret", "filter",
                                   "max_upload_bytes", "max_upload_records", "max_upload_interval_seconds", "kind", "frequency",
                                   "ownership_challenge", "output_options", "output_options.sample_rate",
                                   "output_options.field_names", "output_options.timestamp_format", "output_options.output_type",
                                   "output_options.merge_subrequests", "filter_attack_traffic"};
    for (const char *f : marked)
        if (QWidget *w = fieldWidget(QString::fromLatin1(f))) {
            w->setStyleSheet(QString());
            w->setToolTip(QString());
        }
    QStringList lines;
    bool blocking = false;
    for (const FieldError &e : errors()) {
        lines << QStringLiteral("%1 %2: %3")
                     .arg(e.warning ? QStringLiteral("\u26a0") : QStringLiteral("\u2716"), QString::fromStdString(e.field),
                          QString::fromStdString(e.message));
        blocking = blocking || !e.warning;
        if (QWidget *w = fieldWidget(QString::fromStdString(e.field)); w && !e.warning) {
            w->setStyleSheet(QStringLiteral("border: 2px solid palette(highlight);"));
            w->setToolTip(QString::fromStdString(e.message));
        }
    }
    m_errors->setText(lines.join(QLatin1Char('\n')));
    m_errors->setVisible(!lines.isEmpty());
    const bool ready = !blocking && !token().empty() && !m_pending;
    m_create->setEnabled(ready && !m_editingJob);
    m_update->setEnabled(ready && m_editingJob);
    m_create->setToolTip(token().empty() ? tr("Enter an API token (or set CLOUDFLARE_API_TOKEN) to send") : QString());
    const bool online = !token().empty() && !m_pending;
    m_checkDest->setEnabled(online && !destination().empty());
    m_requestChallenge->setEnabled(online && !destination().empty());
    m_validateChallenge->setEnabled(online && !destination().empty() && !m_challenge->text().trimmed().isEmpty());
    m_loadFields->setEnabled(online);
    if (needsOwnershipChallenge(destination()) && m_challenge->text().trimmed().isEmpty() && m_challengeState->text().isEmpty())
        showMessage(m_challengeState, tr("This destination needs an ownership challenge: request it, then paste the content "
                                         "of the file Cloudflare writes there."), true);
}

void LogpushDialog::setBusy(bool on)
{
    m_cancel->setEnabled(on);
    m_jobsCancel->setEnabled(on);
    for (QPushButton *b : {m_jobsRefresh, m_jobsToggle, m_jobsEdit, m_jobsDelete})
        b->setEnabled(!on);
    update();
}

} // namespace auditlens::ui
