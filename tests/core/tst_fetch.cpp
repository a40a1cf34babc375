// SPDX-License-Identifier: MIT
// The Audit Logs API client against a scripted local API (v1 pages, v2 cursors): every record
// exactly once through paging, 429 (Retry-After), 5xx, malformed pages, hangs, follow polls,
// reruns into the same journal, and a real `auditlens-cli fetch --journal` killed mid-run.
#include "fakeauditapi.h"
#include "testutil.h"

#include "fetch/checkpoint.h"
#include "fetch/fetcher.h"
#include "fetch/page.h"
#include "fetch/query.h"
#include "receiver/receiver.h"
#include "store/eventstore.h"

#include <QElapsedTimer>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <map>
#include <set>

using namespace auditlens;
using namespace auditlens::fetch;

namespace {

constexpr const char *kAccount = "0123456789abcdef0123456789abcdef";
constexpr int64_t kStart = 1'764'500'000'000'000'000LL; // 2025-11-30T10:53:20Z
constexpr int64_t kSec = 1'000'000'000LL;

struct Run
{
    FetchOutcome outcome;
    std::vector<std::string> lines;   ///< records delivered, in order
    std::vector<std::string> ids;     ///< their IDs (indexRecord form), in order
    std::vector<int64_t> times;
    QStringList warnings;
    QList<QPair<int, QString>> waits;
};

FetchOptions options(FakeAuditApi &api, ApiVersion v, int perPage = 1000)
{
    FetchOptions o;
    o.query.api = v;
    o.query.baseUrl = api.baseUrl().toStdString();
    o.query.account = kAccount;
    o.query.sinceNs = kStart;
    o.query.beforeNs = kStart + 1'000'000 * kSec;
    o.query.perPage = perPage;
    o.token = "test-token-do-not-print";
    o.backoffMs = 20;
    o.maxBackoffMs = 100;
    o.timeoutMs = 5000;
    return o;
}

/// Runs a fetcher to its end (or until `whileRunning` returns true once, e.g. to stop it).
Run runFetch(const FetchOptions &o, const std::function<void(Fetcher &, const Run &)> &onPage = {}, int timeoutMs = 30000)
{
    Run r;
    Fetcher f(o);
    QObject::connect(&f, &Fetcher::pageFetched, &f, [&](const std::shared_ptr<const FetchedPage> &p) {
        for (size_t i = 0; i < p->block.spans.size(); ++i) {
            const RecordSpan &s = p->block.spans[i];
            r.lines.emplace_back(p->block.data->data() + s.pos, s.len);
            r.ids.push_back(p->records[i].id);
            r.times.push_back(p->records[i].time);
        }
        if (onPage)
            onPage(f, r);
    });
    QObject::connect(&f, &Fetcher::warning, &f, [&](const QString &m) { r.warnings << m; });
    QObject::connect(&f, &Fetcher::waiting, &f, [&](int ms, const QString &why) { r.waits.append({ms, why}); });
    QSignalSpy done(&f, &Fetcher::finished);
    f.start();
    if (!done.wait(timeoutMs))
        qWarning("the fetch did not finish in time");
    if (!done.isEmpty())
        r.outcome = done.first().first().value<FetchOutcome>();
    return r;
}

std::vector<std::string> expectedIds(const FakeAuditApi &api, ApiVersion v, int64_t since = INT64_MIN, int64_t before = INT64_MAX)
{
    std::vector<std::string> out;
    for (const auto &rec : api.records)
        if (rec.timeNs >= since && rec.timeNs < before)
            out.push_back(std::string(v == ApiVersion::V1 ? "v1:" : "v2:") + rec.id);
    return out;
}

/// The IDs in a journal directory, read as every command reads it (the store's index pass).
std::vector<std::string> journalIds(const QString &dir)
{
    std::vector<std::string> ids;
    for (const std::string &f : receiver::journalFiles(dir.toStdString())) {
        EventStore store;
        std::vector<Diagnostic> diags;
        store.load(SourceSpec::file(f), {}, [&](const Diagnostic &d) { diags.push_back(d); });
        for (const Diagnostic &d : diags)
            qWarning("%s", d.toString().c_str());
        const std::string text = testutil::readFile(QString::fromStdString(f));
        size_t start = 0;
        while (start < text.size()) {
            size_t nl = text.find('\n', start);
            if (nl == std::string::npos)
                nl = text.size();
            std::string line = text.substr(start, nl - start);
            start = nl + 1;
            if (line.empty())
                continue;
            const size_t len = line.size();
            line.append(kRecordPadding, '\0');
            const IndexedRecord ix = indexRecord(std::string_view(line.data(), len), line.size(), 128);
            ids.push_back(ix.ok ? ix.id : "BAD:" + ix.error);
        }
    }
    return ids;
}

} // namespace

class TestFetch : public QObject
{
    Q_OBJECT
private slots:
    void queryUrls();
    void filtersAndTimes();
    void pageParsing();
    void httpMessages();
    void v2CursorsEveryRecordOnce();
    void v1PagesEveryRecordOnce();
    void v1FullLastPageEndsOnEmptyPage();
    void retryAfterOn429_data();
    void retryAfterOn429();
    void serverErrorsRetried();
    void serverErrorsBounded();
    void malformedPageNamed_data();
    void malformedPageNamed();
    void hangTimesOut();
    void rateLimitKept();
    void followAppendsBoundaryOnce_data();
    void followAppendsBoundaryOnce();
    void stopAfterCurrentPage();
    void twoRunsIntoOneJournal_data();
    void twoRunsIntoOneJournal();
    void resumeUsesCheckpoint();
    void tornJournalTailCut();
    void cliOutputAndExitCodes();
    void cliSigintEndsAfterPage();
    void cliKilledMidRunResumes_data();
    void cliKilledMidRunResumes();
};

void TestFetch::queryUrls()
{
    Query q;
    q.account = kAccount;
    q.sinceNs = kStart;
    q.beforeNs = kStart + 5 * kSec + 250'000'000;
    q.perPage = 500;
    q.filters = {{"actor.email", "a+b@example.com", false}};
    q.api = ApiVersion::V1;
    QCOMPARE(QString::fromStdString(q.pageUrl(3, {})),
             QStringLiteral("https://api.cloudflare.com/client/v4/accounts/%1/audit_logs?since=2025-11-30T10%3A53%3A20Z"
                            "&before=2025-11-30T10%3A53%3A25.250000Z&direction=asc&per_page=500&page=3&actor.email=a%2Bb%40example.com")
                 .arg(QLatin1String(kAccount)));
    q.api = ApiVersion::V2;
    q.filters = {{"actor_email", "x@example.com", true}, {"action_type", "update", false}};
    QCOMPARE(QString::fromStdString(q.pageUrl(1, "c/1=")),
             QStringLiteral("https://api.cloudflare.com/client/v4/accounts/%1/logs/audit?since=2025-11-30T10%3A53%3A20Z"
                            "&before=2025-11-30T10%3A53%3A25.250000Z&direction=asc&limit=500&cursor=c%2F1%3D"
                            "&actor_email.not=x%40example.com&action_type=update")
                 .arg(QLatin1String(kAccount)));
    QVERIFY(q.problem().empty());
    q.baseUrl = "http://api.example.com/client/v4";
    QVERIFY(q.problem().find("https") != std::string::npos); // no token in clear text over a network
    q.baseUrl = "http://127.0.0.1:9/client/v4";
    QVERIFY(q.problem().empty());
    q.baseUrl = "https://user:hunter2@api.example.com/client/v4";
    QCOMPARE(displayUrl(q.pageUrl(1, {})).find("hunter2"), std::string::npos); // messages name the page without it
    QVERIFY(displayUrl(q.pageUrl(1, {})).find("https://api.example.com/client/v4/accounts/") == 0);
    q.account = "not-an-id";
    QVERIFY(!q.problem().empty());
}

void TestFetch::filtersAndTimes()
{
    ApiFilter f;
    std::string why;
    QVERIFY(parseFilter(ApiVersion::V2, "actor_email!=bot@example.com", f, why));
    QCOMPARE(f, (ApiFilter{"actor_email", "bot@example.com", true}));
    QVERIFY(parseFilter(ApiVersion::V2, "resource_product.not=dns", f, why));
    QCOMPARE(f, (ApiFilter{"resource_product", "dns", true}));
    QVERIFY(parseFilter(ApiVersion::V1, "zone.name=example.com", f, why));
    QVERIFY(!parseFilter(ApiVersion::V1, "actor.email!=x", f, why));
    QVERIFY(why.find("v1") != std::string::npos);
    QVERIFY(!parseFilter(ApiVersion::V2, "actor.email=x", f, why)); // v1's name
    QVERIFY(why.find("actor_email") != std::string::npos);           // the list of v2's names
    QCOMPARE(apiFilterName(ApiVersion::V1, "actor-ip"), std::string("actor.ip"));
    QCOMPARE(apiFilterName(ApiVersion::V2, "actor-ip"), std::string("actor_ip_address"));
    QCOMPARE(apiFilterName(ApiVersion::V1, "result"), std::string());

    QCOMPARE(parseTimeArg("2025-11-30").value_or(0), 1'764'460'800LL * kSec);
    QCOMPARE(parseTimeArg("2025-11-30T10:53:20Z").value_or(0), kStart);
    QCOMPARE(parseTimeArg("2025-11-30T12:53:20.5+02:00").value_or(0), kStart + 500'000'000);
    QVERIFY(!parseTimeArg("1764500000"));
    QVERIFY(!parseTimeArg("yesterday"));
    QVERIFY(!parseTimeArg("2025-13-01"));
}

void TestFetch::pageParsing()
{
    ParsedPage p;
    QVERIFY(parsePage(R"({"success":true,"errors":[],"result":[{"id":"a","action":{"time":"2025-11-30T10:53:20Z","type":"view"}}],"result_info":{"count":"1","cursor":"next=="}})", p));
    QCOMPARE(p.records.size(), size_t(1));
    QCOMPARE(p.cursor, std::string("next=="));
    QVERIFY(p.records[0].find("\"AuditLogID\":\"a\"") != std::string::npos); // the readers' mapping
    QVERIFY(parsePage(R"({"success":true,"errors":[],"result":[],"result_info":{"count":0}})", p));
    QVERIFY(p.cursor.empty() && p.records.empty());
    QVERIFY(parsePage(R"({"success":true,"errors":[],"result":null})", p)); // an empty page
    QVERIFY(!parsePage(R"({"success":true,"result":[{"id":1},)", p));
    QVERIFY(!p.error.empty());
    QVERIFY(!parsePage(R"({"success":false,"errors":[{"code":1,"message":"nope"}],"result":null})", p));
    QVERIFY(p.error.find("nope") != std::string::npos);
    QVERIFY(!parsePage(R"({"success":true,"result":{"id":"x"}})", p));
    QVERIFY(!parsePage("<html>gateway</html>", p));
}

void TestFetch::httpMessages()
{
    const std::string body = R"({"success":false,"errors":[{"code":10000,"message":"Authentication error"}]})";
    QVERIFY(httpProblem(401, body, kAccount, ApiVersion::V2).find("(401)") != std::string::npos);
    const std::string forbidden = httpProblem(403, body, kAccount, ApiVersion::V2);
    QVERIFY(forbidden.find("Account Settings Read") != std::string::npos);
    QVERIFY(forbidden.find("Authentication error") != std::string::npos);
    QVERIFY(httpProblem(404, "", kAccount, ApiVersion::V2).find(kAccount) != std::string::npos);
    QVERIFY(httpProblem(400, "", kAccount, ApiVersion::V1).find("invalid") != std::string::npos);
    QVERIFY(httpProblem(429, "", kAccount, ApiVersion::V1).find("1,200") != std::string::npos);
    QVERIFY(httpProblem(502, "", kAccount, ApiVersion::V1).find("502") != std::string::npos);
}

void TestFetch::v2CursorsEveryRecordOnce()
{
    FakeAuditApi api;
    api.generate(2500, kStart + kSec, kSec);
    const Run r = runFetch(options(api, ApiVersion::V2));
    QVERIFY2(r.outcome.error.empty(), r.outcome.error.c_str());
    QVERIFY(r.outcome.complete);
    QCOMPARE(r.ids, expectedIds(api, ApiVersion::V2));
    QVERIFY(std::is_sorted(r.times.begin(), r.times.end())); // oldest first
    QCOMPARE(api.requests, 3);
    QVERIFY(api.paths[1].contains("cursor=pos%3A1000"));
    QVERIFY(api.paths[0].contains("direction=asc"));
    for (const QByteArray &a : api.authorizations)
        QCOMPARE(a, QByteArray("Bearer test-token-do-not-print"));
    QVERIFY(r.lines[0].find("\"AuditLogID\":") != std::string::npos);
    QVERIFY(r.lines[0].find("\"ActionTimestamp\":") != std::string::npos);
    QCOMPARE(r.outcome.stats.records, quint64(2500));
    QCOMPARE(r.outcome.stats.duplicates, quint64(0));
}

void TestFetch::v1PagesEveryRecordOnce()
{
    FakeAuditApi api;
    api.generate(2345, kStart + kSec, kSec);
    const Run r = runFetch(options(api, ApiVersion::V1, 500));
    QVERIFY2(r.outcome.error.empty(), r.outcome.error.c_str());
    QCOMPARE(r.ids, expectedIds(api, ApiVersion::V1));
    QCOMPARE(api.requests, 5); // 4 full pages, then a short one
    QVERIFY(api.paths[4].contains("page=5"));
    QVERIFY(r.lines[0].find("\"ID\":") != std::string::npos);
    QVERIFY(r.lines[0].find("\"When\":") != std::string::npos);
    QVERIFY(r.lines[0].find("\"NewValue\":{\"ttl\":300}") != std::string::npos);
}

void TestFetch::v1FullLastPageEndsOnEmptyPage()
{
    FakeAuditApi api;
    api.generate(1000, kStart + kSec, kSec);
    const Run r = runFetch(options(api, ApiVersion::V1, 250));
    QVERIFY2(r.outcome.error.empty(), r.outcome.error.c_str());
    QCOMPARE(r.ids, expectedIds(api, ApiVersion::V1));
    QCOMPARE(api.requests, 5); // the fifth page is empty
}

void TestFetch::retryAfterOn429_data()
{
    QTest::addColumn<int>("api");
    QTest::newRow("v1") << int(ApiVersion::V1);
    QTest::newRow("v2") << int(ApiVersion::V2);
}

void TestFetch::retryAfterOn429()
{
    QFETCH(int, api);
    const auto v = ApiVersion(api);
    FakeAuditApi server;
    server.generate(1200, kStart + kSec, kSec);
    server.faults[2] = {429, "1", {}, false};
    QElapsedTimer t;
    t.start();
    const Run r = runFetch(options(server, v, 500));
    QVERIFY2(r.outcome.error.empty(), r.outcome.error.c_str());
    QCOMPARE(r.ids, expectedIds(server, v)); // through a 429, every record exactly once
    QCOMPARE(server.paths[1], server.paths[2]); // the same page again
    QCOMPARE(r.outcome.stats.retries, quint64(1));
    bool waitedRetryAfter = false;
    for (const auto &[ms, why] : r.waits)
        waitedRetryAfter |= ms == 1000 && why.contains(QLatin1String("429"));
    QVERIFY2(waitedRetryAfter, "the retry waits the Retry-After of the answer");
    QVERIFY(t.elapsed() >= 950);
}

void TestFetch::serverErrorsRetried()
{
    FakeAuditApi api;
    api.generate(1500, kStart + kSec, kSec);
    api.faults[2] = {503, {}, {}, false};
    api.faults[3] = {500, {}, "<html>oops</html>", false};
    const Run r = runFetch(options(api, ApiVersion::V2, 1000));
    QVERIFY2(r.outcome.error.empty(), r.outcome.error.c_str());
    QCOMPARE(r.ids, expectedIds(api, ApiVersion::V2));
    QCOMPARE(r.outcome.stats.retries, quint64(2));
    QCOMPARE(api.requests, 4);
}

void TestFetch::serverErrorsBounded()
{
    FakeAuditApi api;
    api.generate(1500, kStart + kSec, kSec);
    for (int i = 2; i < 20; ++i)
        api.faults[i] = {502, {}, {}, false};
    FetchOptions o = options(api, ApiVersion::V2, 1000);
    o.maxRetries = 3;
    const Run r = runFetch(o);
    QVERIFY(!r.outcome.error.empty());
    QVERIFY2(r.outcome.error.find("502") != std::string::npos, r.outcome.error.c_str());
    QVERIFY2(r.outcome.error.find("page 2") != std::string::npos, r.outcome.error.c_str());
    QCOMPARE(api.requests, 1 + 4); // page 1, then page 2 four times
    QCOMPARE(r.ids.size(), size_t(1000)); // what was fetched is kept
    QVERIFY(!r.outcome.complete);
}

void TestFetch::malformedPageNamed_data()
{
    QTest::addColumn<int>("api");
    QTest::addColumn<QByteArray>("body");
    QTest::newRow("v2 cut short") << int(ApiVersion::V2) << QByteArray(R"({"success":true,"result":[{"id":"x","action":)");
    QTest::newRow("v1 not json") << int(ApiVersion::V1) << QByteArray("<html>502 Bad Gateway</html>");
    QTest::newRow("v2 result not a list") << int(ApiVersion::V2) << QByteArray(R"({"success":true,"errors":[],"result":{"id":"x"}})");
}

void TestFetch::malformedPageNamed()
{
    QFETCH(int, api);
    QFETCH(QByteArray, body);
    FakeAuditApi server;
    server.generate(900, kStart + kSec, kSec);
    server.faults[2] = {0, {}, body, false};
    const Run r = runFetch(options(server, ApiVersion(api), 400));
    QVERIFY(!r.outcome.error.empty());
    QVERIFY2(r.outcome.error.find("page 2") != std::string::npos && r.outcome.error.find("malformed") != std::string::npos,
             r.outcome.error.c_str());
    QVERIFY2(r.outcome.error.find("GET http://127.0.0.1") != std::string::npos, r.outcome.error.c_str());
    QCOMPARE(r.ids.size(), size_t(400));
    QCOMPARE(server.requests, 2); // not retried: a malformed page is an error
}

void TestFetch::hangTimesOut()
{
    FakeAuditApi api;
    api.generate(1500, kStart + kSec, kSec);
    api.faults[2] = {0, {}, {}, true};
    FetchOptions o = options(api, ApiVersion::V2, 1000);
    o.timeoutMs = 400;
    const Run r = runFetch(o);
    QVERIFY2(r.outcome.error.empty(), r.outcome.error.c_str());
    QCOMPARE(r.ids, expectedIds(api, ApiVersion::V2));
    QCOMPARE(api.requests, 3);
    QVERIFY(r.warnings.join(QLatin1Char('\n')).contains(QLatin1String("timed out")));
}

void TestFetch::rateLimitKept()
{
    FakeAuditApi api;
    api.generate(500, kStart + kSec, kSec);
    FetchOptions o = options(api, ApiVersion::V2, 100);
    o.rateLimit = 2;
    o.rateWindowMs = 400;
    QElapsedTimer t;
    t.start();
    const Run r = runFetch(o);
    QVERIFY2(r.outcome.error.empty(), r.outcome.error.c_str());
    QCOMPARE(r.ids, expectedIds(api, ApiVersion::V2));
    int limited = 0;
    for (const auto &[ms, why] : r.waits)
        limited += why.contains(QLatin1String("requests per")) ? 1 : 0;
    QVERIFY(limited >= 2);    // 5 requests, 2 per window
    QVERIFY(t.elapsed() >= 800); // three windows at least
}

void TestFetch::followAppendsBoundaryOnce_data()
{
    retryAfterOn429_data();
}

void TestFetch::followAppendsBoundaryOnce()
{
    QFETCH(int, api);
    const auto v = ApiVersion(api);
    FakeAuditApi server;
    const int64_t now = QDateTime::currentMSecsSinceEpoch() * 1'000'000LL;
    server.generate(300, now - 600 * kSec, kSec, 0);
    FetchOptions o = options(server, v, 100);
    o.query.sinceNs = now - 3600 * kSec;
    o.query.beforeNs = now;
    o.follow = true;
    o.intervalMs = 50;
    int polls = 0;
    size_t added = 0;
    Run r;
    Fetcher f(o);
    QObject::connect(&f, &Fetcher::pageFetched, &f, [&](const std::shared_ptr<const FetchedPage> &p) {
        for (const IndexedRecord &ix : p->records)
            r.ids.push_back(ix.id);
    });
    QObject::connect(&f, &Fetcher::waiting, &f, [&](int, const QString &why) {
        if (why != QLatin1String("next poll"))
            return;
        ++polls;
        if (polls == 1) {
            // new records after the poll, two of them at the time of the last one delivered
            const int64_t lastT = server.records.back().timeNs;
            for (int i = 0; i < 3; ++i)
                server.records.push_back({"late-" + std::to_string(i), i < 2 ? lastT : lastT + kSec, "user9@example.com", "create"});
            added = 3;
        } else if (polls == 3) {
            f.stop();
        }
    });
    QSignalSpy done(&f, &Fetcher::finished);
    f.start();
    QVERIFY(done.wait(20000));
    const auto out = done.first().first().value<FetchOutcome>();
    QVERIFY2(out.error.empty(), out.error.c_str());
    QVERIFY(out.complete && out.stopped);
    QCOMPARE(added, size_t(3));
    QCOMPARE(r.ids, expectedIds(server, v)); // the boundary record re-read by each poll, kept once
    QVERIFY(out.stats.duplicates >= 2);
    // each poll starts at the newest record delivered (since is inclusive)
    const QByteArray lastSince = QUrl::toPercentEncoding(QString::fromStdString(formatRfc3339(server.records.back().timeNs, FractionMode::Nano)));
    QVERIFY(server.paths.last().contains(QByteArray(QByteArray("since=") + lastSince)));
}

void TestFetch::stopAfterCurrentPage()
{
    FakeAuditApi api;
    api.generate(3000, kStart + kSec, kSec);
    api.delayMs = 50;
    FetchOptions o = options(api, ApiVersion::V2, 500);
    const Run r = runFetch(o, [](Fetcher &f, const Run &run) {
        if (run.ids.size() == 500)
            f.stop();
    });
    QVERIFY(r.outcome.error.empty());
    QVERIFY(r.outcome.stopped);
    QVERIFY(!r.outcome.complete);
    QCOMPARE(r.ids.size(), size_t(500)); // the page in flight when stop() came: none here
    QVERIFY(api.requests <= 2);
}

void TestFetch::twoRunsIntoOneJournal_data()
{
    retryAfterOn429_data();
}

void TestFetch::twoRunsIntoOneJournal()
{
    QFETCH(int, api);
    const auto v = ApiVersion(api);
    FakeAuditApi server;
    server.generate(1700, kStart + kSec, kSec);
    server.faults[3] = {429, "0", {}, false};
    QTemporaryDir dir;
    FetchOptions o = options(server, v, 500);
    o.journalDir = dir.path().toStdString();
    const Run first = runFetch(o);
    QVERIFY2(first.outcome.error.empty(), first.outcome.error.c_str());
    QCOMPARE(journalIds(dir.path()), expectedIds(server, v));
    // the same fetch again, with a few more records: only those are added
    const int64_t lastT = server.records.back().timeNs;
    server.records.push_back({"newer-1", lastT, "user1@example.com", "view"});
    server.records.push_back({"newer-2", lastT + kSec, "user1@example.com", "view"});
    const int before = server.requests;
    const Run second = runFetch(o);
    QVERIFY2(second.outcome.error.empty(), second.outcome.error.c_str());
    QVERIFY(second.outcome.stats.resumed);
    QCOMPARE(second.outcome.stats.records, quint64(2));
    QCOMPARE(server.requests - before, 1); // from the checkpoint: one page
    QCOMPARE(journalIds(dir.path()), expectedIds(server, v));
    // another query (a filter) over the same range, into the same journal: nothing twice
    FetchOptions other = o;
    other.query.filters = {{v == ApiVersion::V1 ? "actor.email" : "actor_email", "user1@example.com", false}};
    const Run third = runFetch(other);
    QVERIFY2(third.outcome.error.empty(), third.outcome.error.c_str());
    QCOMPARE(third.outcome.stats.records, quint64(0));
    QVERIFY(third.outcome.stats.duplicates > 300);
    std::vector<std::string> ids = journalIds(dir.path());
    QCOMPARE(ids, expectedIds(server, v));
    // and the CLI reads the journal directory like a file
    QProcess stats;
    stats.start(QStringLiteral(AUDITLENS_CLI), {QStringLiteral("stats"), QStringLiteral("--json"), dir.path()});
    QVERIFY(stats.waitForFinished(30000));
    QCOMPARE(stats.exitCode(), 0);
    const QByteArray out = stats.readAllStandardOutput();
    QVERIFY2(out.contains("\"records\": 1702") && out.contains("\"rejected\": 0"), out.constData()); // every record once
}

void TestFetch::resumeUsesCheckpoint()
{
    FakeAuditApi api;
    api.generate(2000, kStart + kSec, kSec, 4);
    QTemporaryDir dir;
    FetchOptions o = options(api, ApiVersion::V2, 300);
    o.journalDir = dir.path().toStdString();
    // stopped after two pages: the checkpoint holds the cursor of the third
    const Run first = runFetch(o, [](Fetcher &f, const Run &run) {
        if (run.ids.size() >= 600)
            f.stop();
    });
    QCOMPARE(first.ids.size(), size_t(600));
    CheckpointFile cps(o.journalDir);
    std::string err;
    QVERIFY(cps.load(err));
    const Checkpoint *cp = cps.find(o.query.key());
    QVERIFY(cp);
    QCOMPARE(cp->lastNs, first.times.back());
    QVERIFY(!cp->boundaryIds.empty());
    QVERIFY(std::find(cp->boundaryIds.begin(), cp->boundaryIds.end(), first.ids.back()) != cp->boundaryIds.end());
    QCOMPARE(cp->cursor, std::string("pos:600"));
    QVERIFY(!cp->complete);
    // the same command again: goes on with that cursor
    const int sent = api.requests;
    const Run second = runFetch(o);
    QVERIFY2(second.outcome.error.empty(), second.outcome.error.c_str());
    QVERIFY(api.paths[sent].contains("cursor=pos%3A600"));
    QCOMPARE(journalIds(dir.path()), expectedIds(api, ApiVersion::V2));
    // a later end (e.g. --before now): from the checkpoint's time, the boundary recognised
    o.query.beforeNs += kSec;
    api.generate(2100, kStart + kSec, kSec, 4);
    const int sent2 = api.requests;
    const Run third = runFetch(o);
    QVERIFY2(third.outcome.error.empty(), third.outcome.error.c_str());
    const QByteArray since = QUrl::toPercentEncoding(QString::fromStdString(formatRfc3339(second.times.back(), FractionMode::Nano)));
    QVERIFY(api.paths[sent2].contains(QByteArray(QByteArray("since=") + since)));
    QVERIFY(!api.paths[sent2].contains("cursor="));
    QCOMPARE(journalIds(dir.path()), expectedIds(api, ApiVersion::V2));
}

void TestFetch::tornJournalTailCut()
{
    FakeAuditApi api;
    api.generate(50, kStart + kSec, kSec);
    QTemporaryDir dir;
    FetchOptions o = options(api, ApiVersion::V2, 20);
    o.journalDir = dir.path().toStdString();
    QVERIFY(runFetch(o).outcome.error.empty());
    // a kill in the middle of a write leaves half a record at the end of a journal file
    const auto files = receiver::journalFiles(o.journalDir);
    QVERIFY(!files.empty());
    {
        QFile f(QString::fromStdString(files.back()));
        QVERIFY(f.open(QIODevice::Append));
        f.write("{\"AuditLogID\":\"torn\",\"ActionTimes");
    }
    api.records.push_back({"after-torn", api.records.back().timeNs + kSec, "u@example.com", "view"});
    const Run r = runFetch(o);
    QVERIFY2(r.outcome.error.empty(), r.outcome.error.c_str());
    QVERIFY(r.warnings.join(QLatin1Char('\n')).contains(QLatin1String("torn")));
    const auto ids = journalIds(dir.path());
    QCOMPARE(ids, expectedIds(api, ApiVersion::V2)); // no broken line left
}

void TestFetch::cliOutputAndExitCodes()
{
    FakeAuditApi api;
    api.generate(1200, kStart + kSec, kSec);
    const QString since = QStringLiteral("2025-11-30T10:53:20Z");
    auto cli = [&](QStringList args, const QByteArray &token = "cli-secret-token-42") {
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("CLOUDFLARE_API_TOKEN"), QString::fromLatin1(token));
        p.setProcessEnvironment(env);
        QSignalSpy finished(&p, &QProcess::finished);
        p.start(QStringLiteral(AUDITLENS_CLI), QStringList{QStringLiteral("fetch")} + args);
        finished.wait(30000); // the server answers on this thread: wait with its event loop running
        return std::tuple<int, QByteArray, QByteArray>{p.exitCode(), p.readAllStandardOutput(), p.readAllStandardError()};
    };
    const QStringList base = {QStringLiteral("--account"), QLatin1String(kAccount), QStringLiteral("--api-base"), api.baseUrl(),
                              QStringLiteral("--since"), since, QStringLiteral("--before"), QStringLiteral("2026-01-01")};
    {
        auto [code, out, err] = cli(base + QStringList{QStringLiteral("--per-page"), QStringLiteral("500")});
        QCOMPARE(code, 0);
        const QList<QByteArray> lines = out.trimmed().split('\n');
        QCOMPARE(lines.size(), 1200);
        QVERIFY(lines.first().startsWith("{\"AccountID\":"));
        QVERIFY(lines.first().contains(QByteArray::fromStdString(api.records.front().id)));
        QVERIFY(lines.last().contains(QByteArray::fromStdString(api.records.back().id)));
        QVERIFY2(err.contains("1200 new records in 3 pages"), err.constData());
        QVERIFY(!err.contains("cli-secret-token-42") && !out.contains("cli-secret-token-42"));
        QCOMPARE(api.authorizations.last(), QByteArray("Bearer cli-secret-token-42"));
    }
    {
        auto [code, out, err] = cli(base + QStringList{QStringLiteral("--api"), QStringLiteral("v1"), QStringLiteral("--actor-email"),
                                                       QStringLiteral("user2@example.com")});
        QCOMPARE(code, 0);
        QCOMPARE(out.trimmed().split('\n').size(), 240);
        QVERIFY(api.paths.last().contains("actor.email=user2%40example.com"));
        QVERIFY(out.startsWith("{\"ActionResult\":true"));
    }
    {
        auto [code, out, err] = cli(base + QStringList{QStringLiteral("--actor-email"), QStringLiteral("!user2@example.com"),
                                                       QStringLiteral("--filter"), QStringLiteral("action_type=update"),
                                                       QStringLiteral("--filter"), QStringLiteral("zone_name=example.com")});
        QCOMPARE(code, 0);
        QVERIFY(api.paths.last().contains("actor_email.not=user2%40example.com"));
        QVERIFY(api.paths.last().contains("action_type=update"));
        QVERIFY(api.paths.last().contains("zone_name=example.com"));
    }
    for (const QStringList &bad : {QStringList{QStringLiteral("--api"), QStringLiteral("v3")},
                                   QStringList{QStringLiteral("--result"), QStringLiteral("success"), QStringLiteral("--api"), QStringLiteral("v1")},
                                   QStringList{QStringLiteral("--filter"), QStringLiteral("actor.email!=x"), QStringLiteral("--api"), QStringLiteral("v1")},
                                   QStringList{QStringLiteral("--since"), QStringLiteral("last tuesday")},
                                   QStringList{QStringLiteral("--interval"), QStringLiteral("5")}}) {
        auto [code, out, err] = cli(base + bad);
        QCOMPARE(code, 2);
        QVERIFY(out.isEmpty());
        QVERIFY2(err.contains("auditlens-cli fetch: "), err.constData());
    }
    {
        auto [code, out, err] = cli(base, "");
        QCOMPARE(code, 2);
        QVERIFY(err.contains("CLOUDFLARE_API_TOKEN"));
    }
    {
        QTemporaryDir tmp;
        QFile tf(tmp.filePath(QStringLiteral("token")));
        QVERIFY(tf.open(QIODevice::WriteOnly));
        tf.write("file-token-9\n");
        tf.close();
        auto [code, out, err] = cli(base + QStringList{QStringLiteral("--token-file"), tf.fileName()}, "");
        QCOMPARE(code, 0);
        QCOMPARE(api.authorizations.last(), QByteArray("Bearer file-token-9"));
        QVERIFY(!err.contains("file-token-9"));
    }
    for (int status : {401, 403, 404, 400}) {
        api.faults[api.requests + 1] = {status, {}, {}, false};
        auto [code, out, err] = cli(base);
        QCOMPARE(code, 1);
        QVERIFY2(err.contains(QByteArray(QByteArray("(") + QByteArray::number(status) + QByteArray(")"))), err.constData());
        QVERIFY(!err.contains("cli-secret-token-42"));
        if (status == 403)
            QVERIFY(err.contains("Account Settings Read"));
    }
}

void TestFetch::cliSigintEndsAfterPage()
{
    FakeAuditApi server;
    const int64_t now = QDateTime::currentMSecsSinceEpoch() * 1'000'000LL;
    server.generate(3000, now - 3600 * kSec, kSec / 2, 0);
    server.holdFrom = 2; // page 1 at once, page 2 held
    QTemporaryDir dir;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("CLOUDFLARE_API_TOKEN"), QStringLiteral("sigint-token"));
    QProcess p;
    p.setProcessEnvironment(env);
    QSignalSpy finished(&p, &QProcess::finished);
    p.start(QStringLiteral(AUDITLENS_CLI), {QStringLiteral("fetch"), QStringLiteral("--account"), QLatin1String(kAccount),
                                            QStringLiteral("--api-base"), server.baseUrl(), QStringLiteral("--since"),
                                            QString::fromStdString(formatRfc3339(now - 7200 * kSec)), QStringLiteral("--journal"),
                                            dir.path(), QStringLiteral("--follow"), QStringLiteral("--interval"), QStringLiteral("1")});
    QTRY_COMPARE_WITH_TIMEOUT(server.held(), 1, 20000);
    QTRY_COMPARE(journalIds(dir.path()).size(), size_t(1000));
    ::kill(pid_t(p.processId()), SIGINT); // while page 2 is in flight
    QByteArray err;
    QTRY_VERIFY_WITH_TIMEOUT((err += p.readAllStandardError()).contains("stopping after the page being fetched"), 10000);
    QCOMPARE(p.state(), QProcess::Running); // the page is still held: it waits for it
    server.release();
    QVERIFY(finished.wait(20000));
    err += p.readAllStandardError();
    QCOMPARE(p.exitStatus(), QProcess::NormalExit);
    QVERIFY2(p.exitCode() == 0, err.constData()); // a follow run ended by SIGINT is whole
    QCOMPARE(journalIds(dir.path()).size(), size_t(2000)); // the page in flight was taken in
    QCOMPARE(server.requests, 2);                          // and nothing more asked
    QVERIFY2(err.contains("2000 new records in 2 pages"), err.constData());
}

void TestFetch::cliKilledMidRunResumes_data()
{
    retryAfterOn429_data();
}

void TestFetch::cliKilledMidRunResumes()
{
    QFETCH(int, api);
    const auto v = ApiVersion(api);
    FakeAuditApi server;
    server.generate(6000, kStart + kSec, kSec / 1000, 5);
    server.delayMs = 40;
    QTemporaryDir dir;
    const QStringList args = {QStringLiteral("fetch"),       QStringLiteral("--account"), QLatin1String(kAccount),
                              QStringLiteral("--api-base"),  server.baseUrl(),           QStringLiteral("--api"),
                              QLatin1String(apiName(v)),     QStringLiteral("--since"),  QStringLiteral("2025-11-30"),
                              QStringLiteral("--before"),    QStringLiteral("2025-12-01"), QStringLiteral("--per-page"),
                              QStringLiteral("250"),         QStringLiteral("--journal"), dir.path()};
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("CLOUDFLARE_API_TOKEN"), QStringLiteral("kill-test-token"));
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(QStringLiteral(AUDITLENS_CLI), args);
    QTRY_VERIFY_WITH_TIMEOUT(server.requests >= 8, 20000);
    p.kill(); // SIGKILL, mid-run
    QVERIFY(p.waitForFinished(10000));
    QCOMPARE(p.exitStatus(), QProcess::CrashExit);
    const auto partial = journalIds(dir.path());
    QVERIFY(partial.size() >= 1000 && partial.size() < 6000);
    const int sentBefore = server.requests;
    server.delayMs = 0;
    QProcess again;
    again.setProcessEnvironment(env);
    again.start(QStringLiteral(AUDITLENS_CLI), args);
    QTRY_VERIFY_WITH_TIMEOUT(again.state() == QProcess::NotRunning, 60000);
    const QByteArray err = again.readAllStandardError();
    QVERIFY2(again.exitCode() == 0, err.constData());
    QCOMPARE(journalIds(dir.path()), expectedIds(server, v)); // each record once, none missing
    QVERIFY2(server.requests - sentBefore <= 6000 / 250 - int(partial.size()) / 250 + 2, "the rerun resumed from the checkpoint");
    // a third run finds nothing new
    QProcess third;
    third.setProcessEnvironment(env);
    third.start(QStringLiteral(AUDITLENS_CLI), args);
    QTRY_VERIFY_WITH_TIMEOUT(third.state() == QProcess::NotRunning, 60000);
    QCOMPARE(third.exitCode(), 0);
    QCOMPARE(journalIds(dir.path()).size(), size_t(6000));
}

QTEST_GUILESS_MAIN(TestFetch)
#include "tst_fetch.moc"
