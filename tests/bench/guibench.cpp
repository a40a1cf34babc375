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

    // the table changes at once; the facet counts and the timeline's buckets follow, asked of
    // the trail: the table's time, then the time until both are shown
    auto timeIt = [&](const char *what, const std::function<void()> &change) {
        QElapsedTimer e;
        bool drawn = false, counted = false;
        QEventLoop wait;
        const auto c1 = QObject::connect(&w, &ui::MainWindow::timelineShown, &wait, [&] {
            drawn = true;
            if (counted)
                wait.quit();
        });
        const auto c2 = QObject::connect(&w, &ui::MainWindow::countsShown, &wait, [&] {
            counted = true;
            if (drawn)
                wait.quit();
        });
        e.start();
        change();
        const double ms = double(e.nsecsElapsed()) / 1e6;
        if (!drawn || !counted)
            wait.exec();
        QObject::disconnect(c1);
        QObject::disconnect(c2);
        std::printf("%-42s %8.1f ms, facets and timeline %8.1f ms  (%d rows shown)\n", what, ms,
                    double(e.nsecsElapsed()) / 1e6, w.trailModel()->rowCount());
    };
    const Snapshot snap = w.trailModel()->snapshot();
    const EventStore::Evaluation all = EventStore::evaluate(snap, Filter{}, {Column::Actor, Column::ResourceType});
    const auto topActor = EventStore::top(all.counts[0], 1);
    const auto topType = EventStore::top(all.counts[1], 1);
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
    // free text: the search runs in the background; the GUI thread is busy only to start it
    // and to show the results. Timed from the keystroke to the table, facet counts and
    // timeline showing the matches (the filterApplied signal).
    const auto searchUntilShown = [&](const char *word) {
        w.setTextSearch(QString());
        QElapsedTimer busy, shown;
        QEventLoop wait;
        const auto conn = QObject::connect(&w, &ui::MainWindow::filterApplied, &wait, &QEventLoop::quit);
        shown.start();
        busy.start();
        w.setTextSearch(QString::fromLatin1(word));
        const double busyMs = double(busy.nsecsElapsed()) / 1e6;
        wait.exec();
        QObject::disconnect(conn);
        std::printf("text search \"%s\": GUI thread busy %.1f ms, results shown after %8.1f ms  (%d rows)\n", word, busyMs,
                    double(shown.nsecsElapsed()) / 1e6, w.trailModel()->rowCount());
    };
    for (const char *word : {"alice@", "Terraform", "example", "82c09366-96b9", "zzqqxx"})
        searchUntilShown(word);
    w.setTextSearch(QStringLiteral("alice@"));
    {
        QEventLoop wait;
        QObject::connect(&w, &ui::MainWindow::filterApplied, &wait, &QEventLoop::quit);
        wait.exec();
    }
    timeIt("include one actor while the text is active", [&] {
        w.filter().include[size_t(Column::Actor)] = {topActor[0].first};
        w.applyFilter();
    });
    w.filter().include[size_t(Column::Actor)].clear();
    timeIt("clear text", [&] { w.setTextSearch(QString()); });

    // queries (KQL): a path no column holds yet is read from the raw records once (all cores),
    // later queries on it use the kept column. Timed from the change to the result on screen.
    const auto queryUntilShown = [&](const char *q) {
        QElapsedTimer shown;
        QEventLoop wait;
        const auto conn = QObject::connect(&w, &ui::MainWindow::filterApplied, &wait, &QEventLoop::quit);
        shown.start();
        w.setTextSearch(QString::fromLatin1(q));
        wait.exec();
        QObject::disconnect(conn);
        std::printf("query %-40s shown after %8.1f ms  (%d rows)\n", q, double(shown.nsecsElapsed()) / 1e6, w.trailModel()->rowCount());
    };
    queryUntilShown("Metadata.zone_name:example.com");              // a new path
    queryUntilShown("Metadata.zone_name:shop.example.com");         // the same path, another value
    queryUntilShown("Metadata.zone_name:*example.com");             // a wildcard over its values
    queryUntilShown("not Metadata.zone_name:example.com");
    queryUntilShown("NewValue.enabled:false");                      // another new path
    queryUntilShown("NewValue.enabled:false and Metadata.zone_name:example.com");
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
