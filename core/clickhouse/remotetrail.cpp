// SPDX-License-Identifier: MIT
#include "remotetrail.h"

#include <QMetaObject>
#include <QPointer>
#include <QUuid>

#include <array>

namespace auditlens::clickhouse {

namespace {

TrailErrorKind trailKind(ErrorKind k)
{
    switch (k) {
    case ErrorKind::None: return TrailErrorKind::None;
    case ErrorKind::Unreachable: return TrailErrorKind::Unreachable;
    case ErrorKind::Timeout: return TrailErrorKind::Timeout;
    case ErrorKind::Cancelled: return TrailErrorKind::Cancelled;
    case ErrorKind::Auth: return TrailErrorKind::Auth;
    case ErrorKind::Syntax: return TrailErrorKind::Syntax;
    case ErrorKind::MissingTable: return TrailErrorKind::MissingTable;
    case ErrorKind::Server: return TrailErrorKind::Server;
    }
    return TrailErrorKind::Server;
}

enum Kind { KCounts, KBuckets, KPage, KRaw, KindCount };

/// Answers `done` with an error later, on the context's thread (never from inside the request).
template <typename T>
void failLater(const QPointer<QObject> &ctx, TrailSource::Answer<T> done, TrailError error)
{
    if (ctx)
        QMetaObject::invokeMethod(
            ctx.data(), [done = std::move(done), error = std::move(error)] { done(T{}, error); }, Qt::QueuedConnection);
}

class RemoteTrail final : public TrailSource
{
public:
    RemoteTrail(const Endpoint &ep, const TrailTable &table)
        : m_client(ep), m_table(table), m_prefix(QUuid::createUuid().toString(QUuid::WithoutBraces))
    {
        QObject::connect(&m_client, &Client::finished, &m_client, [this](const Reply &r) { onFinished(r); });
        // Pages use GLOBAL IN (right on a Distributed table) until the table's engine is known
        Client::Options o;
        o.queryId = m_prefix + QStringLiteral("-engine");
        m_engineQuery = o.queryId;
        m_client.query(trailEngineSql(m_table), o);
    }
    ~RemoteTrail() override
    {
        m_heldPage = nullptr; // no callback after destruction
        m_client.disconnect();
        for (Pending &p : m_pending)
            if (p.onReply)
                m_client.cancel(p.queryId); // the server stops too; no callback after destruction
    }

    std::string label() const override { return displayUrl(m_client.endpoint().url).toStdString(); }

    void counts(const TrailFilter &f, const std::vector<Column> &facets, size_t topN, QObject *context,
                Answer<TrailCounts> done) override
    {
        const size_t nf = facets.size();
        start(KCounts, f, trailCountsSql(m_table, f, facets, topN), context, std::move(done),
              [nf, facets](const QByteArray &body, TrailCounts &v, std::string &err) {
                  v.facets = facets;
                  return parseTrailCounts(body, nf, v, err);
              });
    }
    void buckets(const TrailFilter &f, int64_t from, int64_t to, int n, QObject *context, Answer<TrailBuckets> done) override
    {
        start(KBuckets, f, trailBucketsSql(m_table, f, from, to, n), context, std::move(done),
              [from, to, n](const QByteArray &body, TrailBuckets &v, std::string &err) {
                  return parseTrailBuckets(body, from, to, n, v, err);
              });
    }
    void page(const TrailFilter &f, const TrailKey &after, size_t n, bool descending, QObject *context,
              Answer<TrailPage> done) override
    {
        if (!m_probed) {
            // what the page reads depends on the table (Distributed? resource_id?): held until
            // the probe sent at construction answers, a newer page superseding it meanwhile
            endHeldPage(true);
            m_heldPage = [this, f, after, n, descending, ctx = QPointer<QObject>(context),
                          done = std::move(done)](bool cancelled) mutable {
                if (!cancelled)
                    return page(f, after, n, descending, ctx.data(), std::move(done));
                failLater(ctx, std::move(done), {TrailErrorKind::Cancelled, "the request was superseded by a newer one"});
            };
            return;
        }
        start(KPage, f, trailPageSql(m_table, f, after, n, descending, m_oneNode, m_resourceIds), context, std::move(done),
              [n](const QByteArray &body, TrailPage &v, std::string &err) { return parseTrailPage(body, n, v, err); });
    }
    void raw(const std::string &id, int64_t time, QObject *context, Answer<std::string> done) override
    {
        start(KRaw, TrailFilter{}, trailRawSql(m_table, id, time), context, std::move(done),
              [id](const QByteArray &body, std::string &v, std::string &err) {
                  if (body.isEmpty()) {
                      err = "no record with ID " + id.substr(0, 200) + " in the trail";
                      return false;
                  }
                  std::string_view line(body.constData(), size_t(body.size()));
                  if (line.back() == '\n')
                      line.remove_suffix(1);
                  v = unescapeTsv(line);
                  return true;
              });
    }
    void cancelAll() override
    {
        endHeldPage(true);
        for (Pending &p : m_pending)
            if (p.onReply) {
                auto fn = std::move(p.onReply);
                p.onReply = nullptr;
                m_client.cancel(p.queryId);
                fn(Reply{p.queryId, ErrorKind::Cancelled, 0, 0, "the request was cancelled", {}});
            }
    }

private:
    struct Pending
    {
        QString queryId;
        std::function<void(const Reply &)> onReply; ///< delivers (queued) to the context; empty: none pending
    };

    template <typename T, typename Parse>
    void start(Kind kind, const TrailFilter &f, const QByteArray &sql, QObject *context, Answer<T> done, Parse parse)
    {
        Pending &p = m_pending[kind];
        if (p.onReply) {
            // superseded: its answer is Cancelled, and the server is asked to stop it (KILL QUERY).
            // Each request has an id of its own: reusing one (replace_running_query) let the
            // cancellation of the old request reach the new one on 18.16.
            auto old = std::move(p.onReply);
            p.onReply = nullptr;
            old(Reply{p.queryId, ErrorKind::Cancelled, 0, 0, "the request was superseded by a newer one", {}});
            m_client.cancel(p.queryId);
        }
        QPointer<QObject> ctx(context);
        p.queryId = m_prefix + QStringLiteral("-") + QString::number(int(kind)) + QStringLiteral("-") + QString::number(++m_serial);
        if (!f.query.empty()) {
            // KQL is not translated to SQL yet: refused, never answered as if there were no query
            failLater(ctx, std::move(done), {TrailErrorKind::Query, "KQL queries are not run on ClickHouse yet"});
            return;
        }
        auto deliver = [ctx, done = std::move(done), parse](const Reply &r) {
            T value{};
            TrailError err;
            if (!r.ok()) {
                err = {trailKind(r.kind), r.error};
            } else if (std::string msg; !parse(r.body, value, msg)) {
                err = {TrailErrorKind::Server, msg};
                value = T{};
            }
            if (ctx)
                QMetaObject::invokeMethod(
                    ctx.data(), [done, value = std::move(value), err = std::move(err)]() mutable { done(std::move(value), std::move(err)); },
                    Qt::QueuedConnection);
        };
        Client::Options o;
        o.queryId = p.queryId;
        m_client.query(sql, o);
        p.onReply = std::move(deliver);
    }

    /// Sends (or, `cancelled`, answers Cancelled) the page held for the probe, if any.
    void endHeldPage(bool cancelled)
    {
        if (auto held = std::move(m_heldPage)) {
            m_heldPage = nullptr;
            held(cancelled);
        }
    }

    void onFinished(const Reply &r)
    {
        if (r.queryId == m_engineQuery) {
            // any other engine than Distributed (or none yet: the first request will say so)
            const QList<QByteArray> f = r.body.trimmed().split('\t');
            m_oneNode = r.ok() && f.size() == 2 && !f[0].isEmpty() && f[0] != "Distributed";
            m_resourceIds = r.ok() && f.size() == 2 && f[1] == "1";
            m_probed = true; // also when it failed: GLOBAL IN and no resource IDs are always right
            endHeldPage(false);
            return;
        }
        for (Pending &p : m_pending)
            if (p.onReply && p.queryId == r.queryId) {
                auto fn = std::move(p.onReply);
                p.onReply = nullptr;
                fn(r);
                return;
            }
    }

    Client m_client;
    TrailTable m_table;
    QString m_prefix;
    std::array<Pending, KindCount> m_pending;
    uint64_t m_serial = 0; ///< makes each request's query id its own
    QString m_engineQuery;
    bool m_oneNode = false; ///< the table is not a Distributed one
    bool m_resourceIds = false; ///< the table has the resource_id column
    bool m_probed = false;      ///< the two above are known
    std::function<void(bool cancelled)> m_heldPage; ///< a page asked for before they were
};

} // namespace

std::unique_ptr<TrailSource> openRemoteTrail(const Endpoint &ep, const TrailTable &table)
{
    return std::make_unique<RemoteTrail>(ep, table);
}

} // namespace auditlens::clickhouse
