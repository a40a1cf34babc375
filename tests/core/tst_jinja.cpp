// SPDX-License-Identifier: MIT
#include "intake/engine.h"
#include "intake/jinja.h"
#include "jsoncompare.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace auditlens::intake;



namespace {

Json vars()
{
    return Json::parse("{\n"
"      \"ev\": {\"message\": {\"a\": 1, \"s\": \"Hello World\", \"ip\": \"::ffff:1.2.3.4\", \"list\": [\"x\", \"y\", \"z\"],\n"
"                         \"n\": null, \"f\": 2.5, \"d\": {\"k\": \"v\"}, \"zero\": 0, \"empty\": \"\"}},\n"
"      \"num\": 7\n"
"    }");
}

Json eval(const std::string &tmpl)
{
    static const Json v = vars();
    Scope scope = [](const std::string &name) -> const Json * {
        auto it = v.find(name);
        return it != v.end() ? &*it : nullptr;
    };
    return Template(tmpl).evaluate(scope);
}

} // namespace

class TstJinja : public QObject
{
    Q_OBJECT
private slots:
    void nativeValues()
    {
        JCOMPARE(eval("{{ev.message.a}}"), Json(1));
        JCOMPARE(eval("{{ev.message.list}}"), Json::parse("[\"x\",\"y\",\"z\"]"));
        JCOMPARE(eval("{{ev.message.d}}"), Json::parse("{\"k\":\"v\"}"));
        QVERIFY(eval("{{ev.message.n}}").is_null());
        QVERIFY(isUndefined(eval("{{ev.message.missing}}")));
    }
    void attributeOfUndefinedRaises()
    {
        QVERIFY_THROWS_EXCEPTION(EvalError, eval("{{ev.message.missing.deeper}}"));
        QVERIFY_THROWS_EXCEPTION(EvalError, eval("TLS_{{ev.nope.x}}"));
        JCOMPARE(eval("{{ev.message.missing.deeper is defined}}"), Json(false));
        JCOMPARE(eval("{{ev.message.missing | default('dflt')}}"), Json("dflt"));
    }
    void renderedTextIsLiteralEvaluated()
    {
        JCOMPARE(eval("{{ev.message.a}}{{ev.message.a}}"), Json(11));
        JCOMPARE(eval("x-{{ev.message.a}}"), Json("x-1"));
        JCOMPARE(eval("[{{ev.message.a}}, 2]"), Json::parse("[1,2]"));
        QVERIFY(eval("{% if ev.message.zero %}1{% else %}None{% endif %}").is_null());
    }
    void operatorsAndTests()
    {
        JCOMPARE(eval("{{ev.message.a + 1}}"), Json(2));
        JCOMPARE(eval("{{num / 2}}"), Json(3.5));
        JCOMPARE(eval("{{num // 2}}"), Json(3));
        JCOMPARE(eval("{{ -7 % 3 }}"), Json(2));
        JCOMPARE(eval("{{- 7 % 3 }}"), Json(1)); // `{{-` strips whitespace, it is no minus
        JCOMPARE(eval("{{ev.message.s ~ '!' ~ num}}"), Json("Hello World!7"));
        JCOMPARE(eval("{{'x' in ev.message.list}}"), Json(true));
        JCOMPARE(eval("{{'q' not in ev.message.list}}"), Json(true));
        JCOMPARE(eval("{{ev.message.s is string and ev.message.a is number}}"), Json(true));
        JCOMPARE(eval("{{ev.message.n is none}}"), Json(true));
        JCOMPARE(eval("{{ev.message.a is in [1, 2]}}"), Json(true));
        JCOMPARE(eval("{{ev.message.a is not in [3]}}"), Json(true));
        JCOMPARE(eval("{{'a' if ev.message.zero else 'b'}}"), Json("b"));
        JCOMPARE(eval("{{ev.message.empty or 'fallback'}}"), Json("fallback"));
        JCOMPARE(eval("{{not ev.message.zero}}"), Json(true));
        JCOMPARE(eval("{{ev.message.missing != None}}"), Json(true));
        JCOMPARE(eval("{{ev.message.missing == None}}"), Json(false));
        JCOMPARE(eval("{{2 ** 10}}"), Json(1024));
        // precedence and left associativity of the binary levels
        JCOMPARE(eval("{{1 + 2 * 3}}"), Json(7));
        JCOMPARE(eval("{{2 * 3 ** 2}}"), Json(18));
        JCOMPARE(eval("{{10 - 2 - 3}}"), Json(5));
        JCOMPARE(eval("{{'x' ~ 2 * 3}}"), Json("x6")); // '*' binds tighter than '~'
        JCOMPARE(eval("{{(1, 2)}}"), Json::parse("[1,2]"));
        JCOMPARE(eval("{{ {'a': num}['a'] }}"), Json(7));
    }
    void methodsAndFilters()
    {
        JCOMPARE(eval("{{ev.message.s.lower()}}"), Json("hello world"));
        JCOMPARE(eval("{{ev.message.s.split(' ')[1]}}"), Json("World"));
        JCOMPARE(eval("{{ev.message.s.replace('World', 'There')}}"), Json("Hello There"));
        JCOMPARE(eval("{{ev.message.s.startswith('Hell')}}"), Json(true));
        JCOMPARE(eval("{{ev.message.get('a')}}"), Json(1));
        QVERIFY(eval("{{ev.message.get('nope')}}").is_null());
        JCOMPARE(eval("{{ev.message.get('nope', 5)}}"), Json(5));
        JCOMPARE(eval("{{ev.message.s[0:5]}}"), Json("Hello"));
        JCOMPARE(eval("{{ev.message.list[-1]}}"), Json("z"));
        JCOMPARE(eval("{{ev.message.list | join(',')}}"), Json("x,y,z"));
        JCOMPARE(eval("{{ev.message.list | length}}"), Json(3));
        JCOMPARE(eval("{{ev.message.list | first}}"), Json("x"));
        JCOMPARE(eval("{{ev.message.s | upper}}"), Json("HELLO WORLD"));
        JCOMPARE(eval("{{'  pad ' | trim}}"), Json("pad"));
        JCOMPARE(eval("{{'12' | int + 1}}"), Json(13));
        JCOMPARE(eval("{{'2.5' | float * 2}}"), Json(5.0));
        JCOMPARE(eval("{{'1.2.3.4' | is_ipaddress}}"), Json(true));
        JCOMPARE(eval("{{'nope' | is_ipaddress}}"), Json(false));
        JCOMPARE(eval("x{{ev.message.d | tojson}}"), Json("x{\"k\": \"v\"}"));
        JCOMPARE(eval("{{'{\"x\": 1}' | from_json}}"), Json::parse("{\"x\":1}"));
        JCOMPARE(eval("{{'/a/b/c.txt' | basename}}"), Json("c.txt"));
        JCOMPARE(eval("{{'/a/b/c.txt' | dirname}}"), Json("/a/b"));
        JCOMPARE(eval("{{1677256358 | to_rfc3339}}"), Json("2023-02-24T16:32:38.000000Z"));
        JCOMPARE(eval("{{(ev.message.s | re_search('W(or)ld')).groups[0]}}"), Json("or"));
        JCOMPARE(eval("{{ev.message.f | string}}"), Json("2.5"));
        JCOMPARE(eval("{{ev.message.d | string}}"), Json::parse("{\"k\":\"v\"}")); // a dict repr reads back as a dict
    }
    void statements()
    {
        JCOMPARE(eval("{% for x in ev.message.list %}{{loop.index}}{{x}}{% endfor %}"), Json("1x2y3z"));
        JCOMPARE(eval("{% set y = num * 2 %}{{y}}"), Json(14));
        JCOMPARE(eval("{% if num > 10 %}big{% elif num > 5 %}mid{% else %}small{% endif %}"), Json("mid"));
        JCOMPARE(eval("[{% for x in ev.message.list %}'{{x}}'{% if not loop.last %},{% endif %}{% endfor %}]"),
                 Json::parse("[\"x\",\"y\",\"z\"]"));
        JCOMPARE(eval("{%- if true -%}  yes  {%- endif -%}"), Json("yes"));
    }
    void compileErrorsSayWhere()
    {
        try {
            Template t("{{ ev.message.a + }}");
            QFAIL("should not compile");
        } catch (const CompileError &e) {
            QVERIFY(std::string(e.what()).find("incomplete") != std::string::npos);
        }
        QVERIFY_THROWS_EXCEPTION(CompileError, Template("{% if x %}never closed"));
        QVERIFY_THROWS_EXCEPTION(CompileError, Template("{{ 'unclosed }}"));
        QVERIFY_THROWS_EXCEPTION(CompileError, Template("{{ x "));
    }
    void pythonStrAndLiterals()
    {
        QCOMPARE(pyStr(Json::parse("{\"a\":[1,true,null,\"x\"]}")), std::string("{'a': [1, True, None, 'x']}"));
        QCOMPARE(pyStr(Json(1e20)), std::string("1e+20"));
        QCOMPARE(pyStr(Json(0.1)), std::string("0.1"));
        QCOMPARE(pyStr(Json(3.0)), std::string("3.0"));
        JCOMPARE(literalEval("['a', \"b\", 1, None, (2, 3)]"), Json::parse("[\"a\",\"b\",1,null,[2,3]]"));
        QVERIFY(isUndefined(literalEval("hello")));
        QVERIFY(isUndefined(literalEval("0123")));
    }
    void pathsAreCollected()
    {
        Template t("{{a.b.c}} {{ d.get('e') }} {{ f | lower }}");
        QCOMPARE(t.paths(), (std::vector<std::string>{"a.b.c", "d.e", "f"}));
    }
    /// `list.append` in a loop (the public parsers' way to build a list) changes the local
    /// variable in place; `set` inside a loop body is that iteration's (Jinja's scoping).
    void mutatingMethodsAndLoopScope()
    {
        JCOMPARE(eval("{%- set l = [] -%}{%- for x in ev.message.list -%}{%- set l = l.append(x | upper) -%}{%- endfor -%}{{ l }}"),
                 Json::parse("[\"X\",\"Y\",\"Z\"]"));
        JCOMPARE(eval("{%- set d = {} -%}{%- for x in ev.message.list -%}{%- set _ = d.update({x: loop.index}) -%}{%- endfor -%}{{ d }}"),
                 Json::parse("{\"x\":1,\"y\":2,\"z\":3}"));
        JCOMPARE(eval("{% set l = [1] %}{% set _ = l.extend([2, 3]) %}{% set _ = l.insert(0, 0) %}{{ l.pop() }}{{ l }}"), Json("3[0, 1, 2]"));
        JCOMPARE(eval("{% set seen = false %}{% for x in [1, 2] %}{% set seen = true %}{% endfor %}{{ seen }}"), Json(false));
        // a layer's value is not changed by a method called on it
        JCOMPARE(eval("{% set _ = ev.message.list.append('w') %}{{ ev.message.list | length }}"), Json(3));
        QVERIFY_THROWS_EXCEPTION(EvalError, eval("{{ ev.message.n.append(1) }}"));
        JCOMPARE(eval("{{ ev.message.s.removeprefix('Hello ') }}"), Json("World"));
        JCOMPARE(eval("{{ ev.message.s.removesuffix('World') }}"), Json("Hello "));
        JCOMPARE(eval("{% if num > 3: %}big{% else: %}small{% endif %}"), Json("big"));
    }
    void selectAndRejectFilters()
    {
        const std::string users = "[{'n': 'a', 'r': {'admin': true} }, {'n': 'b'}, {'n': 'c', 'r': {'admin': false} }]";
        JCOMPARE(eval("{{ " + users + " | selectattr('r') | map(attribute='n') | list }}"), Json::parse("[\"a\",\"c\"]"));
        JCOMPARE(eval("{{ " + users + " | selectattr('r.admin') | map(attribute='n') | list }}"), Json::parse("[\"a\"]"));
        JCOMPARE(eval("{{ " + users + " | rejectattr('r', 'defined') | map(attribute='n') | list }}"), Json::parse("[\"b\"]"));
        JCOMPARE(eval("{{ " + users + " | selectattr('n', 'equalto', 'c') | map(attribute='n') | first }}"), Json("c"));
        JCOMPARE(eval("{{ [0, 1, 2, None] | select | list }}"), Json::parse("[1,2]"));
        JCOMPARE(eval("{{ [1, 5, 9] | reject('gt', 4) | list }}"), Json::parse("[1]"));
        JCOMPARE(eval("{{ ['a', 'b', 'c', 'd'] | batch(3) | list }}"), Json::parse("[[\"a\",\"b\",\"c\"],[\"d\"]]"));
        QVERIFY_THROWS_EXCEPTION(EvalError, eval("{{ 5 | select | list }}"));
    }
    /// Jinja's Undefined is '' to the string filters and an empty sequence to the others;
    /// int and float on it fail (the field is left unset), as attribute access does.
    void filtersOnUndefined()
    {
        JCOMPARE(eval("{{ ev.message.missing | lower or ev.message.s | lower }}"), Json("hello world"));
        JCOMPARE(eval("x{{ ev.message.missing | upper }}x"), Json("xx"));
        JCOMPARE(eval("{{ ev.message.missing | join(',') }}"), Json(""));
        JCOMPARE(eval("{{ ev.message.missing | list }}"), Json::array());
        QVERIFY(isUndefined(eval("{{ ev.message.missing | first }}")));
        QVERIFY_THROWS_EXCEPTION(EvalError, eval("{{ ev.message.missing | int }}"));
        QVERIFY_THROWS_EXCEPTION(EvalError, eval("{{ ev.message.missing | float }}"));
        QVERIFY_THROWS_EXCEPTION(EvalError, eval("{{ ev.message.missing | to_rfc3339 }}"));
    }
    void sekoiaAndFormatFilters()
    {
        JCOMPARE(eval("{{ '%d-%s-%.2f' | format(7, 'x', 2.5) }}"), Json("7-x-2.50"));
        JCOMPARE(eval("{{ '%05.1f%%' | format(3.14159) }}"), Json("003.1%"));
        QVERIFY_THROWS_EXCEPTION(EvalError, eval("{{ '%d' | format('x') }}"));
        QVERIFY_THROWS_EXCEPTION(EvalError, eval("{{ '%d' | format(1e300) }}")); // no cast past long long
        JCOMPARE(eval("{{ '%d' | format(-2.9) }}"), Json("-2"));
        QVERIFY_THROWS_EXCEPTION(EvalError, eval("{{ '%s %s' | format('x') }}"));
        JCOMPARE(eval("{{ 'aabb.ccdd.eeff' | to_mac_address }}"), Json("AA:BB:CC:DD:EE:FF"));
        JCOMPARE(eval("{{ '00-11-22-33-44-5a' | to_mac_address }}"), Json("00:11:22:33:44:5A"));
        JCOMPARE(eval("{{ 'not a mac' | to_mac_address }}"), Json());
        JCOMPARE(eval("{{ 1748266887 | to_iso8601 }}"), Json("2025-05-26T13:41:27Z"));
        JCOMPARE(eval("{{ '1.2.3.4' | is_ipv4 }}{{ '1.2.3.4' | is_ipv6 }}{{ '::1' | is_ipv6 }}"), Json("TrueFalseTrue"));
        JCOMPARE(eval("{{ 'https://example.org/x' | is_url }}{{ 'example' | is_url }}"), Json("TrueFalse"));
        JCOMPARE(eval("x{{ {'b': 1} | to_json }}"), Json("x{\"b\": 1}"));
    }
    void unknownNamesAreRefusedAtCompile_data()
    {
        QTest::addColumn<QString>("tmpl");
        QTest::addColumn<QString>("message");
        QTest::addColumn<int>("position");
        QTest::newRow("filter") << "{{ ev.message.s | nosuch }}" << "unknown filter 'nosuch' at column 19" << 18;
        QTest::newRow("dotted filter") << "{{ x | a.b }}" << "unknown filter 'a.b' at column 8" << 7;
        QTest::newRow("test") << "{{ x is nosuch }}" << "unknown test 'nosuch' at column 6 of the template: 'is nosuch" << 5;
        QTest::newRow("method") << "{{ ev.message.s.toUpperCase() }}" << "unknown method 'toUpperCase()' at column 17" << 16;
        QTest::newRow("function") << "{{ nosuch(1) }}" << "unknown function 'nosuch()' at column 4" << 3;
        QTest::newRow("re global") << "{% if x %}{{ re.match('a', x) }}{% endif %}" << "unknown method 'match()'" << 16;
        QTest::newRow("second line") << "{% if x %}\n  {{ x | upper | nosuch }}\n{% endif %}" << "unknown filter 'nosuch' at line 2, column 18" << 28;
        QTest::newRow("in a for body") << "{% for i in x %}{{ i.nosuch() }}{% endfor %}" << "unknown method 'nosuch()'" << 21;
    }
    void unknownNamesAreRefusedAtCompile()
    {
        QFETCH(QString, tmpl);
        QFETCH(QString, message);
        QFETCH(int, position);
        try {
            Template t(tmpl.toStdString());
            QFAIL("should not compile");
        } catch (const CompileError &e) {
            QVERIFY2(QString::fromStdString(e.what()).contains(message), e.what());
            QCOMPARE(int(e.position), position);
        }
        // the bare-expression form (filters written without braces) is checked the same way
        if (!tmpl.startsWith(QLatin1String("{%")))
            QVERIFY_THROWS_EXCEPTION(CompileError, compileExpression(tmpl.mid(2, tmpl.size() - 4).toStdString()));
    }
    void everyKnownNameCompiles()
    {
        // the filters, tests and methods the public parsers use (DSL_SURVEY.md) all resolve
        for (const char *f : {"lower", "length", "first", "int", "default", "selectattr", "list", "last", "string",
                              "map", "join", "replace", "unique", "select", "float", "tojson", "trim", "rejectattr",
                              "sum", "batch", "items", "capitalize", "e", "reject", "upper", "format", "is_ipaddress",
                              "to_rfc3339", "basename", "re_match", "re_search", "dirname", "to_mac_address",
                              "from_json", "to_json", "to_iso8601", "is_url", "is_ipv4", "is_ipv6", "d", "count",
                              "abs", "round", "sort", "reverse", "min", "max", "dictsort", "strip", "escape"})
            QVERIFY2(Template(std::string("{{ x | ") + f + " }}").paths().size() == 1, f);
        for (const char *t : {"defined", "undefined", "in", "number", "none", "string", "mapping", "iterable",
                              "sequence", "true", "false", "integer", "float", "boolean", "odd", "even", "eq", "ne"})
            QVERIFY2(!Template(std::string("{{ x is ") + t + " }}").isConstant(), t);
        for (const char *m : {"get", "split", "replace", "startswith", "append", "strip", "lower", "update", "endswith",
                              "isdigit", "rstrip", "removeprefix", "lstrip", "items", "index", "join", "copy", "rsplit",
                              "extend", "capitalize", "keys", "isalpha", "values", "pop", "upper", "find", "count"})
            QVERIFY2(!Template(std::string("{{ x.") + m + "() }}").isConstant(), m);
    }
    void parserLoadNamesTheUnknownConstruct()
    {
        // an unknown filter is a load warning naming the file, the line and the construct; the
        // other fields of the action are still set, record after record
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath(QStringLiteral("parser.yml"));
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("name: t\n"
                "pipeline:\n"
                "  - name: parsed\n"
                "    external:\n"
                "      name: json.parse-json\n"
                "      properties:\n"
                "        input_field: original.message\n"
                "        output_field: m\n"
                "  - name: fields\n"
                "stages:\n"
                "  fields:\n"
                "    actions:\n"
                "      - set:\n"
                "          user.name: \"{{ parsed.m.user | nosuch }}\"\n"
                "          user.id: \"{{ parsed.m.id }}\"\n"
                "      - set:\n"
                "          event.reason: \"{{ parsed.m.user.toUpperCase() }}\"\n");
        f.close();
        std::string error;
        const auto parser = IntakeParser::load(path.toStdString(), error);
        QVERIFY2(parser, error.c_str());
        const std::vector<std::string> &w = parser->warnings();
        QCOMPARE(int(w.size()), 2);
        const std::string file = path.toStdString();
        QVERIFY2(w[0].find(file + ":13") != std::string::npos, w[0].c_str());
        QVERIFY2(w[0].find("user.name is never set: unknown filter 'nosuch'") != std::string::npos, w[0].c_str());
        QVERIFY2(w[1].find(file + ":16") != std::string::npos, w[1].c_str());
        QVERIFY2(w[1].find("unknown method 'toUpperCase()'") != std::string::npos, w[1].c_str());
        for (int i = 0; i < 2; ++i) {
            const NormalizeResult r = parser->run("{\"user\": \"alice\", \"id\": \"42\"}", true);
            JCOMPARE(r.event.value("user", Json::object()).value("id", Json()), Json("42"));
            QVERIFY(!r.event.value("user", Json::object()).contains("name"));
            for (const RunIssue &issue : r.issues)
                QVERIFY2(issue.message.find("nosuch") == std::string::npos, issue.message.c_str()); // not per record
        }
    }
    void reMatchIsABool()
    {
        JCOMPARE(eval("{{ 'abc' | re_match('b') }}"), Json(false)); // anchored at the start, as Python's re.match
        JCOMPARE(eval("{{ 'abc' | re_match('a(b)') }}"), Json(true));
        JCOMPARE(eval("{{ 'x:80' | re_match('x:[0-9]+') == True }}"), Json(true));
        JCOMPARE(eval("{{ 'abc' | re_match('z') == False }}"), Json(true));
        QVERIFY_THROWS_EXCEPTION(EvalError, eval("{{ 'abc' | re_match('(') }}"));
    }
    void toRfc3339ReadsAnOffsetAfterASpace()
    {
        JCOMPARE(eval("{{ '2021-05-18 16:50:30 +0200' | to_rfc3339 }}"), Json("2021-05-18T14:50:30.000000Z"));
        JCOMPARE(eval("{{ '2021-05-18 16:50:30 -01:30' | to_rfc3339 }}"), Json("2021-05-18T18:20:30.000000Z"));
        JCOMPARE(eval("{{ '2021-05-18T16:50:30Z' | to_rfc3339 }}"), Json("2021-05-18T16:50:30.000000Z"));
        QVERIFY_THROWS_EXCEPTION(EvalError, eval("{{ 'soon +0200' | to_rfc3339 }}"));
    }
    void operandsReadInPlaceSurviveMutation()
    {
        // the left operand is read in place unless the right one changes a variable: a list
        // that grows while its first element is compared must not be read from freed storage
        JCOMPARE(eval("{% set l = ['a'] %}{{ l[0] ~ l.extend(range(1000)) }}-{{ l | length }}"), Json("aNone-1001"));
        JCOMPARE(eval("{% set d = {'k': 'v'} %}{{ d.k == d.update({'k': 'w'}) }}{{ d.k }}"), Json("Falsew"));
        JCOMPARE(eval("{% set l = [1] %}{{ l[0] is eq(l.pop()) }}{{ l | length }}"), Json("True0"));
    }
    void toRfc3339WithAFormatOrAsDateutilReads()
    {
        JCOMPARE(eval("{{ '18/05/2021 16:50:30' | to_rfc3339('%d/%m/%Y %H:%M:%S') }}"), Json("2021-05-18T16:50:30.000000Z"));
        QVERIFY_THROWS_EXCEPTION(EvalError, eval("{{ '2021-05-18 16:50:30' | to_rfc3339('%d/%m/%Y %H:%M:%S') }}"));
        const Json noYear = eval("{{ '06 September, 08:01 UTC+00:00' | to_rfc3339 }}"); // dateutil: this year
        QVERIFY(noYear.is_string() && noYear.get<std::string>().substr(4) == "-09-06T08:01:00.000000Z");
        JCOMPARE(eval("{{ '18/05/2021 16:50:30' | to_iso8601('%d/%m/%Y %H:%M:%S') }}"), Json("2021-05-18T16:50:30Z"));
    }
    void pythonRegexHyphensAndJoinedStrings()
    {
        // `[\w-\.]`: Python reads the hyphen after a class escape literally; PCRE would refuse it
        JCOMPARE(eval("{{ 'a-b.c@x-y.org' | re_match('^[\\w-\\.]+@([\\w-]+\\.)+[\\w-]{2,4}$') }}"), Json(true));
        JCOMPARE(eval("{{ 'a b@x.org' | re_match('^[\\w-\\.]+@') }}"), Json(false));
        JCOMPARE(eval("{{ 'a-z' | re_match('^[a-c\\d-]+$') }}"), Json(false)); // a real range stays one
        JCOMPARE(eval("x{{ 'abc' | join(',') }}"), Json("xa,b,c"));
        JCOMPARE(eval("x{{ {'k': 1, 'l': 2} | join('+') }}"), Json("xk+l"));
    }
    void sumWithStartAndAttribute()
    {
        JCOMPARE(eval("{{ [[1, 2], [3]] | sum(start=[]) }}"), Json::parse("[1, 2, 3]"));
        JCOMPARE(eval("{{ [{'n': 2}, {'n': 5}] | sum(attribute='n') }}"), Json(7));
        JCOMPARE(eval("{{ [1, 2] | sum(start=10) }}"), Json(13));
        QVERIFY_THROWS_EXCEPTION(EvalError, eval("{{ [[1], 2] | sum(start=[]) }}"));
    }
    void escapeAndCopy()
    {
        JCOMPARE(eval("{{ '<a href=\"x\">&\\'' | e }}"), Json("&lt;a href=&#34;x&#34;&gt;&amp;&#39;"));
        JCOMPARE(eval("{{ ev.message.nope | e }}"), Json(""));
        JCOMPARE(eval("{% set d = {'a': 1} %}{% set c = d.copy() %}{% set _ = c.update({'b': 2}) %}{{ d | length }}-{{ c | length }}"),
                 Json("1-2"));
        JCOMPARE(eval("{% set l = [1] %}{% set c = l.copy() %}{% set _ = c.append(2) %}{{ l }}-{{ c }}"), Json("[1]-[1, 2]"));
    }
    void comparisonsChain()
    {
        // Python's `a < b < c` is `a < b and b < c`, not `(a < b) < c`
        JCOMPARE(eval("{{ 8000 <= 8050 < 8100 }}"), Json(true));
        JCOMPARE(eval("{{ 8000 <= 9000 < 8100 }}"), Json(false));
        JCOMPARE(eval("{{ 8000 <= 7000 < 8100 }}"), Json(false));
        JCOMPARE(eval("{{ 3 > num > 1 }}"), Json(false));
        JCOMPARE(eval("{{ 1 < 2 < 3 < 4 == 4 }}"), Json(true));
        JCOMPARE(eval("{{ 1 < 2 < 3 < 4 != 4 }}"), Json(false));
        JCOMPARE(eval("{{ 'x' in ev.message.list != False }}"), Json(true)); // ('x' in l) and (l != False)
        JCOMPARE(eval("{% if 0 <= num <= 9 %}digit{% endif %}"), Json("digit"));
    }
    void stringsCountCodePoints()
    {
        // Python's str is indexed, sliced, measured and iterated by code point, not by byte
        JCOMPARE(eval("{{ '\xEF\xBB\xBFhello: world'[7:] }}"), Json(" world")); // U+FEFF first
        JCOMPARE(eval("{{ '\xEF\xBB\xBFhello'[0] | length }}"), Json(1));
        JCOMPARE(eval("{{ '\xEF\xBB\xBFhello'[1] }}"), Json("h"));
        JCOMPARE(eval("{{ 'h\xC3\xA9llo'[1] }}"), Json("\xC3\xA9"));
        JCOMPARE(eval("{{ 'h\xC3\xA9llo'[-4] }}"), Json("\xC3\xA9"));
        JCOMPARE(eval("{{ 'h\xC3\xA9llo'[:2] }}"), Json("h\xC3\xA9"));
        JCOMPARE(eval("{{ 'h\xC3\xA9llo'[::-1] }}"), Json("oll\xC3\xA9h"));
        JCOMPARE(eval("{{ 'h\xC3\xA9llo'[1::2] }}"), Json("\xC3\xA9l"));
        JCOMPARE(eval("{{ 'h\xC3\xA9llo' | length }}"), Json(5));
        JCOMPARE(eval("{{ 'h\xC3\xA9llo' | reverse }}"), Json("oll\xC3\xA9h"));
        JCOMPARE(eval("{{ '\xC3\xA9t\xC3\xA9' | first }}-{{ '\xC3\xA9t\xC3\xA9' | last }}"), Json("\xC3\xA9-\xC3\xA9"));
        JCOMPARE(eval("{% for c in 'h\xC3\xA9' %}[{{ c }}]{% endfor %}"), Json("[h][\xC3\xA9]"));
        JCOMPARE(eval("{{ '\xC3\xA9t\xC3\xA9' | list | length }}"), Json(3));
    }
    void loopFilter()
    {
        // `for x in seq if cond` keeps the items cond accepts; the loop variables count only those
        const std::string targets = "{% set targets = [{'type': 'User', 'id': 1}, {'type': 'App', 'id': 2}, "
                                    "{'type': 'AppUser', 'id': 3}] %}";
        JCOMPARE(eval(targets + "{% for t in targets if t.get('type') in ['AppUser', 'User'] %}"
                                "{{ loop.index }}/{{ loop.length }}:{{ t.id }}{% if not loop.last %},{% endif %}{% endfor %}"),
                 Json("1/2:1,2/2:3"));
        JCOMPARE(eval(targets + "{% for t in targets if t.id > 5 %}x{% else %}none{% endfor %}"), Json("none"));
        JCOMPARE(eval("{% for c in ev.message.list if c != 'y' %}{{ c }}{% endfor %}"), Json("xz"));
        // the filter binds the loop variable in the loop's scope: an outer variable of that name stays
        JCOMPARE(eval("{% set t = 'outer' %}{% for t in [1, 2, 3] if t > 1 %}{% endfor %}{{ t }}"), Json("outer"));
        // a conditional expression as the iterable still needs its parentheses, as in Jinja
        JCOMPARE(eval("{% for c in (ev.message.list if num else []) %}{{ c }}{% endfor %}"), Json("xyz"));
    }
    void starUnpacksArguments()
    {
        // Python's f(*seq): the items of any iterable become positional arguments
        JCOMPARE(eval("{{ '{}{}-{}{}-{}{}'.format(*'a0b1c2') }}"), Json("a0-b1-c2"));
        JCOMPARE(eval("{{ '{}+{}={}'.format(*[1, 2], 3) }}"), Json("1+2=3"));
        JCOMPARE(eval("{{ '{}{}{}'.format('<', *ev.message.list) }}"), Json("<xy"));
        JCOMPARE(eval("{{ '{}-{}'.format(*'\xC3\xA9t') }}"), Json("\xC3\xA9-t"));
        JCOMPARE(eval("{{ [3, 1] | join(*['-']) }}"), Json("3-1"));
        QVERIFY_THROWS_EXCEPTION(EvalError, eval("{{ '{}'.format(*num) }}"));
        QVERIFY_THROWS_EXCEPTION(EvalError, eval("{{ '{}'.format(*ev.message.missing) }}"));
    }
    void strFormat()
    {
        JCOMPARE(eval("{{ '{}-{}'.format('a', 1) }}"), Json("a-1"));
        JCOMPARE(eval("{{ '{1}{0}{1}'.format('a', 'b') }}"), Json("bab"));
        JCOMPARE(eval("{{ '{n}={v!r}'.format(n='k', v='x') }}"), Json("k='x'"));
        JCOMPARE(eval("{{ '{{}}{}'.format(None) }}"), Json("{}None"));
        JCOMPARE(eval("{{ '{:02x}:{:>4}|{:<3}|{:^5}|{:.2f}|{:*>3}'.format(10, 7, 'ab', 'c', 2.5, 1) }}"),
                 Json("0a:   7|ab |  c  |2.50|**1"));
        JCOMPARE(eval("{{ '{:3}|{:3}'.format('h\xC3\xA9', 5) }}"), Json("h\xC3\xA9 |  5"));
        QVERIFY_THROWS_EXCEPTION(EvalError, eval("{{ '{}{}'.format(1) }}"));
        QVERIFY_THROWS_EXCEPTION(EvalError, eval("{{ '{x}'.format(1) }}"));
        QVERIFY_THROWS_EXCEPTION(EvalError, eval("{{ '{'.format(1) }}"));
        QVERIFY_THROWS_EXCEPTION(EvalError, eval("{{ '}'.format(1) }}"));
        QVERIFY_THROWS_EXCEPTION(EvalError, eval("{{ '{}{0}'.format(1) }}"));
    }
};

QTEST_APPLESS_MAIN(TstJinja)
#include "tst_jinja.moc"
