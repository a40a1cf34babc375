// SPDX-License-Identifier: MIT
// auditlens: the desktop workbench.
#include "logpushdialog.h"
#include "mainwindow.h"
#include "receiverpanel.h"
#include "trailmodel.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QIcon>
#include <QPixmap>
#include <QTableView>
#include <QTimer>

#include <cstdio>
#include <cstring>

int main(int argc, char **argv)
{
    // --version answers without a display (QApplication needs one), as QCommandLineParser would
    if (argc == 2 && (std::strcmp(argv[1], "--version") == 0 || std::strcmp(argv[1], "-v") == 0)) {
        std::puts("Auditlens " AUDITLENS_VERSION);
        return 0;
    }
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("Auditlens"));
    QApplication::setOrganizationName(QStringLiteral("Auditlens"));
    QApplication::setApplicationVersion(QStringLiteral(AUDITLENS_VERSION));
    // the installed desktop entry and icon (resources/desktop, resources/icons)
    QApplication::setDesktopFileName(QStringLiteral("io.github.auditlens.auditlens"));
    QApplication::setWindowIcon(QIcon::fromTheme(QStringLiteral("io.github.auditlens.auditlens")));

    QCommandLineParser cli;
    cli.setApplicationDescription(QStringLiteral("Auditlens: a workbench for Cloudflare audit logs. Without INPUT, "
                                                 "opens the bundled sample logs."));
    cli.addHelpOption();
    cli.addVersionOption();
    QCommandLineOption shot(QStringLiteral("screenshot"), QStringLiteral("Load, render the main window to FILE.png and exit."),
                            QStringLiteral("FILE"));
    QCommandLineOption select(QStringLiteral("select"), QStringLiteral("With --screenshot: select record N (0-based row)."),
                              QStringLiteral("N"), QStringLiteral("0"));
    QCommandLineOption parser(QStringLiteral("parser"), QStringLiteral("An intake directory or parser.yml to use."),
                              QStringLiteral("PATH"));
    QCommandLineOption size(QStringLiteral("size"), QStringLiteral("With --screenshot: window size WxH (default 1500x950)."),
                            QStringLiteral("WxH"), QStringLiteral("1500x950"));
    QCommandLineOption logpush(QStringLiteral("logpush"), QStringLiteral("Open Tools > Logpush job (with --screenshot: capture it)."));
    cli.addOption(logpush);
    QCommandLineOption receiverOpt(QStringLiteral("receiver"), QStringLiteral("Show the Receiver panel."));
    cli.addOption(receiverOpt);
    cli.addOption(shot);
    cli.addOption(select);
    cli.addOption(parser);
    cli.addOption(size);
    cli.addPositionalArgument(QStringLiteral("INPUT"), QStringLiteral("Audit log files or folders; '-' reads stdin."),
                              QStringLiteral("[INPUT...]"));
    cli.process(app);

    auditlens::ui::MainWindow w;
    if (cli.isSet(parser))
        w.loadParser(cli.value(parser));
    const QStringList inputs = cli.positionalArguments();

    if (cli.isSet(shot)) {
        const QStringList wh = cli.value(size).split(QLatin1Char('x'));
        if (wh.size() == 2)
            w.resize(wh[0].toInt(), wh[1].toInt());
        const QString file = cli.value(shot);
        const int row = cli.value(select).toInt();
        const bool dialog = cli.isSet(logpush);
        QObject::connect(&w, &auditlens::ui::MainWindow::loadFinished, &w, [&w, file, row, dialog, wh] {
            QTimer::singleShot(200, &w, [&w, file, row, dialog, wh] {
                // the size asked for, even past the screen (the window is fitted to it when shown)
                if (wh.size() == 2)
                    w.resize(wh[0].toInt(), wh[1].toInt());
                w.selectRow(row);
                QWidget *target = &w;
                if (dialog) {
                    auto *d = new auditlens::ui::LogpushDialog(&w);
                    d->setScope(auditlens::logpush::Scope::Account, QStringLiteral("0123456789abcdef0123456789abcdef"));
                    if (wh.size() == 2)
                        d->resize(wh[0].toInt() - 40, wh[1].toInt() - 60);
                    d->show();
                    target = d;
                }
                QTimer::singleShot(300, &w, [target, file] {
                    const bool ok = target->grab().save(file);
                    std::fprintf(ok ? stdout : stderr, ok ? "wrote %s\n" : "cannot write %s\n", qPrintable(file));
                    QApplication::exit(ok ? 0 : 1);
                });
            });
        });
    }
    w.show();
    if (cli.isSet(receiverOpt))
        w.receiverPanel()->show();
    if (inputs.isEmpty())
        w.openSamples();
    else
        w.openSources(inputs);
    return app.exec();
}
