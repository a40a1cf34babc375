// SPDX-License-Identifier: MIT
// GUI benchmark: loads a large file into the main window (offscreen) and times filter changes
// (table + facet counts + timeline) and scrolling. Not a test: figures go in the README.
// Usage: auditlens-guibench FILE
#include "facetlist.h"
#include "mainwindow.h"
#include "trailmodel.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QScrollBar>
#include <QStandardPaths>
#include <QTableView>
#include <QTimer>

#include <cstdio>

using namespace auditlens;

int main(int argc, char **argv)
{
    qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QStandardPaths::setTestModeEnabled(true);
    if (argc < 2) {
        std::fprintf(stderr, "usage: auditlens-guibench FILE\n");
        return 2;
    }
    ui::MainWindow w;
    w.resize(1600, 1000);
    w.show();
    QElapsedTimer t;
    t.start();
    QEventLoop loop;
    QObject::connect(&w, &ui::MainWindow::loadFinished, &loop, &QEventLoop::quit);
    w.openSources({QString::fromLocal8Bit(argv[1])});
    // the GUI thread keeps running during the load: count event-loop turns as a liveness check
    int ticks = 0;
    QTimer tick;
    QObject::connect(&tick, &QTimer::timeout, [&ticks] { ++ticks; });
    tick.start(50);
    loop.exec();
    tick.stop();
    const double loadS = double(t.elapsed()) / 1000.0;
    const size_t n = w.trailModel()->totalRecords();
    std::printf("loaded %zu records in %.2f s (GUI timer fired %d times at 50 ms: the GUI thread stayed responsive)\n", n,
                loadS, ticks);

    auto timeIt = [&](const char *what, const std::function<void()> &change) {
        QElapsedTimer e;
        e.start();
        change();
        const double ms = double(e.nsecsElapsed()) / 1e6;
        std::printf("%-42s %8.1f ms  (%d rows shown)\n", what, ms, w.trailModel()->rowCount());
    };
    const Snapshot snap = w.trailModel()->snapshot();
    const auto topActor = EventStore::top(EventStore::counts(snap, EventStore::filter(snap, Filter{}), Column::Actor), 1);
    const auto topType = EventStore::top(EventStore::counts(snap, EventStore::filter(snap, Filter{}), Column::ResourceType), 1);
    timeIt("include one actor", [&] {
        w.filter().include[size_t(Column::Actor)] = {topActor[0].first};
        w.applyFilter();
    });
    timeIt("+ exclude one resource type", [&] {
        w.filter().exclude[size_t(Column::ResourceType)] = {topType[0].first};
        w.applyFilter();
    });
    timeIt("clear filters", [&] { w.clearFilters(); });
    timeIt("result = failure", [&] { w.setResultFilter(Result::Failure); });
    timeIt("result = all", [&] { w.setResultFilter(Result::Unknown); });
    const int64_t lo = snap.time(0);
    timeIt("time range (first day)", [&] { w.setTimeRange(lo, lo + 86400LL * 1000000000LL); });
    timeIt("any time", [&] { w.setTimeRange(INT64_MIN, INT64_MAX); });
    timeIt("text search \"alice@\": GUI thread busy for", [&] { w.setTextSearch(QStringLiteral("alice@")); });
    {
        // the search itself runs in the background: time until the rows are there
        QElapsedTimer e;
        e.start();
        QEventLoop wait;
        QTimer poll;
        QObject::connect(&poll, &QTimer::timeout, &wait, [&] {
            if (w.trailModel()->rowCount() != int(n))
                wait.quit();
        });
        poll.start(5);
        wait.exec();
        std::printf("%-42s %8.1f ms  (%d rows shown)\n", "  ...results shown after", double(e.nsecsElapsed()) / 1e6,
                    w.trailModel()->rowCount());
    }
    timeIt("include one actor while the text is active", [&] {
        w.filter().include[size_t(Column::Actor)] = {topActor[0].first};
        w.applyFilter();
    });
    w.filter().include[size_t(Column::Actor)].clear();
    timeIt("clear text", [&] { w.setTextSearch(QString()); });
    for (const char *word : {"Terraform", "example"}) {
        w.setTextSearch(QString());
        QElapsedTimer e2;
        e2.start();
        w.setTextSearch(QString::fromLatin1(word));
        QEventLoop wait2;
        QTimer poll2;
        QObject::connect(&poll2, &QTimer::timeout, &wait2, [&] {
            if (w.trailModel()->rowCount() != int(n) || e2.elapsed() > 5000)
                wait2.quit();
        });
        poll2.start(5);
        wait2.exec();
        std::printf("text search \"%s\" (letters only): %8.1f ms  (%d rows shown)\n", word, double(e2.nsecsElapsed()) / 1e6,
                    w.trailModel()->rowCount());
    }
    w.setTextSearch(QString());

    // scrolling: page down 200 times, painting each frame
    QScrollBar *bar = w.table()->verticalScrollBar();
    QElapsedTimer s;
    s.start();
    const int frames = 200;
    for (int i = 0; i < frames; ++i) {
        bar->setValue(bar->value() + bar->pageStep());
        w.table()->viewport()->repaint();
    }
    std::printf("scrolling: %.2f ms per page (%d pages, painted)\n", double(s.nsecsElapsed()) / 1e6 / frames, frames);
    return 0;
}
