// SPDX-License-Identifier: MIT
// Random and mutated inputs through the readers, the index pass and the normalizer: nothing
// may crash, hang or lose track of records.
#include "intake/engine.h"
#include "intake/normalizer.h"
#include "store/eventstore.h"
#include "testutil.h"

#include <random>

using namespace auditlens;

class TstFuzz : public QObject
{
    Q_OBJECT
private:
    void feed(const std::string &bytes, size_t blockBytes)
    {
        EventStore store;
        EventStore::LoadOptions o;
        o.threads = 2;
        o.limits.blockBytes = blockBytes;
        o.limits.maxRecordBytes = 4096;
        size_t diags = 0;
        const auto sum = store.load(SourceSpec::memory("fuzz", bytes), o, [&](const Diagnostic &d) {
            ++diags;
            QVERIFY(!d.message.empty());
        });
        const Snapshot s = store.snapshot();
        QCOMPARE(size_t(sum.records), s.size()); // every span is either indexed or rejected
        for (size_t i = 0; i < s.size(); ++i) {
            const std::string raw = s.raw(i);
            QVERIFY(!raw.empty());
            auto r = intake::normalizeRecord(*intake::IntakeParser::builtin(), raw);
            QVERIFY(r.ok); // the index pass accepted it, so must the normalizer
        }
    }

private slots:
    void randomBytes()
    {
        std::mt19937 rng(12345);
        for (int round = 0; round < 200; ++round) {
            std::string s(size_t(rng() % 3000), '\0');
            for (char &c : s)
                c = char(rng() % 256);
            if (round % 3 == 0)
                s = "\x1f\x8b" + s; // claims to be gzip
            feed(s, 1 + rng() % 512);
        }
    }
    void mutatedRecords()
    {
        const std::string seed = testutil::readFile(testutil::dataPath("seed/raw_samples.json"));
        QVERIFY(!seed.empty());
        std::mt19937 rng(777);
        const char interesting[] = {'{', '}', '[', ']', '"', '\\', ',', ':', '\n', '\0', 'x', ' ', '\xff'};
        for (int round = 0; round < 300; ++round) {
            std::string s = seed;
            const int edits = 1 + int(rng() % 8);
            for (int e = 0; e < edits; ++e) {
                const size_t pos = rng() % s.size();
                switch (rng() % 4) {
                case 0: s[pos] = interesting[rng() % sizeof interesting]; break;
                case 1: s.erase(pos, 1 + rng() % 20); break;
                case 2: s.insert(pos, 1, interesting[rng() % sizeof interesting]); break;
                case 3: s.resize(pos); break;
                }
                if (s.empty())
                    s = "{";
            }
            if (round % 4 == 0)
                s = testutil::gzip(s);
            if (round % 8 == 1) {
                s = testutil::gzip(seed);
                s[rng() % s.size()] = char(rng() % 256);
            }
            feed(s, 16 + rng() % 4096);
        }
    }
    void hugeLineAndDeepNesting()
    {
        std::string s = std::string(100000, '[') + "\n" + "{\"ID\":\"ok\"}" + "\n" + std::string(50000, '{') + "\n";
        feed(s, 8192);
    }
};

QTEST_APPLESS_MAIN(TstFuzz)
#include "tst_fuzz.moc"
