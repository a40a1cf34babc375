// SPDX-License-Identifier: MIT
// The external stages of core/intake/stages (kv, dsv, cef, leef, xml, windows event, dict,
// grok.case_match) and grok's base set and bounds, each with its failure cases.
#include "intake/dates.h"
#include "intake/engine.h"
#include "intake/grok.h"
#include "intake/stages/external.h"

#include <QElapsedTimer>
#include <QTest>

#include <yaml-cpp/yaml.h>

using namespace auditlens::intake;

namespace {

/// Compiles `name` with the YAML `properties` and runs it on `input`; the output, or an
/// undefined value with the reason in `error`.
Json runStage(const std::string &name, const std::string &properties, const Json &input, std::string *error = nullptr,
              const Scope &scope = {})
{
    std::string err;
    const YAML::Node props = properties.empty() ? YAML::Node() : YAML::Load(properties);
    auto stage = compileExternalStage(name, props, err);
    if (!stage) {
        if (error)
            *error = "compile: " + err;
        return undefinedValue();
    }
    Json out;
    const bool ok = scope ? stage->runInRecord(input, scope, out, err) : stage->run(input, out, err);
    if (!ok) {
        if (error)
            *error = err;
        return undefinedValue();
    }
    return out;
}

std::string compileError(const std::string &name, const std::string &properties)
{
    std::string err;
    auto stage = compileExternalStage(name, properties.empty() ? YAML::Node() : YAML::Load(properties), err);
    return stage ? std::string() : err;
}

#define COMPARE_JSON(actual, expected)                                                                                 \
    do {                                                                                                               \
        const Json a_ = (actual);                                                                                      \
        const Json e_ = (expected);                                                                                    \
        if (a_ != e_)                                                                                                  \
            QFAIL(qPrintable(QStringLiteral("got %1\n   expected %2")                                                \
                                 .arg(QString::fromStdString(isUndefined(a_) ? std::string("undefined") : a_.dump()),  \
                                      QString::fromStdString(e_.dump()))));                                            \
    } while (0)

} // namespace

class TestStages : public QObject
{
    Q_OBJECT

private slots:
    void names();
    void kvBasics();
    void kvContinuation();
    void kvGroups();
    void kvFailures();
    void dsv();
    void cef();
    void leef();
    void xml();
    void windowsEvent();
    void dict();
    void caseMatch();
    void grokBasePatterns();
    void datesFreeForm();
    void datesFormats();
    void failedStageKeepsEarlierLayer();
    void grokDuplicateNamesInnerWins();
    void grokManyReferencesStaySmall();
    void grokExpansionIsBounded();
    void grokUnnamedCapturesInCustomPatterns();
};

void TestStages::names()
{
    for (const char *n : {"kv.parse-kv", "dsv.parse-dsv", "cef.parse-cef", "leef.parse-leef", "xml.parse-xml",
                          "xml.parse-windows-event", "dict.parse", "grok.case_match"})
        QVERIFY2(isExternalStageName(n), n);
    QVERIFY(!isExternalStageName("kv.parse"));
    QVERIFY(!isExternalStageName("grok.match")); // the engine runs grok.match itself
    QVERIFY(compileError("nope.stage", "").find("unknown external stage 'nope.stage'") != std::string::npos);
}

// ---- kv.parse-kv
void TestStages::kvBasics()
{
    COMPARE_JSON(runStage("kv.parse-kv", "", Json("a=1 b=\"two words\" c='x y' d=")),
                 Json::parse(R"({"a":"1","b":"two words","c":"x y","d":""})"));
    // separators are regexes; keys and values are trimmed; the last duplicate wins
    COMPARE_JSON(runStage("kv.parse-kv", "value_sep: ':\\s'\nitem_sep: ',\\s'", Json("k1: v1, k2: v: 2, k1: again")),
                 Json::parse(R"({"k1":"again","k2":"v: 2"})"));
    COMPARE_JSON(runStage("kv.parse-kv", "value_sep: '='\nitem_sep: '\\$SEP\\$'", Json("a=1$SEP$b=2")),
                 Json::parse(R"({"a":"1","b":"2"})"));
    // a quoted value is trimmed inside its quotes too
    COMPARE_JSON(runStage("kv.parse-kv", "", Json("msg=\" Edit settings \" n=1")), Json::parse(R"({"msg":"Edit settings","n":"1"})"));
    // a separator inside quotes does not split
    COMPARE_JSON(runStage("kv.parse-kv", "item_sep: ','", Json("msg=\"a,b\",n=3")), Json::parse(R"({"msg":"a,b","n":"3"})"));
    // a number as input is read as its text
    COMPARE_JSON(runStage("kv.parse-kv", "", Json(5)), Json::object());
}

void TestStages::kvContinuation()
{
    // white space between items: a token without '=' extends the previous value
    COMPARE_JSON(runStage("kv.parse-kv", "item_sep: '\\s'", Json("category=Business, Software/Hardware  x=1")),
                 Json::parse(R"({"category":"Business, Software/Hardware","x":"1"})"));
    // the token may follow a quoted value, which then keeps its quotes unless the whole text
    // is quoted; an empty token (two separators in a row) extends it by a space
    COMPARE_JSON(runStage("kv.parse-kv", "item_sep: '\\s'", Json("a=\"\"  b=\"\" c=\"x y\" z d=1")),
                 Json::parse(R"j({"a":"\"\"","b":"","c":"\"x y\" z","d":"1"})j"));
    // white space around the whole text separates nothing
    COMPARE_JSON(runStage("kv.parse-kv", "item_sep: '\\s'", Json("msg=\"it failed\"\n\n")), Json::parse(R"j({"msg":"it failed"})j"));
    // other separators: such a token is dropped
    COMPARE_JSON(runStage("kv.parse-kv", "value_sep: ':'\nitem_sep: ','", Json("ua: Mozilla (KHTML, like Gecko), b: 2")),
                 Json::parse(R"({"ua":"Mozilla (KHTML","b":"2"})"));
    COMPARE_JSON(runStage("kv.parse-kv", "item_sep: ','", Json("a=\"x\",,b=1")), Json::parse(R"({"a":"x","b":"1"})"));
}

void TestStages::kvGroups()
{
    COMPARE_JSON(runStage("kv.parse-kv", "groups: true",
                          Json("id=1 [message=Conn closed a=\"x\" ][rules rule=R1 ][conn [conn src=1.2.3.4 ]] tail=t")),
                 Json::parse(R"({"id":"1","message":"Conn closed","a":"x","rules":{"rule":"R1"},
                                 "conn":{"conn":{"src":"1.2.3.4"}},"tail":"t"})"));
    std::string err;
    const std::string deep = "[a " + std::string(100, '[') + "x=1";
    QVERIFY(isUndefined(runStage("kv.parse-kv", "groups: true", Json(deep), &err)));
    QVERIFY2(err.find("nest deeper") != std::string::npos, err.c_str());
}

void TestStages::kvFailures()
{
    std::string err;
    // an invalid regex fails each record (with the reason), it does not refuse the parser
    QVERIFY(isUndefined(runStage("kv.parse-kv", "item_sep: '*,*'", Json("a=1"), &err)));
    QVERIFY2(err.find("item_sep '*,*' is not a valid regular expression") != std::string::npos, err.c_str());
    QVERIFY(isUndefined(runStage("kv.parse-kv", "", Json(), &err)));
    QVERIFY(compileError("kv.parse-kv", "value_sep: ''").find("must not be empty") != std::string::npos);
    QVERIFY(compileError("kv.parse-kv", "groups: maybe").find("booleans") != std::string::npos);
    QVERIFY(compileError("kv.parse-kv", "value_sep: [a]").find("texts") != std::string::npos);
    QVERIFY(compileError("kv.parse-kv", "reversed: true").find("not supported") != std::string::npos);
    // a separator that can match nothing does not loop
    COMPARE_JSON(runStage("kv.parse-kv", "item_sep: '\\s*'", Json("a=1 b=2")), Json::parse(R"({"a":"1","b":"2"})"));
}

// ---- dsv.parse-dsv
void TestStages::dsv()
{
    COMPARE_JSON(runStage("dsv.parse-dsv", "columnnames: [a, b, c, d]", Json("1,\"x, \"\"y\"\"\",,4,extra\n")),
                 Json::parse(R"({"a":"1","b":"x, \"y\"","c":"","d":"4"})"));
    COMPARE_JSON(runStage("dsv.parse-dsv", "columnnames: [a, b, c]\ndelimiter: ' '", Json("p  q")),
                 Json::parse(R"({"a":"p","b":"","c":"q"})"));
    // fewer values than columns: the missing ones are absent; a repeated name keeps the last
    COMPARE_JSON(runStage("dsv.parse-dsv", "columnnames: [x, x, y]", Json("1,2")), Json::parse(R"({"x":"2"})"));
    QVERIFY(compileError("dsv.parse-dsv", "delimiter: ','").find("columnnames") != std::string::npos);
    QVERIFY(compileError("dsv.parse-dsv", "columnnames: [a]\ndelimiter: ',,'").find("one character") != std::string::npos);
    std::string err;
    QVERIFY(isUndefined(runStage("dsv.parse-dsv", "columnnames: [a]", Json(), &err)));
    QVERIFY(!err.empty());
}

// ---- cef.parse-cef
void TestStages::cef()
{
    const Json out = runStage("cef.parse-cef", "",
                              Json("CEF:0|Acme|Fire\\|wall|1.0|100|Blocked|5|src=1.2.3.4 msg=two words here "
                                   "cs1Label=Policy cs1=P1 req=a\\=b c\\\\d q='quoted' src=5.6.7.8 empty= end=x\n"));
    COMPARE_JSON(out, Json::parse(R"({"CEFVersion":"0","DeviceVendor":"Acme","DeviceProduct":"Fire|wall",
        "DeviceVersion":"1.0","DeviceEventClassID":"100","Name":"Blocked","Severity":"5",
        "src":"1.2.3.4","msg":"two words here","cs1Label":"Policy","cs1":"P1","req":"a\\=b c\\\\d","q":"quoted",
        "empty":"","end":"x","Policy":"P1"})"));
    // no CEF: prefix; a syslog header before it
    COMPARE_JSON(runStage("cef.parse-cef", "", Json("0|V|P|1|2|N|3|a=b"))["DeviceVendor"], Json("V"));
    COMPARE_JSON(runStage("cef.parse-cef", "", Json("<13>Jan  1 host CEF:1|V|P|1|2|N|3|"))["CEFVersion"], Json("1"));
    COMPARE_JSON(runStage("cef.parse-cef", "", Json("CEF:0|V|P|1|2|N|3"))["Severity"], Json("3"));
    // quotes go only when they wrap the raw value: a trailing line break keeps them
    COMPARE_JSON(runStage("cef.parse-cef", "", Json("CEF:0|V|P|1|2|N|3|a='x' msg='y z'\n\n"))["msg"], Json("'y z'"));
    COMPARE_JSON(runStage("cef.parse-cef", "", Json("CEF:0|V|P|1|2|N|3|a='x' msg='y z'\n\n"))["a"], Json("x"));
    std::string err;
    QVERIFY(isUndefined(runStage("cef.parse-cef", "", Json("CEF:0|only|three"), &err)));
    QVERIFY2(err.find("7 '|'-separated header fields") != std::string::npos, err.c_str());
}

// ---- leef.parse-leef
void TestStages::leef()
{
    COMPARE_JSON(runStage("leef.parse-leef", "", Json("LEEF:1.0|Acme|FW|7.1|Allowed|src=1.2.3.4\tdst=5.6.7.8\t shost=h\tusr=")),
                 Json::parse(R"({"LEEFVersion":"1.0","DeviceVendor":"Acme","DeviceProduct":"FW","DeviceVersion":"7.1",
                                 "DeviceEventClassID":"Allowed","src":"1.2.3.4","dst":"5.6.7.8","shost":"h","usr":""})"));
    // LEEF 2.0: the delimiter as a character or its hex code
    COMPARE_JSON(runStage("leef.parse-leef", "", Json("LEEF:2.0|V|P|1|E|^|a=1^b=2"))["b"], Json("2"));
    COMPARE_JSON(runStage("leef.parse-leef", "", Json("LEEF:2.0|V|P|1|E|x5E|a=1^b=2"))["b"], Json("2"));
    COMPARE_JSON(runStage("leef.parse-leef", "", Json("LEEF:2.0|V|P|1|E|0x7C|a=1|b=2"))["b"], Json("2"));
    // a tab escaped by the syslog daemon (#011) still separates
    COMPARE_JSON(runStage("leef.parse-leef", "", Json("LEEF:1.0|V|P|1|E|a=1#011b=2"))["b"], Json("2"));
    std::string err;
    QVERIFY(isUndefined(runStage("leef.parse-leef", "", Json("CEF:0|V|P"), &err)));
    QVERIFY2(err.find("no 'LEEF:' prefix") != std::string::npos, err.c_str());
    QVERIFY(isUndefined(runStage("leef.parse-leef", "", Json("LEEF:2.0|V|P|1|E|zz|a=1"), &err)));
    QVERIFY2(err.find("delimiter") != std::string::npos, err.c_str());
}

// ---- xml.parse-xml
void TestStages::xml()
{
    const Json out = runStage("xml.parse-xml", "",
                              Json("<?xml version=\"1.0\"?>\n<Root xmlns=\"urn:x\"><A k=\"v\">text</A><B>1</B><B>2</B>"
                                   "<C/><D><E>e</E></D><ns:F>f &amp; g</ns:F>\n</Root>"));
    COMPARE_JSON(out, Json::parse(R"({"Root":{"@xmlns":"urn:x","A":{"@k":"v","#text":"text"},"B":["1","2"],
                                      "C":null,"D":{"E":"e"},"ns:F":"f & g"}})"));
    // the declared encoding does not apply to text that is already decoded
    COMPARE_JSON(runStage("xml.parse-xml", "", Json("<?xml version=\"1.0\" encoding=\"UTF-16\"?>\r\n<T><C>caf\u00e9</C></T>")),
                 Json::parse(R"({"T":{"C":"caf\u00e9"}})"));
    std::string err;
    QVERIFY(isUndefined(runStage("xml.parse-xml", "", Json("<a><b></a>"), &err)));
    QVERIFY2(err.find("not well-formed XML at line 1") != std::string::npos, err.c_str());
    QVERIFY(isUndefined(runStage("xml.parse-xml", "", Json("just text"), &err)));
    // deep nesting is refused, not recursed into
    std::string deep;
    for (int i = 0; i < 1000; ++i)
        deep += "<a>";
    QVERIFY(isUndefined(runStage("xml.parse-xml", "", Json(deep), &err)));
    QVERIFY2(err.find("nest deeper") != std::string::npos, err.c_str());
    // entity expansion is bounded by the reader ("billion laughs")
    std::string lol = "<?xml version=\"1.0\"?><!DOCTYPE l [<!ENTITY l0 \"lollollollollol\">";
    for (int i = 1; i < 10; ++i)
        lol += "<!ENTITY l" + std::to_string(i) + " \"" + [&] { std::string r; for (int k = 0; k < 10; ++k) r += "&l" + std::to_string(i - 1) + ";"; return r; }() + "\">";
    lol += "]><l>&l9;</l>";
    QElapsedTimer t;
    t.start();
    QVERIFY(isUndefined(runStage("xml.parse-xml", "", Json(lol), &err)));
    QVERIFY(t.elapsed() < 5000);
}

void TestStages::windowsEvent()
{
    const std::string ev =
        "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>"
        "<Provider Name='Microsoft-Windows-Security-Auditing' Guid='{5484}'/><EventID>4624</EventID>"
        "<TimeCreated SystemTime='2021-01-11T10:48:46.4763308Z'/><Computer>host1</Computer><Security/></System>"
        "<EventData><Data Name='SubjectUserName'>alice</Data><Data Name='Empty'></Data><Data Name='Ip'>1.2.3.4</Data></EventData>"
        "</Event>";
    COMPARE_JSON(runStage("xml.parse-windows-event", "", Json(ev)), Json::parse(R"({
        "System":{"Provider":{"Name":"Microsoft-Windows-Security-Auditing","Guid":"{5484}"},"EventID":"4624",
                  "TimeCreated":{"SystemTime":"2021-01-11T10:48:46.4763308Z"},"Computer":"host1","Security":null},
        "EventData":{"SubjectUserName":"alice","Empty":null,"Ip":"1.2.3.4"}})"));
    const std::string user = "<Event><System><EventID>1102</EventID></System><UserData><LogFileCleared xmlns='x'>"
                             "<SubjectUserName>bob</SubjectUserName></LogFileCleared></UserData></Event>";
    COMPARE_JSON(runStage("xml.parse-windows-event", "", Json(user)),
                 Json::parse(R"({"System":{"EventID":"1102"},"UserData":{"SubjectUserName":"bob"}})"));
    std::string err;
    QVERIFY(isUndefined(runStage("xml.parse-windows-event", "", Json("<Root/>"), &err)));
    QVERIFY2(err.find("not <Event>") != std::string::npos, err.c_str());
}

// ---- dict.parse
void TestStages::dict()
{
    COMPARE_JSON(runStage("dict.parse", "", Json("{'a': 'x', 'n': 1, 'f': 1.5, 't': True, 'z': None, 'l': [1, (2, 3)], "
                                                 "'d': {'k': \"v\"}}\n")),
                 Json::parse(R"({"a":"x","n":1,"f":1.5,"t":true,"z":null,"l":[1,[2,3]],"d":{"k":"v"}})"));
    // a template that already read the literal hands over a dict
    COMPARE_JSON(runStage("dict.parse", "", Json::parse(R"({"a":1})")), Json::parse(R"({"a":1})"));
    std::string err;
    QVERIFY(isUndefined(runStage("dict.parse", "", Json("{'a': }"), &err)));
    QVERIFY2(err.find("not a Python literal") != std::string::npos, err.c_str());
    QVERIFY(isUndefined(runStage("dict.parse", "", Json(std::string(100000, '[')), &err)));
    QVERIFY2(err.find("nests deeper") != std::string::npos, err.c_str());
    QVERIFY(isUndefined(runStage("dict.parse", "", Json(3), &err)));
}

// ---- grok.case_match
void TestStages::caseMatch()
{
    const std::string props = "pattern_key: '{{kind}}'\n"
                              "patterns:\n"
                              "  login: 'user %{WORD:user} from %{IP:ip}'\n"
                              "  other: '%{MYNUM:n:int} items'\n"
                              "custom_patterns:\n"
                              "  MYNUM: '[0-9]+'\n";
    auto scopeWith = [](const char *kind) {
        auto v = std::make_shared<Json>(kind);
        return Scope([v](const std::string &name) -> const Json * { return name == "kind" ? v.get() : nullptr; });
    };
    COMPARE_JSON(runStage("grok.case_match", props, Json("user bob from 1.2.3.4"), nullptr, scopeWith("login")),
                 Json::parse(R"({"user":"bob","ip":"1.2.3.4"})"));
    COMPARE_JSON(runStage("grok.case_match", props, Json("12 items"), nullptr, scopeWith("other")), Json::parse(R"({"n":12})"));
    // a full match: a pattern that does not match the whole input gives an empty dict
    COMPARE_JSON(runStage("grok.case_match", props, Json("12 items more"), nullptr, scopeWith("other")), Json::object());
    std::string err;
    QVERIFY(isUndefined(runStage("grok.case_match", props, Json("x"), &err, scopeWith("nope"))));
    QVERIFY2(err.find("no pattern for the key 'nope'") != std::string::npos, err.c_str());
    QVERIFY(isUndefined(runStage("grok.case_match", props, Json("x"), &err)));
    // the engine learns which variables the key template reads
    {
        std::string cerr;
        auto stage = compileExternalStage("grok.case_match", YAML::Load(props), cerr);
        QVERIFY(stage);
        QVERIFY(stage->paths() == std::vector<std::string>{"kind"});
    }
    QVERIFY(compileError("grok.case_match", "pattern_key: k").find("patterns") != std::string::npos);
    QVERIFY(compileError("grok.case_match", "pattern_key: k\npatterns:\n  a: '%{NOSUCH}'").find("unknown grok pattern %{NOSUCH}")
            != std::string::npos);
}

// ---- grok.match's base set and bounds
void TestStages::datesFreeForm()
{
    auto d = [](const char *text, const char *tz = "") {
        const auto r = parseDate(Json(text), "", tz);
        return r ? *r : std::string("none");
    };
    QCOMPARE(d("May 01 2025 18:00:02.009 CEST"), std::string("2025-05-01T18:00:02.009000Z")); // zone names are ignored
    QCOMPARE(d("Jan 13 2023 10:16:05.33"), std::string("2023-01-13T10:16:05.330000Z"));
    QCOMPARE(d("2023 Jan 15 00:31:52", "CET"), std::string("2023-01-14T23:31:52.000000Z"));
    QCOMPARE(d("01/24/2025 12:06:37"), std::string("2025-01-24T12:06:37.000000Z")); // month first
    QCOMPARE(d("13/08/2025 11:29:14"), std::string("2025-08-13T11:29:14.000000Z")); // 13 cannot be a month
    QCOMPARE(d("2023/07/04 09:03:39"), std::string("2023-07-04T09:03:39.000000Z"));
    // a number before ':' is an hour, as dateutil reads it: "2025:12" is no time, so no date
    QCOMPARE(d("01/24/2025:12:06:37"), std::string("none"));
    QCOMPARE(d("9/16/19 10:00"), std::string("2019-09-16T10:00:00.000000Z"));
    QCOMPARE(d("20160526192415Z"), std::string("2016-05-26T19:24:15.000000Z"));
    QCOMPARE(d("Apr 19 2019 03:38:06 GMT+00:00"), std::string("2019-04-19T03:38:06.000000Z"));
    QCOMPARE(d("Mon Aug  1 03:34:23 2022"), std::string("2022-08-01T03:34:23.000000Z"));
    QCOMPARE(d("12/31/2023 11:59:59 PM"), std::string("2023-12-31T23:59:59.000000Z"));
    QCOMPARE(d("10 Oct 2000 13:55:36 -0700"), std::string("2000-10-10T20:55:36.000000Z"));
    QCOMPARE(d("10/Oct/2000:13:55:36 -0700"), std::string("2000-10-10T20:55:36.000000Z")); // common log format
    // epochs scaled by their length, the sign included
    QCOMPARE(d("123456789"), std::string("2009-02-13T23:31:30.000000Z"));
    QCOMPARE(d("-11644473600000"), std::string("1966-04-24T06:14:24.000000Z"));
    QCOMPARE(d("20241029112721.500"), std::string("2034-02-21T02:48:31.272150Z"));
    // not dates
    for (const char *bad : {"", "None", "garbage text", "+0100", "13/13/2023", "99:99"})
        QVERIFY2(d(bad) == "none", bad);
}

void TestStages::datesFormats()
{
    auto d = [](const Json &v, const char *format) {
        const auto r = parseDate(v, format, "");
        return r ? *r : std::string("none");
    };
    // timestamp: seconds, or ms / µs / ns scaled by their length
    QCOMPARE(d(Json(1545949776.5), "timestamp"), std::string("2018-12-27T22:29:36.500000Z"));
    QCOMPARE(d(Json(int64_t(1694681538000)), "timestamp"), std::string("2023-09-14T08:52:18.000000Z"));
    QCOMPARE(d(Json("1748601303656994360"), "timestamp"), std::string("2025-05-30T10:35:03.656994Z"));
    QCOMPARE(d(Json("soon"), "timestamp"), std::string("none"));
    // strptime; a number the format does not fit is read as an epoch, as the reference does
    QCOMPARE(d(Json("01/24/2025:12:06:37"), "%m/%d/%Y:%H:%M:%S"), std::string("2025-01-24T12:06:37.000000Z"));
    QCOMPARE(d(Json("01/24/2025 12:06:37"), "%Y/%m/%d:%H:%M:%S"), std::string("none"));
    QCOMPARE(d(Json("13/08/2025:11:29:14"), "%m/%d/%Y:%H:%M:%S"), std::string("none"));
    QCOMPARE(d(Json("20230718225959.250"), "%y%m%d%H%M%S.%f"), std::string("2034-02-09T04:23:42.595925Z"));
    QCOMPARE(d(Json("not a date"), "%Y"), std::string("none"));
}

void TestStages::failedStageKeepsEarlierLayer()
{
    // a second entry of the same name whose input is no date sets nothing: the first date stays
    const std::string yaml = "pipeline:\n"
                             "  - name: d\n"
                             "    external:\n"
                             "      name: date.parse\n"
                             "      properties: {input_field: '{{original.message}}', output_field: v}\n"
                             "  - name: d\n"
                             "    external:\n"
                             "      name: date.parse\n"
                             "      properties: {input_field: '{{original.nothing}}', output_field: v}\n"
                             "  - name: e\n"
                             "    external:\n"
                             "      name: date.parse\n"
                             "      properties: {input_field: '{{original.nothing}}', output_field: v}\n"
                             "  - name: s\n"
                             "stages:\n"
                             "  s:\n"
                             "    actions:\n"
                             "      - set:\n"
                             "          '@timestamp': '{{d.v}}'\n"
                             "          event.code: '{{\"undefined\" if e == null else \"set\"}}'\n";
    std::string err;
    auto p = IntakeParser::fromText(yaml, "", "test.yml", err);
    QVERIFY2(p, err.c_str());
    const Json ev = p->run("2024-05-01T10:00:00Z").event;
    COMPARE_JSON(ev.value("@timestamp", Json()), Json("2024-05-01T10:00:00Z"));
    COMPARE_JSON(ev["event"]["code"], Json("undefined")); // no earlier layer: still undefined
}

void TestStages::grokBasePatterns()
{
    Grok g;
    std::string err;
    QVERIFY2(g.compile("%{CISCO_ACTION:a} %{CISCO_DIRECTION:d} \\[%{HAPROXYDATE:t}\\] %{HTTPDUSER:u} %{HTTPDERROR_DATE:e}", {}, err),
             err.c_str());
    COMPARE_JSON(g.match("Teardown inbound [09/Dec/2013:12:59:46.633] bob@example.com Mon Dec 09 12:59:46 2013"),
                 Json::parse(R"({"a":"Teardown","d":"inbound","t":"09/Dec/2013:12:59:46.633","u":"bob@example.com",
                                 "e":"Mon Dec 09 12:59:46 2013"})"));
    QVERIFY2(g.compile("%{CISCO_REASON:r}", {}, err), err.c_str());
    COMPARE_JSON(g.match("Failed to locate egress interface"), Json::parse(R"({"r":"Failed to locate egress interface"})"));
}

void TestStages::grokDuplicateNamesInnerWins()
{
    // the last group (in the order parentheses open) that took part wins: the inner one
    Grok g;
    std::string err;
    const std::map<std::string, std::string> custom{{"PRE", "(%{NOTEQ}: %{NOTEQ:reason},)|(%{NOTEQ:reason},)"}, {"NOTEQ", "[^=]*?"}};
    QVERIFY2(g.compile("%{PRE:reason}%{GREEDYDATA:kv}", custom, err), err.c_str());
    COMPARE_JSON(g.match("EAP-TLS: Shutdown, a=1"), Json::parse(R"({"reason":"Shutdown","NOTEQ":"EAP-TLS","kv":" a=1"})"));
    COMPARE_JSON(g.match("Plain, a=1"), Json::parse(R"({"reason":"Plain","NOTEQ":null,"kv":" a=1"})"));
}

void TestStages::grokManyReferencesStaySmall()
{
    // forty uses of IP (each a large regex) compile: PCRE2 refuses patterns past 64 KiB
    std::string pattern;
    for (int i = 0; i < 40; ++i)
        pattern += (i ? " " : "") + std::string("%{IP:ip") + std::to_string(i) + "}";
    Grok g;
    std::string err;
    QVERIFY2(g.compile(pattern, {}, err), err.c_str());
    std::string input;
    for (int i = 0; i < 40; ++i)
        input += (i ? " " : "") + std::string(i % 2 ? "::1" : "10.0.0.") + std::to_string(i);
    const Json m = g.match(input);
    COMPARE_JSON(m["ip0"], Json("10.0.0.0"));
    COMPARE_JSON(m["ip39"], Json("::139"));
}

void TestStages::grokExpansionIsBounded()
{
    // 30 levels of P(n) = P(n-1)P(n-1), with a capture at the bottom so nothing can be shared
    std::map<std::string, std::string> custom{{"P0", "%{WORD:w}"}};
    for (int i = 1; i <= 30; ++i)
        custom["P" + std::to_string(i)] = "%{P" + std::to_string(i - 1) + "}%{P" + std::to_string(i - 1) + "}";
    Grok g;
    std::string err;
    QElapsedTimer t;
    t.start();
    QVERIFY(!g.compile("%{P30}", custom, err));
    QVERIFY2(t.elapsed() < 2000, qPrintable(QString::number(t.elapsed())));
    QVERIFY2(err.find("more than") != std::string::npos, err.c_str());
    // the unnamed references of custom patterns capture too, so 30 levels of plain doubling
    // are refused the same way, within the same bounds
    std::map<std::string, std::string> plain{{"Q0", "a"}};
    for (int i = 1; i <= 30; ++i)
        plain["Q" + std::to_string(i)] = "%{Q" + std::to_string(i - 1) + "}%{Q" + std::to_string(i - 1) + "}";
    t.restart();
    QVERIFY(!g.compile("%{Q30}", plain, err));
    QVERIFY2(err.find("more than") != std::string::npos, err.c_str());
    QVERIFY2(t.elapsed() < 2000, qPrintable(QString::number(t.elapsed())));
    // the base set's own references are shared (no captures inside them): a deep base pattern
    // used many times stays small, see grokManyReferencesStaySmall
    QVERIFY2(g.compile("x%{Q2}", plain, err), err.c_str());
    COMPARE_JSON(g.match("xaaaa"), Json::parse(R"({"Q2":"aaaa","Q1":"aa","Q0":"a"})"));
}

void TestStages::grokUnnamedCapturesInCustomPatterns()
{
    // an unnamed reference written in a custom pattern captures under its name, at any depth;
    // the references inside the base set's definitions (IP is IPV6 or IPV4) do not
    Grok g;
    std::string err;
    const std::map<std::string, std::string> custom{{"LINE", "%{QID:queue}: %{KV} status=%{STATUS}( \\(%{GREEDYDATA:why}\\))?"},
                                                    {"QID", "[0-9A-F]{6,}"},
                                                    {"KV", "([\\w-]+=[^;]*)"},
                                                    {"STATUS", "[\\w-]*"}};
    QVERIFY2(g.compile("%{LINE} from %{IP}", custom, err), err.c_str());
    COMPARE_JSON(g.match("3D770111AF50: to=<a@b.c>, dsn=5.4.4, status=bounced (not found) from 10.0.0.1"),
                 Json::parse(R"j({"LINE":"3D770111AF50: to=<a@b.c>, dsn=5.4.4, status=bounced (not found)",
                                 "queue":"3D770111AF50","KV":"to=<a@b.c>, dsn=5.4.4,","STATUS":"bounced",
                                 "why":"not found","IP":"10.0.0.1"})j"));
    // a group that took no part is null, as named ones are
    COMPARE_JSON(g.match("3D770111AF50: a=1 status= from ::1"),
                 Json::parse(R"j({"LINE":"3D770111AF50: a=1 status=","queue":"3D770111AF50","KV":"a=1","STATUS":"",
                                 "why":null,"IP":"::1"})j"));
    QVERIFY(isUndefined(g.match("3D770111AF50: a=1 status=x from nowhere")));
}

QTEST_GUILESS_MAIN(TestStages)
#include "tst_stages.moc"
