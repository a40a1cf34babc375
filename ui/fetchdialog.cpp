// SPDX-License-Identifier: MIT
#include "fetchdialog.h"

#include "secretstore.h"
#include "source/timestamp.h"

#include <QCheckBox>
#include <QCloseEvent>
#include <QComboBox>
#include <QDateTimeEdit>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QStandardPaths>
#include <QScreen>
#include <QThread>
#include <QTimer>
#include <QVBoxLayout>

namespace auditlens::ui {

using namespace auditlens::fetch;

namespace {
const QString kTokenKeychainKey = QStringLiteral("cloudflare-audit-logs-token");

QString defaultJournalDir()
{
    return QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation) + QStringLiteral("/fetched");
}

QString count(quint64 n) { return QLocale().toString(qulonglong(n)); }
} // namespace

FetchDialog::FetchDialog(QWidget *parent) : QDialog(parent), m_thread(new QThread(this))
{
    setWindowTitle(tr("Fetch from Cloudflare"));
    m_thread->setObjectName(QStringLiteral("fetch"));
    m_thread->start();
    buildUi();

    QSettings s;
    m_account->setText(s.value(QStringLiteral("fetch/account")).toString());
    m_api->setCurrentIndex(s.value(QStringLiteral("fetch/api"), 0).toInt());
    m_preset->setCurrentIndex(s.value(QStringLiteral("fetch/preset"), int(Last24Hours)).toInt());
    m_journal->setText(s.value(QStringLiteral("fetch/journalDir"), defaultJournalDir()).toString());
    m_follow->setChecked(s.value(QStringLiteral("fetch/follow"), false).toBool());
    m_interval->setValue(s.value(QStringLiteral("fetch/interval"), 60).toInt());
    m_apiBase->setText(s.value(QStringLiteral("fetch/apiBase"), QStringLiteral("https://api.cloudflare.com/client/v4")).toString());
    const QString env = qEnvironmentVariable("CLOUDFLARE_API_TOKEN").trimmed();
    if (!env.isEmpty())
        m_token->setPlaceholderText(tr("from CLOUDFLARE_API_TOKEN"));
    m_keychain->setChecked(s.value(QStringLiteral("fetch/useKeychain"), false).toBool());
    if (m_keychain->isChecked())
        readKeychain();
    connect(m_keychain, &QCheckBox::toggled, this, [this](bool on) {
        QSettings().setValue(QStringLiteral("fetch/useKeychain"), on);
        if (on)
            return storeTokenInKeychain();
        SecretStore::remove(kTokenKeychainKey, this, [this](const SecretStore::Answer &a) {
            m_keychainState->setVisible(true);
            m_keychainState->setText(a.state == SecretStore::State::Removed
                                         ? tr("Token removed from the system keychain.")
                                         : tr("The system keychain is not available: %1").arg(a.message));
        });
    });
    updateRange();
    updateState();
}

FetchDialog::~FetchDialog()
{
    saveSettings();
    if (m_fetcher) {
        m_fetcher->disconnect(this);
        m_fetcher->abort();
    }
    m_thread->quit(); // the fetcher is deleted on its thread (finished -> deleteLater)
    m_thread->wait();
}

void FetchDialog::buildUi()
{
    auto *lay = new QVBoxLayout(this);

    auto *source = new QGroupBox(tr("Account"), this);
    auto *sf = new QFormLayout(source);
    m_account = new QLineEdit(source);
    m_account->setPlaceholderText(tr("account ID: 32 hexadecimal characters (dashboard ▸ Overview)"));
    m_api = new QComboBox(source);
    m_api->addItem(tr("v2: /logs/audit (every product, system actions; cursors)"), int(ApiVersion::V2));
    m_api->addItem(tr("v1: /audit_logs (18 months; page numbers)"), int(ApiVersion::V1));
    m_token = new QLineEdit(source);
    m_token->setEchoMode(QLineEdit::Password);
    m_token->setPlaceholderText(tr("API token with Account Settings Read (or set CLOUDFLARE_API_TOKEN)"));
    m_token->setToolTip(tr("Kept in memory only: never saved or logged."));
    m_keychain = new QCheckBox(tr("Remember the token in the system keychain"), source);
    m_keychain->setToolTip(tr("Opt-in. The OS keychain (Secret Service, KWallet, Keychain) keeps it, never Auditlens' settings."));
    m_keychainState = new QLabel(source);
    m_keychainState->setWordWrap(true);
    m_keychainState->setVisible(false);
    sf->addRow(tr("Account ID"), m_account);
    sf->addRow(tr("API"), m_api);
    sf->addRow(tr("API token"), m_token);
    sf->addRow(QString(), m_keychain);
    sf->addRow(QString(), m_keychainState);
    lay->addWidget(source);

    auto *range = new QGroupBox(tr("Time range and filters"), this);
    auto *rf = new QFormLayout(range);
    auto *timeRow = new QHBoxLayout;
    m_preset = new QComboBox(range);
    m_preset->addItems({tr("Last 24 hours"), tr("Last 7 days"), tr("Last 30 days"), tr("Custom")});
    m_from = new QDateTimeEdit(range);
    m_to = new QDateTimeEdit(range);
    for (QDateTimeEdit *e : {m_from, m_to}) {
        e->setTimeSpec(Qt::UTC);
        e->setDisplayFormat(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
        e->setCalendarPopup(true);
    }
    timeRow->addWidget(m_preset);
    timeRow->addWidget(m_from, 1);
    timeRow->addWidget(new QLabel(tr("to"), range));
    timeRow->addWidget(m_to, 1);
    timeRow->addWidget(new QLabel(tr("UTC"), range));
    rf->addRow(tr("Range"), timeRow);
    connect(m_preset, &QComboBox::currentIndexChanged, this, &FetchDialog::updateRange);
    auto *grid = new QGridLayout;
    struct Def { const char *friendly; QString label, hint; };
    const Def defs[] = {
        {"actor-email", tr("Actor email"), tr("e.g. alice@example.com")},
        {"action-type", tr("Action type"), tr("create, update, delete, view, login")},
        {"actor-ip", tr("Actor IP"), tr("an address (v1: also a CIDR)")},
        {"zone-name", tr("Zone name"), tr("e.g. example.com")},
    };
    int row = 0;
    for (const Def &d : defs) {
        FilterRow fr{d.friendly, new QComboBox(range), new QLineEdit(range)};
        fr.mode->addItems({tr("is"), tr("is not")});
        fr.value->setPlaceholderText(d.hint);
        grid->addWidget(new QLabel(d.label, range), row, 0);
        grid->addWidget(fr.mode, row, 1);
        grid->addWidget(fr.value, row, 2);
        m_filters.push_back(fr);
        ++row;
    }
    m_moreFilters = new QLineEdit(range);
    m_moreFilters->setPlaceholderText(tr("more, in the API's names: resource_product=dns; actor_type!=system"));
    m_moreFilters->setToolTip(tr("NAME=VALUE or NAME!=VALUE (v2 only), separated by ';'. "
                                 "v1: action.type, actor.email, actor.ip, zone.name, id, hide_user_logs. "
                                 "v2: actor_context, actor_type, resource_product, resource_scope, resource_type, raw_method, …"));
    grid->addWidget(new QLabel(tr("Other"), range), row, 0);
    grid->addWidget(m_moreFilters, row, 1, 1, 2);
    grid->setColumnStretch(2, 1);
    rf->addRow(tr("Filters"), grid);
    lay->addWidget(range);

    auto *store = new QGroupBox(tr("Where the records go"), this);
    auto *jf = new QFormLayout(store);
    auto *jrow = new QHBoxLayout;
    m_journal = new QLineEdit(store);
    m_journal->setToolTip(tr("Fetched records are written here (a journal, like the receiver's) and shown in the trail. "
                             "A later fetch goes on where this one stopped; File ▸ Open of the folder shows them again at once."));
    auto *browse = new QPushButton(tr("Browse…"), store);
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString d = QFileDialog::getExistingDirectory(this, tr("Journal directory"), m_journal->text());
        if (!d.isEmpty())
            m_journal->setText(d);
    });
    jrow->addWidget(m_journal, 1);
    jrow->addWidget(browse);
    jf->addRow(tr("Journal directory"), jrow);
    auto *frow = new QHBoxLayout;
    m_follow = new QCheckBox(tr("Keep following: poll for new records every"), store);
    m_interval = new QSpinBox(store);
    m_interval->setRange(1, 86400);
    m_interval->setSuffix(tr(" s"));
    frow->addWidget(m_follow);
    frow->addWidget(m_interval);
    frow->addStretch(1);
    jf->addRow(QString(), frow);
    m_apiBase = new QLineEdit(store);
    jf->addRow(tr("API base URL"), m_apiBase);
    lay->addWidget(store);

    m_progress = new QProgressBar(this);
    m_progress->setRange(0, 1000);
    m_progress->setValue(0);
    m_progress->setFormat(tr("%p % of the range"));
    lay->addWidget(m_progress);
    m_status = new QLabel(tr("Ready."), this);
    m_status->setWordWrap(true);
    lay->addWidget(m_status);
    m_message = new QLabel(this);
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_message->setStyleSheet(QStringLiteral("color: #b00020;"));
    m_message->setVisible(false);
    lay->addWidget(m_message);

    auto *buttons = new QDialogButtonBox(this);
    m_fetch = buttons->addButton(tr("Fetch"), QDialogButtonBox::AcceptRole);
    m_fetch->setDefault(true);
    m_cancel = buttons->addButton(tr("Cancel fetch"), QDialogButtonBox::ActionRole);
    m_cancel->setToolTip(tr("Stops after the page being fetched; the next fetch goes on from there."));
    m_openJournal = buttons->addButton(tr("Open journal"), QDialogButtonBox::ActionRole);
    m_openJournal->setToolTip(tr("Show everything in the journal directory in the trail (File ▸ Open of the folder)."));
    auto *close = buttons->addButton(QDialogButtonBox::Close);
    connect(m_fetch, &QPushButton::clicked, this, &FetchDialog::startFetch);
    connect(m_cancel, &QPushButton::clicked, this, &FetchDialog::cancelFetch);
    connect(m_openJournal, &QPushButton::clicked, this, [this] { emit openJournalRequested(journalDir()); });
    connect(close, &QPushButton::clicked, this, &QDialog::close);
    lay->addWidget(buttons);
    resize(720, 0);
}

void FetchDialog::fitHeight()
{
    // a longer message makes the dialog taller (up to the screen), never the fields flatter
    QTimer::singleShot(0, this, [this] {
        QLayout *l = layout();
        const int want = l->hasHeightForWidth() ? l->totalHeightForWidth(width()) : l->totalSizeHint().height();
        int most = want;
        if (const QScreen *sc = screen())
            most = std::min(want, sc->availableGeometry().height() - 40);
        if (height() < most)
            resize(width(), most);
    });
}

void FetchDialog::updateRange()
{
    const auto p = Preset(m_preset->currentIndex());
    const bool custom = p == Custom;
    m_from->setEnabled(custom);
    m_to->setEnabled(custom);
    if (custom)
        return;
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const int days = p == Last24Hours ? 1 : p == Last7Days ? 7 : 30;
    m_from->setDateTime(now.addDays(-days));
    m_to->setDateTime(now);
}

void FetchDialog::updateState()
{
    const bool running = isFetching();
    m_fetch->setEnabled(!running);
    m_cancel->setEnabled(running);
    for (QWidget *w : std::initializer_list<QWidget *>{m_account, m_api, m_token, m_preset, m_moreFilters, m_journal, m_follow, m_interval, m_apiBase})
        w->setEnabled(!running);
    for (const FilterRow &f : m_filters) {
        f.mode->setEnabled(!running);
        f.value->setEnabled(!running);
    }
    if (!running)
        updateRange();
    else {
        m_from->setEnabled(false);
        m_to->setEnabled(false);
    }
    m_openJournal->setEnabled(!journalDir().isEmpty() && QDir(journalDir()).exists());
}

QString FetchDialog::journalDir() const { return m_journal->text().trimmed(); }

FetchOptions FetchDialog::options(QString *problem) const
{
    FetchOptions o;
    Query &q = o.query;
    q.api = ApiVersion(m_api->currentData().toInt());
    q.account = m_account->text().trimmed().toStdString();
    q.baseUrl = m_apiBase->text().trimmed().toStdString();
    if (Preset(m_preset->currentIndex()) == Custom) {
        q.sinceNs = m_from->dateTime().toMSecsSinceEpoch() * 1'000'000LL;
        q.beforeNs = m_to->dateTime().toMSecsSinceEpoch() * 1'000'000LL;
    } else {
        const int days = m_preset->currentIndex() == Last24Hours ? 1 : m_preset->currentIndex() == Last7Days ? 7 : 30;
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        q.beforeNs = now * 1'000'000LL;
        q.sinceNs = (now - qint64(days) * 86'400'000LL) * 1'000'000LL;
    }
    QStringList problems;
    for (const FilterRow &f : m_filters) {
        const QString v = f.value->text().trimmed();
        if (v.isEmpty())
            continue;
        const std::string name = apiFilterName(q.api, f.friendly);
        const bool exclude = f.mode->currentIndex() == 1;
        if (exclude && q.api == ApiVersion::V1) {
            problems << tr("The v1 API cannot exclude (\"is not\"); choose v2.");
            continue;
        }
        q.filters.push_back({name, v.toStdString(), exclude});
    }
    for (const QString &part : m_moreFilters->text().split(QLatin1Char(';'), Qt::SkipEmptyParts)) {
        ApiFilter f;
        std::string why;
        if (parseFilter(q.api, part.trimmed().toStdString(), f, why))
            q.filters.push_back(f);
        else
            problems << QString::fromStdString(why);
    }
    if (const std::string why = q.problem(); !why.empty())
        problems << QString::fromStdString(why).replace(0, 1, QString::fromStdString(why).left(1).toUpper());
    o.token = m_token->text().trimmed().toStdString();
    if (o.token.empty())
        o.token = qEnvironmentVariable("CLOUDFLARE_API_TOKEN").trimmed().toStdString();
    if (o.token.empty())
        problems << tr("Enter an API token with the Account Settings Read permission (or set CLOUDFLARE_API_TOKEN).");
    o.journalDir = journalDir().toStdString();
    o.follow = m_follow->isChecked();
    o.intervalMs = m_interval->value() * 1000;
    if (problem)
        *problem = problems.join(QLatin1Char(' '));
    return o;
}

void FetchDialog::startFetch()
{
    if (isFetching())
        return;
    QString problem;
    FetchOptions o = options(&problem);
    m_warnings.clear();
    if (!problem.isEmpty()) {
        m_message->setText(problem);
        m_message->setVisible(true);
        fitHeight();
        return;
    }
    m_message->setVisible(false);
    saveSettings();
    storeTokenInKeychain();
    m_last = {};
    m_waiting.clear();
    m_progress->setValue(0);
    m_status->setText(tr("Fetching…"));
    auto *f = new Fetcher(std::move(o));
    f->moveToThread(m_thread);
    connect(m_thread, &QThread::finished, f, &QObject::deleteLater);
    connect(f, &Fetcher::pageFetched, this, &FetchDialog::pageFetched);
    connect(f, &Fetcher::progress, this, &FetchDialog::onProgress);
    connect(f, &Fetcher::waiting, this, [this](int ms, const QString &why) {
        m_waiting = why == QLatin1String("next poll") ? tr("Following: next poll in %1 s.").arg(ms / 1000)
                                                     : tr("Waiting %1 s: %2.").arg(ms / 1000.0, 0, 'f', 1).arg(why);
        onProgress(m_last);
    });
    connect(f, &Fetcher::warning, this, [this](const QString &m) {
        m_warnings << m;
        while (m_warnings.size() > 3)
            m_warnings.removeFirst();
        m_message->setText(m_warnings.join(QLatin1Char('\n')));
        m_message->setVisible(true);
        fitHeight();
    });
    connect(f, &Fetcher::finished, this, &FetchDialog::onFinished);
    m_fetcher = f;
    f->start();
    updateState();
}

void FetchDialog::cancelFetch()
{
    if (!m_fetcher)
        return;
    m_fetcher->stop(); // after the page being fetched
    m_cancel->setEnabled(false);
    m_status->setText(m_status->text() + QLatin1Char(' ') + tr("Stopping after this page…"));
}

void FetchDialog::onProgress(const FetchStats &s)
{
    m_last = s;
    if (s.lastNs != INT64_MIN && s.beforeNs > s.sinceNs) {
        const double done = double(s.lastNs - s.sinceNs) / double(s.beforeNs - s.sinceNs);
        m_progress->setValue(int(std::clamp(done, 0.0, 1.0) * 1000));
    }
    if (s.following)
        m_progress->setValue(1000);
    QString text = tr("Page %1 · %2 new records · %3 already fetched · %4 records/s")
                       .arg(s.pages)
                       .arg(count(s.records), count(s.duplicates))
                       .arg(s.recordsPerSecond, 0, 'f', 0);
    if (s.rejected)
        text += tr(" · %1 rejected").arg(count(s.rejected));
    if (s.lastNs != INT64_MIN)
        text += tr(" · up to %1").arg(QString::fromStdString(formatRfc3339(s.lastNs)));
    if (!m_waiting.isEmpty())
        text += QStringLiteral("\n") + m_waiting;
    m_status->setText(text);
    m_waiting.clear();
}

void FetchDialog::onFinished(const FetchOutcome &o)
{
    if (m_fetcher)
        m_fetcher->deleteLater();
    m_fetcher.clear();
    m_waiting.clear();
    onProgress(o.stats);
    QString head;
    if (!o.error.empty()) {
        head = tr("Stopped by an error; what was fetched is kept.");
        m_message->setText(QString::fromStdString(o.error));
        m_message->setVisible(true);
        fitHeight();
    } else if (o.complete && !o.stopped) {
        head = tr("Done.");
        m_progress->setValue(1000);
    } else if (o.complete) {
        head = tr("Stopped following.");
    } else {
        head = tr("Cancelled; the next fetch goes on from here.");
    }
    m_status->setText(head + QLatin1Char(' ') + m_status->text());
    updateState();
    emit fetchFinished(o);
}

void FetchDialog::closeEvent(QCloseEvent *e)
{
    if (m_fetcher)
        m_fetcher->stop();
    QDialog::closeEvent(e);
}

void FetchDialog::readKeychain()
{
    SecretStore::read(kTokenKeychainKey, this, [this](const SecretStore::Answer &a) {
        m_keychainState->setVisible(true);
        if (a.state == SecretStore::State::Found) {
            if (m_token->text().isEmpty())
                m_token->setText(a.secret);
            m_keychainState->setText(tr("Token read from the system keychain."));
        } else if (a.state == SecretStore::State::NotFound) {
            m_keychainState->setText(tr("No token in the system keychain yet: it is kept there at the next fetch."));
        } else {
            m_keychainState->setText(tr("The system keychain is not available: %1").arg(a.message));
        }
    });
}

void FetchDialog::storeTokenInKeychain()
{
    if (!m_keychain->isChecked() || m_token->text().trimmed().isEmpty())
        return;
    SecretStore::write(kTokenKeychainKey, m_token->text().trimmed(), this, [this](const SecretStore::Answer &a) {
        m_keychainState->setVisible(true);
        m_keychainState->setText(a.state == SecretStore::State::Stored
                                     ? tr("Token kept in the system keychain.")
                                     : tr("The system keychain is not available: %1 (the token stays in memory only)").arg(a.message));
    });
}

void FetchDialog::saveSettings() const
{
    // never the token
    QSettings s;
    s.setValue(QStringLiteral("fetch/account"), m_account->text().trimmed());
    s.setValue(QStringLiteral("fetch/api"), m_api->currentIndex());
    s.setValue(QStringLiteral("fetch/preset"), m_preset->currentIndex());
    s.setValue(QStringLiteral("fetch/journalDir"), journalDir());
    s.setValue(QStringLiteral("fetch/follow"), m_follow->isChecked());
    s.setValue(QStringLiteral("fetch/interval"), m_interval->value());
    s.setValue(QStringLiteral("fetch/apiBase"), m_apiBase->text().trimmed());
}

void FetchDialog::setAccount(const QString &id) { m_account->setText(id); }
void FetchDialog::setToken(const QString &token) { m_token->setText(token); }
void FetchDialog::setApi(ApiVersion v) { m_api->setCurrentIndex(m_api->findData(int(v))); }
void FetchDialog::setPreset(Preset p) { m_preset->setCurrentIndex(int(p)); }
void FetchDialog::setRange(const QDateTime &from, const QDateTime &to)
{
    m_preset->setCurrentIndex(int(Custom));
    m_from->setDateTime(from.toUTC());
    m_to->setDateTime(to.toUTC());
}
void FetchDialog::setApiBase(const QString &url) { m_apiBase->setText(url); }
void FetchDialog::setJournalDir(const QString &dir)
{
    m_journal->setText(dir);
    updateState();
}
void FetchDialog::setFollow(bool on, int intervalSeconds)
{
    m_follow->setChecked(on);
    m_interval->setValue(intervalSeconds);
}
void FetchDialog::setActorEmail(const QString &email, bool exclude)
{
    m_filters[0].value->setText(email);
    m_filters[0].mode->setCurrentIndex(exclude ? 1 : 0);
}

} // namespace auditlens::ui
