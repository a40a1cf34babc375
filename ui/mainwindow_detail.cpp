// SPDX-License-Identifier: MIT
// MainWindow: the selected record in detail (raw and ECS trees, provenance links, validation,
// changes).
#include "mainwindow.h"

#include "ecs/validator.h"
#include "intake/normalizer.h"
#include "highlightdelegate.h"
#include "jsonmodel.h"
#include "palettecolors.h"
#include "jsontree.h"
#include "store/diff.h"
#include "trailmodel.h"

#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QTreeWidget>

#include <set>

namespace auditlens::ui {

using J = nlohmann::ordered_json;

void MainWindow::clearDetail()
{
    m_currentRow = UINT32_MAX;
    m_provenance.clear();
    m_rawTree->setJson(J());
    m_ecsTree->setJson(J());
    m_diagnostics->clear();
    m_diagnostics->hide();
    m_changes->clear();
    m_changesLabel->clear();
    m_tabs->setTabText(1, tr("Changes"));
    m_linkInfo->setText(tr("Select a record in the trail to see it raw and as ECS."));
}

void MainWindow::showRecord(uint32_t storeRow)
{
    m_currentRow = storeRow;
    const Snapshot &snap = m_model->snapshot();
    std::string err;
    const std::string raw = snap.raw(storeRow, &err);
    if (raw.empty()) {
        clearDetail();
        m_linkInfo->setText(tr("The record cannot be read back: %1").arg(QString::fromStdString(err)));
        return;
    }
    // one pass whatever the number of keys (ordered_json's parser searches each key)
    J rawJson = parseOrdered(raw);
    m_rawTree->setJson(rawJson.is_discarded() ? J() : std::move(rawJson));
    const J &rawShown = m_rawTree->json();
    m_rawSearch->clear();
    m_ecsSearch->clear();
    auto n = intake::normalizeRecord(*m_parser, raw, 128, true);
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
        for (const auto &pr : ecs::validate(n.result.event, m_parser->taxonomy())) {
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

    // changes
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
    m_tabs->setTabText(1, changes.empty() ? tr("Changes") : tr("Changes (%1)").arg(changes.size()));
}

void MainWindow::goToProblem(QListWidgetItem *item)
{
    if (!item)
        return;
    const QString field = item->data(Qt::UserRole).toString();
    if (field.isEmpty())
        return;
    m_tabs->setCurrentIndex(0);
    m_ecsTree->revealPath(field);
    m_ecsTree->setFocus();
    linkFromEcs(field);
}

void MainWindow::findNext(bool backwards)
{
    if (m_filter.text.empty()) {
        m_search->setFocus();
        m_search->selectAll();
        return;
    }
    const int rows = m_model->rowCount();
    if (rows == 0)
        return;
    m_tabs->setCurrentIndex(0);
    // the hits of the record shown, after (before) the one gone to last; then the next record's
    int row = m_table->currentIndex().isValid() ? m_table->currentIndex().row() : (backwards ? rows : -1);
    for (int step = 0; step <= rows; ++step) {
        if (row >= 0 && row < rows) {
            if (m_currentRow != m_model->storeRow(row))
                selectRow(row);
            const QStringList hits = m_rawTree->highlightedPaths();
            int at = hits.indexOf(m_hitPath);
            if (step > 0 || at < 0)
                at = backwards ? int(hits.size()) : -1;
            at += backwards ? -1 : 1;
            if (at >= 0 && at < hits.size()) {
                m_hitPath = hits[at];
                m_rawTree->revealPath(m_hitPath);
                linkFromRaw(m_hitPath);
                statusBar()->showMessage(tr("Hit %1 of %2 in this record").arg(at + 1).arg(hits.size()), 3000);
                return;
            }
        }
        m_hitPath.clear();
        row = backwards ? (row <= 0 ? rows - 1 : row - 1) : (row + 1 >= rows ? 0 : row + 1);
    }
}

void MainWindow::linkFromEcs(const QString &path)
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

void MainWindow::linkFromRaw(const QString &path)
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
