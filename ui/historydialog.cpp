// SPDX-License-Identifier: MIT
#include "historydialog.h"

#include "source/timestamp.h"
#include "trailmodel.h"

#include <QDialogButtonBox>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSplitter>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

namespace auditlens::ui {

namespace {

QString jsonText(const nlohmann::ordered_json &v)
{
    if (v.is_null())
        return QString();
    if (v.is_string())
        return QString::fromStdString(v.get<std::string>());
    return QString::fromStdString(v.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
}

QString countsText(const std::vector<std::pair<std::string, uint64_t>> &values)
{
    if (values.empty())
        return QObject::tr("none recorded");
    QStringList parts;
    for (size_t i = 0; i < values.size() && i < 8; ++i)
        parts << QStringLiteral("%1 (%2)")
                     .arg(values[i].first.empty() ? QObject::tr("(empty)") : QString::fromStdString(values[i].first).toHtmlEscaped())
                     .arg(values[i].second);
    if (values.size() > 8)
        parts << QObject::tr("and %1 more").arg(values.size() - 8);
    return parts.join(QStringLiteral(", "));
}

QString recordsText(size_t n)
{
    return n == 1 ? QObject::tr("1 record") : QObject::tr("%L1 records").arg(n);
}

QTreeWidgetItem *stepItem(const query::HistoryStep &s)
{
    auto *it = new QTreeWidgetItem;
    it->setData(0, Qt::UserRole, QString::fromStdString(s.id));
    it->setData(0, Qt::UserRole + 1, qint64(s.time));
    it->setText(0, s.time == kNoTime ? QObject::tr("(no time)") : QString::fromStdString(formatRfc3339(s.time)));
    it->setText(1, QString::fromStdString(s.actor));
    it->setText(2, QString::fromStdString(s.action));
    it->setText(3, TrailModel::resultText(s.result));
    it->setText(4, s.error.empty() ? changesSummary(s.changes) : QString::fromStdString(s.error));
    it->setToolTip(4, it->text(4));
    return it;
}

} // namespace

QString changesSummary(const std::vector<Change> &changes)
{
    QStringList parts;
    for (size_t i = 0; i < changes.size() && i < 4; ++i) {
        const Change &c = changes[i];
        const QString path = QString::fromStdString(c.path.empty() ? std::string("(value)") : c.path);
        switch (c.kind) {
        case Change::Kind::Added: parts << QStringLiteral("+%1 = %2").arg(path, jsonText(c.after).left(60)); break;
        case Change::Kind::Removed: parts << QStringLiteral("−%1").arg(path); break;
        case Change::Kind::Changed:
            parts << QStringLiteral("%1: %2 → %3").arg(path, jsonText(c.before).left(40), jsonText(c.after).left(40));
            break;
        }
    }
    if (changes.size() > 4)
        parts << QObject::tr("%1 more").arg(changes.size() - 4);
    return parts.join(QStringLiteral("; "));
}

HistoryDialog::HistoryDialog(Kind kind, const QString &subject, const QString &query, std::unique_ptr<TrailSource> source,
                             QWidget *parent)
    : QDialog(parent), m_kind(kind), m_query(query), m_source(std::move(source))
{
    setAttribute(Qt::WA_DeleteOnClose);
    setWindowTitle(kind == Kind::Resource ? tr("History of %1").arg(subject) : tr("Everything %1 did").arg(subject));
    auto *lay = new QVBoxLayout(this);
    m_summary = new QLabel(tr("Finding the records…"), this);
    m_summary->setWordWrap(true);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    lay->addWidget(m_summary);

    auto *split = new QSplitter(Qt::Vertical, this);
    m_steps = new QTreeWidget(split);
    m_steps->setHeaderLabels({tr("Time"), tr("Actor"), tr("Action"), tr("Result"), tr("What changed")});
    m_steps->setRootIsDecorated(false);
    m_steps->setUniformRowHeights(true);
    m_steps->header()->setStretchLastSection(true);
    m_steps->setAccessibleName(tr("Steps, oldest first"));
    m_changes = new QTreeWidget(split);
    m_changes->setHeaderLabels({tr("Field"), tr("Change"), tr("Before"), tr("After")});
    m_changes->setRootIsDecorated(false);
    m_changes->setAccessibleName(tr("What the selected step changed"));
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    lay->addWidget(split, 1);

    auto *box = new QDialogButtonBox(QDialogButtonBox::Close, this);
    QPushButton *inTrail = box->addButton(tr("Show in trail"), QDialogButtonBox::ActionRole);
    inTrail->setToolTip(tr("Filter the trail to these records (query: %1)").arg(query));
    connect(inTrail, &QPushButton::clicked, this, [this] { emit showInTrail(m_query); });
    connect(box, &QDialogButtonBox::rejected, this, &QDialog::close);
    lay->addWidget(box);

    connect(m_steps, &QTreeWidget::currentItemChanged, this, &HistoryDialog::showChanges);
    connect(&m_work, &QFutureWatcher<std::vector<query::HistoryStep>>::finished, this, &HistoryDialog::stepsMade);
    connect(m_steps, &QTreeWidget::itemActivated, this, [this](QTreeWidgetItem *it) {
        emit recordActivated(it->data(0, Qt::UserRole).toString(), it->data(0, Qt::UserRole + 1).toLongLong());
    });
    resize(900, 560);

    m_filter.query = query.toStdString();
    // asked once the dialog is set up (setLimits), from the event loop
    QMetaObject::invokeMethod(this, [this] {
        // how many there are (for the progress and a history longer than the limit), beside the records
        m_source->counts(m_filter, {}, 0, this, [this](TrailCounts c, TrailError e) {
            m_countsDone = true; // (when it failed, the records' answer says what failed)
            if (e.ok()) {
                m_matched = c.matched;
                m_counted = true;
            }
            if (m_done)
                conclude();
            else
                showProgress();
        });
        askNext();
    }, Qt::QueuedConnection);
}

// the source goes first: it answers nobody; steps being made finish on their own, unseen
HistoryDialog::~HistoryDialog() = default;

void HistoryDialog::askNext()
{
    const size_t n = std::min(query::historyPageRows(m_read, m_pageRows), m_maxSteps - m_read);
    m_asking = true;
    m_source->records(m_filter, m_after, n, this, [this](TrailPage p, TrailError e) { onPage(std::move(p), std::move(e)); });
}

void HistoryDialog::onPage(TrailPage page, TrailError error)
{
    m_asking = false;
    if (!error.ok()) {
        m_failure = QString::fromStdString(error.message);
        m_moreToAsk = false;
        settleIfDone();
        return;
    }
    m_read += page.rows.size();
    if (!page.rows.empty())
        m_after = TrailKey::after(page.rows.back());
    m_moreToAsk = page.more && m_read < m_maxSteps && !page.rows.empty();
    m_queue.push_back(std::move(page.rows));
    // the next page is asked while this one is made steps, unless one waits already
    if (m_moreToAsk && m_queue.size() < 2)
        askNext();
    showProgress();
    processNext();
}

void HistoryDialog::processNext()
{
    if (m_working || m_queue.empty())
        return settleIfDone();
    m_working = true;
    std::vector<TrailRow> rows = std::move(m_queue.front());
    m_queue.pop_front();
    // each record parsed (what it changed, what its actor used) off the GUI thread
    std::shared_ptr<query::ActorTally> tally = m_kind == Kind::Actor ? m_tally : nullptr;
    m_work.setFuture(QtConcurrent::run([rows = std::move(rows), tally] {
        std::vector<query::HistoryStep> steps;
        steps.reserve(rows.size());
        for (const TrailRow &row : rows) {
            if (tally)
                tally->add(row.raw);
            steps.push_back(query::historyStep(row));
        }
        return steps;
    }));
}

void HistoryDialog::stepsMade()
{
    m_working = false;
    addSteps(m_work.result());
    if (m_moreToAsk && !m_asking && m_queue.size() < 2)
        askNext();
    processNext();
}

void HistoryDialog::settleIfDone()
{
    if (!m_done && !m_asking && !m_working && m_queue.empty() && !m_moreToAsk)
        finish();
}

void HistoryDialog::addSteps(std::vector<query::HistoryStep> steps)
{
    // the pages come oldest first; a record without a time is held back, to come last
    QList<QTreeWidgetItem *> items;
    for (query::HistoryStep &s : steps) {
        if (s.time == kNoTime) {
            m_untimed.push_back(std::move(s));
            continue;
        }
        if (m_firstTime == kNoTime)
            m_firstTime = s.time;
        m_lastTime = s.time;
        items << stepItem(s);
        m_result.push_back(std::move(s));
    }
    if (items.isEmpty())
        return;
    const bool first = m_steps->topLevelItemCount() == 0;
    m_steps->addTopLevelItems(items);
    if (first) {
        for (int c = 0; c < 4; ++c)
            m_steps->resizeColumnToContents(c);
        m_steps->setCurrentItem(items.front());
    }
}

void HistoryDialog::showProgress()
{
    m_summary->setTextFormat(Qt::PlainText);
    if (!m_moreToAsk && !m_asking)
        m_summary->setText(tr("%L1 records read; working out what each changed…").arg(m_read));
    else
        m_summary->setText(m_counted ? tr("Reading the records… %L1 of %L2").arg(m_read).arg(m_matched)
                                     : tr("Reading the records… %L1").arg(m_read));
}

void HistoryDialog::finish()
{
    m_done = true;
    if (!m_untimed.empty()) {
        // shown last, in the order they came
        QList<QTreeWidgetItem *> items;
        for (query::HistoryStep &s : m_untimed) {
            items << stepItem(s);
            m_result.push_back(std::move(s));
        }
        m_untimed.clear();
        m_steps->addTopLevelItems(items);
        if (m_steps->currentItem() == nullptr)
            m_steps->setCurrentItem(items.front());
    }
    if (m_countsDone)
        conclude();
    else
        showProgress(); // (the count is on its way: the summary says how many there are)
}

void HistoryDialog::conclude()
{
    QString text;
    if (!m_failure.isEmpty()) {
        text = tr("The history could not be read: %1").arg(m_failure.toHtmlEscaped());
        if (!m_result.empty())
            text += QStringLiteral("<br>") + recordsText(m_result.size()) + tr(" read before that.");
    } else if (m_result.empty()) {
        text = tr("No records.");
    } else {
        text = recordsText(m_result.size());
        if (m_counted && m_matched > m_result.size())
            text = tr("The first %L1 of %L2 records (oldest first)").arg(m_result.size()).arg(m_matched);
        if (m_firstTime != kNoTime)
            text += tr(", from %1 to %2")
                        .arg(QString::fromStdString(formatRfc3339(m_firstTime)), QString::fromStdString(formatRfc3339(m_lastTime)));
    }
    if (m_kind == Kind::Actor && m_failure.isEmpty()) {
        const query::ActorSummary a = m_tally->summary();
        if (m_counted && m_matched > m_result.size())
            text += QStringLiteral("<br>") + tr("In the records read:");
        text += QStringLiteral("<br><b>%1</b> %2<br><b>%3</b> %4<br><b>%5</b> %6<br><b>%7</b> %8")
                    .arg(tr("IP addresses:"), countsText(a.ips), tr("Interfaces:"), countsText(a.interfaces),
                         tr("User agents:"), countsText(a.userAgents), tr("Actions:"), countsText(a.actions));
    }
    m_summary->setTextFormat(Qt::RichText);
    m_summary->setText(text);
    emit ready();
}

void HistoryDialog::showChanges()
{
    m_changes->clear();
    const QTreeWidgetItem *cur = m_steps->currentItem();
    if (!cur)
        return;
    const int i = m_steps->indexOfTopLevelItem(const_cast<QTreeWidgetItem *>(cur));
    if (i < 0 || size_t(i) >= m_result.size())
        return;
    for (const Change &c : m_result[size_t(i)].changes) {
        auto *it = new QTreeWidgetItem(m_changes);
        it->setText(0, QString::fromStdString(c.path));
        it->setText(1, QString::fromLatin1(changeKindName(c.kind)));
        it->setText(2, jsonText(c.before));
        it->setText(3, jsonText(c.after));
        it->setToolTip(2, jsonText(c.before).left(4000));
        it->setToolTip(3, jsonText(c.after).left(4000));
    }
    m_changes->resizeColumnToContents(0);
}

} // namespace auditlens::ui
