// SPDX-License-Identifier: MIT
// Read-modify-write of Logpush jobs, proven end to end: auditlens-cli against a scripted local
// server that behaves as Cloudflare does on PUT (output_options replaced whole). Changing one
// option leaves every other one as it was; logpull_options jobs keep working as they were;
// creation defaults, destination checks, the ownership challenge and masking through the CLI.
#include "fakehttp.h"
#include "logpushfixtures.h"
#include "logpush/api.h"

#include <QDeadlineTimer>
#include <QProcess>
#include <QProcessEnvironment>
#include <QTest>

using namespace auditlens::logpush;
using J = nlohmann::ordered_json;
J richJob(int64_t id) { return logpushfixtures::richJob(id); }
J sekoiaJob(int64_t id) { return logpushfixtures::sekoiaJob(id); }

namespace {
const QString kAccount = QStringLiteral("0123456789abcdef0123456789abcdef");
const QString kToken = QStringLiteral("tok-SECRET-rmw-77aa");

/// Equal as JSON documents (key order aside: the server rebuilds output_options).
bool same(const J &a, const J &b) { return nlohmann::json::parse(a.dump()) == nlohmann::json::parse(b.dump()); }

#define JCOMPARE(a, b) QVERIFY2(same(a, b), ((a).dump() + " != " + J(b).dump()).c_str())

struct Run
{
    int rc = -1;
    QString out, err;
};
} // namespace

class TstLogpushRmw : public QObject
{
    Q_OBJECT

    static QStringList strs(std::initializer_list<QAnyStringView> list)
    {
        QStringList out;
        for (QAnyStringView v : list)
            out << v.toString();
        return out;
    }
    Run cli(FakeCloudflare &srv, std::initializer_list<QAnyStringView> list) { return cli(srv, strs(list)); }
    Run cli(FakeCloudflare &srv, QStringList args)
    {
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("CLOUDFLARE_API_TOKEN"), kToken);
        p.setProcessEnvironment(env);
        args.prepend(QStringLiteral("logpush"));
        args << QStringLiteral("--account") << kAccount << QStringLiteral("--api-base") << srv.baseUrl();
        p.start(QStringLiteral(AUDITLENS_CLI), args);
        if (!p.waitForStarted(10000))
            return {};
        // the server lives in this process: keep its event loop running while the CLI talks to it
        const QDeadlineTimer deadline(60000);
        while (p.state() != QProcess::NotRunning && !deadline.hasExpired()) {
            QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
            p.waitForFinished(5);
        }
        if (p.state() != QProcess::NotRunning) {
            p.kill();
            p.waitForFinished(5000);
            return {};
        }
        Run r;
        r.rc = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
        r.out = QString::fromUtf8(p.readAllStandardOutput());
        r.err = QString::fromUtf8(p.readAllStandardError());
        return r;
    }

    static int puts(const FakeHttpServer &srv)
    {
        int n = 0;
        for (const auto &r : srv.received)
            n += r.method == "PUT";
        return n;
    }

private slots:
    void changingOneOptionKeepsEveryOther_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("changedPath"); // JSON pointer of the one value that changes
        QTest::addColumn<QString>("newValue");    // its new value as JSON
        QTest::newRow("timestamps") << strs({"--timestamps", "rfc3339"}) << QStringLiteral("/output_options/timestamp_format") << QStringLiteral("\"rfc3339\"");
        QTest::newRow("fields") << strs({"--fields", "ActionType,When"}) << QStringLiteral("/output_options/field_names") << QStringLiteral("[\"ActionType\",\"When\"]");
        QTest::newRow("sample rate") << strs({"--sample-rate", "0.25"}) << QStringLiteral("/output_options/sample_rate") << QStringLiteral("0.25");
        QTest::newRow("record delimiter") << strs({"--record-delimiter", "\\n"}) << QStringLiteral("/output_options/record_delimiter") << QStringLiteral("\"\\n\"");
        QTest::newRow("enabled") << strs({"--disabled"}) << QStringLiteral("/enabled") << QStringLiteral("false");
        QTest::newRow("max records") << strs({"--max-upload-records", "2000"}) << QStringLiteral("/max_upload_records") << QStringLiteral("2000");
    }
    void changingOneOptionKeepsEveryOther()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, changedPath);
        QFETCH(QString, newValue);
        FakeCloudflare srv;
        srv.jobs[7] = richJob(7);
        const J before = srv.jobs[7];
        const Run r = cli(srv, strs({"jobs", "update", "7"}) + args);
        QVERIFY2(r.rc == 0, qPrintable(r.err));
        QCOMPARE(puts(srv), 1);
        J expected = before;
        expected[J::json_pointer(changedPath.toStdString())] = J::parse(newValue.toStdString());
        QVERIFY2(same(srv.jobs[7], expected), srv.jobs[7].dump(1).c_str());
        QVERIFY(!r.out.contains(QStringLiteral("s3cr3t-value"))); // the answer is printed masked
    }

    void logpullJobsKeepWorkingAsTheyWere()
    {
        FakeCloudflare srv;
        srv.jobs[8] = sekoiaJob(8);
        const Run r = cli(srv, {"jobs", "update", "8", "--timestamps", "unixnano"});
        QVERIFY2(r.rc == 0, qPrintable(r.err));
        J expected = sekoiaJob(8);
        expected["logpull_options"] = "fields=ActionResult,ActionType,ActorEmail,When&timestamps=unixnano&CVE-2021-44228=true";
        QVERIFY2(same(srv.jobs[8], expected), srv.jobs[8].dump(1).c_str());
        QVERIFY(!srv.jobs[8].contains("output_options")); // not silently converted
        // the PUT carried no read-only field
        const J put = J::parse(srv.received.last().body.toStdString());
        QVERIFY(!put.contains("id") && !put.contains("time_created") && !put.contains("last_error"));
    }

    void valuesAlreadyOnTheJobDoNotBlockAChange()
    {
        // a field Cloudflare added after this Auditlens was built: the job still takes a change
        FakeCloudflare srv;
        srv.jobs[5] = richJob(5);
        srv.jobs[5]["output_options"]["field_names"].push_back("FieldOf2027");
        const J before = srv.jobs[5];
        const Run r = cli(srv, {"jobs", "update", "5", "--timestamps", "rfc3339"});
        QVERIFY2(r.rc == 0, qPrintable(r.err));
        J expected = before;
        expected["output_options"]["timestamp_format"] = "rfc3339";
        QVERIFY2(same(srv.jobs[5], expected), srv.jobs[5].dump(1).c_str());
        // but a field the user gives is checked
        const Run bad = cli(srv, {"jobs", "update", "5", "--fields", "ActionType,Nope"});
        QCOMPARE(bad.rc, 2);
    }

    void optionsOnlyOutputOptionsHasAskForTheConversion()
    {
        FakeCloudflare srv;
        srv.jobs[9] = sekoiaJob(9);
        Run r = cli(srv, {"jobs", "update", "9", "--batch-prefix", "["});
        QCOMPARE(r.rc, 2);
        QVERIFY2(r.err.contains(QStringLiteral("--convert-output-options")), qPrintable(r.err));
        QCOMPARE(puts(srv), 0);
        QVERIFY(same(srv.jobs[9], sekoiaJob(9)));
        r = cli(srv, {"jobs", "update", "9", "--batch-prefix", "[", "--record-delimiter", ",", "--batch-suffix", "]",
                      "--convert-output-options"});
        QVERIFY2(r.rc == 0, qPrintable(r.err));
        const J &oo = srv.jobs[9]["output_options"];
        JCOMPARE(oo["field_names"], J::parse(R"(["ActionResult","ActionType","ActorEmail","When"])"));
        JCOMPARE(oo["timestamp_format"], J("rfc3339"));
        JCOMPARE(oo["CVE-2021-44228"], J(true));
        JCOMPARE(oo["batch_prefix"], J("["));
        JCOMPARE(oo["record_delimiter"], J(","));
        JCOMPARE(srv.jobs[9]["logpull_options"], J(""));
        JCOMPARE(srv.jobs[9]["max_upload_records"], J(1000));
    }

    void planUpdateSendsTheCompleteJob()
    {
        JobEdit e;
        e.timestampFormat = "rfc3339ms";
        const UpdatePlan p = planUpdate(richJob(3), e);
        QVERIFY(p.error.empty());
        J want = richJob(3)["output_options"];
        want["timestamp_format"] = "rfc3339ms";
        QVERIFY(same(p.body["output_options"], want));
        JCOMPARE(p.body["future_field"], J("kept"));
        QVERIFY(!p.body.contains("id") && !p.body.contains("dataset") && !p.body.contains("kind"));
        JobEdit k;
        k.kind = "edge";
        QVERIFY(!planUpdate(richJob(3), k).error.empty());
        // reading a job back keeps the framing and unknown fields (form and CLI start from this)
        const Job j = Job::fromJson(richJob(3));
        QCOMPARE(j.outputOptions->batchPrefix.value_or(""), std::string("["));
        QCOMPARE(j.outputOptions->recordDelimiter.value_or(""), std::string(","));
        QCOMPARE(j.outputOptions->recordSuffix.value_or(""), std::string("}"));
        JCOMPARE(j.extra["future_field"], J("kept"));
        QVERIFY(same(j.toBody(true)["output_options"], richJob(3)["output_options"]));
    }

    void createDefaultsThatWork()
    {
        FakeCloudflare srv;
        const Run r = cli(srv, {"jobs", "create", "--destination", "https://logs.example.com/in?header_X-Key=abc"});
        QVERIFY2(r.rc == 0, qPrintable(r.err));
        QCOMPARE(srv.jobs.size(), size_t(1));
        const J &j = srv.jobs.begin()->second;
        JCOMPARE(j["enabled"], J(true));
        // every field of the dataset, from the API's list
        JCOMPARE(j["output_options"]["field_names"], J::parse(R"(["ActionResult","ActionType","ActorEmail","When"])"));
        // the destination was checked before the job was created
        QVERIFY(srv.received.size() >= 3);
        bool checked = false;
        for (const auto &req : srv.received) {
            if (req.path.endsWith("/logpush/validate/destination"))
                checked = true;
            if (req.path.endsWith("/logpush/jobs") && req.method == "POST")
                QVERIFY(checked);
        }
        QVERIFY(checked);
        const Run d = cli(srv, {"jobs", "create", "--destination", "https://logs.example.com/in", "--disabled"});
        QVERIFY2(d.rc == 0, qPrintable(d.err));
        JCOMPARE(srv.jobs.rbegin()->second["enabled"], J(false));
    }

    void createIsStoppedByAFailedDestinationCheck()
    {
        FakeCloudflare srv;
        srv.destinationValid = false;
        const Run r = cli(srv, {"jobs", "create", "--destination", "https://logs.example.com/in?token=tt-secret-1"});
        QCOMPARE(r.rc, 1);
        QVERIFY2(r.err.contains(QStringLiteral("error validating destination")), qPrintable(r.err));
        QVERIFY(!r.err.contains(QStringLiteral("tt-secret-1")));
        QVERIFY(srv.jobs.empty());
        const Run v = cli(srv, {"validate-destination", "https://logs.example.com/in"});
        QCOMPARE(v.rc, 1);
        QVERIFY(v.out.startsWith(QStringLiteral("not valid")));
    }

    void ownershipChallengeFlow()
    {
        FakeCloudflare srv;
        const QString dest = QStringLiteral("gs://bucket/logs");
        Run r = cli(srv, {"jobs", "create", "--destination", dest});
        QCOMPARE(r.rc, 2);
        QVERIFY2(r.err.contains(QStringLiteral("ownership request")), qPrintable(r.err));
        QVERIFY(srv.jobs.empty());
        r = cli(srv, {"ownership", "request", dest});
        QVERIFY2(r.rc == 0, qPrintable(r.err));
        QVERIFY2(r.out.contains(QString::fromStdString(srv.challengeFile)), qPrintable(r.out));
        r = cli(srv, {"ownership", "validate", dest, "--ownership-challenge", "wrong"});
        QCOMPARE(r.rc, 1);
        r = cli(srv, {"jobs", "create", "--destination", dest, "--ownership-challenge", "wrong"});
        QCOMPARE(r.rc, 1);
        QVERIFY(srv.jobs.empty());
        r = cli(srv, {"jobs", "create", "--destination", dest, "--ownership-challenge", QString::fromStdString(srv.challengeToken)});
        QVERIFY2(r.rc == 0, qPrintable(r.err));
        QCOMPARE(srv.jobs.size(), size_t(1));
        const J post = J::parse(srv.received.last().body.toStdString());
        JCOMPARE(post["ownership_challenge"], J(srv.challengeToken));
    }

    void everyJobOptionHasACliOption()
    {
        FakeCloudflare srv;
        const Run r = cli(srv, {"jobs", "create", "--print-body", "--dataset", "audit_logs", "--destination",
                                "https://user:pa55word@logs.example.com/in", "--fields", "ActionType,When",
                                "--output-type", "ndjson", "--timestamps", "rfc3339ns", "--sample-rate", "0.5",
                                "--cve-2021-44228", "true", "--batch-prefix", "[", "--batch-suffix", "]\\n",
                                "--record-prefix", "{", "--record-suffix", "}", "--record-delimiter", ",",
                                "--field-delimiter", ";", "--record-template", "{\"t\":{{.When}}}",
                                "--kind", "", "--frequency", "low", "--max-upload-bytes", "5000000",
                                "--max-upload-records", "1000", "--max-upload-interval", "30", "--name", "a.b",
                                "--filter", "{\"where\":{\"key\":\"ActionType\",\"operator\":\"eq\",\"value\":\"x\"}}"});
        QVERIFY2(r.rc == 0, qPrintable(r.err));
        const J b = J::parse(r.out.toStdString());
        const J &o = b["output_options"];
        JCOMPARE(o["output_type"], J("ndjson"));
        JCOMPARE(o["timestamp_format"], J("rfc3339ns"));
        JCOMPARE(o["sample_rate"], J(0.5));
        JCOMPARE(o["CVE-2021-44228"], J(true));
        JCOMPARE(o["batch_suffix"], J("]\n"));
        JCOMPARE(o["field_delimiter"], J(";"));
        JCOMPARE(o["record_template"], J("{\"t\":{{.When}}}"));
        JCOMPARE(b["kind"], J(""));
        JCOMPARE(b["frequency"], J("low"));
        JCOMPARE(b["max_upload_interval_seconds"], J(30));
        JCOMPARE(b["destination_conf"], J("https://user:***@logs.example.com/in"));
        QVERIFY(srv.received.isEmpty()); // --print-body sends nothing
    }

    void unknownAndNewDestinationsAreNotRefused_data()
    {
        QTest::addColumn<QString>("dest");
        QTest::addColumn<bool>("warned");
        QTest::newRow("kinesis") << QStringLiteral("kinesis://stream?region=us-east-1&sts-assume-role-arn=arn:aws:iam::1:role/r") << false;
        QTest::newRow("ibmcl") << QStringLiteral("ibmcl://inst.ingress.eu-de.logs.cloud.ibm.com/logs/v1/singles?ibm_api_key=k") << false;
        QTest::newRow("bq") << QStringLiteral("bq://project/dataset/table") << false;
        QTest::newRow("unknown") << QStringLiteral("future://somewhere/x") << true;
    }
    void unknownAndNewDestinationsAreNotRefused()
    {
        QFETCH(QString, dest);
        QFETCH(bool, warned);
        FakeCloudflare srv;
        const Run r = cli(srv, {"jobs", "create", "--print-body", "--destination", dest});
        QVERIFY2(r.rc == 0, qPrintable(r.err));
        QCOMPARE(r.err.contains(QStringLiteral("warning")), warned);
    }
};

QTEST_GUILESS_MAIN(TstLogpushRmw)
#include "tst_logpush_rmw.moc"
