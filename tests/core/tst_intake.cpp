// SPDX-License-Identifier: MIT
// The intake language's stages, actions and enrichment rules, each with its failure cases.
#include "intake/dates.h"
#include "intake/engine.h"
#include "intake/enrich.h"
#include "intake/grok.h"
#include "intake/jsonout.h"
#include "jsoncompare.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>

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
        // beyond int64 nanoseconds: no time rather than a wrapped one (and no overflow, which
        // the sanitizer build would report)
        QVERIFY(!parseDate(Json("9999-12-31 23:59:59"), "%Y-%m-%d %H:%M:%S", ""));
        QVERIFY(!parseDate(Json("0001-01-01 00:00:00"), "%Y-%m-%d %H:%M:%S", ""));
        QVERIFY(!parseDate(Json(99999999999.0), "timestamp", ""));

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
        // an IPv4 address has no parts; numbers that are not one are labels
        QVERIFY(!splitDomain("127.0.0.1"));
        QVERIFY(!splitDomain("10.20.30.255"));
        parts = splitDomain("1.2.3.256");
        QVERIFY(parts);
        QCOMPARE(parts->subdomain, std::string("1.2.3"));
        parts = splitDomain("1.2.3.4.example.com");
        QVERIFY(parts);
        QCOMPARE(parts->registered, std::string("example.com"));
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
        // an entry naming no stage is disabled with a warning; the rest of the parser is kept
        auto nowhere = IntakeParser::fromText("pipeline:\n  - name: nowhere\n", "", "m.yml", err);
        QVERIFY(nowhere);
        QCOMPARE(nowhere->warnings().size(), size_t(1));
        QVERIFY2(nowhere->warnings()[0].find("m.yml:2: pipeline entry 'nowhere' disabled: it names no stage") == 0,
                 nowhere->warnings()[0].c_str());
        // statements inside a set value
        const std::string yaml = std::string(kJsonStage) + "  - name: s\nstages:\n  s:\n    actions:\n      - set:\n"
                                 "          event.category: \"[{% for c in ev.message.cats %}'{{c | lower}}'{% if not loop.last %},{% endif %}{% endfor %}]\"\n";
        JCOMPARE(run(yaml, "{\"cats\":[\"Network\",\"IAM\"]}")["event"]["category"], Json::parse("[\"network\",\"iam\"]"));
    }

    /// yaml-cpp throws on members of an unexpected kind; the loader answers with a diagnostic.
    void unexpectedYamlShapesAreDiagnostics()
    {
        std::string err;
        // `external:` with a name and no properties (the shape of most public parsers)
        auto p = IntakeParser::fromText("pipeline:\n  - name: ev\n    external:\n      name: json.parse-json\n"
                                        "  - name: s\nstages:\n  s:\n    actions:\n      - set: {user.name: '{{ev.message.u}}'}\n",
                                        "", "t.yml", err);
        QVERIFY2(p, err.c_str());
        JCOMPARE(p->run("{\"u\":\"ann\"}").event["user"]["name"], Json("ann"));
        // a stage that is a scalar: an error naming the file and line
        QVERIFY(!IntakeParser::fromText("pipeline:\n  - name: s\nstages:\n  s: just text\n", "", "t.yml", err));
        QVERIFY2(err.find("t.yml:") == 0, err.c_str());
        // `external` as a list, properties as a scalar, set as a scalar, a filter that is a map
        p = IntakeParser::fromText("pipeline:\n  - name: a\n    external: [x]\n"
                                   "  - name: b\n    external: {name: grok.match, properties: 3}\n"
                                   "  - name: s\n    filter: {x: 1}\nstages:\n  s:\n    actions:\n      - set: 5\n"
                                   "      - set: {user.name: ok}\n",
                                   "", "t.yml", err);
        QVERIFY2(p, err.c_str());
        QVERIFY(p->warnings().size() >= 2);
        JCOMPARE(p->run("x").event["user"]["name"], Json("ok"));
        // fields.yml with a field that is a list, a type that is a map
        QVERIFY(!IntakeParser::fromText("pipeline: []\n", "f: [1, 2]\n", "t.yml", err));
        QVERIFY2(err.find("fields.yml") != std::string::npos, err.c_str());
        QVERIFY(!IntakeParser::fromText("pipeline: []\n", "f: {type: {a: 1}}\n", "t.yml", err));
    }

    /// "Billion laughs": aliases of aliases expand to 10^9 nodes from a few hundred bytes.
    void yamlAliasBombIsRefused()
    {
        std::string bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
        for (int i = 1; i < 9; ++i) {
            bomb += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
            for (int k = 0; k < 10; ++k)
                bomb += std::string(k ? ", " : "") + "*a" + std::to_string(i - 1);
            bomb += "]\n";
        }
        std::string err;
        QVERIFY(!IntakeParser::fromText(bomb + "pipeline:\n  - name: s\nstages:\n  s:\n    actions:\n      - set: {x: '*a8'}\n",
                                        "", "bomb.yml", err));
        QVERIFY2(err.find("bomb.yml:") == 0 && err.find("expands to more than") != std::string::npos, err.c_str());
        QVERIFY(!IntakeParser::fromText("pipeline: []\n", bomb, "bomb.yml", err));
        QVERIFY2(err.find("fields.yml") != std::string::npos && err.find("expands to more than") != std::string::npos, err.c_str());
        // a few aliases are fine
        auto p = IntakeParser::fromText("v: &v ok\npipeline:\n  - name: s\nstages:\n  s:\n    actions:\n      - set: {user.name: *v}\n",
                                        "", "t.yml", err);
        QVERIFY2(p, err.c_str());
        JCOMPARE(p->run("x").event["user"]["name"], Json("ok"));
    }

    /// Nesting that would exhaust the stack is a compile diagnostic for that action only.
    void deepJinjaNestingIsRefused_data()
    {
        QTest::addColumn<QString>("expr");
        QTest::newRow("parentheses") << QString(QString(5000, QLatin1Char('(')) + QStringLiteral("1") + QString(5000, QLatin1Char(')')));
        QTest::newRow("lists") << QString(QString(5000, QLatin1Char('[')) + QString(5000, QLatin1Char(']')));
        QTest::newRow("not") << QString(QStringLiteral("not ").repeated(5000) + QStringLiteral("x"));
        QTest::newRow("minus") << QString(QStringLiteral("- ").repeated(5000) + QStringLiteral("1"));
        QTest::newRow("sum") << QString(QStringLiteral("1").append(QStringLiteral(" + 1").repeated(20000)));
        QTest::newRow("attributes") << QString(QStringLiteral("x").append(QStringLiteral(".a").repeated(20000)));
        QTest::newRow("filters") << QString(QStringLiteral("x").append(QStringLiteral(" | lower").repeated(20000)));
    }
    void deepJinjaNestingIsRefused()
    {
        QFETCH(QString, expr);
        const std::string yaml = "pipeline:\n  - name: s\nstages:\n  s:\n    actions:\n      - set: {user.name: '{{" + expr.toStdString()
                                 + "}}'}\n      - set: {user.domain: fine}\n";
        std::string err;
        auto p = IntakeParser::fromText(yaml, "", "deep.yml", err);
        QVERIFY2(p, err.c_str());
        QCOMPARE(p->warnings().size(), size_t(1));
        QVERIFY2(p->warnings()[0].find("deep.yml:6: stage 's', action 1: user.name is never set: ") == 0
                     && p->warnings()[0].find("levels deep") != std::string::npos,
                 p->warnings()[0].substr(0, 200).c_str());
        JCOMPARE(p->run("x").event["user"], Json::parse("{\"domain\":\"fine\"}"));
        // statements nested too deeply
        std::string stmts;
        for (int i = 0; i < 3000; ++i)
            stmts += "{% if true %}";
        QVERIFY_THROWS_EXCEPTION(CompileError, Template(stmts + "x"));
        // a constant string that looks like a deeply nested literal stays a string
        const std::string lit = std::string(5000, '[') + std::string(5000, ']');
        QVERIFY(isUndefined(literalEval(lit)));
        JCOMPARE(literalEval("[[1], {'a': (2,)}]"), Json::parse("[[1], {\"a\": [2]}]"));
    }

    /// original.message is any text: only a stage that parses JSON needs JSON.
    void rawMessagesOfAnyKind()
    {
        const std::string yaml = "pipeline:\n  - name: g\n    external:\n      name: grok.match\n"
                                 "      properties: {pattern: '%{WORD:verb} %{GREEDYDATA:rest}'}\n"
                                 "  - name: s\nstages:\n  s:\n    actions:\n      - set: {event.action: '{{g.message.verb}}',"
                                 " event.reason: '{{g.message.rest}}', host.hostname: '{{original.log.hostname}}'}\n";
        auto p = parser(yaml);
        QVERIFY(p);
        const Json env = Json::parse(R"({"message": "login <13>Oct 11 22:14:15 not JSON at all", "log": {"hostname": "h"},
                                         "event": {"created": "2020-01-01T00:00:00Z"}, "sekoiaio": {"intake": {"x": 1}}})");
        const NormalizeResult r = p->runEnvelope(env);
        JCOMPARE(r.event["event"], Json::parse(R"({"action": "login", "reason": "<13>Oct 11 22:14:15 not JSON at all"})"));
        JCOMPARE(r.event["log"], Json::parse(R"({"hostname": "h"})")); // the envelope is carried over...
        QVERIFY(!r.event.contains("sekoiaio"));                          // ...but not the intake's own members
        JCOMPARE(r.event["host"]["hostname"], Json("h"));
        JCOMPARE(r.event["message"], Json("login <13>Oct 11 22:14:15 not JSON at all"));
        // json.parse-json on a text that is not JSON leaves its layer undefined, nothing else
        const Json e = run(std::string(kJsonStage) + "  - name: s\nstages:\n  s:\n    actions:\n      - set: {user.name: x}\n",
                           "CEF:0|a|b|1|2|n|3|k=v");
        JCOMPARE(e["user"]["name"], Json("x"));
        // a message nested deeper than a parser can use is not parsed
        const Json deep = run(std::string(kJsonStage) + "  - name: s\nstages:\n  s:\n    actions:\n      - set: {user.name: '{{ev is defined}}'}\n",
                              std::string(100000, '[') + std::string(100000, ']'));
        JCOMPARE(deep["user"]["name"], Json("false"));
    }

    /// The engine runs the other external stages: input_field evaluated, the output under
    /// output_field, a failure leaves the layer undefined, a bad property disables the entry.
    void externalStagesThroughTheEngine()
    {
        const std::string yaml = "pipeline:\n  - name: kv\n    external:\n      name: kv.parse-kv\n"
                                 "      properties: {input_field: '{{original.message}}', output_field: pairs, value_sep: '=', item_sep: ' '}\n"
                                 "  - name: cef\n    external:\n      name: cef.parse-cef\n      properties: {input_field: kv.pairs.inner}\n"
                                 "  - name: s\nstages:\n  s:\n    actions:\n      - set: {user.name: '{{kv.pairs.user}}', event.code: '{{cef is defined}}'}\n";
        auto p = parser(yaml);
        QVERIFY(p);
        QVERIFY2(p->warnings().empty(), p->warnings().empty() ? "" : p->warnings().front().c_str());
        const Json e = p->run("user=ann inner=notcef").event;
        JCOMPARE(e["user"]["name"], Json("ann"));
        JCOMPARE(e["event"]["code"], Json("false")); // cef failed on its input: no layer
        std::string err;
        auto bad = IntakeParser::fromText("pipeline:\n  - name: k\n    external:\n      name: dsv.parse-dsv\n      properties: {columnnames: [a], delimiter: ab}\n",
                                          "", "k.yml", err);
        QVERIFY2(bad, err.c_str());
        QCOMPARE(bad->warnings().size(), size_t(1));
        QVERIFY2(bad->warnings()[0].find("k.yml:2: pipeline entry 'k' disabled: dsv.parse-dsv: ") == 0, bad->warnings()[0].c_str());
        auto unknown = IntakeParser::fromText("pipeline:\n  - name: k\n    external:\n      name: no.such-stage\n", "", "k.yml", err);
        QVERIFY(unknown);
        QVERIFY(unknown->warnings()[0].find("unknown external stage 'no.such-stage'") != std::string::npos);
    }

    /// Filters and tests are resolved when the template compiles: an unknown one is a load
    /// warning for that field only; the action's other fields are set.
    void unknownFiltersAreLoadDiagnostics()
    {
        const std::string yaml = std::string(kJsonStage) + "  - name: s\nstages:\n  s:\n    actions:\n      - set:\n"
                                 "          user.name: '{{ev.message.u | no_such_filter}}'\n          user.domain: '{{ev.message.u | upper}}'\n"
                                 "          user.id: '{{ev.message.u is no_such_test}}'\n";
        auto p = parser(yaml);
        QVERIFY(p);
        QCOMPARE(p->warnings().size(), size_t(2));
        QVERIFY2(p->warnings()[0].find("test.yml:10: stage 's', action 1: user.name is never set: unknown filter 'no_such_filter'") == 0,
                 p->warnings()[0].c_str());
        QVERIFY2(p->warnings()[1].find("unknown test 'no_such_test'") != std::string::npos, p->warnings()[1].c_str());
        JCOMPARE(p->run("{\"u\": \"ann\"}").event["user"], Json::parse("{\"domain\": \"ANN\"}"));
        QVERIFY_THROWS_EXCEPTION(CompileError, compileExpression("x | nope"));
    }

    /// A dict set on a field declared `type: dict` keeps only its declared members, like an
    /// undeclared one; an `object` is kept whole.
    void dictFieldsKeepTheirDeclaredMembers()
    {
        const std::string fields = "vendor:\n  name: vendor\n  type: dict\nvendor.kept:\n  name: vendor.kept\n  type: keyword\n"
                                   "blob:\n  name: blob\n  type: object\n";
        const std::string yaml = std::string(kJsonStage) + "  - name: s\nstages:\n  s:\n    actions:\n"
                                 "      - set: {vendor: '{{ev.message}}', blob: '{{ev.message}}'}\n";
        const Json e = run(yaml, "{\"kept\": 1, \"dropped\": 2}", fields);
        JCOMPARE(e["vendor"], Json::parse("{\"kept\": \"1\"}"));
        JCOMPARE(e["blob"], Json::parse("{\"kept\": 1, \"dropped\": 2}"));
    }

    /// Only the field an action names survives as `{}` when nothing declared remains below it;
    /// the members reached while expanding it do not (winlogbeat's `winlog` kept no empty
    /// `winlog.event_data`).
    void emptyDictOnlyAtTheFieldSet()
    {
        const std::string fields = "vendor.data.kept:\n  name: vendor.data.kept\n  type: keyword\n";
        const std::string yaml = std::string(kJsonStage) + "  - name: s\nstages:\n  s:\n    actions:\n"
                                 "      - set: {vendor: '{{ev.message}}'}\n";
        const Json e = run(yaml, "{\"data\": {\"other\": 1}, \"x\": 2}", fields);
        JCOMPARE(e["vendor"], Json::object());
        JCOMPARE(run(yaml, "{\"data\": {\"kept\": 1}}", fields)["vendor"], Json::parse(R"({"data":{"kept":"1"}})"));
    }

    /// A dict set on a field replaces what the field held; sub-fields set afterwards are added.
    void dictReplacesWhatTheFieldHeld()
    {
        const std::string fields = "vendor.a:\n  name: vendor.a\n  type: keyword\nvendor.b:\n  name: vendor.b\n  type: keyword\n"
                                   "vendor.kind:\n  name: vendor.kind\n  type: keyword\n";
        const std::string yaml = std::string(kJsonStage) + "  - name: s\nstages:\n  s:\n    actions:\n"
                                 "      - set: {vendor.kind: early}\n"
                                 "      - set: {vendor: '{{ev.message}}'}\n"
                                 "      - set: {vendor.b: late}\n";
        JCOMPARE(run(yaml, "{\"a\": \"x\"}", fields)["vendor"], Json::parse(R"({"a":"x","b":"late"})"));
        // nothing declared in the dict: the field is left as {} (and what it held is gone too)
        JCOMPARE(run(yaml, "{\"other\": 1}", fields)["vendor"], Json::parse(R"({"b":"late"})"));
    }

    /// Sekoia's taxonomy has no ecs.* (ECS has ecs.version): a dict set on `ecs` keeps nothing,
    /// unless the parser declares the field itself.
    void ecsFieldsAreNotDeclared()
    {
        const std::string yaml = std::string(kJsonStage) + "  - name: s\nstages:\n  s:\n    actions:\n"
                                 "      - set: {ecs: '{{ev.message.ecs}}', host.name: '{{ev.message.h}}'}\n";
        const std::string message = "{\"ecs\": {\"version\": \"1.9.0\"}, \"h\": \"web\"}";
        const Json e = run(yaml, message);
        JCOMPARE(e["ecs"], Json::object());
        JCOMPARE(e["host"]["name"], Json("web")); // the other ECS fields are declared
        JCOMPARE(run(yaml, message, "ecs.version:\n  name: ecs.version\n  type: keyword\n")["ecs"], Json::parse(R"({"version":"1.9.0"})"));
        QVERIFY(!Taxonomy::builtin().isDeclared("ecs.version"));
        QVERIFY(!Taxonomy::builtin().hasChildren("ecs"));
        QVERIFY(Taxonomy::builtin().findEcs("ecs.version"));
        QVERIFY(Taxonomy::builtin().hasEcsChildren("ecs"));
    }

    /// long: a text of digits becomes a number as Python's int() reads it (leading zeros and
    /// white space too), anything else stays text.
    void longTakesTextAsIntDoes()
    {
        FieldInfo info;
        info.type = "long";
        JCOMPARE(typeValue(Json("080211"), info), Json(80211));
        JCOMPARE(typeValue(Json(" -007 "), info), Json(-7));
        JCOMPARE(typeValue(Json("+12"), info), Json(12));
        JCOMPARE(typeValue(Json("12.5"), info), Json(12.5));
        for (const char *keep : {"12a", "0x1f", "", " ", "--1", "1 2"})
            JCOMPARE(typeValue(Json(keep), info), Json(keep));
    }

    /// An object or nested field keeps its value, but the declared fields inside are typed, in
    /// lists too; a member its type refuses is dropped, undeclared ones stay as they are.
    void declaredFieldsInsideNestedAreTyped()
    {
        const std::string yaml = std::string(kJsonStage) + "  - name: s\nstages:\n  s:\n    actions:\n"
                                 "      - set: {threat.enrichments: '{{ev.message.e}}'}\n";
        const Json e = run(yaml, R"({"e": [{"indicator": {"first_seen": "2023-03-20T15:33:12.000Z", "sightings": "3",
                                            "ip": "nope", "extra": "1"}, "other": {"x": "2"}}]})");
        JCOMPARE(e["threat"]["enrichments"], Json::parse(R"([{"indicator": {"first_seen": "2023-03-20T15:33:12Z", "sightings": 3,
                                                                            "extra": "1"}, "other": {"x": "2"}}])"));
    }

    /// The event being built always has an `event` member (the platform's event.id), so
    /// `final.event.category` is undefined, not an error; an `event` left empty is not output.
    void finalAlwaysHasAnEvent()
    {
        const std::string yaml = "pipeline:\n  - name: s\n    filter: '{{final.event.category == null}}'\n"
                                 "  - name: t\n    filter: '{{final.event.category != null}}'\n"
                                 "stages:\n  s:\n    actions:\n      - set: {observer.type: firewall}\n"
                                 "  t:\n    actions:\n      - set: {observer.vendor: never}\n";
        const Json e = run(yaml, "any text");
        JCOMPARE(e, Json::parse(R"({"message": "any text", "observer": {"type": "firewall"}})"));
    }

    /// url.* is filled from url.original, then what is still missing from url.full: a relative
    /// original gives the path and query, an absolute full URL the scheme, port and domain split.
    void urlFromOriginalThenFull()
    {
        const std::string yaml = std::string(kJsonStage) + "  - name: s\nstages:\n  s:\n    actions:\n"
                                 "      - set: {url.original: '{{ev.message.o}}', url.full: '{{ev.message.f}}', url.domain: '{{ev.message.d}}'}\n";
        const Json e = run(yaml, R"({"o": "/a/b?x=1", "f": "https://www.example.com/a/b?x=1", "d": "www.example.com"})");
        JCOMPARE(e["url"], Json::parse(R"({"original": "/a/b?x=1", "full": "https://www.example.com/a/b?x=1", "domain": "www.example.com",
                                          "path": "/a/b", "query": "x=1", "scheme": "https", "port": 443,
                                          "registered_domain": "example.com", "top_level_domain": "com", "subdomain": "www"})"));
        // a relative original alone: no scheme, no port, no split of an explicit domain
        const Json r = run(yaml, R"({"o": "/a", "d": "www.example.com"})");
        JCOMPARE(r["url"], Json::parse(R"({"original": "/a", "domain": "www.example.com", "path": "/a"})"));
    }

    /// A module's _meta/fields.yml (one folder above the intake) declares fields for its
    /// intakes too; the intake's own declarations win.
    void moduleFieldsAreRead()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString root = dir.path();
        auto write = [&](const QString &rel, const std::string &text) {
            QVERIFY(QDir().mkpath(QFileInfo(root + rel).absolutePath()));
            QFile f(root + rel);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(text.data(), qint64(text.size()));
        };
        write(QStringLiteral("/Mod/_meta/fields.yml"), "vendor.build:\n  name: vendor.build\n  type: keyword\n"
                                                      "vendor.n:\n  name: vendor.n\n  type: keyword\n");
        write(QStringLiteral("/Mod/intake/_meta/fields.yml"), "vendor.n:\n  name: vendor.n\n  type: long\n");
        write(QStringLiteral("/Mod/intake/ingest/parser.yml"), std::string(kJsonStage) + "  - name: s\nstages:\n  s:\n"
                                                               "    actions:\n      - set: {vendor: '{{ev.message}}'}\n");
        std::string err;
        auto p = IntakeParser::load(QString(root + QStringLiteral("/Mod/intake")).toStdString(), err);
        QVERIFY2(p, err.c_str());
        JCOMPARE(p->run("{\"build\": 7, \"n\": \"12\", \"other\": 1}").event["vendor"], Json::parse(R"({"build":"7","n":12})"));
        // a broken module file is an error naming it
        write(QStringLiteral("/Mod/_meta/fields.yml"), "vendor.build: [1, 2]\n");
        QVERIFY(!IntakeParser::load(QString(root + QStringLiteral("/Mod/intake")).toStdString(), err));
        QVERIFY2(err.find("module's fields.yml") != std::string::npos, err.c_str());
    }

    /// A stage's input is the value as it is: a JSON message is not read as a Python literal
    /// first (which keeps '\/' and would turn it into a dict before json.parse-json sees it).
    void stageInputIsNotALiteral()
    {
        const std::string yaml = std::string(kJsonStage) + "  - name: s\nstages:\n  s:\n    actions:\n"
                                 "      - set: {user_agent.original: '{{ev.message.ua}}', user.name: '{{ev.message.n}}'}\n";
        auto p = parser(yaml);
        QVERIFY(p);
        const Json e = p->runEnvelope(Json::object({{"message", "{\"ua\": \"Mozilla\\/5.0 caf\\u00e9\", \"n\": \"x\"}"}})).event;
        JCOMPARE(e["user_agent"]["original"], Json("Mozilla/5.0 caf\xC3\xA9"));
        JCOMPARE(e["user"]["name"], Json("x"));
    }

    /// An inline stage's name is a layer holding what the stage set (typed), for later filters.
    void inlineStageNameIsALayer()
    {
        const std::string yaml = std::string(kJsonStage) + "  - name: first\n  - name: second\nstages:\n"
                                 "  first:\n    actions:\n      - set: {source.port: '{{ev.message.p}}', user.name: '{{ev.message.u}}'}\n"
                                 "  second:\n    actions:\n      - set: {event.code: 'port {{first.source.port + 1}}'}\n"
                                 "        filter: '{{first.user.name == \"ann\" and second is defined}}'\n";
        JCOMPARE(run(yaml, "{\"p\": \"41\", \"u\": \"ann\"}")["event"]["code"], Json("port 42"));
        QVERIFY(!findPath(run(yaml, "{\"p\": \"41\", \"u\": \"bob\"}"), "event.code"));
    }

    /// The CLI's writer gives nlohmann's dump byte for byte.
    void jsonWriterMatchesDump()
    {
        Json v = Json::object();
        v["message"] = "{\"a\":\"<x&y>\"}";
        v["n"] = -3;
        v["u"] = uint64_t(18446744073709551615ull);
        v["f"] = Json::array({1.5, 1e20, 0.1, -0.0, 3.0});
        v["s"] = std::string("tab\tnl\nq\"bs\\ \x01 \x1f \x7f \xC3\xA9 \xE2\x98\x83 \xF0\x9F\x98\x80");
        v["b"] = Json::array({true, false, nullptr});
        v["e"] = Json::object();
        v["l"] = Json::array();
        v["nested"] = Json::object({{"k", Json::array({Json::object({{"x", "y"}})})}});
        v["bad"] = std::string("cut \xE2\x98 here \xFF");
        v["keys"] = Json::object({{std::string("k\x01"), 1}, {std::string("\xC3"), 2}});
        std::string out;
        appendJson(out, v);
        QCOMPARE(out, v.dump(-1, ' ', false, Json::error_handler_t::replace));
    }

    /// The writer reads strings eight bytes at a time: every piece at every offset and length
    /// (escapes, control bytes, 2-4 byte UTF-8, cut, overlong and surrogate sequences) still
    /// gives dump's bytes.
    void jsonWriterMatchesDumpAtEveryOffset()
    {
        const std::vector<std::string> pieces = {"a", "bcdefgh", "\"", "\\", "\n", "\t", "\x01", "\x1f", " ", "\x7f",
                                                 "\xC3\xA9", "\xE2\x98\x83", "\xF0\x9F\x98\x80", "\xFF", "\xC3",
                                                 "\xC0\x80", "\xED\xA0\x80", "\xF4\x90\x80\x80", "<&>"};
        uint32_t seed = 12345;
        for (int round = 0; round < 4000; ++round) {
            std::string s;
            const int count = round % 23;
            for (int i = 0; i < count; ++i) {
                seed = seed * 1103515245u + 12345u;
                s += pieces[(seed >> 16) % pieces.size()];
            }
            const Json v = Json::array({s, Json::object({{s, 1}})});
            std::string out = "x";
            appendJson(out, v);
            QCOMPARE(out, "x" + v.dump(-1, ' ', false, Json::error_handler_t::replace));
        }
    }
};

QTEST_GUILESS_MAIN(TstIntake)
#include "tst_intake.moc"
