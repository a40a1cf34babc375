// SPDX-License-Identifier: MIT
#include "source/timestamp.h"

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
