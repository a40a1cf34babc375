// SPDX-License-Identifier: MIT
// MainWindow: saved window state (geometry, splitters, trail header, view options).
#include "mainwindow.h"

#include <QAction>
#include <QCloseEvent>
#include <QHeaderView>
#include <QSettings>
#include <QSplitter>
#include <QTableView>

namespace auditlens::ui {

void MainWindow::restoreSettings()
{
    QSettings s;
    if (!restoreGeometry(s.value(QStringLiteral("window/geometry")).toByteArray()))
        resize(1500, 950);
    restoreState(s.value(QStringLiteral("window/state")).toByteArray());
    m_mainSplit->restoreState(s.value(QStringLiteral("window/mainSplit")).toByteArray());
    m_detailSplit->restoreState(s.value(QStringLiteral("window/detailSplit")).toByteArray());
    m_sideSplit->restoreState(s.value(QStringLiteral("window/sideSplit")).toByteArray());
    if (auto *outer = findChild<QSplitter *>(QStringLiteral("outerSplit")))
        outer->restoreState(s.value(QStringLiteral("window/outerSplit")).toByteArray());
    const QByteArray header = s.value(QStringLiteral("trail/header")).toByteArray();
    if (!header.isEmpty())
        m_table->horizontalHeader()->restoreState(header);
    m_localTime->setChecked(s.value(QStringLiteral("view/localTime"), false).toBool());
    rebuildRecentMenu();
}

void MainWindow::saveSettings()
{
    QSettings s;
    s.setValue(QStringLiteral("window/geometry"), saveGeometry());
    s.setValue(QStringLiteral("window/state"), saveState());
    s.setValue(QStringLiteral("window/mainSplit"), m_mainSplit->saveState());
    s.setValue(QStringLiteral("window/detailSplit"), m_detailSplit->saveState());
    s.setValue(QStringLiteral("window/sideSplit"), m_sideSplit->saveState());
    if (auto *outer = findChild<QSplitter *>(QStringLiteral("outerSplit")))
        s.setValue(QStringLiteral("window/outerSplit"), outer->saveState());
    s.setValue(QStringLiteral("trail/header"), m_table->horizontalHeader()->saveState());
    s.setValue(QStringLiteral("view/localTime"), m_localTime->isChecked());
}

void MainWindow::closeEvent(QCloseEvent *e)
{
    saveSettings();
    if (m_cancelFlag)
        m_cancelFlag->store(true);
    QMainWindow::closeEvent(e);
}

} // namespace auditlens::ui
