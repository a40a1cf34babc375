// SPDX-License-Identifier: MIT
// External conformance: every Cloudflare intake of the public Sekoia.io corpus (../shared) runs
// its own parser.yml through our engine and must give each test's expected output. As the
// corpus harness does, lists of scalars are compared without regard to order and `message` is
// not compared (the harness ignores it; ours is the compact Logpush form, see tst_normalize).
#include "intake/conformance.h"
#include "testutil.h"

#include <set>

using namespace auditlens::intake;

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
