// SPDX-License-Identifier: MIT
#include "ecs/validator.h"
#include "intake/engine.h"
#include "intake/normalizer.h"
#include "jsoncompare.h"
#include "testutil.h"

#include <QDirIterator>

using namespace auditlens;
using namespace auditlens::intake;



namespace {

/// Sorts related.* lists: the comparison ignores their order (and key order, as Json == does
/// for objects only by content when normalized through nlohmann::json).
nlohmann::json canonical(const Json &ordered)
{
    nlohmann::json j = nlohmann::json::parse(ordered.dump());
    if (j.contains("related"))
        for (auto &[k, v] : j["related"].items())
            if (v.is_array())
                std::sort(v.begin(), v.end());
    return j;
}

std::string diff(const nlohmann::json &exp, const nlohmann::json &got)
{
    const auto patch = nlohmann::json::diff(exp, got);
    return patch.dump().substr(0, 600);
}

} // namespace

class TstNormalize : public QObject
{
    Q_OBJECT
private slots:
    void seedSamplesGiveTheSeedsEcs()
    {
        const std::string raw = testutil::readFile(testutil::dataPath("seed/raw_samples.json"));
        const std::string expected = testutil::readFile(testutil::dataPath("seed/expected_ecs.ndjson"));
        QVERIFY(!raw.empty() && !expected.empty());
        auto c = testutil::readMem(raw);
        QCOMPARE(c.records.size(), size_t(5));
        std::vector<nlohmann::json> exp;
        size_t start = 0;
        while (start < expected.size()) {
            const size_t nl = expected.find('\n', start);
            exp.push_back(nlohmann::json::parse(expected.substr(start, nl - start)));
            start = nl + 1;
        }
        QCOMPARE(exp.size(), size_t(5));
        auto parser = IntakeParser::builtin();
        QVERIFY(parser->warnings().empty());
        for (size_t i = 0; i < 5; ++i) {
            NormalizedRecord r = normalizeRecord(*parser, c.records[i]);
            QVERIFY2(r.ok, r.error.c_str());
            const auto got = canonical(r.result.event);
            QVERIFY2(got == exp[i], diff(exp[i], got).c_str());
        }
    }

    void corpusAuditLogTestsWithOurParser()
    {
        REQUIRE_SHARED(shared);
        QDirIterator it(shared + QStringLiteral("/corpus/intake-formats/Cloudflare/audit_logs/tests"), {QStringLiteral("*.json")});
        auto parser = IntakeParser::builtin();
        int n = 0;
        while (it.hasNext()) {
            const QString path = it.next();
            auto t = nlohmann::json::parse(testutil::readFile(path));
            NormalizedRecord r = normalizeRecord(*parser, t["input"]["message"].get<std::string>());
            QVERIFY2(r.ok, qPrintable(path));
            nlohmann::json exp = t["expected"];
            if (exp.contains("related"))
                for (auto &[k, v] : exp["related"].items())
                    std::sort(v.begin(), v.end());
            const auto got = canonical(r.result.event);
            QVERIFY2(got == exp, qPrintable(path + QStringLiteral(": ") + QString::fromStdString(diff(exp, got))));
            ++n;
        }
        QCOMPARE(n, 5);
    }

    void v2RecordsAreMapped()
    {
        const std::string rec = "{\"AccountID\":\"acc\",\"ActionDescription\":\"Add Member\",\"ActionResult\":\"failure\",\"ActionTimestamp\":1717236000123000000,\"ActionType\":\"create\",\"ActorContext\":\"dash\",\"ActorEmail\":\"a@b.c\",\"ActorID\":\"u1\",\"ActorIPAddress\":\"::ffff:9.8.7.6\",\"ActorType\":\"user\",\"AuditLogID\":\"v2-1\",\"ResourceType\":\"member\",\"ResourceScope\":\"accounts\",\"Raw\":{\"method\":\"POST\",\"status_code\":403,\"uri\":\"/accounts/acc/members\"}}";
        NormalizedRecord r = normalizeRecord(*IntakeParser::builtin(), rec);
        QVERIFY(r.ok);
        const Json &e = r.result.event;
        JCOMPARE(e["event"]["dataset"], Json("audit_logs_v2"));
        JCOMPARE(e["event"]["outcome"], Json("failure"));
        JCOMPARE(e["@timestamp"], Json("2024-06-01T10:00:00.123000Z"));
        JCOMPARE(e["source"]["ip"], Json("9.8.7.6"));
        JCOMPARE(e["cloud"]["account"]["id"], Json("acc"));
        JCOMPARE(e["http"]["response"]["status_code"], Json(403));
        JCOMPARE(e["cloudflare"]["AuditLogID"], Json("v2-1"));
        QVERIFY(!e["cloudflare"].contains("ActionResult"));
    }

    void everyTimestampFormatNormalizes_data()
    {
        QTest::addColumn<QString>("when");
        QTest::addColumn<QString>("expected");
        QTest::newRow("rfc3339") << "\"2021-11-30T20:19:48Z\"" << "2021-11-30T20:19:48Z";
        QTest::newRow("rfc3339ms") << "\"2021-11-30T20:19:48.120Z\"" << "2021-11-30T20:19:48.120000Z";
        QTest::newRow("rfc3339ns") << "\"2021-11-30T20:19:48.123456789Z\"" << "2021-11-30T20:19:48.123456Z";
        QTest::newRow("unix") << "1638303588" << "2021-11-30T20:19:48Z";
        QTest::newRow("unixnano") << "1638303588000000000" << "2021-11-30T20:19:48Z";
        QTest::newRow("unix string") << "\"1638303588\"" << "2021-11-30T20:19:48Z";
    }
    void everyTimestampFormatNormalizes()
    {
        QFETCH(QString, when);
        QFETCH(QString, expected);
        const std::string rec = "{\"ActionType\":\"x\",\"ID\":\"1\",\"When\":" + when.toStdString() + "}";
        NormalizedRecord r = normalizeRecord(*IntakeParser::builtin(), rec);
        QVERIFY(r.ok);
        QCOMPARE(QString::fromStdString(r.result.event["@timestamp"].get<std::string>()), expected);
    }

    void provenanceLinksEcsFieldsToRawFields()
    {
        const std::string raw = testutil::readFile(testutil::dataPath("seed/raw_samples.json"));
        auto c = testutil::readMem(raw);
        NormalizedRecord r = normalizeRecord(*IntakeParser::builtin(), c.records[1], 128, true);
        QVERIFY(r.ok);
        std::map<std::string, FieldProvenance> byField;
        for (const auto &p : r.result.provenance)
            byField[p.field] = p;
        QVERIFY(byField.count("source.ip"));
        QCOMPARE(byField["source.ip"].rawFields.front(), std::string("ActorIP"));
        QCOMPARE(byField["source.ip"].stage, std::string("v1_fields"));
        QCOMPARE(byField["cloudflare.request_name"].rawFields, (std::vector<std::string>{"Metadata.Request.name"}));
        QVERIFY(byField["related.ip"].kind == ProvenanceKind::Enrichment);
        QVERIFY2(describeProvenance(byField["source.ip"]).rfind("v1_fields[", 0) == 0, describeProvenance(byField["source.ip"]).c_str());
        QVERIFY2(describeProvenance(byField["source.ip"]).find("(raw: ActorIP") != std::string::npos,
                 describeProvenance(byField["source.ip"]).c_str());
        QCOMPARE(describeProvenance(byField["message"]), std::string("input"));
        QVERIFY(describeProvenance(byField["related.ip"]).rfind("enrichment (raw: ActorIP", 0) == 0);
        QCOMPARE(byField["@timestamp"].rawFields, (std::vector<std::string>{"When"}));
        // every output leaf has a provenance entry
        std::vector<std::string> leaves;
        leafPaths(r.result.event, "", leaves);
        for (const auto &l : leaves)
            QVERIFY2(byField.count(l), l.c_str());
    }

    void badRecordsAreRejectedWithAReason()
    {
        auto parser = IntakeParser::builtin();
        NormalizedRecord a = normalizeRecord(*parser, "{\"ID\": \"x\", \"When\": ");
        QVERIFY(!a.ok);
        QVERIFY(!a.error.empty());
        NormalizedRecord b = normalizeRecord(*parser, "[1,2,3]");
        QVERIFY(!b.ok);
        QVERIFY(b.error.find("expected an object") != std::string::npos);
    }

    void ecsValidation()
    {
        const Json e = Json::parse("{\"message\":\"x\",\"event\":{\"category\":[\"netwrk\"],\"type\":\"access\",\"kind\":\"event\"},"
                                   "\"source\":{\"ip\":\"not-an-ip\",\"port\":\"abc\"},\"related\":{\"ip\":\"1.2.3.4\"},"
                                   "\"host\":{\"name\":[\"a\",\"b\"]},\"made\":{\"up\":1},\"@timestamp\":\"yesterday\","
                                   "\"ecs\":{\"version\":7},\"observer\":{}}");
        std::map<std::string, std::vector<ecs::Problem::Kind>> got;
        for (const auto &p : ecs::validate(e, IntakeParser::builtin()->taxonomy()))
            got[p.field].push_back(p.kind);
        using K = ecs::Problem::Kind;
        QCOMPARE(got["event.category"], (std::vector<K>{K::NotAllowed}));
        QCOMPARE(got["event.type"], (std::vector<K>{K::NotAnArray}));
        QVERIFY(!got.count("event.kind"));
        QCOMPARE(got["source.ip"], (std::vector<K>{K::WrongType}));
        QCOMPARE(got["source.port"], (std::vector<K>{K::WrongType}));
        QCOMPARE(got["related.ip"], (std::vector<K>{K::NotAnArray}));
        QCOMPARE(got["host.name"], (std::vector<K>{K::UnexpectedArray}));
        QCOMPARE(got["made.up"], (std::vector<K>{K::UnknownField}));
        QCOMPARE(got["@timestamp"], (std::vector<K>{K::WrongType}));
        QVERIFY(!got.count("message"));
        // ECS's own fields are known to the validator, though Sekoia's taxonomy leaves ecs.* out
        QCOMPARE(got["ecs.version"], (std::vector<K>{K::WrongType}));
        QVERIFY(!got.count("observer"));
        // the seed's records are clean
        auto c = testutil::readMem(testutil::readFile(testutil::dataPath("seed/raw_samples.json")));
        for (const auto &r : c.records) {
            auto n = normalizeRecord(*IntakeParser::builtin(), r);
            QVERIFY(ecs::validate(n.result.event, IntakeParser::builtin()->taxonomy()).empty());
        }
    }

    void malformedParserFilesNameFileAndLine()
    {
        std::string err;
        auto p = IntakeParser::fromText("pipeline:\n  - name: x\n    external:\n      name: grok.match\n      properties:\n        pattern: '%{NOPE:x}'\n",
                                        "", "bad.yml", err);
        QVERIFY2(p, err.c_str()); // the entry is disabled, not the parser
        QCOMPARE(p->warnings().size(), size_t(1));
        QVERIFY2(p->warnings()[0].find("bad.yml:2") == 0 && p->warnings()[0].find("NOPE") != std::string::npos,
                 p->warnings()[0].c_str());
        err.clear();
        p = IntakeParser::fromText("pipeline: [ {name: s} ]\nstages:\n  s:\n    actions:\n      - set:\n          a: '{{ x + }}'\n      - set:\n          b: ok\n",
                                   "", "p.yml", err);
        QVERIFY2(p, err.c_str());
        QCOMPARE(p->warnings().size(), size_t(1)); // the bad action is disabled, not the parser
        QVERIFY(p->warnings()[0].find("p.yml:5") != std::string::npos);
        auto r = p->run("{}");
        JCOMPARE(r.event["b"], Json("ok"));
        p = IntakeParser::fromText("pipeline: [\n", "", "broken.yml", err);
        QVERIFY(!p);
        QVERIFY(err.find("broken.yml:") != std::string::npos);
    }
};

QTEST_APPLESS_MAIN(TstNormalize)
#include "tst_normalize.moc"
