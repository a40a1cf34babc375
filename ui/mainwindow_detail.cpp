// SPDX-License-Identifier: MIT
// MainWindow: the selected record in detail (RecordDetail: raw and ECS trees, provenance links,
// validation, changes), and F3 through the text search's hits.
#include "mainwindow.h"

#include "jsontree.h"
#include "recorddetail.h"
#include "trailmodel.h"

#include <QLineEdit>
#include <QStatusBar>
#include <QTableView>

namespace auditlens::ui {

void MainWindow::clearDetail()
{
    m_currentRow = UINT32_MAX;
    m_detail->clear();
}

void MainWindow::showRecord(uint32_t storeRow)
{
    m_currentRow = storeRow;
    const Snapshot &snap = m_model->snapshot();
    std::string err;
    const std::string raw = snap.raw(storeRow, &err);
    if (raw.empty()) {
        m_detail->clear(tr("The record cannot be read back: %1").arg(QString::fromStdString(err)));
        return;
    }
    m_detail->showRecord(raw, m_parser.get());
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
            const QStringList hits = m_detail->rawTree()->highlightedPaths();
            int at = hits.indexOf(m_hitPath);
            if (step > 0 || at < 0)
                at = backwards ? int(hits.size()) : -1;
            at += backwards ? -1 : 1;
            if (at >= 0 && at < hits.size()) {
                m_hitPath = hits[at];
                m_detail->rawTree()->revealPath(m_hitPath);
                m_detail->linkFromRaw(m_hitPath);
                statusBar()->showMessage(tr("Hit %1 of %2 in this record").arg(at + 1).arg(hits.size()), 3000);
                return;
            }
        }
        m_hitPath.clear();
        row = backwards ? (row <= 0 ? rows - 1 : row - 1) : (row + 1 >= rows ? 0 : row + 1);
    }
}

} // namespace auditlens::ui
