// SPDX-License-Identifier: MIT
// Random and mutated inputs through the readers, the index pass and the normalizer: nothing
// may crash, hang or lose track of records.
#include "intake/engine.h"
#include "intake/normalizer.h"
#include "store/eventstore.h"
#include "testutil.h"

#include <algorithm>
#include <iterator>
#include <random>
#include <set>

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
    void indexPassAndRecordParserAgree()
    {
        // `stats` (the index pass) and `normalize` (the record parser) must reject the same lines:
        // they once disagreed on lines with 35-digit numbers (177 against 189)
        std::mt19937 rng(4242);
        auto number = [&]() -> std::string {
            switch (rng() % 24) {
            case 0: return std::to_string(rng());
            case 1: return "12345678901234567890123456789012345"; // 35 digits: valid, beyond 64 bits
            case 2: return "-98765432109876543210987654321098765";
            case 3: return "1e400";
            case 4: return "0123"; // leading zero: invalid
            case 5: return "000000000000000000000000000000000001"; // invalid, beyond 64 bits
            case 6: return "18446744073709551616";
            case 7: return "1."; // invalid
            case 8: return "2.5E-3";
            case 9: return "-0";
            case 10: return "1" + std::string(400, '0');
            case 11: return "-"; // invalid
            default: return std::to_string(int(rng() % 2000) - 1000);
            }
        };
        std::string text;
        for (int i = 0; i < 3000; ++i) {
            std::string rec = "{\"ID\":\"" + std::to_string(i) + "\",\"n\":" + number() + ",\"a\":[" + number()
                              + ",{\"b\":" + number() + "}],\"When\":" + number() + "}";
            switch (rng() % 10) {
            case 0: rec.resize(rng() % rec.size()); break;                              // cut short
            case 1: rec.insert(rec.size() - 1, ",\"d\":" + std::string(130, '[') + std::string(130, ']')); break; // too deep
            case 2: rec.insert(rec.size() - 1, ",\"d\":" + std::string(126, '[') + std::string(126, ']')); break; // just deep enough
            case 3: rec = "[" + rec + "]"; break;                                        // not an object
            case 4: rec.insert(rec.size() - 1, ",\"s\":\"\\q\""); break;             // bad escape
            default: break;
            }
            text += rec + (rng() % 3 == 0 ? "\r\n" : "\n");
        }
        const std::string input = "{\"ID\":\"first\"}\n" + text; // NDJSON, whatever follows

        EventStore store;
        EventStore::LoadOptions o;
        o.threads = 2;
        o.limits.blockBytes = 8192;
        std::set<uint64_t> byIndex, byParser;
        store.load(SourceSpec::memory("gen", input), o, [&](const Diagnostic &d) {
            if (d.severity == Diagnostic::Severity::Error)
                byIndex.insert(d.line);
        });
        SourceReader reader(o.limits);
        const auto parser = intake::IntakeParser::builtin();
        reader.read(
            SourceSpec::memory("gen", input),
            [&](Block &&b) {
                for (const RecordSpan &sp : b.spans) {
                    const auto r = intake::normalizeRecordPadded(*parser, std::string_view(b.data->data() + sp.pos, sp.len),
                                                                 b.data->size() - sp.pos, o.limits.maxDepth, false);
                    if (!r.ok)
                        byParser.insert(sp.line);
                }
            },
            [&](Diagnostic &&d) {
                if (d.severity == Diagnostic::Severity::Error)
                    byParser.insert(d.line);
            });
        QVERIFY(byIndex.size() > 500);         // the input has plenty of both
        QVERIFY(store.snapshot().size() > 500);
        std::vector<uint64_t> onlyIndex, onlyParser;
        std::set_difference(byIndex.begin(), byIndex.end(), byParser.begin(), byParser.end(), std::back_inserter(onlyIndex));
        std::set_difference(byParser.begin(), byParser.end(), byIndex.begin(), byIndex.end(), std::back_inserter(onlyParser));
        QVERIFY2(onlyIndex.empty() && onlyParser.empty(),
                 qPrintable(QStringLiteral("rejected by the index pass only: %1 lines (first %2); by the record parser only: %3 lines (first %4)")
                                .arg(onlyIndex.size()).arg(onlyIndex.empty() ? 0 : onlyIndex[0])
                                .arg(onlyParser.size()).arg(onlyParser.empty() ? 0 : onlyParser[0])));
    }
    void hugeLineAndDeepNesting()
    {
        std::string s = std::string(100000, '[') + "\n" + "{\"ID\":\"ok\"}" + "\n" + std::string(50000, '{') + "\n";
        feed(s, 8192);
    }
};

QTEST_APPLESS_MAIN(TstFuzz)
#include "tst_fuzz.moc"
