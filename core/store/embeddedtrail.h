// SPDX-License-Identifier: MIT
#pragma once

// The embedded store as a TrailSource (store/trailsource.h): each request runs on the thread
// pool over one snapshot, through the same evaluate() pass, KQL evaluation and field cache
// the CLI and the store's own views use, and is answered on the context's thread.
// A row's id is its store row ("row:N").

#include "store/trailsource.h"

#include <memory>

namespace auditlens {

namespace query { class FieldCache; }

class EmbeddedTrail final : public TrailSource
{
public:
    /// `cache` is shared with other users of the same store (null: a cache of its own).
    EmbeddedTrail(Snapshot snap, std::string label, std::shared_ptr<query::FieldCache> cache = {});
    ~EmbeddedTrail() override;

    std::string label() const override;
    void counts(const TrailFilter &f, const std::vector<Column> &facets, size_t topN, QObject *context,
                Answer<TrailCounts> done) override;
    void buckets(const TrailFilter &f, int64_t from, int64_t to, int n, QObject *context,
                 Answer<TrailBuckets> done) override;
    void pageBy(const TrailFilter &f, const TrailOrder &order, const TrailKey &after, size_t n, QObject *context,
                Answer<TrailPage> done) override;
    void records(const TrailFilter &f, const TrailKey &after, size_t n, QObject *context, Answer<TrailPage> done) override;
    void raw(const std::string &id, int64_t time, QObject *context, Answer<std::string> done) override;
    void fields(QObject *context, Answer<TrailFields> done) override;
    void fieldValues(const TrailFilter &f, const std::string &path, size_t n, QObject *context, Answer<TrailValues> done) override;
    std::unique_ptr<TrailSource> sibling() const override;
    /// The raw bytes of a records() page at most (256 MiB): past them the page ends early.
    void setRecordsPageBytes(size_t bytes);
    /// What the owner has already found over the same snapshot, used by the requests that
    /// follow instead of searching again: every row's matches of a text (EventStore's
    /// textHits), the rows a KQL query matched (its row mask, query/eval.h). Ignored when not
    /// one per row of the snapshot.
    void keepTextHits(const std::string &text, std::shared_ptr<const std::vector<uint8_t>> hits);
    void keepQueryRows(const std::string &query, std::shared_ptr<const std::vector<uint8_t>> mask);
    void cancelAll() override;

    struct State;

private:
    std::shared_ptr<State> d;
};

} // namespace auditlens
