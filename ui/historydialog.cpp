// SPDX-License-Identifier: MIT
#include "historydialog.h"

#include "query/eval.h"
#include "source/timestamp.h"

#include <QDialogButtonBox>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSplitter>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <QtConcurrent>

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
        parts << QStringLiteral("%1 (%2)").arg(QString::fromStdString(values[i].first).toHtmlEscaped()).arg(values[i].second);
    if (values.size() > 8)
        parts << QObject::tr("and %1 more").arg(values.size() - 8);
    return parts.join(QStringLiteral(", "));
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

HistoryDialog::HistoryDialog(Kind kind, const QString &subject, const QString &query, const Snapshot &snap,
                             std::shared_ptr<query::FieldCache> cache, QWidget *parent)
    : QDialog(parent), m_kind(kind), m_query(query), m_snap(snap)
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
    connect(m_steps, &QTreeWidget::itemActivated, this, [this](QTreeWidgetItem *it) {
        emit recordActivated(it->data(0, Qt::UserRole).toUInt());
    });
    connect(&m_watcher, &QFutureWatcher<Result>::finished, this, &HistoryDialog::showResult);

    auto cancel = m_cancel;
    const std::string q = query.toStdString();
    m_watcher.setFuture(QtConcurrent::run([snap, cache, cancel, q, kind] {
        Result r;
        const auto parsed = query::Query::parse(q);
        const auto hits = query::evaluateQuery(*parsed, snap, *cache, cancel.get());
        if (!hits)
            return r;
        std::vector<uint32_t> rows;
        for (size_t i = 0; i < hits->size(); ++i)
            if ((*hits)[i])
                rows.push_back(uint32_t(i));
        r.steps = query::buildHistory(snap, rows);
        if (kind == Kind::Actor)
            r.actor = query::summarizeActor(snap, rows, *cache);
        r.ok = true;
        return r;
    }));
    resize(900, 560);
}

HistoryDialog::~HistoryDialog()
{
    m_cancel->store(true);
    m_watcher.waitForFinished();
}

void HistoryDialog::showResult()
{
    const Result r = m_watcher.result();
    if (!r.ok) {
        m_summary->setText(tr("The history could not be read."));
        return;
    }
    m_result = r.steps;
    QString text;
    if (m_result.empty()) {
        text = tr("No records.");
    } else {
        text = tr("%n record(s)", nullptr, int(m_result.size()));
        // records without a time come last
        const auto lastTimed = std::find_if(m_result.rbegin(), m_result.rend(), [](const auto &s) { return s.time != kNoTime; });
        if (lastTimed != m_result.rend())
            text += tr(", from %1 to %2")
                        .arg(QString::fromStdString(formatRfc3339(m_result.front().time)), QString::fromStdString(formatRfc3339(lastTimed->time)));
    }
    if (m_kind == Kind::Actor) {
        text += QStringLiteral("<br><b>%1</b> %2<br><b>%3</b> %4<br><b>%5</b> %6<br><b>%7</b> %8")
                    .arg(tr("IP addresses:"), countsText(r.actor.ips), tr("Interfaces:"), countsText(r.actor.interfaces),
                         tr("User agents:"), countsText(r.actor.userAgents), tr("Actions:"), countsText(r.actor.actions));
        m_summary->setTextFormat(Qt::RichText);
    }
    m_summary->setText(text);
    QList<QTreeWidgetItem *> items;
    for (const query::HistoryStep &s : m_result) {
        auto *it = new QTreeWidgetItem;
        it->setData(0, Qt::UserRole, s.row);
        it->setText(0, s.time == kNoTime ? tr("(no time)") : QString::fromStdString(formatRfc3339(s.time)));
        it->setText(1, QString::fromStdString(s.actor));
        it->setText(2, QString::fromStdString(s.action));
        it->setText(3, s.result == auditlens::Result::Success ? tr("success") : s.result == auditlens::Result::Failure ? tr("failure") : QString());
        it->setText(4, s.error.empty() ? changesSummary(s.changes) : QString::fromStdString(s.error));
        it->setToolTip(4, it->text(4));
        items << it;
    }
    m_steps->addTopLevelItems(items);
    for (int c = 0; c < 4; ++c)
        m_steps->resizeColumnToContents(c);
    if (!items.isEmpty())
        m_steps->setCurrentItem(items.front());
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
