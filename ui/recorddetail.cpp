// SPDX-License-Identifier: MIT
#include "recorddetail.h"

#include "ecs/validator.h"
#include "intake/normalizer.h"
#include "jsonmodel.h"
#include "jsontree.h"
#include "palettecolors.h"
#include "store/diff.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QShortcut>
#include <QSplitter>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <set>

namespace auditlens::ui {

using J = nlohmann::ordered_json;

RecordDetail::RecordDetail(QWidget *parent) : QTabWidget(parent)
{
    auto *pair = new QWidget(this);
    auto *pairLay = new QVBoxLayout(pair);
    pairLay->setContentsMargins(2, 2, 2, 2);
    m_split = new QSplitter(Qt::Horizontal, pair);
    auto makeSide = [&](const QString &title, JsonTree *&tree, QLineEdit *&search) {
        auto *w = new QWidget(m_split);
        auto *l = new QVBoxLayout(w);
        l->setContentsMargins(0, 0, 0, 0);
        auto *head = new QHBoxLayout;
        auto *label = new QLabel(QStringLiteral("<b>%1</b>").arg(title), w);
        search = new QLineEdit(w);
        search->setPlaceholderText(tr("Find field…"));
        search->setClearButtonEnabled(true);
        auto *esc = new QShortcut(QKeySequence(Qt::Key_Escape), search);
        esc->setContext(Qt::WidgetShortcut);
        connect(esc, &QShortcut::activated, search, &QLineEdit::clear);
        head->addWidget(label);
        head->addWidget(search, 1);
        tree = new JsonTree(w);
        tree->setAccessibleName(title);
        l->addLayout(head);
        l->addWidget(tree, 1);
        m_split->addWidget(w);
        JsonTree *t = tree;
        connect(search, &QLineEdit::textChanged, t, &JsonTree::filterItems);
    };
    makeSide(tr("Raw record"), m_rawTree, m_rawSearch);
    makeSide(tr("ECS record"), m_ecsTree, m_ecsSearch);
    connect(m_rawTree, &JsonTree::pathActivated, this, &RecordDetail::linkFromRaw);
    connect(m_ecsTree, &JsonTree::pathActivated, this, &RecordDetail::linkFromEcs);
    m_linkInfo = new QLabel(pair);
    m_linkInfo->setWordWrap(true);
    m_linkInfo->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_diagnostics = new QListWidget(pair);
    m_diagnostics->setMaximumHeight(90);
    m_diagnostics->hide(); // shown when the selected record has schema problems
    m_diagnostics->setToolTip(tr("ECS validation of the selected record"));
    // a click (or Enter) on a problem goes to its field
    connect(m_diagnostics, &QListWidget::itemClicked, this, &RecordDetail::goToProblem);
    connect(m_diagnostics, &QListWidget::itemActivated, this, &RecordDetail::goToProblem);
    pairLay->addWidget(m_split, 1);
    pairLay->addWidget(m_linkInfo);
    pairLay->addWidget(m_diagnostics);
    addTab(pair, tr("Raw \u2194 ECS"));

    auto *changesPage = new QWidget(this);
    auto *changesLay = new QVBoxLayout(changesPage);
    m_changesLabel = new QLabel(changesPage);
    m_changes = new QTreeWidget(changesPage);
    m_changes->setHeaderLabels({tr("Change"), tr("Field"), tr("Before"), tr("After")});
    m_changes->setRootIsDecorated(false);
    m_changes->setAlternatingRowColors(true);
    m_changes->setColumnWidth(0, 90);
    m_changes->setColumnWidth(1, 320);
    m_changes->setColumnWidth(2, 300);
    changesLay->addWidget(m_changesLabel);
    changesLay->addWidget(m_changes, 1);
    addTab(changesPage, tr("Changes"));
    clear();
}

void RecordDetail::clear(const QString &why)
{
    m_provenance.clear();
    m_rawTree->setJson(J());
    m_ecsTree->setJson(J());
    m_diagnostics->clear();
    m_diagnostics->hide();
    m_changes->clear();
    m_changesLabel->clear();
    setTabText(1, tr("Changes"));
    m_linkInfo->setText(why.isEmpty() ? tr("Select a record in the trail to see it raw and as ECS.") : why);
}

void RecordDetail::showRecord(std::string_view raw, const intake::IntakeParser *parser)
{
    // one pass whatever the number of keys (ordered_json's parser searches each key)
    J rawJson = parseOrdered(raw);
    m_rawTree->setJson(rawJson.is_discarded() ? J() : std::move(rawJson));
    const J &rawShown = m_rawTree->json();
    m_rawSearch->clear();
    m_ecsSearch->clear();
    showChanges(rawShown);
    if (!parser) {
        m_provenance.clear();
        m_ecsTree->setJson(J());
        m_diagnostics->clear();
        m_diagnostics->hide();
        m_linkInfo->setText(tr("No parser: the record raw only."));
        return;
    }
    auto n = intake::normalizeRecord(*parser, raw, 128, true);
    m_provenance = n.result.provenance;
    m_ecsTree->setJson(n.ok ? n.result.event : J());
    m_diagnostics->clear();
    m_linkInfo->setText(tr("Select a field on either side to see where it comes from or what it became."));

    // provenance tooltips on the ECS side; coverage on the raw side
    std::set<QString> covered;
    for (const auto &p : m_provenance) {
        const QString how = QString::fromStdString(intake::describeProvenance(p));
        m_ecsTree->markItem(QString::fromStdString(p.field), how, false);
        for (const auto &f : p.rawFields)
            covered.insert(QString::fromStdString(f));
    }
    // raw fields reaching no ECS field
    m_rawTree->setCoverage(std::move(covered), tr("This field reaches no ECS field"));

    if (!n.ok) {
        m_diagnostics->addItem(tr("Not normalized: %1").arg(QString::fromStdString(n.error)));
    } else {
        for (const auto &pr : ecs::validate(n.result.event, parser->taxonomy())) {
            const bool isErr = pr.severity == ecs::Problem::Severity::Error;
            auto *item = new QListWidgetItem(QStringLiteral("%1 %2").arg(isErr ? QStringLiteral("\u2716") : QStringLiteral("\u26a0"),
                                                                          QString::fromStdString(pr.message)), m_diagnostics);
            item->setData(Qt::UserRole, QString::fromStdString(pr.field));
            const QColor tone = toneColor(isErr ? Tone::Failure : Tone::Warning, m_diagnostics->palette());
            item->setForeground(tone);
            QColor behind = tone;
            behind.setAlpha(50);
            m_ecsTree->markItem(QString::fromStdString(pr.field), QString::fromStdString(pr.message), false, behind);
        }
        for (const auto &is : n.result.issues)
            (void)is; // evaluation notes are in --explain; the list stays about the schema
    }
    m_diagnostics->setVisible(m_diagnostics->count() > 0);
}

void RecordDetail::showChanges(const J &rawShown)
{
    m_changes->clear();
    std::string label;
    const auto changes = rawShown.is_object() ? recordChanges(rawShown, label) : std::vector<Change>{};
    m_changesLabel->setText(label.empty() ? tr("This record carries no before/after values.")
                                          : tr("%1: %n difference(s)", nullptr, int(changes.size())).arg(QString::fromStdString(label)));
    for (const Change &c : changes) {
        auto text = [](const J &v) {
            if (v.is_null())
                return QString();
            return QString::fromStdString(v.is_string() ? v.get<std::string>() : v.dump());
        };
        auto *item = new QTreeWidgetItem(m_changes, {QString::fromLatin1(changeKindName(c.kind)), QString::fromStdString(c.path),
                                                     text(c.before), text(c.after)});
        const QColor col = toneColor(c.kind == Change::Kind::Added ? Tone::Added : c.kind == Change::Kind::Removed ? Tone::Removed : Tone::Changed,
                                     m_changes->palette());
        item->setForeground(0, col);
        item->setToolTip(2, text(c.before).left(2000));
        item->setToolTip(3, text(c.after).left(2000));
    }
    setTabText(1, changes.empty() ? tr("Changes") : tr("Changes (%1)").arg(changes.size()));
}

void RecordDetail::goToProblem(QListWidgetItem *item)
{
    if (!item)
        return;
    const QString field = item->data(Qt::UserRole).toString();
    if (field.isEmpty())
        return;
    setCurrentIndex(0);
    m_ecsTree->revealPath(field);
    m_ecsTree->setFocus();
    linkFromEcs(field);
}

void RecordDetail::linkFromEcs(const QString &path)
{
    if (m_linking)
        return;
    m_linking = true;
    // the field itself, else the nearest field holding it (an array element, a sub-field)
    const intake::FieldProvenance *best = nullptr;
    QString holder = path;
    while (!best && !holder.isEmpty()) {
        const std::string p = holder.toStdString();
        for (const auto &pr : m_provenance)
            if (pr.field == p || (holder == path && pr.field.rfind(p + ".", 0) == 0)) {
                best = &pr;
                if (pr.field == p)
                    break;
            }
        if (!best) {
            const int dot = holder.lastIndexOf(QLatin1Char('.'));
            holder = dot < 0 ? QString() : holder.left(dot);
        }
    }
    if (best && !best->rawFields.empty()) {
        QStringList rf;
        for (const auto &f : best->rawFields)
            rf << QString::fromStdString(f);
        m_rawTree->revealPaths(rf);
        m_linkInfo->setText(tr("<b>%1</b> \u2190 raw <b>%2</b> (%3)")
                                .arg(path.toHtmlEscaped(), rf.join(QStringLiteral(", ")).toHtmlEscaped(),
                                     best->kind == intake::ProvenanceKind::Enrichment ? tr("enrichment")
                                                                : tr("%1, action %2").arg(QString::fromStdString(best->stage)).arg(best->action + 1)));
    } else if (best) {
        m_rawTree->clearSelection();
        m_linkInfo->setText(tr("<b>%1</b> is set by %2 from no raw field (a constant or derived value)")
                                .arg(path.toHtmlEscaped(), best->kind == intake::ProvenanceKind::Input ? tr("the input")
                                                           : QString::fromStdString(best->stage).toHtmlEscaped()));
    } else {
        m_rawTree->clearSelection();
        m_linkInfo->setText(tr("<b>%1</b>: no provenance recorded for this field").arg(path.toHtmlEscaped()));
    }
    m_linking = false;
}

void RecordDetail::linkFromRaw(const QString &path)
{
    if (m_linking)
        return;
    m_linking = true;
    const std::string p = path.toStdString();
    QStringList targets;
    for (const auto &pr : m_provenance) {
        if (pr.kind == intake::ProvenanceKind::Input)
            continue;
        for (const auto &f : pr.rawFields)
            if (f == p || p.rfind(f + ".", 0) == 0 || f.rfind(p + ".", 0) == 0) {
                targets << QString::fromStdString(pr.field);
                break;
            }
    }
    targets.removeDuplicates();
    if (!targets.isEmpty()) {
        m_ecsTree->revealPaths(targets); // every ECS field it feeds, the first made current
        m_linkInfo->setText(tr("raw <b>%1</b> \u2192 %2").arg(path.toHtmlEscaped(), targets.join(QStringLiteral(", ")).toHtmlEscaped()));
    } else {
        m_ecsTree->clearSelection();
        m_linkInfo->setText(tr("raw <b>%1</b> reaches no ECS field").arg(path.toHtmlEscaped()));
    }
    m_linking = false;
}

} // namespace auditlens::ui
