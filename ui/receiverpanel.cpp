// SPDX-License-Identifier: MIT
#include "receiverpanel.h"

#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRandomGenerator>
#include <QSettings>
#include <QSpinBox>
#include <QStandardPaths>
#include <QVBoxLayout>

namespace auditlens::ui {

namespace {
QString randomSecret()
{
    static const char alphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    QString s;
    for (int i = 0; i < 32; ++i)
        s += QLatin1Char(alphabet[QRandomGenerator::system()->bounded(int(sizeof alphabet - 1))]);
    return s;
}
} // namespace

ReceiverPanel::ReceiverPanel(QWidget *parent) : QDockWidget(tr("Receiver"), parent)
{
    setObjectName(QStringLiteral("receiverPanel"));
    auto *w = new QWidget(this);
    auto *lay = new QVBoxLayout(w);
    auto *form = new QFormLayout;
    m_address = new QComboBox(w);
    m_address->addItem(tr("This machine only (127.0.0.1)"), QStringLiteral("127.0.0.1"));
    m_address->addItem(tr("All interfaces (0.0.0.0)"), QStringLiteral("0.0.0.0"));
    m_port = new QSpinBox(w);
    m_port->setRange(1, 65535);
    m_header = new QLineEdit(w);
    m_secret = new QLineEdit(w);
    m_secret->setEchoMode(QLineEdit::Password);
    auto *gen = new QPushButton(tr("New secret"), w);
    auto *secretRow = new QHBoxLayout;
    secretRow->addWidget(m_secret, 1);
    secretRow->addWidget(gen);
    m_journal = new QLineEdit(w);
    m_cert = new QLineEdit(w);
    m_cert->setPlaceholderText(tr("optional PEM certificate (else plain HTTP behind a TLS proxy/tunnel)"));
    m_key = new QLineEdit(w);
    m_key->setPlaceholderText(tr("optional PEM key"));
    m_publicUrl = new QLineEdit(w);
    m_publicUrl->setPlaceholderText(tr("https://… the public URL of your tunnel or reverse proxy"));
    m_destination = new QLineEdit(w);
    m_destination->setReadOnly(true);
    m_reveal = new QCheckBox(tr("Show the secret"), w);
    auto *copy = new QPushButton(tr("Copy destination_conf"), w);
    auto *createJob = new QPushButton(tr("Create the Logpush job…"), w);
    form->addRow(tr("Listen on"), m_address);
    form->addRow(tr("Port"), m_port);
    form->addRow(tr("Secret header"), m_header);
    form->addRow(tr("Secret"), secretRow);
    form->addRow(tr("Journal folder"), m_journal);
    form->addRow(tr("TLS certificate"), m_cert);
    form->addRow(tr("TLS key"), m_key);
    form->addRow(tr("Public URL"), m_publicUrl);
    form->addRow(tr("destination_conf"), m_destination);
    form->addRow(QString(), m_reveal);
    lay->addLayout(form);
    auto *buttons = new QHBoxLayout;
    m_startStop = new QPushButton(tr("Start"), w);
    buttons->addWidget(m_startStop);
    buttons->addWidget(copy);
    buttons->addWidget(createJob);
    buttons->addStretch(1);
    lay->addLayout(buttons);
    m_state = new QLabel(w);
    m_state->setWordWrap(true);
    m_stats = new QLabel(w);
    m_stats->setWordWrap(true);
    m_stats->setTextInteractionFlags(Qt::TextSelectableByMouse);
    lay->addWidget(m_state);
    lay->addWidget(m_stats);
    lay->addStretch(1);
    setWidget(w);

    QSettings s;
    m_port->setValue(s.value(QStringLiteral("receiver/port"), receiver::kDefaultPort).toInt());
    m_header->setText(s.value(QStringLiteral("receiver/header"), QStringLiteral("X-Auditlens-Secret")).toString());
    m_journal->setText(s.value(QStringLiteral("receiver/journal"),
                               QString(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + QStringLiteral("/journal")))
                           .toString());
    m_publicUrl->setText(s.value(QStringLiteral("receiver/publicUrl")).toString());
    m_secret->setText(randomSecret()); // never saved: a new one each session unless typed
    connect(gen, &QPushButton::clicked, this, [this] { m_secret->setText(randomSecret()); });
    connect(m_startStop, &QPushButton::clicked, this, [this] {
        if (m_rx && m_rx->isListening())
            stop();
        else
            start();
    });
    connect(copy, &QPushButton::clicked, this, [this] { QApplication::clipboard()->setText(destinationConf(true)); });
    connect(createJob, &QPushButton::clicked, this, [this] {
        emit createJobRequested(m_publicUrl->text(), m_header->text(), m_secret->text());
    });
    for (QLineEdit *e : {m_header, m_secret, m_publicUrl})
        connect(e, &QLineEdit::textChanged, this, &ReceiverPanel::updateDestination);
    connect(m_reveal, &QCheckBox::toggled, this, &ReceiverPanel::updateDestination);
    updateDestination();
    m_state->setText(tr("Stopped."));
}

ReceiverPanel::~ReceiverPanel()
{
    QSettings s;
    s.setValue(QStringLiteral("receiver/port"), m_port->value());
    s.setValue(QStringLiteral("receiver/header"), m_header->text());
    s.setValue(QStringLiteral("receiver/journal"), m_journal->text());
    s.setValue(QStringLiteral("receiver/publicUrl"), m_publicUrl->text());
    stop();
}

void ReceiverPanel::setStore(std::shared_ptr<EventStore> store)
{
    m_store = std::move(store);
    if (m_rx)
        m_rx->setStore(m_store);
}

void ReceiverPanel::setSecret(const QString &s) { m_secret->setText(s); }
void ReceiverPanel::setPort(int port) { m_port->setValue(port); }
void ReceiverPanel::setJournalDir(const QString &dir) { m_journal->setText(dir); }

QString ReceiverPanel::destinationConf(bool reveal) const
{
    const QString url = m_publicUrl->text().isEmpty() ? QStringLiteral("https://<public host>/") : m_publicUrl->text();
    const QString secret = reveal ? QString::fromUtf8(QUrl::toPercentEncoding(m_secret->text())) : QStringLiteral("***");
    return url + (url.contains(QLatin1Char('?')) ? QStringLiteral("&") : QStringLiteral("?")) + QStringLiteral("header_")
           + m_header->text() + QLatin1Char('=') + secret;
}

void ReceiverPanel::updateDestination() { m_destination->setText(destinationConf(m_reveal->isChecked())); }

bool ReceiverPanel::start(QString *error)
{
    receiver::Config c;
    c.address = QHostAddress(m_address->currentData().toString());
    c.port = quint16(m_port->value());
    c.secretHeader = m_header->text().toStdString();
    c.secret = m_secret->text().toStdString();
    c.journalDir = m_journal->text().toStdString();
    c.tlsCert = m_cert->text().toStdString();
    c.tlsKey = m_key->text().toStdString();
    m_rx = std::make_unique<receiver::Receiver>(c, m_store);
    std::string err;
    if (c.secret.size() < 16)
        err = "use a secret of at least 16 characters";
    else if (!m_rx->start(err)) {
        // err says why
    }
    if (!err.empty()) {
        m_rx.reset();
        m_state->setText(tr("Not started: %1").arg(QString::fromStdString(err)));
        m_state->setStyleSheet(QStringLiteral("color:#c62828;"));
        if (error)
            *error = QString::fromStdString(err);
        return false;
    }
    connect(m_rx.get(), &receiver::Receiver::statsChanged, this, &ReceiverPanel::updateStats);
    connect(m_rx.get(), &receiver::Receiver::batchStored, this, &ReceiverPanel::recordsArrived);
    m_listening = tr("Listening on %1://%2:%3 — put a public HTTPS tunnel or reverse proxy in front (Logpush pushes only to "
                     "public https URLs).")
                      .arg(c.tlsCert.empty() ? QStringLiteral("http") : QStringLiteral("https"), c.address.toString())
                      .arg(m_rx->port());
    m_state->setStyleSheet(QString());
    m_state->setText(m_listening);
    m_startStop->setText(tr("Stop"));
    for (QWidget *wdg : {static_cast<QWidget *>(m_address), static_cast<QWidget *>(m_port), static_cast<QWidget *>(m_journal)})
        wdg->setEnabled(false);
    updateStats();
    return true;
}

void ReceiverPanel::stop()
{
    if (!m_rx)
        return;
    m_rx->stop();
    m_rx.reset();
    m_startStop->setText(tr("Start"));
    m_state->setText(tr("Stopped."));
    for (QWidget *wdg : {static_cast<QWidget *>(m_address), static_cast<QWidget *>(m_port), static_cast<QWidget *>(m_journal)})
        wdg->setEnabled(true);
}

void ReceiverPanel::updateStats()
{
    if (!m_rx)
        return;
    const receiver::Stats s = m_rx->stats();
    if (s.journalFailing) {
        // said where it shows: the batches are refused (and retried by Logpush) until it clears
        m_state->setStyleSheet(QStringLiteral("color:#c62828;"));
        m_state->setText(tr("The journal cannot be written: %1. Batches are answered 503 with Retry-After (Logpush retries "
                            "them; nothing of them is kept); this clears by itself once a batch is written again.")
                             .arg(QString::fromStdString(s.journalError)));
    } else if (m_state->text() != m_listening) {
        m_state->setStyleSheet(QString());
        m_state->setText(m_listening);
    }
    QString rejected;
    for (const auto &[k, n] : s.rejected)
        rejected += QStringLiteral("%1%2 %3").arg(rejected.isEmpty() ? QString() : QStringLiteral(", "), QString::fromStdString(k)).arg(n);
    m_stats->setText(tr("Requests %1 · batches %2 · records %3 · %4 records/s\nduplicates %5 · test uploads %6 · bad lines %7 · "
                        "bytes %8\njournal failures %11\nrejected: %9\nlast error: %10")
                         .arg(s.requests)
                         .arg(s.batches)
                         .arg(s.records)
                         .arg(s.recordsPerSecond, 0, 'f', 1)
                         .arg(s.duplicates)
                         .arg(s.tests)
                         .arg(s.badLines)
                         .arg(s.bytes)
                         .arg(rejected.isEmpty() ? tr("none") : rejected,
                              s.lastError.empty() ? tr("none") : QString::fromStdString(s.lastError))
                         .arg(s.journalFailures));
}

} // namespace auditlens::ui
