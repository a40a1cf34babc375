// SPDX-License-Identifier: MIT
// MainWindow: the selected record in detail (raw and ECS trees, provenance links, validation,
// changes).
#include "mainwindow.h"

#include "ecs/validator.h"
#include "intake/normalizer.h"
#include "jsontree.h"
#include "store/diff.h"
#include "trailmodel.h"

#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QTabWidget>
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
    const J rawJson = J::parse(raw, nullptr, false);
    m_rawTree->setJson(rawJson.is_discarded() ? J() : rawJson);
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
    // raw leaves reaching no ECS field
    std::function<void(QTreeWidgetItem *)> mark = [&](QTreeWidgetItem *item) {
        const QString path = m_rawTree->pathOf(item);
        bool reached = false;
        for (const QString &c : covered)
            if (c == path || path.startsWith(c + QLatin1Char('.')) || c.startsWith(path + QLatin1Char('.'))) {
                reached = true;
                break;
            }
        if (!reached) {
            m_rawTree->markItem(path, tr("This field reaches no ECS field"), true);
            return;
        }
        for (int i = 0; i < item->childCount(); ++i)
            mark(item->child(i));
    };
    for (int i = 0; i < m_rawTree->topLevelItemCount(); ++i)
        mark(m_rawTree->topLevelItem(i));

    if (!n.ok) {
        m_diagnostics->addItem(tr("Not normalized: %1").arg(QString::fromStdString(n.error)));
    } else {
        for (const auto &pr : ecs::validate(n.result.event, m_parser->taxonomy())) {
            const bool isErr = pr.severity == ecs::Problem::Severity::Error;
            auto *item = new QListWidgetItem(QStringLiteral("%1 %2").arg(isErr ? QStringLiteral("\u2716") : QStringLiteral("\u26a0"),
                                                                          QString::fromStdString(pr.message)), m_diagnostics);
            item->setData(Qt::UserRole, QString::fromStdString(pr.field));
            item->setForeground(isErr ? QColor(0xd3, 0x2f, 0x2f) : QColor(0xb2, 0x6a, 0x00));
            m_ecsTree->markItem(QString::fromStdString(pr.field), QString::fromStdString(pr.message), false,
                                isErr ? QColor(255, 0, 0, 50) : QColor(255, 170, 0, 50));
        }
        for (const auto &is : n.result.issues)
            (void)is; // evaluation notes are in --explain; the list stays about the schema
    }
    m_diagnostics->setVisible(m_diagnostics->count() > 0);

    // changes
    m_changes->clear();
    std::string label;
    const auto changes = rawJson.is_object() ? recordChanges(rawJson, label) : std::vector<Change>{};
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
        const QColor col = c.kind == Change::Kind::Added ? QColor(0x2e, 0x7d, 0x32)
                           : c.kind == Change::Kind::Removed ? QColor(0xc6, 0x28, 0x28) : QColor(0x15, 0x65, 0xc0);
        item->setForeground(0, col);
        item->setToolTip(2, text(c.before).left(2000));
        item->setToolTip(3, text(c.after).left(2000));
    }
    m_tabs->setTabText(1, changes.empty() ? tr("Changes") : tr("Changes (%1)").arg(changes.size()));
}

void MainWindow::linkFromEcs(const QString &path)
{
    if (m_linking)
        return;
    m_linking = true;
    const std::string p = path.toStdString();
    const intake::FieldProvenance *best = nullptr;
    for (const auto &pr : m_provenance)
        if (pr.field == p || pr.field.rfind(p + ".", 0) == 0) {
            best = &pr;
            if (pr.field == p)
                break;
        }
    if (best && !best->rawFields.empty()) {
        m_rawTree->revealPath(QString::fromStdString(best->rawFields.front()));
        QStringList rf;
        for (const auto &f : best->rawFields)
            rf << QString::fromStdString(f);
        m_linkInfo->setText(tr("<b>%1</b> \u2190 raw <b>%2</b> (%3)")
                                .arg(path.toHtmlEscaped(), rf.join(QStringLiteral(", ")).toHtmlEscaped(),
                                     best->kind == intake::ProvenanceKind::Enrichment ? tr("enrichment")
                                                                : tr("%1, action %2").arg(QString::fromStdString(best->stage)).arg(best->action + 1)));
    } else if (best) {
        m_rawTree->clearSelection();
        m_linkInfo->setText(tr("<b>%1</b> is set by %2 from no raw field (a constant or derived value)")
                                .arg(path.toHtmlEscaped(), best->kind == intake::ProvenanceKind::Input ? tr("the input")
                                                           : QString::fromStdString(best->stage).toHtmlEscaped()));
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
    if (!targets.isEmpty()) {
        m_ecsTree->revealPath(targets.front());
        m_linkInfo->setText(tr("raw <b>%1</b> \u2192 %2").arg(path.toHtmlEscaped(), targets.join(QStringLiteral(", ")).toHtmlEscaped()));
    } else {
        m_ecsTree->clearSelection();
        m_linkInfo->setText(tr("raw <b>%1</b> reaches no ECS field").arg(path.toHtmlEscaped()));
    }
    m_linking = false;
}

} // namespace auditlens::ui
