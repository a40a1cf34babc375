// SPDX-License-Identifier: MIT
#include "mainwindow.h"

namespace auditlens::ui {

MainWindow::MainWindow(QWidget *parent) : QMainWindow(parent)
{
    setWindowTitle(QStringLiteral("Auditlens"));
}

} // namespace auditlens::ui
