// SPDX-License-Identifier: MIT
#pragma once
// The bundled sample logs loaded into an embedded store, for tests of the views over a trail.
#include "store/eventstore.h"

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
