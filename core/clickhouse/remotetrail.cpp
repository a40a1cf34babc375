// SPDX-License-Identifier: MIT
#include "remotetrail.h"

#include "kqlsql.h"
#include "query/eval.h"

#include <QMetaObject>
#include <QPointer>
#include <QUuid>

#include <array>
#include <map>

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

enum Kind { KCounts, KBuckets, KPage, KRecords, KRaw, KFields, KValues, KindCount };

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
    RemoteTrail(const Endpoint &ep, const TrailTable &table, const RemoteTrailOptions &opts)
        : m_client(ep), m_table(table), m_opts(opts), m_prefix(QUuid::createUuid().toString(QUuid::WithoutBraces))
    {
        QObject::connect(&m_client, &Client::finished, &m_client, [this](const Reply &r) { onFinished(r); });
        // The table's columns (and engine): requests wait for them
        Client::Options o;
        o.queryId = m_prefix + QStringLiteral("-engine");
        m_engineQuery = o.queryId;
        m_client.query(trailEngineSql(m_table), o);
    }
    ~RemoteTrail() override
    {
        for (auto &h : m_held)
            h = nullptr; // no callback after destruction
        m_client.disconnect();
        for (Pending &p : m_pending)
            if (p.onReply)
                m_client.cancel(p.queryId); // the server stops too; no callback after destruction
    }

    std::string label() const override
    {
        return m_table.qualified().toStdString() + " on " + displayUrl(m_client.endpoint().url).toStdString();
    }

    void counts(const TrailFilter &f, const std::vector<Column> &facets, size_t topN, QObject *context,
                Answer<TrailCounts> done) override
    {
        const size_t nf = facets.size();
        const uint64_t gen = ++m_countsAsked;
        QPointer<QObject> alive(&m_client); // (gone with this source)
        std::vector<std::string> fields; // of a query by field, parsed once here
        if (!f.query.empty())
            if (const auto q = query::Query::parse(f.query); q->ok())
                fields = q->fields();
        if (fields.size() > kMaxFieldsAsked)
            fields.resize(kMaxFieldsAsked); // (a query of thousands of terms: its SQL stays small)
        // nothing matched a query by field: which of its fields no record has, asked next as
        // part of the same request (a newer one cancels it); if that fails, the counts still answer
        auto then = [this, alive, gen, fields, ctx = QPointer<QObject>(context), done = std::move(done)](TrailCounts v,
                                                                                                      TrailError e) mutable {
            if (!alive || gen != m_countsAsked || !e.ok() || v.matched != 0 || fields.empty() || !ctx)
                return done(std::move(v), std::move(e));
            auto counts = std::make_shared<TrailCounts>(std::move(v));
            start(KCounts, TrailFilter{}, [this, fields] { return fieldsPresentSql(m_table.qualified(), fields); }, ctx.data(),
                  Answer<TrailCounts>([counts, done = std::move(done)](TrailCounts got, TrailError err) {
                      if (!err.ok() && err.kind != TrailErrorKind::Cancelled)
                          return done(*counts, {}); // (no names to add, the counts stand)
                      done(std::move(got), std::move(err));
                  }),
                  [counts, fields](const QByteArray &body, TrailCounts &out, std::string &err) {
                      out = *counts;
                      return parseFieldsPresent(body, fields, out.absentFields, err);
                  });
        };
        start(KCounts, f, [this, f, facets, topN] { return trailCountsSql(m_table, f, facets, topN); }, context,
              Answer<TrailCounts>(std::move(then)), [nf, facets](const QByteArray &body, TrailCounts &v, std::string &err) {
                  v.facets = facets;
                  return parseTrailCounts(body, nf, v, err);
              });
    }
    void buckets(const TrailFilter &f, int64_t from, int64_t to, int n, QObject *context, Answer<TrailBuckets> done) override
    {
        start(KBuckets, f, [this, f, from, to, n] { return trailBucketsSql(m_table, f, from, to, n); }, context, std::move(done),
              [from, to, n](const QByteArray &body, TrailBuckets &v, std::string &err) {
                  return parseTrailBuckets(body, from, to, n, v, err);
              });
    }
    void pageBy(const TrailFilter &f, const TrailOrder &order, const TrailKey &after, size_t n, QObject *context,
                Answer<TrailPage> done) override
    {
        start(KPage, f,
              [this, f, order, after, n] {
                  return trailPageSql(m_table, f, after, n, order.descending, m_resourceIds, false, order.column);
              },
              context, std::move(done),
              [n](const QByteArray &body, TrailPage &v, std::string &err) { return parseTrailPage(body, n, v, err); });
    }
    void records(const TrailFilter &f, const TrailKey &after, size_t n, QObject *context, Answer<TrailPage> done) override
    {
        // the reply is bounded (records of up to 64 MiB each, thousands a page): a page over the
        // bound is refused by the server, and asked again for a quarter of the rows, down to one
        QPointer<QObject> ctx(context);
        Refused smaller = [this, f, after, n, ctx, done](const Reply &r) {
            if (r.code != kTooManyBytes || n <= 1 || !ctx)
                return false;
            records(f, after, std::max<size_t>(1, n / 4), ctx.data(), done);
            return true;
        };
        start(KRecords, f, [this, f, after, n] { return trailPageSql(m_table, f, after, n, false, m_resourceIds, true); },
              context, std::move(done),
              [n](const QByteArray &body, TrailPage &v, std::string &err) { return parseTrailPage(body, n, v, err, true); },
              {{QStringLiteral("max_result_bytes"), QString::number(m_opts.recordsReplyBytes)},
               {QStringLiteral("result_overflow_mode"), QStringLiteral("throw")}},
              std::move(smaller));
    }
    std::unique_ptr<TrailSource> sibling() const override
    {
        return std::make_unique<RemoteTrail>(m_client.endpoint(), m_table, m_opts);
    }
    void raw(const std::string &id, int64_t time, QObject *context, Answer<std::string> done) override
    {
        start(KRaw, TrailFilter{}, [this, id, time] { return trailRawSql(m_table, id, time); }, context, std::move(done),
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
    void fields(QObject *context, Answer<TrailFields> done) override
    {
        start(KFields, TrailFilter{}, [this] { return trailFieldsSql(m_table, m_hasNames); }, context, std::move(done),
              [](const QByteArray &body, TrailFields &v, std::string &err) { return parseTrailFields(body, v, err); }, {}, {},
              true);
    }
    void fieldValues(const TrailFilter &f, const std::string &path, size_t n, QObject *context, Answer<TrailValues> done) override
    {
        if (query::isEcsPath(path)) {
            supersede(KValues, "the request was superseded by a newer one");
            failLater(QPointer<QObject>(context), std::move(done),
                      {TrailErrorKind::Query, "the ECS fields (" + path.substr(0, 200)
                                                  + ") are made on this machine by the intake engine: a ClickHouse trail holds the "
                                                    "raw records' fields"});
            return;
        }
        start(KValues, f, [this, f, path, n] { return trailValuesSql(m_table, f, path, n); }, context, std::move(done),
              [path](const QByteArray &body, TrailValues &v, std::string &err) {
                  v.path = path;
                  return parseTrailValues(body, v, err);
              },
              {}, {}, true);
    }
    void cancelAll() override
    {
        ++m_countsAsked; // (an answer on its way gets no follow-up)
        for (size_t k = 0; k < KindCount; ++k)
            supersede(Kind(k), "the request was cancelled");
    }

private:
    struct Pending
    {
        QString queryId;
        std::function<void(const Reply &)> onReply; ///< delivers (queued) to the context; empty: none pending
    };

    /// Ends the request of `kind` pending or held, if any: answered Cancelled, the server asked
    /// to stop it (KILL QUERY). Each request has an id of its own: reusing one
    /// (replace_running_query) let the cancellation of the old request reach the new one on 18.16.
    void supersede(Kind kind, const char *why)
    {
        if (auto held = std::move(m_held[kind])) {
            m_held[kind] = nullptr;
            held(true);
        }
        Pending &p = m_pending[kind];
        if (p.onReply) {
            auto old = std::move(p.onReply);
            p.onReply = nullptr;
            m_client.cancel(p.queryId);
            old(Reply{p.queryId, ErrorKind::Cancelled, 0, 0, why, {}});
        }
    }

    /// Whether what the SQL of a request for `f` depends on is known: the table (Distributed?
    /// which columns?) and, for a query by field, that every row has its fields. Else the
    /// request is held until the probe answers (sent here when needed), a newer one superseding it.
    bool ready(const TrailFilter &f)
    {
        if (!m_probed)
            return false;
        if (f.query.empty() || m_fieldsChecked || m_probeFailed || !kqlToSql(f.query).readsFields)
            return true;
        if (!m_hasFields) {
            m_fieldsChecked = true; // nothing to count: refused
            return true;
        }
        if (m_fieldsQuery.isEmpty()) {
            Client::Options o;
            o.queryId = m_prefix + QStringLiteral("-fields");
            m_fieldsQuery = o.queryId;
            m_client.query(fieldsMissingSql(m_table), o);
        }
        return false;
    }

    /// Why the filter's query cannot run here, or "".
    TrailError refusal(const TrailFilter &f) const
    {
        if (f.query.empty())
            return {};
        const KqlSql k = kqlToSql(f.query);
        if (!k.ok())
            return {TrailErrorKind::Query, k.error};
        if (k.readsFields && !m_probeFailed) { // (a failed probe: the request fails the same way)
            if (!m_fieldsError.empty())
                return {TrailErrorKind::Server, "checking that the trail's records have their fields: " + m_fieldsError};
            if (std::string why = fieldsRefusal(m_table.qualified(), m_hasFields, m_fieldsMissing); !why.empty())
                return {TrailErrorKind::Query, why};
        }
        return {};
    }

    /// What a request may do with a refusal before it is answered: true when it has asked again
    /// instead (a page too large for the reply's limit asked for fewer rows).
    using Refused = std::function<bool(const Reply &)>;

    /// `readsFields`: the request reads the field columns whatever the filter (a field list, a
    /// field's values), so a table without them refuses it plainly.
    template <typename T, typename Parse>
    void start(Kind kind, const TrailFilter &f, std::function<QByteArray()> sql, QObject *context, Answer<T> done, Parse parse,
               std::map<QString, QString> settings = {}, Refused refused = {}, bool readsFields = false)
    {
        supersede(kind, "the request was superseded by a newer one");
        QPointer<QObject> ctx(context);
        if (!ready(f)) {
            m_held[kind] = [this, kind, f, sql = std::move(sql), ctx, done = std::move(done), parse, settings, refused,
                            readsFields](bool cancelled) mutable {
                if (!cancelled)
                    return start(kind, f, std::move(sql), ctx.data(), std::move(done), parse, std::move(settings), std::move(refused),
                                 readsFields);
                failLater(ctx, std::move(done), {TrailErrorKind::Cancelled, "the request was superseded by a newer one"});
            };
            return;
        }
        if (readsFields && !m_hasFields && !m_probeFailed) {
            failLater(ctx, std::move(done),
                      {TrailErrorKind::Query, fieldsRefusal(m_table.qualified(), false, 0)});
            return;
        }
        if (TrailError why = refusal(f); why.kind != TrailErrorKind::None) {
            failLater(ctx, std::move(done), std::move(why)); // never answered as if there were no query
            return;
        }
        Pending &p = m_pending[kind];
        p.queryId = m_prefix + QStringLiteral("-") + QString::number(int(kind)) + QStringLiteral("-") + QString::number(++m_serial);
        auto deliver = [ctx, done = std::move(done), parse, refused = std::move(refused)](const Reply &r) {
            if (!r.ok() && refused && refused(r))
                return; // (asked again)
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
        o.settings = std::move(settings);
        m_client.query(sql(), o);
        p.onReply = std::move(deliver);
    }

    /// Sends the requests held for a probe that has answered (those still not ready stay held).
    void releaseHeld()
    {
        for (size_t k = 0; k < KindCount; ++k)
            if (auto held = std::move(m_held[k])) {
                m_held[k] = nullptr;
                held(false);
            }
    }

    void onFinished(const Reply &r)
    {
        if (r.queryId == m_engineQuery) {
            // (no table yet: the first request will say so)
            TrailProbe probe;
            const bool known = r.ok() && parseTrailProbe(r.body, probe);
            m_hasFields = known && probe.fields;
            m_resourceIds = known && probe.resourceIds;
            m_hasNames = known && probe.names;
            m_probeFailed = !r.ok();
            m_probed = true; // also when it failed: no resource IDs and no fields are always right
            releaseHeld();
            return;
        }
        if (r.queryId == m_fieldsQuery) {
            bool ok = false;
            m_fieldsMissing = r.body.trimmed().toULongLong(&ok);
            m_fieldsError = r.ok() ? (ok ? std::string() : "unexpected answer: " + r.body.left(200).toStdString()) : r.error;
            m_fieldsChecked = true;
            releaseHeld();
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
    RemoteTrailOptions m_opts;
    QString m_prefix;
    std::array<Pending, KindCount> m_pending;
    uint64_t m_serial = 0; ///< makes each request's query id its own
    uint64_t m_countsAsked = 0; ///< counts() calls: a follow-up only for the newest
    static constexpr size_t kMaxFieldsAsked = 100; ///< the fields whose absence a follow-up asks about
    static constexpr int kTooManyBytes = 396;                     ///< TOO_MANY_ROWS_OR_BYTES: over it
    QString m_engineQuery;
    bool m_resourceIds = false; ///< the table has the resource_id column
    bool m_hasFields = false;   ///< the table has the field_* columns
    bool m_hasNames = false;    ///< … and field_names
    bool m_probed = false;      ///< the two above are known
    bool m_probeFailed = false; ///< … as their defaults, the probe having failed
    QString m_fieldsQuery;      ///< the count of rows without fields, once a query by field needs it
    bool m_fieldsChecked = false;
    uint64_t m_fieldsMissing = 0;
    std::string m_fieldsError;  ///< the count failed: why
    std::array<std::function<void(bool cancelled)>, KindCount> m_held; ///< requests waiting for a probe
};

} // namespace

std::unique_ptr<TrailSource> openRemoteTrail(const Endpoint &ep, const TrailTable &table, const RemoteTrailOptions &opts)
{
    return std::make_unique<RemoteTrail>(ep, table, opts);
}

} // namespace auditlens::clickhouse
