// SPDX-License-Identifier: MIT
#include "mainwindow.h"

#include <QApplication>

int main(int argc, char **argv)
{
    QApplication app(argc, argv);
    auditlens::ui::MainWindow w;
    w.show();
    return app.exec();
}
