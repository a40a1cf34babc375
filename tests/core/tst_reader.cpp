// SPDX-License-Identifier: MIT
#include "intake/engine.h"
#include "intake/normalizer.h"
#include "store/eventstore.h"
#include "testutil.h"

#include <nlohmann/json.hpp>
#include <zlib.h>

#include <QProcess>
#include <QTemporaryDir>

#include <fstream>

using namespace auditlens;
using testutil::readMem;

namespace {
const std::string kRec1 = "{\"ID\":\"a\",\"ActionType\":\"login\",\"When\":\"2023-02-24T16:32:38Z\"}";
const std::string kRec2 = "{\"ID\":\"b\",\"ActionType\":\"logout\",\"When\":1677256358}";

/// gzip of `count` bytes `c`, made a MiB at a time (the plain text never exists in memory).
std::string gzipOfRepeated(char c, size_t count)
{
    z_stream z{};
    deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY);
    const std::string piece(1 << 20, c);
    std::string out;
    char buf[1 << 16];
    size_t left = count;
    int flush = Z_NO_FLUSH;
    do {
        const size_t k = std::min(left, piece.size());
        z.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(piece.data()));
        z.avail_in = uInt(k);
        left -= k;
        flush = left == 0 ? Z_FINISH : Z_NO_FLUSH;
        do {
            z.next_out = reinterpret_cast<Bytef *>(buf);
            z.avail_out = sizeof buf;
            deflate(&z, flush);
            out.append(buf, sizeof buf - z.avail_out);
        } while (z.avail_out == 0);
    } while (flush != Z_FINISH);
    deflateEnd(&z);
    return out;
}

/// The kernel's peak resident size of this process (VmHWM) in KiB; resetPeak() starts it anew.
long peakRssKiB()
{
    std::ifstream f("/proc/self/status");
    std::string line;
    while (std::getline(f, line))
        if (line.rfind("VmHWM:", 0) == 0)
            return std::stol(line.substr(6));
    return -1;
}
bool resetPeak()
{
    std::ofstream f("/proc/self/clear_refs");
    f << "5";
    return bool(f);
}

bool hasDiag(const testutil::Collected &c, const std::string &text)
{
    for (const auto &d : c.diags)
        if (d.message.find(text) != std::string::npos)
            return true;
    return false;
}

std::string allDiags(const testutil::Collected &c)
{
    std::string out;
    for (const auto &d : c.diags)
        out += d.toString() + "\n";
    return out;
}

std::string records(int from, int to)
{
    std::string s;
    for (int i = from; i < to; ++i)
        s += "{\"ID\":\"r" + std::to_string(i) + "\",\"ActionType\":\"x\",\"When\":\"2023-02-24T16:32:38Z\"}\n";
    return s;
}

/// Index pass and record parser on one record: (index ok, parser ok, parsed value).
struct Both
{
    bool indexOk = false, parserOk = false;
    std::string indexError, parserError;
    nlohmann::ordered_json value;
};
Both both(const std::string &rec)
{
    std::string padded = rec + std::string(kRecordPadding, '\0');
    Both b;
    const IndexedRecord r = indexRecord(std::string_view(padded.data(), rec.size()), padded.size(), 128);
    b.indexOk = r.ok;
    b.indexError = r.error;
    size_t at = 0;
    b.parserOk = parseRecordJson(std::string_view(padded.data(), rec.size()), padded.size(), 128, b.value, b.parserError, at);
    return b;
}
} // namespace

class TstReader : public QObject
{
    Q_OBJECT
private slots:
    void ndjsonLf()
    {
        auto c = readMem(kRec1 + "\n" + kRec2 + "\n");
        QCOMPARE(c.summary.format, InputFormat::Ndjson);
        QCOMPARE(c.records.size(), size_t(2));
        QCOMPARE(c.records[0], kRec1);
        QCOMPARE(c.records[1], kRec2);
        QCOMPARE(c.lines, (std::vector<uint64_t>{1, 2}));
        QVERIFY(c.diags.empty());
    }
    void ndjsonCrlfBlankBom()
    {
        auto c = readMem("\xEF\xBB\xBF" + kRec1 + "\r\n\r\n   \r\n" + kRec2); // no final newline
        QCOMPARE(c.summary.format, InputFormat::Ndjson);
        QCOMPARE(c.records.size(), size_t(2));
        QCOMPARE(c.records[0], kRec1);
        QCOMPARE(c.records[1], kRec2);
        QCOMPARE(c.lines, (std::vector<uint64_t>{1, 4}));
    }
    void jsonArray()
    {
        auto c = readMem("[\n  " + kRec1 + ",\n  " + kRec2 + "\n]\n");
        QCOMPARE(c.summary.format, InputFormat::JsonArray);
        QCOMPARE(c.records.size(), size_t(2));
        QCOMPARE(c.records[1], kRec2);
        QCOMPARE(c.lines, (std::vector<uint64_t>{2, 3}));
        QVERIFY(c.diags.empty());
    }
    void arrayWithScalarsReportsThem()
    {
        auto c = readMem("[" + kRec1 + ", 42, \"x\", " + kRec2 + "]");
        QCOMPARE(c.records.size(), size_t(2));
        QCOMPARE(c.diags.size(), size_t(2)); // 42 and "x", each where it starts
        QVERIFY(c.diags[0].message.find("not a JSON object") != std::string::npos);
    }
    void prettyConcatenatedSeed()
    {
        const std::string text = testutil::readFile(testutil::dataPath("seed/raw_samples.json"));
        QVERIFY(!text.empty());
        auto c = readMem(text);
        QCOMPARE(c.summary.format, InputFormat::Concatenated);
        QCOMPARE(c.records.size(), size_t(5));
        QCOMPARE(c.lines.front(), uint64_t(1));
        for (const auto &r : c.records)
            QVERIFY(nlohmann::json::accept(r));
        QVERIFY(c.diags.empty());
    }
    void gzipFileAndMultiMember()
    {
        const std::string plain = kRec1 + "\n" + kRec2 + "\n";
        QTemporaryDir dir;
        const QString p = dir.filePath(QStringLiteral("logs.txt")); // the name says nothing
        QFile f(p);
        QVERIFY(f.open(QIODevice::WriteOnly));
        const std::string two = testutil::gzip(plain) + testutil::gzip(kRec1 + "\n");
        f.write(two.data(), qint64(two.size()));
        f.close();
        auto c = testutil::readAll(SourceSpec::file(p.toStdString()));
        QVERIFY(c.summary.compressed);
        QVERIFY(!c.summary.fileBacked);
        QCOMPARE(c.records.size(), size_t(3));
        QVERIFY(c.diags.empty());
    }
    void truncatedGzipKeepsDecodedRecords()
    {
        std::string big;
        for (int i = 0; i < 2000; ++i)
            big += "{\"ID\":\"" + std::to_string(i) + "\",\"ActionType\":\"x\",\"When\":\"2023-02-24T16:32:38Z\"}" + "\n";
        std::string gz = testutil::gzip(big, 1);
        gz.resize(gz.size() * 2 / 3);
        auto c = readMem(gz);
        QVERIFY(c.summary.compressed);
        QVERIFY(c.records.size() > 100);
        QVERIFY(c.records.size() < 2000);
        for (const auto &r : c.records)
            QVERIFY(nlohmann::json::accept(r) || &r == &c.records.back());
        bool sawGzip = false;
        for (const auto &d : c.diags)
            sawGzip = sawGzip || d.message.find("gzip stream is truncated at compressed byte") != std::string::npos;
        QVERIFY(sawGzip);
    }
    void corruptGzipSaysWhere()
    {
        std::string gz = testutil::gzip(kRec1 + "\n" + kRec2 + "\n");
        gz[gz.size() / 2] = char(gz[gz.size() / 2] ^ 0x55);
        gz[gz.size() / 2 + 1] = char(gz[gz.size() / 2 + 1] ^ 0xAA);
        auto c = readMem(gz);
        bool said = false;
        for (const auto &d : c.diags)
            said = said || d.message.find("gzip stream") != std::string::npos;
        QVERIFY(said);
    }
    void crOnlyLineEnds()
    {
        std::string text;
        for (int i = 0; i < 50; ++i)
            text += "{\"ID\":\"r" + std::to_string(i) + "\"}\r"; // classic Mac line ends
        for (size_t block : {size_t(4u << 20), size_t(7), size_t(1)}) {
            ReaderLimits lim;
            lim.blockBytes = block;
            auto c = readMem(text, lim);
            QCOMPARE(c.summary.format, InputFormat::Ndjson);
            QCOMPARE(c.records.size(), size_t(50));
            QCOMPARE(c.records[49], std::string("{\"ID\":\"r49\"}"));
            QCOMPARE(c.lines[49], uint64_t(50));
            QVERIFY2(c.diags.empty(), allDiags(c).c_str());
        }
        // mixed: CR, CRLF, LF and blank lines of each kind count one line each
        auto m = readMem(kRec1 + "\r\r\n" + kRec2 + "\r\n\n\r" + kRec1 + "\n");
        QCOMPARE(m.records.size(), size_t(3));
        QCOMPARE(m.lines, (std::vector<uint64_t>{1, 3, 6}));
        // pretty-printed records with CR line ends
        const std::string pretty = "{\r  \"ID\": \"a\"\r}\r{\r  \"ID\": \"b\",\r\"x\": [1,\r 2]\r}\r";
        ReaderLimits small;
        small.blockBytes = 3;
        for (const auto &p : {readMem(pretty), readMem(pretty, small)}) {
            QCOMPARE(p.summary.format, InputFormat::Concatenated);
            QCOMPARE(p.records.size(), size_t(2));
            QCOMPARE(p.lines, (std::vector<uint64_t>{1, 4}));
            QVERIFY(p.diags.empty());
        }
    }
    void bomWhereverARecordStarts()
    {
        const std::string bom = "\xEF\xBB\xBF";
        ReaderLimits small;
        small.blockBytes = 2; // BOMs cut by block ends too
        // NDJSON files joined with cat, each with its BOM
        const std::string nd = bom + kRec1 + "\n" + bom + kRec2 + "\n" + "  " + bom + kRec1 + "\r\n" + bom + "\n" + kRec2 + "\n";
        for (const auto &c : {readMem(nd), readMem(nd, small)}) {
            QCOMPARE(c.summary.format, InputFormat::Ndjson);
            QCOMPARE(c.records, (std::vector<std::string>{kRec1, kRec2, kRec1, kRec2}));
            QCOMPARE(c.lines, (std::vector<uint64_t>{1, 2, 3, 5}));
            QVERIFY2(c.diags.empty(), allDiags(c).c_str());
        }
        // concatenated objects on one line, and a JSON array, with BOMs between records
        const std::string cat = bom + "{\n\"ID\":\"a\"\n}" + bom + "{\n\"ID\":\"b\"}\n" + bom + " {\n\"ID\":\"c\"}";
        for (const auto &c : {readMem(cat), readMem(cat, small)}) {
            QCOMPARE(c.summary.format, InputFormat::Concatenated);
            QCOMPARE(c.records.size(), size_t(3));
            QCOMPARE(c.records[2], std::string("{\n\"ID\":\"c\"}"));
            QVERIFY2(c.diags.empty(), allDiags(c).c_str());
        }
        const std::string arr = " " + bom + "[" + kRec1 + "]\n" + bom + "[" + kRec2 + "]";
        for (const auto &c : {readMem(arr), readMem(arr, small)}) {
            QCOMPARE(c.summary.format, InputFormat::JsonArray);
            QCOMPARE(c.records, (std::vector<std::string>{kRec1, kRec2}));
            QVERIFY2(c.diags.empty(), allDiags(c).c_str());
        }
        // a BOM inside a record is not a record start: the record is handed over as it is
        auto in = readMem(kRec1 + "\n{\"ID\":" + bom + "\"x\"}\n");
        QCOMPARE(in.records.size(), size_t(2));
        QCOMPARE(in.records[1], "{\"ID\":" + bom + "\"x\"}");
    }
    void deepArraysAreReportedWithPosition()
    {
        const std::string deep = std::string(100000, '[') + std::string(100000, ']');
        auto c = readMem(deep + "\n");
        QCOMPARE(c.records.size(), size_t(0));
        QCOMPARE(c.diags.size(), size_t(1));
        QCOMPARE(c.diags[0].severity, Diagnostic::Severity::Error);
        QVERIFY2(c.diags[0].message.find("nested deeper than the limit of 128 levels") != std::string::npos,
                 c.diags[0].message.c_str());
        QCOMPARE(c.diags[0].offset, uint64_t(128)); // the first '[' past the limit
        QCOMPARE(c.summary.errors, uint64_t(1));
        ReaderLimits huge; // normalize --max-depth 100000: capped at simdjson's 1024
        huge.maxDepth = 100000;
        auto h = readMem(deep + "\n", huge);
        QCOMPARE(h.diags.size(), size_t(1));
        QCOMPARE(h.diags[0].offset, uint64_t(1024));
        // records around a too deep array are kept, in small blocks too
        const std::string mixed = "[" + kRec1 + ",\n" + std::string(5000, '[') + "\"]]\", {\"k\": \"[\"}" + std::string(5000, ']') + ",\n" + kRec2 + "]";
        ReaderLimits small;
        small.blockBytes = 100;
        for (const auto &m : {readMem(mixed), readMem(mixed, small)}) {
            QCOMPARE(m.records, (std::vector<std::string>{kRec1, kRec2}));
            QCOMPARE(m.diags.size(), size_t(1));
            QCOMPARE(m.diags[0].line, uint64_t(2));
            QCOMPARE(m.lines[1], uint64_t(3));
        }
        // an array cut short: the record on the next line that starts with '{' is kept
        auto cut = readMem(std::string(100000, '[') + "\n" + kRec1 + "\n");
        QCOMPARE(cut.records, (std::vector<std::string>{kRec1}));
        QVERIFY(hasDiag(cut, "nested deeper"));
        // deep nesting inside a record: the index pass says so, with the position
        const std::string rec = "{\"ID\":\"a\",\"x\":" + std::string(100000, '[') + std::string(100000, ']') + "}";
        const Both b = both(rec);
        QVERIFY(!b.indexOk);
        QVERIFY(!b.parserOk);
        QVERIFY2(b.indexError.find("nesting is deeper than the limit of 128 levels") != std::string::npos, b.indexError.c_str());
        QCOMPARE(b.parserError, b.indexError);
        // a limit above simdjson's own (1024, --max-depth goes to 100000) is simdjson's: the
        // walk of the index pass recursed 100k levels and overflowed the stack
        std::string padded = rec + std::string(kRecordPadding, '\0');
        const IndexedRecord big = indexRecord(std::string_view(padded.data(), rec.size()), padded.size(), 100000);
        QVERIFY(!big.ok);
        QVERIFY2(big.error.find("deeper than the limit of 1024 levels") != std::string::npos, big.error.c_str());
        nlohmann::ordered_json out;
        std::string error;
        size_t at = 0;
        QVERIFY(!parseRecordJson(std::string_view(padded.data(), rec.size()), padded.size(), 100000, out, error, at));
        QCOMPARE(error, big.error);
    }
    void blankInputReadInBoundedMemory()
    {
        // 128 MiB of newlines in 128 KiB of gzip: read at inflate speed, without holding them
        const size_t n = size_t(128) << 20;
        const std::string gz = gzipOfRepeated('\n', n);
        QVERIFY(gz.size() < (size_t(1) << 20));
        if (!resetPeak())
            QSKIP("/proc/self/clear_refs cannot be written: peak memory cannot be measured");
        const long before = peakRssKiB();
        SourceReader reader;
        uint64_t spans = 0;
        std::vector<Diagnostic> diags;
        const ReadSummary s = reader.read(
            SourceSpec::memory("blank.gz", gz), [&](Block &&b) { spans += b.spans.size(); },
            [&](Diagnostic &&d) { diags.push_back(std::move(d)); });
        const long grown = peakRssKiB() - before;
        QVERIFY(s.compressed);
        QCOMPARE(s.bytesRead, uint64_t(n));
        QCOMPARE(spans, uint64_t(0));
        QVERIFY(diags.empty());
        QVERIFY2(grown < 48 * 1024, qPrintable(QStringLiteral("peak memory grew by %1 KiB").arg(grown)));
        // the lines are still counted: a record after them has its true line
        auto c = readMem(std::string(300000, '\n') + std::string(1, '\r') + "\n\r" + kRec1 + "\n");
        QCOMPARE(c.records, (std::vector<std::string>{kRec1}));
        QCOMPARE(c.lines, (std::vector<uint64_t>{300003}));
        ReaderLimits small;
        small.blockBytes = 5;
        auto d = readMem(std::string(1000, ' ') + "\r\n\r\r\n" + "\xEF\xBB\xBF" + "\n" + kRec1 + "\n", small);
        QCOMPARE(d.records, (std::vector<std::string>{kRec1}));
        QCOMPARE(d.lines, (std::vector<uint64_t>{5}));
    }
    void gzipBadCrcSaysWhere()
    {
        std::string gz = testutil::gzip(kRec1 + "\n" + kRec2 + "\n");
        gz[gz.size() - 8] = char(gz[gz.size() - 8] ^ 0x01); // the CRC32 of the trailer
        auto c = readMem(gz);
        QCOMPARE(c.records.size(), size_t(2)); // the bytes decoded are kept (and reported)
        QVERIFY2(hasDiag(c, "gzip stream is corrupt at compressed byte"), allDiags(c).c_str());
        QVERIFY(hasDiag(c, "incorrect data check"));
        QVERIFY(c.summary.errors >= 1);
    }
    void gzipGarbageBetweenMembersKeepsLaterMembers()
    {
        const std::string a = testutil::gzip(records(0, 100)), b = testutil::gzip(records(100, 200));
        const std::string garbage = "this is not gzip \x1f\x8b but looks like it for two bytes";
        ReaderLimits small;
        small.blockBytes = 100;
        for (const auto &c : {readMem(a + garbage + b), readMem(a + garbage + b, small)}) {
            QCOMPARE(c.records.size(), size_t(200));
            QCOMPARE(c.records[100], records(100, 101).substr(0, records(100, 101).size() - 1));
            QCOMPARE(c.diags.size(), size_t(1));
            QCOMPARE(c.diags[0].severity, Diagnostic::Severity::Error);
            const std::string want = "compressed bytes " + std::to_string(a.size()) + " to "
                                     + std::to_string(a.size() + garbage.size()) + " are not gzip data";
            QVERIFY2(c.diags[0].message.find(want) != std::string::npos, c.diags[0].message.c_str());
            QCOMPARE(c.summary.errors, uint64_t(1));
        }
        // garbage at the end: said, nothing lost
        auto e = readMem(a + garbage);
        QCOMPARE(e.records.size(), size_t(100));
        QVERIFY2(hasDiag(e, "no further gzip member follows"), allDiags(e).c_str());
        QVERIFY(e.summary.errors >= 1);
    }
    void gzipCorruptMemberThenIntactOne()
    {
        std::string a = testutil::gzip(records(0, 2000), 1);
        const std::string b = testutil::gzip(records(2000, 2100));
        a[a.size() / 2] = char(a[a.size() / 2] ^ 0x55);
        a[a.size() / 2 + 1] = char(a[a.size() / 2 + 1] ^ 0xAA);
        auto c = readMem(a + b);
        QVERIFY2(hasDiag(c, "gzip stream is corrupt at compressed byte"), allDiags(c).c_str());
        QVERIFY(c.summary.errors >= 1);
        // every record of the intact member is there, whole
        size_t found = 0;
        for (const auto &r : c.records)
            for (int i = 2000; i < 2100; ++i)
                found += r == records(i, i + 1).substr(0, records(i, i + 1).size() - 1);
        QCOMPARE(found, size_t(100));
        // a record cut by the damage is its own (bad) record: never glued to the next one
        auto cut = readMem(testutil::gzip(kRec1 + "\n{\"ID\":\"half") + "junk" + testutil::gzip(kRec2 + "\n"));
        QCOMPARE(cut.records, (std::vector<std::string>{kRec1, "{\"ID\":\"half", kRec2}));
    }
    void hugeNumbersAreKept()
    {
        const std::string digits400 = "1" + std::string(399, '7');
        const std::vector<std::pair<std::string, std::string>> cases = {
            {"1e400", "1e400"},
            {"-1E+400", "-1E+400"},
            {"18446744073709551616", "18446744073709551616"},
            {"-9223372036854775809", "-9223372036854775809"},
            {digits400, digits400},
        };
        for (const auto &[num, text] : cases) {
            const std::string rec = "{\"ID\":\"a\",\"n\":" + num + ",\"arr\":[" + num + "],\"o\":{\"x\":" + num + "}}";
            const Both b = both(rec);
            QVERIFY2(b.indexOk, (num + ": " + b.indexError).c_str());
            QVERIFY2(b.parserOk, (num + ": " + b.parserError).c_str());
            const nlohmann::ordered_json want(text); // the exact text, nothing rounded
            QVERIFY2(b.value["n"] == want, b.value.dump().c_str());
            QVERIFY2(b.value["arr"][0] == want, b.value.dump().c_str());
            QVERIFY2(b.value["o"]["x"] == want, b.value.dump().c_str());
            QVERIFY(b.value["ID"] == nlohmann::ordered_json("a"));
            // the engine gets it, and its message is the record as it was
            auto r = intake::normalizeRecord(*intake::IntakeParser::builtin(), rec);
            QVERIFY2(r.ok, (num + ": " + r.error).c_str());
            const auto *msg = intake::findPath(r.result.event, "message");
            QVERIFY(msg && msg->is_string());
            QVERIFY(msg->get<std::string>().find(num) != std::string::npos);
        }
        // numbers that fit keep their type
        const Both fit = both("{\"u\":18446744073709551615,\"i\":-9223372036854775808,\"d\":1.5e300,\"z\":1e-400}");
        QVERIFY(fit.parserOk);
        QVERIFY(fit.value["u"].is_number_unsigned());
        QVERIFY(fit.value["i"].is_number_integer());
        QVERIFY(fit.value["d"].is_number_float());
        QVERIFY(fit.value["z"].is_number());
        // a huge time is kept, with a warning
        const std::string t = "{\"ID\":\"a\",\"When\":1e400}";
        std::string padded = t + std::string(kRecordPadding, '\0');
        const IndexedRecord r = indexRecord(std::string_view(padded.data(), t.size()), padded.size(), 128);
        QVERIFY(r.ok);
        QVERIFY2(r.timeWarning.find("outside the times") != std::string::npos, r.timeWarning.c_str());
    }
    void invalidNumbersAreRejectedByBoth()
    {
        for (const std::string num : {"0123", "00000000000000000000000000001", "-", "1.", ".5", "1e", "+1", "1e+", "--1",
                                      "0x10", "1.5.5", "-01", "123456789012345678901234567890x"}) {
            const Both b = both("{\"ID\":\"a\",\"n\":" + num + "}");
            QVERIFY2(!b.indexOk, num.c_str());
            QVERIFY2(!b.parserOk, num.c_str());
        }
    }
    void corruptGzipExitsOneWithOffset()
    {
#ifndef AUDITLENS_CLI
        QSKIP("the CLI is not known to this test");
#else
        QTemporaryDir dir;
        const std::string a = testutil::gzip(records(0, 10)), b = testutil::gzip(records(10, 20));
        std::string crc = a;
        crc[crc.size() - 8] = char(crc[crc.size() - 8] ^ 1);
        const std::vector<std::pair<std::string, std::string>> files = {
            {"garbage.gz", a + "garbage" + b}, {"crc.gz", crc}, {"cut.gz", a.substr(0, a.size() - 10)}};
        for (const auto &[name, bytes] : files) {
            const QString p = dir.filePath(QString::fromStdString(name));
            QFile f(p);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(bytes.data(), qint64(bytes.size()));
            f.close();
            for (const char *cmd : {"stats", "normalize"}) {
                QProcess cli;
                cli.start(QStringLiteral(AUDITLENS_CLI), {QString::fromLatin1(cmd), p});
                QVERIFY(cli.waitForFinished(60000));
                const QString err = QString::fromUtf8(cli.readAllStandardError());
                QVERIFY2(cli.exitCode() == 1, qPrintable(QString::fromLatin1(cmd) + QStringLiteral(" ") + p + QStringLiteral(": ") + err));
                QVERIFY2(err.contains(QStringLiteral("compressed byte")), qPrintable(err));
                if (name == "garbage.gz" && QString::fromLatin1(cmd) == QStringLiteral("normalize"))
                    QCOMPARE(QString::fromUtf8(cli.readAllStandardOutput()).count(QLatin1Char('\n')), 20);
            }
        }
#endif
    }
    void deepEnvelopeIsOneRejectedRecord()
    {
        // nlohmann's dump() recurses: 200k nested arrays in an envelope overflowed the stack
        const std::string deep = std::string(200000, '[') + std::string(200000, ']');
        for (const std::string &doc : {"{\"success\":true,\"result\":[" + deep + "]}",
                                       "{\"input\":{\"message\":{\"a\":" + deep + "}}}"}) {
            std::vector<std::string> recs;
            std::string why;
            QVERIFY(!expandEnvelope(doc, recs, why));
            QVERIFY(!expandSekoiaTest(doc, recs, why));
            EventStore store;
            std::vector<Diagnostic> diags;
            store.load(SourceSpec::memory("deep", doc), {}, [&](const Diagnostic &d) { diags.push_back(d); });
            QCOMPARE(store.snapshot().size(), size_t(0));
            QCOMPARE(diags.size(), size_t(1));
            QVERIFY2(diags[0].message.find("nesting") != std::string::npos, diags[0].message.c_str());
        }
    }
    void envelopeV1()
    {
        const std::string doc = "{\"success\":true,\"errors\":[],\"messages\":[],\"result\":[\n"
"          {\"id\":\"r1\",\"action\":{\"result\":true,\"type\":\"token_create\"},\"actor\":{\"email\":\"a@b.c\",\"id\":\"u1\",\"ip\":\"1.2.3.4\",\"type\":\"user\"},\n"
"           \"interface\":\"API\",\"metadata\":{\"k\":\"v\"},\"newValueJson\":{\"x\":1},\"oldValueJson\":{},\"owner\":{\"id\":\"o1\"},\n"
"           \"resource\":{\"id\":\"res\",\"type\":\"token\"},\"when\":\"2023-02-24T16:32:38Z\"}],\"result_info\":{\"page\":1}}";
        auto c = readMem(doc);
        QCOMPARE(c.summary.format, InputFormat::ApiEnvelope);
        QCOMPARE(c.records.size(), size_t(1));
        auto j = nlohmann::json::parse(c.records[0]);
        QCOMPARE(j["ID"].get<std::string>(), std::string("r1"));
        QCOMPARE(j["ActionResult"].get<bool>(), true);
        QCOMPARE(j["ActionType"].get<std::string>(), std::string("token_create"));
        QCOMPARE(j["ActorIP"].get<std::string>(), std::string("1.2.3.4"));
        QCOMPARE(j["OwnerID"].get<std::string>(), std::string("o1"));
        QCOMPARE(j["NewValue"]["x"].get<int>(), 1);
        QCOMPARE(j["When"].get<std::string>(), std::string("2023-02-24T16:32:38Z"));
        QCOMPARE(j["ResourceType"].get<std::string>(), std::string("token"));
    }
    void envelopeV2()
    {
        const std::string doc = "{\"success\":true,\"errors\":[],\"result\":[\n"
"          {\"id\":\"v2id\",\"account\":{\"id\":\"acc\",\"name\":\"Acme\"},\"action\":{\"description\":\"Add Member\",\"result\":\"success\",\"time\":\"2024-06-01T10:00:00Z\",\"type\":\"create\"},\n"
"           \"actor\":{\"context\":\"dash\",\"email\":\"a@b.c\",\"id\":\"u1\",\"ip_address\":\"2001:db8::1\",\"token_id\":\"t\",\"token_name\":\"n\",\"type\":\"user\"},\n"
"           \"raw\":{\"method\":\"POST\",\"status_code\":200,\"uri\":\"/x\"},\"resource\":{\"id\":\"m1\",\"product\":\"members\",\"scope\":\"accounts\",\"type\":\"member\"},\n"
"           \"zone\":{\"id\":\"z\",\"name\":\"example.com\"}}],\"result_info\":{\"count\":1,\"cursor\":\"\"}}";
        auto c = readMem(doc);
        QCOMPARE(c.summary.format, InputFormat::ApiEnvelope);
        QCOMPARE(c.records.size(), size_t(1));
        auto j = nlohmann::json::parse(c.records[0]);
        QCOMPARE(j["AuditLogID"].get<std::string>(), std::string("v2id"));
        QCOMPARE(j["AccountID"].get<std::string>(), std::string("acc"));
        QCOMPARE(j["ActionResult"].get<std::string>(), std::string("success"));
        QCOMPARE(j["ActionTimestamp"].get<std::string>(), std::string("2024-06-01T10:00:00Z"));
        QCOMPARE(j["ActorIPAddress"].get<std::string>(), std::string("2001:db8::1"));
        QCOMPARE(j["ActorTokenDetails"]["token_name"].get<std::string>(), std::string("n"));
        QCOMPARE(j["ResourceScope"].get<std::string>(), std::string("accounts"));
        QCOMPARE(j["ZoneName"].get<std::string>(), std::string("example.com"));
        QCOMPARE(j["Raw"]["status_code"].get<int>(), 200);
    }
    void envelopeFailureIsReported()
    {
        auto c = readMem("{\"success\":false,\"errors\":[{\"code\":10000,\"message\":\"Authentication error\"}],\"result\":null}");
        QCOMPARE(c.records.size(), size_t(0));
        QCOMPARE(c.diags.size(), size_t(1));
        QVERIFY(c.diags[0].message.find("Authentication error") != std::string::npos);
    }
    void sekoiaTestFile()
    {
        nlohmann::json t;
        t["input"]["message"] = kRec1;
        t["expected"]["message"] = kRec1;
        auto c = readMem(t.dump(2));
        QCOMPARE(c.summary.format, InputFormat::SekoiaTest);
        QCOMPARE(c.records.size(), size_t(1));
        QCOMPARE(c.records[0], kRec1);
    }
    void recordsMentioningSuccessAreNotEnvelopes()
    {
        // a v2 record has "ActionResult":"success" and nested objects with "result" keys: it is a
        // record, not an API response
        const std::string v2 = "{\"ActionResult\":\"success\",\"AuditLogID\":\"x\",\"ResourceResponse\":{\"result\":[],\"success\":true}}";
        auto c = readMem(v2 + "\n" + v2 + "\n");
        QCOMPARE(c.summary.format, InputFormat::Ndjson);
        QCOMPARE(c.records.size(), size_t(2));
        QCOMPARE(c.records[0], v2);
    }
    void mixedGoodAndBadKeepsGoodReportsBad()
    {
        // line 2 is truncated, line 4 is garbage: the reader hands over every line, the
        // indexer rejects the bad ones (see tst_store); here: nothing is lost
        const std::string text = kRec1 + "\n" + "{\"ID\":\"x\",\"When\":" + "\n" + kRec2 + "\nnot json at all\n" + kRec1 + "\n";
        auto c = readMem(text);
        QCOMPARE(c.records.size(), size_t(5));
        QCOMPARE(c.lines, (std::vector<uint64_t>{1, 2, 3, 4, 5}));
    }
    void prettyTruncatedRecordIsReportedAndNextKept()
    {
        const std::string text = "{\n  \"ID\": \"a\",\n  \"When\": \"2023\n{\n  \"ID\": \"b\"\n}\n";
        auto c = readMem(text);
        QCOMPARE(c.summary.format, InputFormat::Concatenated);
        QCOMPARE(c.records.size(), size_t(1));
        QCOMPARE(c.lines.front(), uint64_t(4));
        QCOMPARE(c.diags.size(), size_t(1));
        QCOMPARE(c.diags[0].line, uint64_t(1));
        QVERIFY(c.diags[0].message.find("incomplete") != std::string::npos);
    }
    void truncatedAtEnd()
    {
        auto c = readMem("{\n \"ID\": \"a\"\n}\n{\n \"ID\": \"b\",\n");
        QCOMPARE(c.records.size(), size_t(1));
        QCOMPARE(c.diags.size(), size_t(1));
        QCOMPARE(c.diags[0].line, uint64_t(4));
        QVERIFY(c.diags[0].message.find("input ends inside it") != std::string::npos);
    }
    void recordSizeLimit()
    {
        ReaderLimits lim;
        lim.maxRecordBytes = 100;
        lim.blockBytes = 64; // forces the record across blocks
        const std::string big = "{\"ID\":\"" + std::string(500, 'x') + "\"}";
        auto c = readMem(kRec1 + "\n" + big + "\n" + kRec2 + "\n", lim);
        QCOMPARE(c.records.size(), size_t(2));
        QCOMPARE(c.records[1], kRec2);
        QCOMPARE(c.diags.size(), size_t(1));
        QCOMPARE(c.diags[0].line, uint64_t(2));
        QVERIFY(c.diags[0].message.find("longer than the limit of 100 bytes") != std::string::npos);
    }
    void smallBlocksGiveSameRecords()
    {
        const std::string text = testutil::readFile(testutil::dataPath("seed/raw_samples.json"));
        ReaderLimits lim;
        lim.blockBytes = 7;
        auto a = readMem(text, lim);
        auto b = readMem(text);
        QCOMPARE(a.records, b.records);
        QCOMPARE(a.lines, b.lines);
    }
    void everyBlockSizeGivesTheSameReading()
    {
        // items cut by a block end at every byte: pretty records with CRLF and lone CR line
        // ends, a record cut short by the next one at column 0, escaped quotes, array scalars
        // (strings with escapes, bare words), stray text; each block size reads them the same
        const std::string pretty = "{\r\n \"ID\": \"a\\\"}\",\r \"x\": [1, {\"y\": \"}\"}]\n}\n"
                                   "{\n \"ID\": \"cut\",\n{\"ID\":\"b\"}\n"
                                   "stray text here\r\n{\"ID\":\"c\"}\r";
        const std::string array = "[{\"ID\":\"d\"}, \"a \\\\\\\" str\", bare,\r\n{\"ID\":\"e\"}]\n";
        const std::string lines = "{\"ID\":\"f\"}\r\n\r\nnot json at all\r{\"ID\":\"g\"}\n";
        // the reader sniffs the first 64 KiB in one piece: records before the items put them
        // where the block ends fall
        std::string padPretty, padArray, padLines;
        for (int k = 0; k < 5000; ++k) {
            const std::string id = "\"ID\":\"p" + std::to_string(k) + "\"";
            padPretty += "{\n" + id + "\n}\n";
            padArray += "{" + id + "},\n";
            padLines += "{" + id + "}\n";
        }
        for (const std::string &text : {padPretty + pretty, "[" + padArray + array.substr(1), padLines + lines}) {
            const auto whole = readMem(text);
            QVERIFY(!whole.records.empty());
            for (size_t block = 1; block <= 13; ++block) {
                ReaderLimits lim;
                lim.blockBytes = block;
                const auto cut = readMem(text, lim);
                QCOMPARE(cut.records, whole.records);
                QCOMPARE(cut.lines, whole.lines);
                QCOMPARE(allDiags(cut), allDiags(whole));
            }
        }
    }
    void longTextBetweenRecordsIsBoundedByTheLimit()
    {
        // text that is no record, with no line end in sight, is not buffered past the record
        // limit: it is reported where it starts and skipped; the records after it are kept
        ReaderLimits lim;
        lim.maxRecordBytes = 100;
        lim.blockBytes = 64;
        const std::string text = "{\n \"ID\": \"a\"\n}\n" + std::string(200000, 'z') + "\n{\"ID\":\"b\"}\n";
        auto c = readMem(text, lim);
        QCOMPARE(c.records.size(), size_t(2));
        QCOMPARE(c.records[1], std::string("{\"ID\":\"b\"}"));
        QCOMPARE(c.diags.size(), size_t(1));
        QCOMPARE(c.diags[0].line, uint64_t(4));
        QVERIFY2(hasDiag(c, "text between records is longer than the limit of 100 bytes"), allDiags(c).c_str());
    }
    void fileBackedOffsets()
    {
        QTemporaryDir dir;
        const QString p = dir.filePath(QStringLiteral("a.ndjson"));
        QFile f(p);
        QVERIFY(f.open(QIODevice::WriteOnly));
        const std::string text = kRec1 + "\n" + kRec2 + "\n";
        f.write(text.data(), qint64(text.size()));
        f.close();
        SourceReader r;
        std::vector<uint64_t> offsets;
        auto s = r.read(
            SourceSpec::file(p.toStdString()),
            [&](Block &&b) {
                QVERIFY(b.fileBacked);
                for (auto &sp : b.spans)
                    offsets.push_back(b.streamOffset + sp.pos);
            },
            [](Diagnostic &&) {});
        QVERIFY(s.fileBacked);
        QCOMPARE(offsets, (std::vector<uint64_t>{0, kRec1.size() + 1}));
    }
    void missingFile()
    {
        auto c = testutil::readAll(SourceSpec::file("/nonexistent/auditlens.log"));
        QVERIFY(!c.summary.opened);
        QCOMPARE(c.diags.size(), size_t(1));
        QVERIFY(c.diags[0].message.find("cannot open") != std::string::npos);
    }
    void emptyAndWhitespace()
    {
        QCOMPARE(readMem("").records.size(), size_t(0));
        QCOMPARE(readMem("  \n\n \t").records.size(), size_t(0));
        QVERIFY(readMem("  \n\n \t").diags.empty());
    }
    void compactJsonGoEscapes()
    {
        QCOMPARE(compactJson("{ \"a\" : \"x&y <b>\" ,\n \"c\": [1, 2] }"),
                 std::string("{\"a\":\"x\\u0026y \\u003cb\\u003e\",\"c\":[1,2]}"));
        QCOMPARE(compactJson("{\"s\":\"keep \\\" and \\\\ and spaces\"}"), std::string("{\"s\":\"keep \\\" and \\\\ and spaces\"}"));
    }
};

QTEST_GUILESS_MAIN(TstReader)
#include "tst_reader.moc"
