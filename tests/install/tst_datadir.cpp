// SPDX-License-Identifier: MIT
// The built-in data is read from share/auditlens beside the executable's bin/ when that folder
// has the file, else from the copy embedded in the program.
#include "util/datadir.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using auditlens::util::dataFile;
using auditlens::util::installedDataDir;

class TestDataDir : public QObject
{
    Q_OBJECT
private slots:
    void installedFileWins()
    {
        QTemporaryDir tmp;
        QVERIFY(QDir(tmp.path()).mkpath(QStringLiteral("bin")));
        QVERIFY(QDir(tmp.path()).mkpath(QStringLiteral("share/auditlens/samples")));
        QFile f(tmp.filePath(QStringLiteral("share/auditlens/samples/x.ndjson")));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.close();
        const QString bin = tmp.filePath(QStringLiteral("bin"));
        QCOMPARE(installedDataDir(bin), tmp.filePath(QStringLiteral("share/auditlens")));
        QCOMPARE(dataFile(QStringLiteral("samples/x.ndjson"), bin), f.fileName());
        // a file the installed folder lacks comes from the embedded copy
        QCOMPARE(dataFile(QStringLiteral("samples/y.ndjson"), bin), QStringLiteral(":/auditlens/samples/y.ndjson"));
    }
    void withoutInstalledFolderEmbedded()
    {
        QTemporaryDir tmp; // a build folder: app/ with no ../share/auditlens
        QVERIFY(QDir(tmp.path()).mkpath(QStringLiteral("app")));
        const QString app = tmp.filePath(QStringLiteral("app"));
        QVERIFY(installedDataDir(app).isEmpty());
        QCOMPARE(dataFile(QStringLiteral("taxonomy/ecs_fields.tsv"), app), QStringLiteral(":/auditlens/taxonomy/ecs_fields.tsv"));
        QCOMPARE(dataFile(QStringLiteral("taxonomy/ecs_fields.tsv"), QString()), QStringLiteral(":/auditlens/taxonomy/ecs_fields.tsv"));
    }
    void embeddedCopiesExist()
    {
        // this test program is no installed one: every built-in file comes from the embedded copy
        Q_INIT_RESOURCE(auditlens_core);
        for (const char *rel : {"taxonomy/ecs_fields.tsv", "taxonomy/sekoia_fields.tsv",
                                "parsers/cloudflare-audit-logs/ingest/parser.yml", "parsers/cloudflare-audit-logs/_meta/fields.yml"}) {
            const QString file = dataFile(QString::fromLatin1(rel));
            QVERIFY2(file.startsWith(QLatin1Char(':')), qPrintable(file));
            QVERIFY2(QFile::exists(file), qPrintable(file));
        }
    }
};

QTEST_GUILESS_MAIN(TestDataDir)
#include "tst_datadir.moc"
