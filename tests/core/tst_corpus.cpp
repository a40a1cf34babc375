// SPDX-License-Identifier: MIT
// External conformance: every Cloudflare intake of the public Sekoia.io corpus (../shared) runs
// its own parser.yml through our engine and must give each test's expected output. As the
// corpus harness does, lists are sorted before comparing (harnessOrder) and `message` is
// not compared (the harness ignores it; ours is the compact Logpush form, see tst_normalize).
#include "intake/conformance.h"
#include "testutil.h"

#include <set>

using namespace auditlens::intake;

#define SAME(actual, expected)                                                                                         \
    do {                                                                                                               \
        const nlohmann::json a_ = (actual), e_ = (expected);                                                           \
        QVERIFY2(a_ == e_, qPrintable(QString::fromStdString("got " + a_.dump() + "\n   expected " + e_.dump())));    \
    } while (0)

class TstCorpus : public QObject
{
    Q_OBJECT
private slots:
    void cloudflareIntakes_data()
    {
        QTest::addColumn<bool>("passed");
        QTest::addColumn<QString>("problem");
        const QString shared = testutil::sharedDir();
        if (shared.isEmpty())
            return;
        std::vector<IntakeTestResult> results;
        std::string err;
        if (!runIntakeTests(QString(shared + QStringLiteral("/corpus/intake-formats/Cloudflare")).toStdString(), results, err)) {
            QTest::newRow("corpus") << false << QString::fromStdString(err);
            return;
        }
        for (const auto &r : results)
            QTest::newRow(qPrintable(QString::fromStdString(r.intake + "/" + r.test))) << r.passed << QString::fromStdString(r.problem);
    }
    void cloudflareIntakes()
    {
        REQUIRE_SHARED(shared);
        QFETCH(bool, passed);
        QFETCH(QString, problem);
        QVERIFY2(passed, qPrintable(problem.left(800)));
    }
    void everyIntakeAndTestIsRun()
    {
        REQUIRE_SHARED(shared);
        std::vector<IntakeTestResult> results;
        std::string err;
        QVERIFY(runIntakeTests(QString(shared + QStringLiteral("/corpus/intake-formats/Cloudflare")).toStdString(), results, err));
        std::set<std::string> intakes;
        for (const auto &r : results)
            intakes.insert(r.intake);
        QCOMPARE(intakes.size(), size_t(8));
        QCOMPARE(results.size(), size_t(25));
    }
    void comparedInTheHarnessOrder()
    {
        using nlohmann::json;
        // lists of scalars by value (numbers by value, strings by code point), also inside lists
        SAME(harnessOrder(json::parse(R"({"a":["b","a","C"],"n":[10,2.5,3],"l":[[2,1],[1]]})")),
                 json::parse(R"({"a":["C","a","b"],"n":[2.5,3,10],"l":[[1],[1,2]]})"));
        // a list of dicts: by key sets (a proper subset first), in the order CPython's sort
        // leaves them, and nothing sorted inside the dicts
        const json props = json::parse(R"([{"n":"2","new":"x","old":["b","a"]},{"n":"3","new":"y"},{"n":"4","new":"z"}])");
        const json sorted = json::parse(R"([{"n":"3","new":"y"},{"n":"4","new":"z"},{"n":"2","new":"x","old":["b","a"]}])");
        SAME(harnessOrder(props), sorted);
        SAME(harnessOrder(sorted), sorted);
        // dicts whose key sets are not subsets of one another keep their order
        const json apart = json::parse(R"([{"b":1},{"a":1},{"c":1}])");
        SAME(harnessOrder(apart), apart);
        // a descending run is reversed first, as CPython does
        SAME(harnessOrder(json::parse(R"([{"a":1,"b":2,"c":3},{"a":1,"b":2},{"a":1}])")),
                 json::parse(R"([{"a":1},{"a":1,"b":2},{"a":1,"b":2,"c":3}])"));
    }
    void missingDirectoryIsAnError()
    {
        std::vector<IntakeTestResult> results;
        std::string err;
        QVERIFY(!runIntakeTests("/nonexistent", results, err));
        QVERIFY(err.find("no such directory") != std::string::npos);
    }
};

QTEST_GUILESS_MAIN(TstCorpus)
#include "tst_corpus.moc"
