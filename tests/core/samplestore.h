// SPDX-License-Identifier: MIT
#pragma once
// The bundled sample logs loaded into an embedded store, and waiting for a TrailSource's
// answer, for the tests of the views over a trail and of its back ends.
#include "store/trailsource.h"

#include <QCoreApplication>
#include <QElapsedTimer>

#include <optional>

struct SampleStore
{
    static constexpr const char *kPath = AUDITLENS_TEST_DATA "/../../resources/samples/cloudflare-audit-logs.ndjson";
    auditlens::EventStore store;
    auditlens::Snapshot snap;
    /// False when the samples are missing or nearly empty.
    bool load()
    {
        store.load(auditlens::SourceSpec::file(kPath), {});
        snap = store.snapshot();
        return snap.size() > 300;
    }
};

template<typename T>
struct Waited
{
    std::optional<T> value;
    auditlens::TrailError error;
    int calls = 0;
};

template<typename T>
auditlens::TrailSource::Answer<T> into(Waited<T> &w)
{
    return [&w](T v, auditlens::TrailError e) {
        w.value = std::move(v);
        w.error = std::move(e);
        ++w.calls;
    };
}

template<typename T>
inline bool wait(Waited<T> &w, int ms = 20000)
{
    QElapsedTimer t;
    t.start();
    while (!w.calls && t.elapsed() < ms)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
    QCoreApplication::processEvents(); // a second answer would show here
    return w.calls == 1;
}

