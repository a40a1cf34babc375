// SPDX-License-Identifier: MIT
#include "fakehttp.h"
#include "logpush/api.h"
#include "testutil.h"

#include <QSignalSpy>

using namespace auditlens::logpush;

namespace {
const std::string kAccount = "0123456789abcdef0123456789abcdef";
const std::string kToken = "tok-SECRET-9f8e7d6c5b4a";

QStringList logged;
void captureMessages(QtMsgType, const QMessageLogContext &, const QString &msg) { logged << msg; }

std::vector<std::string> fieldsOf(const std::vector<FieldError> &errs)
{
    std::vector<std::string> out;
    for (const auto &e : errs)
        out.push_back(e.field);
    return out;
}

QByteArray envelope(const char *result) { return QByteArray("{\"success\":true,\"errors\":[],\"messages\":[],\"result\":") + result + "}"; }
} // namespace

class TstLogpush : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase() { qInstallMessageHandler(captureMessages); }

    void sekoiaPresetIsTheSeedsRequest()
    {
        const auto seed = nlohmann::json::parse(testutil::readFile(testutil::dataPath("seed/logpush_create_body.json")));
        const ApiRequest req = createJob(Scope::Account, kAccount, sekoiaPreset("<YOUR_INTAKE_KEY>"));
        QCOMPARE(req.method, std::string("POST"));
        QCOMPARE(req.path, "/accounts/" + kAccount + "/logpush/jobs");
        QVERIFY(req.body);
        QVERIFY2(nlohmann::json::parse(req.body->dump()) == seed, req.body->dump().c_str());
        QVERIFY(validate(sekoiaPreset("<YOUR_INTAKE_KEY>"), Scope::Account, kAccount).empty());
    }

    void validationNamesFieldAndRule()
    {
        Job j;
        j.dataset = "http_requests";
        j.destinationConf = "ftp://x";
        j.name = "bad name!";
        j.maxUploadRecords = 10;
        j.maxUploadIntervalSeconds = 400;
        j.filter = "{\"where\":{\"and\":[]}}";
        j.kind = "stream";
        OutputOptions o;
        o.sampleRate = 1.5;
        o.timestampFormat = "iso";
        j.outputOptions = o;
        auto errs = validate(j, Scope::Account, "xyz");
        QCOMPARE(fieldsOf(errs), (std::vector<std::string>{"account", "dataset", "name", "destination_conf", "kind",
                                                           "max_upload_records", "max_upload_interval_seconds",
                                                           "output_options.timestamp_format", "output_options.sample_rate",
                                                           "filter"}));
        QVERIFY(errs[1].message.find("zone dataset") != std::string::npos);
        // destinations per scheme
        auto destErr = [](const std::string &d) {
            Job k;
            k.dataset = "audit_logs";
            k.destinationConf = d;
            for (const auto &e : validate(k, Scope::Account, kAccount))
                if (e.field == "destination_conf")
                    return e.message;
            return std::string();
        };
        QCOMPARE(destErr("https://logs.example.com/x?header_Authorization=Basic%20abc"), std::string());
        QVERIFY(destErr("http://logs.example.com/").find("only to https") != std::string::npos);
        QVERIFY(destErr("s3://bucket/path").find("'region'") != std::string::npos);
        QCOMPARE(destErr("s3://bucket/path?region=us-east-1"), std::string());
        QVERIFY(destErr("r2://bucket/p?account-id=a").find("access-key-id") != std::string::npos);
        QVERIFY(destErr("datadog://http-intake.logs.datadoghq.com/v1/input").find("DD-API-KEY") != std::string::npos);
        QVERIFY(destErr("splunk://h:8088/services/collector/raw?channel=1").find("header_Authorization") != std::string::npos);
        QVERIFY(destErr("https://x.example.com/?header_=1").find("valid HTTP header") != std::string::npos);
        // a scheme Auditlens cannot check is a warning, never a refusal; documented ones pass
        {
            Job k;
            k.dataset = "audit_logs";
            k.destinationConf = "gopher://x";
            const auto problems = validate(k, Scope::Account, kAccount);
            QCOMPARE(problems.size(), size_t(1));
            QVERIFY(problems[0].warning);
            QVERIFY(!hasErrors(problems));
        }
        QCOMPARE(destErr("kinesis://stream?region=us-east-1&sts-assume-role-arn=arn:aws:iam::1:role/r"), std::string());
        QVERIFY(destErr("kinesis://stream").find("'region'") != std::string::npos);
        QCOMPARE(destErr("ibmcl://i.ingress.eu-de.logs.cloud.ibm.com/logs/v1/singles"), std::string());
        QCOMPARE(destErr("bq://project/dataset/table"), std::string());
        QVERIFY(needsOwnershipChallenge("gs://bucket/p"));
        QVERIFY(needsOwnershipChallenge("s3://bucket/p?region=us-east-1"));
        QVERIFY(!needsOwnershipChallenge("s3://bucket/p?region=us-east-1&access-key-id=A&secret-access-key=B"));
        QVERIFY(!needsOwnershipChallenge("https://logs.example.com/"));
        QVERIFY(destErr("").find("required") != std::string::npos);
        // logpull options
        Job lp = sekoiaPreset("k");
        lp.logpullOptions = "fields=ActionType,Nope&timestamps=iso&sample=2";
        auto lpErr = validate(lp, Scope::Account, kAccount);
        QCOMPARE(lpErr.size(), size_t(3));
        // filters
        QCOMPARE(checkFilter("{\"where\":{\"key\":\"ClientRequestPath\",\"operator\":\"contains\",\"value\":\"/static\"}}"), std::string());
        QVERIFY(checkFilter("{\"where\":{\"key\":\"a\",\"operator\":\"in\",\"value\":1}}").find("must be a list") != std::string::npos);
        QVERIFY(checkFilter("{\"where\":{\"and\":[{\"key\":\"a\"}]}}").find("operator") != std::string::npos);
        QVERIFY(checkFilter("not json").find("not valid JSON") != std::string::npos);
        QVERIFY(checkFilter("{}").find("\"where\"") != std::string::npos);
        // update: destination not required, dataset not checked
        Job upd;
        upd.enabled = true;
        QVERIFY(validate(upd, Scope::Account, kAccount, true).empty());
    }

    void previewsMaskSecrets()
    {
        const ApiRequest req = createJob(Scope::Account, kAccount, sekoiaPreset("INTAKE-KEY-123"));
        const std::string curl = curlCommand(req, kDefaultBaseUrl, kToken);
        QVERIFY(curl.find(kToken) == std::string::npos);
        QVERIFY(curl.find("INTAKE-KEY-123") == std::string::npos);
        QVERIFY(curl.find("Bearer ***") != std::string::npos);
        QVERIFY(curl.find("header_X-SEKOIAIO-INTAKE-KEY=***") != std::string::npos);
        QVERIFY(bodyText(req).find("INTAKE-KEY-123") == std::string::npos);
        const std::string revealed = curlCommand(req, kDefaultBaseUrl, kToken, true);
        QVERIFY(revealed.find(kToken) != std::string::npos);
        QVERIFY(revealed.find("INTAKE-KEY-123") != std::string::npos);
        QCOMPARE(maskDestination("https://h/p?a=1&header_X-Key=s3cr3t&sig=zz"), std::string("https://h/p?a=1&header_X-Key=***&sig=***"));
        // every form a destination carries secrets in
        QCOMPARE(maskDestination("https://user:pa55@h.example.com/p"), std::string("https://user:***@h.example.com/p"));
        QCOMPARE(maskDestination("https://tok3n@h.example.com/p?x=1"), std::string("https://***@h.example.com/p?x=1"));
        QCOMPARE(maskDestination("r2://b/p?account-id=acc&access-key-id=AK&secret-access-key=SK"),
                 std::string("r2://b/p?account-id=acc&access-key-id=***&secret-access-key=***"));
        QCOMPARE(maskDestination("https://log-api.newrelic.com/log/v1?Api-Key=NR1&format=cloudflare"),
                 std::string("https://log-api.newrelic.com/log/v1?Api-Key=***&format=cloudflare"));
        QCOMPARE(maskDestination("azure://c/p?sv=2020&sp=w&signature=S1&X-Amz-Signature=S2&password=P&auth_token=T"),
                 std::string("azure://c/p?sv=2020&sp=w&signature=***&X-Amz-Signature=***&password=***&auth_token=***"));
        QCOMPARE(maskText("error: cannot push to https://u:pw@h.example.com/x?token=t1 (giving up)"),
                 std::string("error: cannot push to https://u:***@h.example.com/x?token=*** (giving up)"));
        // an API error quoting the destination is masked too
        const ApiResult err = interpret(400, "{\"success\":false,\"errors\":[{\"code\":1,\"message\":\"bad https://h.example.com/?header_Authorization=Basic%20zzz\"}]}", "", 1);
        QVERIFY2(err.message.find("zzz") == std::string::npos, err.message.c_str());
        QVERIFY(err.message.find("header_Authorization=***") != std::string::npos);
        QCOMPARE(receiverDestination("https://r.example.com/ingest", "X-Auditlens-Secret", "a b"),
                 std::string("https://r.example.com/ingest?header_X-Auditlens-Secret=a%20b"));
    }

    void clientSuccessAndRequestShape()
    {
        FakeHttpServer srv;
        srv.queue.append({200, envelope("{\"id\":42,\"dataset\":\"audit_logs\",\"enabled\":true,\"name\":\"\"}")});
        Client c;
        c.setBaseUrl(srv.baseUrl().toStdString());
        c.setToken(kToken);
        const ApiResult r = c.sendAndWait(createJob(Scope::Account, kAccount, sekoiaPreset("k")));
        QVERIFY2(r.ok, r.message.c_str());
        QCOMPARE(r.result["id"].get<int>(), 42);
        QCOMPARE(srv.received.size(), 1);
        QCOMPARE(srv.received[0].method, QByteArray("POST"));
        QCOMPARE(srv.received[0].path, QByteArray("/client/v4/accounts/") + QByteArray::fromStdString(kAccount) + "/logpush/jobs");
        QCOMPARE(srv.received[0].header("Authorization"), QByteArray("Bearer ") + QByteArray::fromStdString(kToken));
        QCOMPARE(srv.received[0].header("Content-Type"), QByteArray("application/json"));
        QCOMPARE(nlohmann::json::parse(srv.received[0].body.toStdString())["dataset"].get<std::string>(), std::string("audit_logs"));
        // DELETE and GET send no body
        srv.queue.append({200, envelope("{\"id\":42}")});
        QVERIFY(c.sendAndWait(deleteJob(Scope::Zone, kAccount, 42)).ok);
        QCOMPARE(srv.received[1].method, QByteArray("DELETE"));
        QVERIFY(srv.received[1].body.isEmpty());
        QVERIFY(srv.received[1].path.endsWith(QByteArray("/zones/" + QByteArray::fromStdString(kAccount) + "/logpush/jobs/42")));
    }

    void clientErrors_data()
    {
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("expect");
        QTest::newRow("error envelope") << 400 << QByteArray("{\"success\":false,\"errors\":[{\"code\":1004,\"message\":\"DNS Validation Error\"}],\"result\":null}")
                                        << QStringLiteral("1004: DNS Validation Error");
        QTest::newRow("401") << 401 << QByteArray("{\"success\":false,\"errors\":[{\"code\":10000,\"message\":\"Authentication error\"}],\"result\":null}")
                             << QStringLiteral("did not accept the API token");
        QTest::newRow("403") << 403 << QByteArray("{\"success\":false,\"errors\":[{\"code\":9109,\"message\":\"Unauthorized to access requested resource\"}]}")
                             << QStringLiteral("Logs Write");
        QTest::newRow("404") << 404 << QByteArray("{\"success\":false,\"errors\":[{\"code\":7003,\"message\":\"Could not route\"}]}")
                             << QStringLiteral("check the account or zone ID");
        QTest::newRow("malformed 200") << 200 << QByteArray("<html>oops</html>") << QStringLiteral("not a Cloudflare API response");
        QTest::newRow("success false") << 200 << QByteArray("{\"success\":false,\"errors\":[{\"code\":1,\"message\":\"nope\"}]}")
                                       << QStringLiteral("1: nope");
    }
    void clientErrors()
    {
        QFETCH(int, status);
        QFETCH(QByteArray, body);
        QFETCH(QString, expect);
        FakeHttpServer srv;
        srv.queue.append({status, body});
        Client c;
        c.setBaseUrl(srv.baseUrl().toStdString());
        c.setToken(kToken);
        const ApiResult r = c.sendAndWait(listJobs(Scope::Account, kAccount));
        QVERIFY(!r.ok);
        QCOMPARE(r.httpStatus, status);
        QVERIFY2(QString::fromStdString(r.message).contains(expect), r.message.c_str());
        QCOMPARE(r.attempts, 1);
    }

    void retriesThenSucceeds_data()
    {
        QTest::addColumn<int>("status");
        QTest::newRow("429") << 429;
        QTest::newRow("500") << 500;
        QTest::newRow("503") << 503;
    }
    void retriesThenSucceeds()
    {
        QFETCH(int, status);
        FakeHttpServer srv;
        srv.queue.append({status, "{\"success\":false,\"errors\":[{\"code\":971,\"message\":\"slow down\"}]}"});
        srv.queue.append({200, envelope("[]")});
        Client c;
        c.setBaseUrl(srv.baseUrl().toStdString());
        c.setToken(kToken);
        c.setBackoffMs(20);
        const ApiResult r = c.sendAndWait(listJobs(Scope::Account, kAccount));
        QVERIFY2(r.ok, r.message.c_str());
        QCOMPARE(r.attempts, 2);
        QCOMPARE(srv.received.size(), 2);
    }

    void retriesAreBounded()
    {
        FakeHttpServer srv;
        for (int i = 0; i < 10; ++i)
            srv.queue.append({500, "{\"success\":false,\"errors\":[]}"});
        Client c;
        c.setBaseUrl(srv.baseUrl().toStdString());
        c.setToken(kToken);
        c.setBackoffMs(5);
        c.setMaxRetries(2);
        const ApiResult r = c.sendAndWait(listJobs(Scope::Account, kAccount));
        QVERIFY(!r.ok);
        QCOMPARE(r.attempts, 3);
        QVERIFY(r.message.find("after 3 attempts") != std::string::npos);
    }

    void hangingServerTimesOut()
    {
        FakeHttpServer srv;
        srv.queue.append(FakeResponse(200, QByteArray(), true));
        Client c;
        c.setBaseUrl(srv.baseUrl().toStdString());
        c.setToken(kToken);
        c.setTimeoutMs(300);
        const ApiResult r = c.sendAndWait(listJobs(Scope::Account, kAccount));
        QVERIFY(!r.ok);
        QCOMPARE(r.httpStatus, 0);
        QVERIFY2(r.message.find("timed out") != std::string::npos, r.message.c_str());
    }

    void cancel()
    {
        FakeHttpServer srv;
        srv.queue.append(FakeResponse(200, QByteArray(), true));
        Client c;
        c.setBaseUrl(srv.baseUrl().toStdString());
        c.setToken(kToken);
        QSignalSpy spy(&c, &Client::finished);
        const quint64 id = c.send(listJobs(Scope::Account, kAccount));
        QTRY_COMPARE(srv.received.size(), 1);
        c.cancel(id);
        QCOMPARE(spy.size(), 1);
        QVERIFY(spy[0][1].value<ApiResult>().cancelled);
    }

    void tokenNeverLogged()
    {
        for (const QString &m : logged)
            QVERIFY2(!m.contains(QString::fromStdString(kToken)), qPrintable(m));
    }
};

Q_DECLARE_METATYPE(auditlens::logpush::ApiResult)

QTEST_GUILESS_MAIN(TstLogpush)
#include "tst_logpush.moc"
