// SPDX-License-Identifier: MIT
// Every Logpush operation against a real OpenAPI mock server (Stoplight Prism serving
// ../shared/reference/cloudflare/logpush-openapi.json with request validation): each request
// the client makes must pass the mock's schema validation. Needs Node.js, the npm package
// installed by .ci/run (tools/mock) and ../shared.
#include "logpush/api.h"
#include "testutil.h"

#include <QProcess>
#include <QProcessEnvironment>
#include <QTcpServer>

using namespace auditlens::logpush;

namespace {
const std::string kAccount = "0123456789abcdef0123456789abcdef";
const std::string kZone = "fedcba9876543210fedcba9876543210";

int freePort()
{
    QTcpServer s;
    s.listen(QHostAddress::LocalHost, 0);
    return s.serverPort();
}
} // namespace

class TstLogpushMock : public QObject
{
    Q_OBJECT
    QProcess m_prism;
    int m_port = 0;
    QString m_log;

    // the CLI's new commands, end to end: every request they make must pass the mock's schema
    // validation, and they must read its answers
    struct Run
    {
        int rc = -1;
        QString out, err;
    };
    Run cli(QStringList args)
    {
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("CLOUDFLARE_API_TOKEN"), QStringLiteral("mock-token"));
        p.setProcessEnvironment(env);
        args.prepend(QStringLiteral("logpush"));
        args << QStringLiteral("--api-base") << QStringLiteral("http://127.0.0.1:%1").arg(m_port);
        p.start(QStringLiteral(AUDITLENS_CLI), args);
        if (!p.waitForFinished(60000))
            p.kill();
        p.waitForFinished(5000);
        return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, QString::fromUtf8(p.readAllStandardOutput()),
                QString::fromUtf8(p.readAllStandardError())};
    }
    static QStringList strs(std::initializer_list<QAnyStringView> list)
    {
        QStringList out;
        for (QAnyStringView v : list)
            out << v.toString();
        return out;
    }

private slots:
    void initTestCase()
    {
        REQUIRE_SHARED(shared);
        const QString prism = QStringLiteral(AUDITLENS_SOURCE_DIR "/tools/mock/node_modules/.bin/prism");
        if (!QFile::exists(prism)) {
            if (qEnvironmentVariableIntValue("AUDITLENS_REQUIRE_SHARED"))
                QFAIL("the OpenAPI mock server is not installed (cd tools/mock && npm ci): this test needs it");
            QSKIP("the OpenAPI mock server is not installed (cd tools/mock && npm ci): this test needs it");
        }
        m_port = freePort();
        m_prism.setProcessChannelMode(QProcess::MergedChannels);
        m_prism.start(prism, {QStringLiteral("mock"), QStringLiteral("--errors"), QStringLiteral("--dynamic=false"),
                              QStringLiteral("-h"), QStringLiteral("127.0.0.1"), QStringLiteral("-p"), QString::number(m_port),
                              shared + QStringLiteral("/reference/cloudflare/logpush-openapi.json")});
        QVERIFY(m_prism.waitForStarted(10000));
        QTRY_VERIFY_WITH_TIMEOUT((m_log += QString::fromUtf8(m_prism.readAll())).contains(QStringLiteral("Prism is listening")), 60000);
    }
    void cleanupTestCase()
    {
        if (m_prism.state() != QProcess::NotRunning) {
            m_prism.terminate();
            if (!m_prism.waitForFinished(5000))
                m_prism.kill();
        }
    }

    void everyOperationPassesSchemaValidation_data()
    {
        QTest::addColumn<int>("op");
        const char *names[] = {"create (account)", "create (zone)", "list", "get", "update", "update enable only", "delete",
                               "dataset jobs", "fields", "validate destination", "destination exists", "validate origin",
                               "ownership challenge", "validate ownership"};
        for (int i = 0; i < int(std::size(names)); ++i)
            QTest::newRow(names[i]) << i;
    }
    void everyOperationPassesSchemaValidation()
    {
        QFETCH(int, op);
        Job full = sekoiaPreset("0123456789");
        full.name = "example.com";
        Job modern;
        modern.dataset = "http_requests";
        modern.destinationConf = "https://logs.example.com/ingest?header_Authorization=Bearer%20x";
        OutputOptions o;
        o.fieldNames = {"ClientIP", "EdgeStartTimestamp"};
        o.timestampFormat = "rfc3339";
        o.sampleRate = 0.5;
        modern.outputOptions = o;
        modern.filter = "{\"where\":{\"key\":\"ClientRequestHost\",\"operator\":\"eq\",\"value\":\"example.com\"}}";
        modern.maxUploadBytes = 5000000;
        modern.enabled = false;
        Job enableOnly;
        enableOnly.enabled = true;
        ApiRequest req;
        switch (op) {
        case 0: req = createJob(Scope::Account, kAccount, full); break;
        case 1: req = createJob(Scope::Zone, kZone, modern); break;
        case 2: req = listJobs(Scope::Account, kAccount); break;
        case 3: req = getJob(Scope::Account, kAccount, 42); break;
        case 4: req = updateJob(Scope::Account, kAccount, 42, full); break;
        case 5: req = updateJob(Scope::Zone, kZone, 42, enableOnly); break;
        case 6: req = deleteJob(Scope::Account, kAccount, 42); break;
        case 7: req = listDatasetJobs(Scope::Account, kAccount, "audit_logs"); break;
        case 8: req = listFields(Scope::Account, kAccount, "audit_logs"); break;
        case 9: req = validateDestination(Scope::Account, kAccount, full.destinationConf.value()); break;
        case 10: req = destinationExists(Scope::Account, kAccount, full.destinationConf.value()); break;
        case 11: req = validateOrigin(Scope::Zone, kZone, "fields=ClientIP&timestamps=rfc3339", "http_requests"); break;
        case 12: req = ownershipChallenge(Scope::Account, kAccount, "s3://bucket/path?region=us-east-1"); break;
        case 13: req = validateOwnership(Scope::Account, kAccount, "s3://bucket/path?region=us-east-1", "00000000000000000000"); break;
        }
        Client c;
        c.setBaseUrl("http://127.0.0.1:" + std::to_string(m_port));
        c.setToken("mock-token");
        c.setMaxRetries(0);
        const ApiResult r = c.sendAndWait(req);
        // Prism answers 422 (or 400/401/405) with the violations when a request breaks the schema
        QVERIFY2(r.httpStatus >= 200 && r.httpStatus < 300,
                 qPrintable(QStringLiteral("HTTP %1: %2").arg(r.httpStatus).arg(QString::fromStdString(r.message))));
    }

    // the CLI's new commands, end to end: every request they make must pass the mock's schema
    // validation, and they must read its answers
    void cliCommandsAgainstTheMock_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("expectOut");
        const QString acc = QString::fromStdString(kAccount), zone = QString::fromStdString(kZone);
        QTest::newRow("validate-destination")
            << strs({"validate-destination", "https://logs.example.com/in?header_X-Key=k", "--account", acc}) << QStringLiteral("valid");
        QTest::newRow("destination-exists")
            << strs({"destination-exists", "https://logs.example.com/in", "--account", acc}) << QStringLiteral("destination");
        QTest::newRow("validate-origin")
            << strs({"validate-origin", "fields=ClientIP&timestamps=rfc3339", "--dataset", "http_requests", "--zone", zone})
            << QStringLiteral("valid");
        QTest::newRow("ownership request")
            << strs({"ownership", "request", "s3://bucket/path?region=us-east-1", "--account", acc}) << QStringLiteral("wrote the ownership challenge");
        QTest::newRow("ownership validate")
            << strs({"ownership", "validate", "s3://bucket/path?region=us-east-1", "--ownership-challenge", "00000000000000000000",
                     "--account", acc})
            << QStringLiteral("ownership challenge: valid");
        // create: the destination check, then the job (every field of the dataset from the mock's list)
        QTest::newRow("create with check")
            << strs({"jobs", "create", "--destination", "https://logs.example.com/in", "--batch-prefix", "[", "--record-delimiter", ",",
                     "--batch-suffix", "]", "--account", acc})
            << QStringLiteral("\"id\"");
        QTest::newRow("create with ownership")
            << strs({"jobs", "create", "--destination", "s3://bucket/path?region=us-east-1", "--ownership-challenge",
                     "00000000000000000000", "--account", acc})
            << QStringLiteral("\"id\"");
        // update: GET, change, PUT the complete job
        QTest::newRow("update read-modify-write")
            << strs({"jobs", "update", "42", "--timestamps", "rfc3339", "--account", acc}) << QStringLiteral("\"id\"");
    }
    void cliCommandsAgainstTheMock()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, expectOut);
        const Run r = cli(args);
        QVERIFY2(r.rc == 0, qPrintable(QStringLiteral("exit %1\n%2\n%3").arg(r.rc).arg(r.out, r.err)));
        QVERIFY2(r.out.contains(expectOut), qPrintable(r.out));
    }

    void theMockDoesRejectBadRequests()
    {
        // a control: a create without destination_conf and a bad job ID must be refused, so the
        // passes above mean something
        Job noDest;
        noDest.dataset = "audit_logs";
        Client c;
        c.setBaseUrl("http://127.0.0.1:" + std::to_string(m_port));
        c.setToken("mock-token");
        c.setMaxRetries(0);
        const ApiResult r = c.sendAndWait(createJob(Scope::Account, kAccount, noDest));
        QVERIFY2(r.httpStatus >= 400, qPrintable(QStringLiteral("HTTP %1").arg(r.httpStatus)));
        ApiRequest badId = getJob(Scope::Account, kAccount, 1);
        badId.path = scopePath(Scope::Account, kAccount) + "/logpush/jobs/not-a-number";
        QVERIFY(c.sendAndWait(badId).httpStatus >= 400);
    }
};

QTEST_GUILESS_MAIN(TstLogpushMock)
#include "tst_logpush_mock.moc"
