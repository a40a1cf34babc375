// SPDX-License-Identifier: MIT
#include "source/timestamp.h"
#include "source/reader.h"
#include "store/eventstore.h"

#include <QTest>

using namespace auditlens;

class TstTimestamp : public QObject
{
    Q_OBJECT
private slots:
    void everyCloudflareFormat_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<qint64>("ns");
        const qint64 base = 1638303588LL * 1000000000LL; // 2021-11-30T20:19:48Z (FACTS.md §5.2)
        QTest::newRow("rfc3339") << "2021-11-30T20:19:48Z" << base;
        QTest::newRow("rfc3339ms") << "2021-11-30T20:19:48.123Z" << base + 123000000;
        QTest::newRow("rfc3339ns") << "2021-11-30T20:19:48.123456789Z" << base + 123456789;
        QTest::newRow("unix string") << "1638303588" << base;
        QTest::newRow("unixnano string") << "1638303588000000000" << base;
        QTest::newRow("unix ms string") << "1638303588123" << base + 123000000;
        QTest::newRow("offset") << "2021-11-30T21:19:48+01:00" << base;
        QTest::newRow("negative offset") << "2021-11-30T15:19:48-05:00" << base;
        QTest::newRow("lowercase t z") << "2021-11-30t20:19:48z" << base;
        QTest::newRow("space separator") << "2021-11-30 20:19:48Z" << base;
        QTest::newRow("no zone means UTC") << "2021-11-30T20:19:48" << base;
        QTest::newRow("unix with fraction") << "1638303588.5" << base + 500000000;
    }
    void everyCloudflareFormat()
    {
        QFETCH(QString, text);
        QFETCH(qint64, ns);
        const auto v = parseTimestampNs(text.toStdString());
        QVERIFY2(v.has_value(), qPrintable(text));
        QCOMPARE(qint64(*v), ns);
    }

    void numbers()
    {
        const int64_t base = 1638303588LL * 1000000000LL;
        QCOMPARE(*epochToNs(int64_t(1638303588)), base);
        QCOMPARE(*epochToNs(int64_t(1638303588000000000LL)), base);
        QCOMPARE(*epochToNs(int64_t(1638303588000LL)), base);
        QCOMPARE(*epochToNs(int64_t(1638303588000000LL)), base);
        QCOMPARE(*epochToNs(1638303588.25), base + 250000000);
    }

    void rejectsGarbage_data()
    {
        QTest::addColumn<QString>("text");
        QTest::newRow("empty") << "";
        QTest::newRow("words") << "yesterday";
        QTest::newRow("bad month") << "2021-13-30T20:19:48Z";
        QTest::newRow("bad day") << "2021-02-30T20:19:48Z";
        QTest::newRow("not a leap year") << "2021-02-29T20:19:48Z";
        QTest::newRow("bad hour") << "2021-11-30T25:19:48Z";
        QTest::newRow("trailing text") << "2021-11-30T20:19:48Zjunk";
        QTest::newRow("too many digits") << "163830358800000000000000";
        QTest::newRow("half a date") << "2021-11";
    }
    void rejectsGarbage()
    {
        QFETCH(QString, text);
        QVERIFY2(!parseTimestampNs(text.toStdString()).has_value(), qPrintable(text));
    }

    void outOfRangeIsSaidNeverWrapped_data()
    {
        QTest::addColumn<QString>("text");
        QTest::newRow("year 9999") << "9999-12-31T23:59:59Z"; // was 1816-03-30 (signed overflow)
        QTest::newRow("year 2263") << "2263-01-01T00:00:00Z";
        QTest::newRow("year 0001") << "0001-01-01T00:00:00Z";
        QTest::newRow("year 1677") << "1677-01-01T00:00:00+01:00";
        QTest::newRow("one ns after the last") << "2262-04-11T23:47:16.854775808Z";
        QTest::newRow("one ns before the first") << "1677-09-21T00:12:43.145224192Z"; // INT64_MIN: "no time"
        QTest::newRow("seconds too big") << "99999999999";
        QTest::newRow("milliseconds too big") << "99999999999999";
        QTest::newRow("microseconds too big") << "-99999999999999999";
        QTest::newRow("more digits than int64") << "163830358800000000000000";
        QTest::newRow("seconds with a fraction") << "99999999999.5";
    }
    void outOfRangeIsSaidNeverWrapped()
    {
        QFETCH(QString, text);
        TimeError why = TimeError::None;
        const auto v = parseTimestampNs(text.toStdString(), &why);
        QVERIFY2(!v.has_value(), qPrintable(text + QStringLiteral(" gave ") + QString::fromStdString(formatRfc3339(*v, FractionMode::Nano))));
        QCOMPARE(int(why), int(TimeError::OutOfRange));
    }
    void rangeEndsAreExact()
    {
        QCOMPARE(parseTimestampNs(kMaxTimeText), std::optional<int64_t>(INT64_MAX));
        QCOMPARE(parseTimestampNs(kMinTimeText), std::optional<int64_t>(INT64_MIN + 1));
        QCOMPARE(formatRfc3339(INT64_MAX, FractionMode::Nano), std::string(kMaxTimeText));
        QCOMPARE(formatRfc3339(INT64_MIN + 1, FractionMode::Nano), std::string(kMinTimeText));
        TimeError why = TimeError::OutOfRange;
        QVERIFY(parseTimestampNs("2021-11-30T20:19:48Z", &why));
        QCOMPARE(int(why), int(TimeError::None));
        QVERIFY(!parseTimestampNs("yesterday", &why));
        QCOMPARE(int(why), int(TimeError::Invalid));
    }
    void epochNumbersOutOfRange()
    {
        TimeError why = TimeError::None;
        QVERIFY(!epochToNs(int64_t(99999999999LL), &why)); // seconds * 1e9 > 2^63
        QCOMPARE(int(why), int(TimeError::OutOfRange));
        QVERIFY(!epochToNs(int64_t(99999999999999LL))); // milliseconds * 1e6 > 2^63
        QVERIFY(!epochToNs(int64_t(-99999999999999999LL))); // microseconds * 1e3 < -2^63
        QVERIFY(!epochToNs(int64_t(9300000000000LL))); // ms: 9.3e18 ns
        QCOMPARE(epochToNs(int64_t(9200000000000LL)), std::optional<int64_t>(9200000000000000000LL));
        QVERIFY(!epochToNs(INT64_MIN)); // the store's "no time"
        QCOMPARE(epochToNs(INT64_MIN + 1), std::optional<int64_t>(INT64_MIN + 1)); // nanoseconds as they are
        QCOMPARE(epochToNs(INT64_MAX), std::optional<int64_t>(INT64_MAX));
        QVERIFY(!epochToNs(1e300, &why));
        QCOMPARE(int(why), int(TimeError::OutOfRange));
        QVERIFY(!epochToNs(std::nan(""), &why));
        QCOMPARE(int(why), int(TimeError::Invalid));
        QCOMPARE(epochToNs(9.2233720368547e18), std::optional<int64_t>(9223372036854700032LL)); // just below 2^63 ns
        QVERIFY(!epochToNs(9.2233720368548e18)); // just above
        QVERIFY(!epochToNs(-9.2233720368548e18));
        QVERIFY(!epochToNs(99999999999.5)); // seconds
    }
    void indexPassKeepsRecordSaysWhy()
    {
        const std::string rec = "{\"ID\":\"a\",\"When\":\"9999-12-31T23:59:59Z\"}";
        std::string padded = rec + std::string(kRecordPadding, '\0');
        const IndexedRecord r = indexRecord(std::string_view(padded.data(), rec.size()), padded.size(), 128);
        QVERIFY(r.ok);
        QCOMPARE(r.time, kNoTime);
        QVERIFY2(r.timeWarning.find("outside the times Auditlens can hold") != std::string::npos, r.timeWarning.c_str());
        QVERIFY(r.timeWarning.find("9999-12-31T23:59:59Z") != std::string::npos);
        const std::string num = "{\"ID\":\"a\",\"When\":99999999999999}";
        padded = num + std::string(kRecordPadding, '\0');
        const IndexedRecord n = indexRecord(std::string_view(padded.data(), num.size()), padded.size(), 128);
        QVERIFY(n.ok);
        QCOMPARE(n.time, kNoTime);
        QVERIFY2(n.timeWarning.find("outside the times") != std::string::npos, n.timeWarning.c_str());
    }
    void daysFromCivilNeverOverflows()
    {
        QCOMPARE(daysFromCivil(9999, 12, 31), int64_t(2932896));
        QCOMPARE(daysFromCivil(0, 1, 1), int64_t(-719528));
        (void)daysFromCivil(INT64_MIN, 1, 1); // meaningless, but defined (UBSan checks it)
        (void)daysFromCivil(INT64_MAX, 12, 31);
    }

    void formatting()
    {
        const int64_t base = 1638303588LL * 1000000000LL;
        QCOMPARE(formatRfc3339(base), std::string("2021-11-30T20:19:48Z"));
        QCOMPARE(formatRfc3339(base + 4000000), std::string("2021-11-30T20:19:48.004000Z")); // ECS style: six digits
        QCOMPARE(formatRfc3339(base, FractionMode::Micro), std::string("2021-11-30T20:19:48.000000Z"));
        QCOMPARE(formatRfc3339(base + 123456789, FractionMode::Nano), std::string("2021-11-30T20:19:48.123456789Z"));
        QCOMPARE(formatRfc3339(-1000000000LL), std::string("1969-12-31T23:59:59Z"));
        QCOMPARE(daysFromCivil(1970, 1, 1), int64_t(0));
        QCOMPARE(daysFromCivil(2000, 3, 1), int64_t(11017));
    }
};

QTEST_APPLESS_MAIN(TstTimestamp)
#include "tst_timestamp.moc"
