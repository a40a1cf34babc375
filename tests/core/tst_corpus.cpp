// SPDX-License-Identifier: MIT
// External conformance: every Cloudflare intake of the public Sekoia.io corpus (../shared) runs
// its own parser.yml through our engine and must give each test's expected output. As the
// corpus harness does, lists of scalars are compared without regard to order and `message` is
// not compared (the harness ignores it; ours is the compact Logpush form, see tst_normalize).
#include "intake/engine.h"
#include "intake/normalizer.h"
#include "testutil.h"

#include <QDirIterator>

using namespace auditlens;
using namespace auditlens::intake;

namespace {

nlohmann::json canonical(nlohmann::json j)
{
    if (j.is_object()) {
        for (auto &[k, v] : j.items())
            v = canonical(v);
    } else if (j.is_array()) {
        bool scalars = true;
        for (auto &e : j) {
            e = canonical(e);
            scalars = scalars && !e.is_object() && !e.is_array();
        }
        if (scalars)
            std::sort(j.begin(), j.end(), [](const nlohmann::json &a, const nlohmann::json &b) { return a.dump() < b.dump(); });
    }
    return j;
}

} // namespace

class TstCorpus : public QObject
{
    Q_OBJECT
private slots:
    void cloudflareIntakes_data()
    {
        QTest::addColumn<QString>("intake");
        QTest::addColumn<QString>("test");
        const QString shared = testutil::sharedDir();
        if (shared.isEmpty())
            return;
        const QString base = shared + QStringLiteral("/corpus/intake-formats/Cloudflare");
        QDirIterator it(base, {QStringLiteral("*.json")}, QDir::Files, QDirIterator::Subdirectories);
        QStringList tests;
        while (it.hasNext()) {
            const QString p = it.next();
            if (p.contains(QStringLiteral("/tests/")))
                tests << p;
        }
        tests.sort();
        for (const QString &t : tests) {
            const QString intake = t.section(QStringLiteral("/tests/"), 0, 0);
            QTest::newRow(qPrintable(intake.section(QLatin1Char('/'), -1) + QLatin1Char('/') + t.section(QLatin1Char('/'), -1)))
                << intake << t;
        }
    }
    void cloudflareIntakes()
    {
        REQUIRE_SHARED(shared);
        QFETCH(QString, intake);
        QFETCH(QString, test);
        std::string err;
        auto parser = IntakeParser::load(intake.toStdString(), err);
        QVERIFY2(parser, err.c_str());
        QVERIFY2(parser->warnings().empty(), parser->warnings().empty() ? "" : parser->warnings()[0].c_str());
        const auto t = nlohmann::json::parse(testutil::readFile(test));
        const auto &msg = t["input"]["message"];
        auto r = normalizeRecord(*parser, msg.is_string() ? msg.get<std::string>() : msg.dump());
        QVERIFY2(r.ok, r.error.c_str());
        auto got = canonical(nlohmann::json::parse(r.result.event.dump()));
        auto exp = canonical(t["expected"]);
        QVERIFY(got.contains("message"));
        got.erase("message");
        exp.erase("message");
        QVERIFY2(got == exp, nlohmann::json::diff(exp, got).dump().substr(0, 800).c_str());
    }
    void corpusIsThere()
    {
        REQUIRE_SHARED(shared);
        QDirIterator it(shared + QStringLiteral("/corpus/intake-formats/Cloudflare"), {QStringLiteral("parser.yml")}, QDir::Files,
                        QDirIterator::Subdirectories);
        int n = 0;
        while (it.hasNext()) {
            it.next();
            ++n;
        }
        QCOMPARE(n, 8);
    }
};

QTEST_GUILESS_MAIN(TstCorpus)
#include "tst_corpus.moc"
