// SPDX-License-Identifier: MIT
// The query bar's completion, offscreen: after `field:` the field's most frequent values are
// offered (raw and ecs. fields, quoted when the query language needs it) and the one chosen is
// inserted so that the query finds its records.
#include "fieldspanel.h"
#include "mainwindow.h"
#include "querycompleter.h"
#include "query/fields.h"
#include "trailmodel.h"

#include <QAbstractItemView>
#include <QCompleter>
#include <QDockWidget>
#include <QFile>
#include <QLineEdit>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>

using namespace auditlens;
using namespace auditlens::ui;

namespace {

/// ActorEmail values, how many records have each, and how a query must write each.
struct Email
{
    std::string value;
    int records;
    QString typed;
};
const std::vector<Email> kEmails = {
    {"alice@example.com", 5, QStringLiteral("alice@example.com")},
    {"odd:one@example.com", 4, QStringLiteral("\"odd:one@example.com\"")},
    {"bob@example.com", 3, QStringLiteral("bob@example.com")},
    {"two words", 2, QStringLiteral("\"two words\"")},
    {"and", 1, QStringLiteral("\"and\"")},
    {"say \"hi\"", 1, QStringLiteral("\"say \\\"hi\\\"\"")},
};

QStringList offered(QCompleter *c)
{
    QStringList out;
    for (int i = 0; i < c->completionModel()->rowCount(); ++i)
        out << c->completionModel()->index(i, 0).data().toString();
    return out;
}

/// Types `text` at the end of the bar and waits until the completer offers the values of `field`.
void typeAndWaitForValues(MainWindow &w, const QString &text, const QString &field)
{
    QSignalSpy offeredSpy(w.queryCompleter(), &QueryCompleter::valuesOffered);
    QTest::keyClicks(w.searchBar(), text);
    QTRY_VERIFY_WITH_TIMEOUT(!offeredSpy.isEmpty() && offeredSpy.last().at(0).toString() == field, 20000);
    QVERIFY(w.queryCompleter()->completer()->popup()->isVisible());
}

/// The file loaded, the window shown, and the search bar focused for typing.
void openTyping(MainWindow &w, const QString &file)
{
    QSignalSpy done(&w, &MainWindow::loadFinished);
    w.openSources({file});
    QVERIFY(done.wait(20000));
    w.show();
    w.activateWindow();
    w.searchBar()->setFocus();
    QTRY_VERIFY(w.searchBar()->hasFocus());
}

} // namespace

class TstQueryBar : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(m_dir.isValid());
        m_file = m_dir.filePath(QStringLiteral("trail.ndjson"));
        QFile f(m_file);
        QVERIFY(f.open(QIODevice::WriteOnly));
        int n = 0;
        for (const Email &e : kEmails)
            for (int i = 0; i < e.records; ++i, ++n) {
                nlohmann::json r = {{"ID", "r" + std::to_string(n)}, {"ActorEmail", e.value}, {"ActionType", "login"},
                                    {"When", "2023-02-01T10:00:" + std::string(n < 10 ? "0" : "") + std::to_string(n) + "Z"},
                                    {"Metadata", {{"count", n % 3 ? 7 : 12}, {"obj", {{"a", n}}}}}};
                f.write(QByteArray::fromStdString(r.dump() + "\n"));
            }
    }

    void valuesAfterAFieldAreOfferedAndInserted()
    {
        MainWindow w;
        openTyping(w, m_file);

        // every value, most frequent first, written as a query needs it
        QStringList want;
        for (const Email &e : kEmails)
            want << e.typed;
        typeAndWaitForValues(w, QStringLiteral("ActorEmail:"), QStringLiteral("ActorEmail"));
        QCompleter *c = w.queryCompleter()->completer();
        QCOMPARE(offered(c), want);

        // what is typed next narrows them (on the value, quoted or not)
        QTest::keyClicks(w.searchBar(), QStringLiteral("o"));
        QTRY_COMPARE(offered(c), QStringList{QStringLiteral("\"odd:one@example.com\"")});

        // choosing one puts it in the bar, and the query finds exactly its records
        c->popup()->setCurrentIndex(c->completionModel()->index(0, 0));
        QTest::keyClick(c->popup(), Qt::Key_Return);
        QCOMPARE(w.searchBar()->text(), QStringLiteral("ActorEmail:\"odd:one@example.com\""));
        QSignalSpy applied(&w, &MainWindow::filterApplied);
        w.setTextSearch(w.searchBar()->text());
        if (applied.isEmpty())
            QVERIFY(applied.wait(20000));
        QCOMPARE(w.trailModel()->rowCount(), kEmails[1].records);

        // each offered form, put back in a query, finds that value's records
        for (const Email &e : kEmails) {
            QSignalSpy again(&w, &MainWindow::filterApplied);
            w.setTextSearch(QStringLiteral("ActorEmail:") + e.typed);
            if (again.isEmpty())
                QVERIFY(again.wait(20000));
            QVERIFY2(w.trailModel()->rowCount() == e.records, qPrintable(e.typed));
        }

        // inside an open quote, and after "and" with a second field: numbers as they are,
        // objects (which a value cannot name) left out
        w.searchBar()->clear();
        typeAndWaitForValues(w, QStringLiteral("ActorEmail:\"tw"), QStringLiteral("ActorEmail"));
        QCOMPARE(offered(c), QStringList{QStringLiteral("\"two words\"")});
        w.searchBar()->clear();
        typeAndWaitForValues(w, QStringLiteral("ActionType:login and Metadata.count:"), QStringLiteral("Metadata.count"));
        QCOMPARE(offered(c), (QStringList{QStringLiteral("7"), QStringLiteral("12")}));
        c->popup()->setCurrentIndex(c->completionModel()->index(1, 0));
        QTest::keyClick(c->popup(), Qt::Key_Return);
        QCOMPARE(w.searchBar()->text(), QStringLiteral("ActionType:login and Metadata.count:12"));

        // ecs. fields: the values of the normalized records (the built-in parser's user.email
        // is the record's ActorEmail)
        w.searchBar()->clear();
        typeAndWaitForValues(w, QStringLiteral("ecs.user.email:"), QStringLiteral("ecs.user.email"));
        QStringList ecs = offered(c);
        QVERIFY(!ecs.isEmpty());
        for (const QString &v : ecs)
            QVERIFY2(want.contains(v), qPrintable(v));
    }

    /// Field names are completed with the Fields panel closed too (it reads its catalog only
    /// while it is shown).
    void fieldNamesWithoutTheFieldsPanel()
    {
        MainWindow w;
        QSignalSpy done(&w, &MainWindow::loadFinished);
        w.openSources({m_file});
        QVERIFY(done.wait(20000));
        w.show();
        if (auto *dock = qobject_cast<QDockWidget *>(w.fieldsPanel()->parentWidget()))
            dock->hide();
        w.activateWindow();
        w.searchBar()->setFocus();
        QTRY_VERIFY(w.searchBar()->hasFocus());
        QVERIFY(w.fieldsPanel()->fieldPaths().isEmpty());
        QSignalSpy fields(w.queryCompleter(), &QueryCompleter::fieldsOffered);
        QTest::keyClicks(w.searchBar(), QStringLiteral("ActionType:login and Meta"));
        QTRY_VERIFY_WITH_TIMEOUT(!fields.isEmpty(), 20000);
        QCompleter *c = w.queryCompleter()->completer();
        QCOMPARE(offered(c), (QStringList{QStringLiteral("Metadata"), QStringLiteral("Metadata.count"), QStringLiteral("Metadata.obj"),
                                          QStringLiteral("Metadata.obj.a")}));
        c->popup()->setCurrentIndex(c->completionModel()->index(1, 0));
        QTest::keyClick(c->popup(), Qt::Key_Return);
        QCOMPARE(w.searchBar()->text(), QStringLiteral("ActionType:login and Metadata.count"));
    }

    /// A field name the query language must escape is offered escaped, and its values after it
    /// are that field's; a name no query can write (white space in it) is not offered.
    void escapedFieldNamesAreOfferedAndTheirValuesFound()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("odd.ndjson"));
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("{\"ID\":\"1\",\"Meta\":{\"q\\\"uote\":\"v1\",\"sp ace\":1}}\n{\"ID\":\"2\",\"Meta\":{\"q\\\"uote\":\"v2\"}}\n");
        f.close();
        MainWindow w;
        openTyping(w, path);
        QSignalSpy fields(w.queryCompleter(), &QueryCompleter::fieldsOffered);
        QTest::keyClicks(w.searchBar(), QStringLiteral("Meta."));
        QTRY_VERIFY_WITH_TIMEOUT(!fields.isEmpty(), 20000);
        QCOMPARE(offered(w.queryCompleter()->completer()), QStringList{QStringLiteral("Meta.q\\\"uote")});
        w.searchBar()->clear();
        typeAndWaitForValues(w, QStringLiteral("Meta.q\\\"uote:"), QStringLiteral("Meta.q\\\"uote"));
        QCOMPARE(offered(w.queryCompleter()->completer()), (QStringList{QStringLiteral("v1"), QStringLiteral("v2")}));
    }

    void quotingRules()
    {
        const auto text = [](query::ValueType t, const std::string &s) {
            query::FieldValue v;
            v.type = t;
            v.text = s;
            return QueryCompleter::valueText(v);
        };
        QCOMPARE(text(query::ValueType::String, "plain.value-1@x"), QStringLiteral("plain.value-1@x"));
        QCOMPARE(text(query::ValueType::String, ""), QStringLiteral("\"\""));
        QCOMPARE(text(query::ValueType::String, "a*b"), QStringLiteral("\"a*b\""));
        QCOMPARE(text(query::ValueType::String, "(x)"), QStringLiteral("\"(x)\""));
        QCOMPARE(text(query::ValueType::String, "back\\slash"), QStringLiteral("\"back\\\\slash\""));
        QCOMPARE(text(query::ValueType::String, "NOT"), QStringLiteral("\"NOT\""));
        QCOMPARE(text(query::ValueType::Number, "1.50"), QStringLiteral("1.50"));
        QCOMPARE(text(query::ValueType::Bool, "false"), QStringLiteral("false"));
        QCOMPARE(text(query::ValueType::Null, "null"), QString());
        QCOMPARE(text(query::ValueType::Object, "{\"a\":1}"), QString());
    }

private:
    QTemporaryDir m_dir;
    QString m_file;
};

QTEST_MAIN(TstQueryBar)
#include "tst_querybar.moc"
