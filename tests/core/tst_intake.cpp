// SPDX-License-Identifier: MIT
// The intake language's stages, actions and enrichment rules, each with its failure cases.
#include "intake/dates.h"
#include "intake/engine.h"
#include "intake/enrich.h"
#include "intake/grok.h"
#include "jsoncompare.h"

using namespace auditlens::intake;

namespace {

std::shared_ptr<const IntakeParser> parser(const std::string &yaml, const std::string &fields = {})
{
    std::string err;
    auto p = IntakeParser::fromText(yaml, fields, "test.yml", err);
    if (!p)
        qWarning("%s", err.c_str());
    return p;
}

Json run(const std::string &yaml, const std::string &message, const std::string &fields = {})
{
    auto p = parser(yaml, fields);
    return p ? p->run(message).event : Json();
}

const char *kJsonStage = "pipeline:\n"
                         "  - name: ev\n"
                         "    external:\n"
                         "      name: json.parse-json\n"
                         "      properties: {input_field: '{{original.message}}'}\n";

} // namespace

class TstIntake : public QObject
{
    Q_OBJECT
private slots:
    void grokSemantics()
    {
        Grok g;
        std::string err;
        QVERIFY(g.compile("%{IP:ip} %{WORD}( %{INT:n:int})?", {}, err));
        JCOMPARE(g.match("10.0.0.1 hello 42"), Json::parse("{\"ip\":\"10.0.0.1\",\"WORD\":\"hello\",\"n\":42}"));
        // every named group is present, null when it took no part
        JCOMPARE(g.match("10.0.0.1 hello"), Json::parse("{\"ip\":\"10.0.0.1\",\"WORD\":\"hello\",\"n\":null}"));
        // full match only
        QVERIFY(isUndefined(g.match("10.0.0.1 hello 42 trailing")));
        // the last duplicate that took part wins
        Grok d;
        QVERIFY(d.compile("(%{WORD:x}-%{INT:x}|%{WORD:x})", {}, err));
        JCOMPARE(d.match("abc-12"), Json::parse("{\"x\":\"12\"}"));
        JCOMPARE(d.match("abc"), Json::parse("{\"x\":\"abc\"}"));
        // custom patterns and Python named groups
        Grok c;
        QVERIFY(c.compile("%{KEY:k}=(?P<v>\\d+)", {{"KEY", "[a-z]+"}}, err));
        JCOMPARE(c.match("abc=7"), Json::parse("{\"k\":\"abc\",\"v\":\"7\"}"));
        // bad patterns say what is wrong
        Grok b;
        QVERIFY(!b.compile("%{NOPE:x}", {}, err));
        QVERIFY(err.find("unknown grok pattern %{NOPE}") != std::string::npos);
        QVERIFY(!b.compile("(unclosed", {}, err));
        QVERIFY(err.find("invalid grok pattern") != std::string::npos);
        QVERIFY(!b.compile("%{IP", {}, err));
        QVERIFY(err.find("not closed") != std::string::npos);
        // IPv6 and IPv4-mapped forms
        Grok ip;
        QVERIFY(ip.compile("%{IP:a}", {}, err));
        for (const char *a : {"2001:db8::1", "::ffff:1.2.3.4", "fe80::1%eth0", "::", "1.2.3.4"})
            QVERIFY2(!isUndefined(ip.match(a)), a);
        for (const char *a : {"1.2.3.256", "2001:db8:::1", "hello"})
            QVERIFY2(isUndefined(ip.match(a)), a);
    }

    void dateParse_data()
    {
        QTest::addColumn<QString>("input");
        QTest::addColumn<QString>("format");
        QTest::addColumn<QString>("tz");
        QTest::addColumn<QString>("expected");
        QTest::newRow("epoch float, timestamp") << "1657233726.004" << "timestamp" << "" << "2022-07-07T22:42:06.004000Z";
        QTest::newRow("iso with Z") << "2022-07-07T22:42:06Z" << "" << "" << "2022-07-07T22:42:06.000000Z";
        QTest::newRow("iso with offset") << "2022-07-07T23:42:06+01:00" << "" << "" << "2022-07-07T22:42:06.000000Z";
        QTest::newRow("iso, timezone property") << "2022-07-07 23:42:06" << "" << "Europe/Paris" << "2022-07-07T21:42:06.000000Z";
        QTest::newRow("abbreviation") << "2022-01-07 23:42:06" << "" << "CET" << "2022-01-07T22:42:06.000000Z";
        QTest::newRow("13-digit epoch string") << "1657233726004" << "" << "" << "2022-07-07T22:42:06.004000Z";
        QTest::newRow("9-digit epoch string") << "123456789" << "" << "" << "2009-02-13T23:31:30.000000Z";
        QTest::newRow("CLF") << "07/Jul/2022:22:42:06 +0000" << "" << "" << "2022-07-07T22:42:06.000000Z";
        QTest::newRow("RFC 2822") << "Thu, 07 Jul 2022 22:42:06 GMT" << "" << "" << "2022-07-07T22:42:06.000000Z";
        QTest::newRow("zone name ignored") << "2022-07-07 18:00:02.009 CEST" << "" << "" << "2022-07-07T18:00:02.009000Z";
        QTest::newRow("strptime") << "07/07/2022 10:42:06 PM" << "%m/%d/%Y %I:%M:%S %p" << "" << "2022-07-07T22:42:06.000000Z";
        QTest::newRow("strptime with %z") << "2022-07-07 22:42:06+0200" << "%Y-%m-%d %H:%M:%S%z" << "" << "2022-07-07T20:42:06.000000Z";
    }
    void dateParse()
    {
        QFETCH(QString, input);
        QFETCH(QString, format);
        QFETCH(QString, tz);
        QFETCH(QString, expected);
        const auto out = parseDate(Json(input.toStdString()), format.toStdString(), tz.toStdString());
        QVERIFY2(out, qPrintable(input));
        QCOMPARE(QString::fromStdString(*out), expected);
    }
    void badDates()
    {
        QVERIFY(!parseDate(Json("not a date"), "", ""));
        QVERIFY(!parseDate(Json("2022-13-45 10:00:00"), "", ""));
        QVERIFY(!parseDate(Json("abc"), "timestamp", ""));
        QVERIFY(!parseDate(Json("07/07/2022"), "%Y-%m-%d", ""));
        QVERIFY(!parseDate(Json("2022-07-07 10:00:00"), "", "Mars/Olympus"));
        // in a parser, a failing date.parse leaves the layer undefined
        const std::string yaml = std::string(kJsonStage)
                                 + "  - name: when\n    external:\n      name: date.parse\n      properties: {input_field: '{{ev.message.t}}', output_field: d}\n"
                                   "  - name: s\nstages:\n  s:\n    actions:\n      - set:\n          '@timestamp': '{{when.d}}'\n          event.reason: \"{{'no date' if when is not defined else 'date'}}\"\n";
        const Json bad = run(yaml, "{\"t\":\"garbage\"}");
        QVERIFY(!bad.contains("@timestamp"));
        JCOMPARE(bad["event"]["reason"], Json("no date"));
        JCOMPARE(run(yaml, "{\"t\":\"2022-07-07T22:42:06Z\"}")["@timestamp"], Json("2022-07-07T22:42:06Z"));
    }

    void translateDeleteAndFilters()
    {
        const std::string yaml = std::string(kJsonStage) + "  - name: s\n    filter: '{{ev.message.kind != \"skip\"}}'\nstages:\n  s:\n    actions:\n"
                                 "      - set:\n          event.code: '{{ev.message.code}}'\n          tmp.x: keep-me-not\n"
                                 "      - translate:\n        dictionary:\n          1: A\n          28: AAAA\n        mapping:\n          ev.message.code: dns.question.type\n"
                                 "      - translate:\n        dictionary: {low: '[\"info\"]'}\n        mapping:\n          ev.message.sev: event.type\n        fallback: '[\"error\"]'\n"
                                 "      - delete: [tmp.x]\n"
                                 "      - set:\n          event.action: filtered\n        filter: '{{ev.message.code == 28}}'\n";
        Json e = run(yaml, "{\"code\":1,\"sev\":\"low\"}");
        JCOMPARE(e["dns"]["question"]["type"], Json("A"));
        JCOMPARE(e["event"]["type"], Json::parse("[\"info\"]")); // translate results read as literals
        QVERIFY(!e.contains("tmp"));
        QVERIFY(!e["event"].contains("action"));
        e = run(yaml, "{\"code\":28,\"sev\":\"other\"}");
        JCOMPARE(e["dns"]["question"]["type"], Json("AAAA"));
        JCOMPARE(e["event"]["type"], Json::parse("[\"error\"]")); // fallback
        JCOMPARE(e["event"]["action"], Json("filtered"));
        e = run(yaml, "{\"code\":65353}");
        QVERIFY(!e.contains("dns")); // no match, no fallback: no field
        e = run(yaml, "{\"code\":1,\"kind\":\"skip\"}");
        QVERIFY(!e.contains("event")); // pipeline filter false
    }

    void setRulesAndTyping()
    {
        const std::string fields = "custom.n: {name: custom.n, type: long}\ncustom.b: {name: custom.b, type: boolean}\n"
                                   "custom.list: {name: custom.list, type: array}\ncustom.when: {name: custom.when, type: datetime}\n"
                                   "custom.d.keep: {name: custom.d.keep, type: keyword}\n";
        const std::string yaml = std::string(kJsonStage) + "  - name: s\nstages:\n  s:\n    actions:\n      - set:\n"
                                 "          custom.n: '{{ev.message.n}}'\n          custom.b: '{{ev.message.b}}'\n"
                                 "          custom.list: '{{ev.message.one}}'\n          custom.when: '{{ev.message.when}}'\n"
                                 "          custom.d: '{{ev.message.d}}'\n          source.ip: '{{ev.message.ip}}'\n"
                                 "          destination.ip: '{{ev.message.bad_ip}}'\n          user.name: '{{ev.message.empty}}'\n"
                                 "          host.name: '{{ev.message.missing.deeper}}'\n          event.kind: '{{ev.message.kind}}'\n"
                                 "ignored_values: ['-']\n";
        const Json e = run(yaml, "{\"n\":\"42\",\"b\":\"true\",\"one\":\"x\",\"when\":\"2024-01-01T00:00:00.000Z\",\"d\":{\"keep\":\"k\",\"drop\":\"z\"},\n"
"                               \"ip\":\"0000:0000::0001\",\"bad_ip\":\"999.1.1.1\",\"empty\":\"\",\"kind\":\"-\"}",
                           fields);
        JCOMPARE(e["custom"]["n"], Json(42));
        JCOMPARE(e["custom"]["b"], Json(true));
        JCOMPARE(e["custom"]["list"], Json::parse("[\"x\"]"));
        JCOMPARE(e["custom"]["when"], Json("2024-01-01T00:00:00.000000Z")); // custom dates keep six digits
        JCOMPARE(e["custom"]["d"], Json::parse("{\"keep\":\"k\"}"));     // undeclared members dropped
        JCOMPARE(e["source"]["ip"], Json("::1"));                          // canonical form
        QVERIFY(!e.contains("destination"));                               // not an IP: dropped
        QVERIFY(!e.contains("user"));                                      // "" is not set
        QVERIFY(!e.contains("host"));                                      // undefined path: not set
        QVERIFY(!e.contains("event") || !e["event"].contains("kind"));     // ignored_values (const [] of a missing key is UB)
    }

    void enrichmentRules()
    {
        auto parts = splitDomain("www.Example.co.uk");
        QVERIFY(parts);
        QCOMPARE(parts->registered, std::string("Example.co.uk"));
        QCOMPARE(parts->topLevel, std::string("co.uk"));
        QCOMPARE(parts->subdomain, std::string("www"));
        parts = splitDomain("ip-10-0-0-1.eu-west-3.compute.internal");
        QVERIFY(parts);
        QCOMPARE(parts->registered, std::string());
        QCOMPARE(parts->subdomain, std::string("ip-10-0-0-1.eu-west-3.compute"));
        QVERIFY(!splitDomain("localhost"));
        const UrlParts u = splitUrl("https://User@Example.com:8443/a/b?x=1#frag");
        QCOMPARE(u.scheme, std::string("https"));
        QCOMPARE(u.domain, std::string("Example.com"));
        QCOMPARE(*u.port, 8443);
        QCOMPARE(u.path, std::string("/a/b"));
        QCOMPARE(u.query, std::string("x=1"));
        QCOMPARE(u.fragment, std::string("frag"));
        QVERIFY(u.absolute);
        QVERIFY(!splitUrl("/relative?q=1").absolute);
        if (userAgentParserAvailable()) {
            const auto ua = parseUserAgent("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36");
            QVERIFY(ua);
            QCOMPARE(ua->name, std::string("Chrome"));
            QCOMPARE(ua->osName, std::string("Windows"));
        }
        // through a parser: address, related, url, split
        const std::string yaml = std::string(kJsonStage) + "  - name: s\nstages:\n  s:\n    actions:\n      - set:\n"
                                 "          destination.domain: '{{ev.message.host}}'\n          source.ip: '{{ev.message.ip}}'\n"
                                 "          url.original: '{{ev.message.url}}'\n          user.name: '{{ev.message.user}}'\n"
                                 "          related.ip: ['9.9.9.9']\n          action.outcome: success\n          host.hostname: h1\n";
        const Json e = run(yaml, "{\"host\":\"api.example.com\",\"ip\":\"10.1.2.3\",\"url\":\"https://www.example.org/p?q=1\",\"user\":\"bob\"}");
        JCOMPARE(e["destination"]["address"], Json("api.example.com"));
        JCOMPARE(e["destination"]["registered_domain"], Json("example.com"));
        JCOMPARE(e["source"]["address"], Json("10.1.2.3"));
        JCOMPARE(e["related"]["ip"], Json::parse("[\"10.1.2.3\"]")); // recomputed, replaces the parser's
        JCOMPARE(e["related"]["user"], Json::parse("[\"bob\"]"));
        JCOMPARE(e["url"]["domain"], Json("www.example.org"));
        JCOMPARE(e["url"]["port"], Json(443));
        JCOMPARE(e["url"]["full"], Json("https://www.example.org/p?q=1"));
        JCOMPARE(e["url"]["registered_domain"], Json("example.org"));
        JCOMPARE(e["event"]["outcome"], Json("success"));
        JCOMPARE(e["host"]["name"], Json("h1"));
    }

    void malformedYamlAndStatements()
    {
        std::string err;
        QVERIFY(!IntakeParser::fromText("pipeline:\n  - name: x\n  bad indentation: [\n", "", "m.yml", err));
        QVERIFY2(err.find("m.yml:") != std::string::npos, err.c_str());
        QVERIFY(!IntakeParser::fromText("stages: {}\n", "", "m.yml", err));
        QVERIFY(err.find("no 'pipeline'") != std::string::npos);
        QVERIFY(!IntakeParser::fromText("pipeline:\n  - name: nowhere\n", "", "m.yml", err));
        QVERIFY(err.find("names no stage") != std::string::npos);
        // statements inside a set value
        const std::string yaml = std::string(kJsonStage) + "  - name: s\nstages:\n  s:\n    actions:\n      - set:\n"
                                 "          event.category: \"[{% for c in ev.message.cats %}'{{c | lower}}'{% if not loop.last %},{% endif %}{% endfor %}]\"\n";
        JCOMPARE(run(yaml, "{\"cats\":[\"Network\",\"IAM\"]}")["event"]["category"], Json::parse("[\"network\",\"iam\"]"));
    }
};

QTEST_GUILESS_MAIN(TstIntake)
#include "tst_intake.moc"
