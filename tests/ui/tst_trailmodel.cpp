// SPDX-License-Identifier: MIT
// TrailModel on its own, under QAbstractItemModelTester: sorting with nothing loaded, cells
// that follow the store they are shown from, and every cell equal to its raw record after
// loads, live appends, sorts and filters.
#include "trailcheck.h"
#include "trailmodel.h"

#include "source/reader.h"
#include "store/eventstore.h"

#include <QAbstractItemModelTester>
#include <QTest>

using namespace auditlens;
using namespace auditlens::ui;
using namespace auditlens::ui::testing;

namespace {
QString data(const char *rel) { return QStringLiteral(AUDITLENS_TEST_DATA "/") + QString::fromLatin1(rel); }

std::vector<uint32_t> allRows(const Snapshot &s)
{
    std::vector<uint32_t> r(s.size());
    for (size_t i = 0; i < r.size(); ++i)
        r[i] = uint32_t(i);
    return r;
}

std::shared_ptr<EventStore> storeOf(const QStringList &files)
{
    auto store = std::make_shared<EventStore>();
    for (const QString &f : files)
        store->load(SourceSpec::file(f.toStdString()), EventStore::LoadOptions{});
    return store;
}

/// Appends records the way the receiver does: split and indexed first, then appendIndexed.
void appendLikeTheReceiver(EventStore &store, const std::vector<std::string> &lines)
{
    std::string text;
    Block block;
    std::vector<IndexedRecord> recs;
    for (const std::string &l : lines) {
        RecordSpan span;
        span.pos = uint32_t(text.size());
        span.len = uint32_t(l.size());
        span.line = block.spans.size() + 1;
        block.spans.push_back(span);
        text += l;
        text += '\n';
    }
    for (const RecordSpan &s : block.spans) {
        std::string padded = text.substr(s.pos, s.len);
        padded.resize(padded.size() + kRecordPadding, '\0');
        recs.push_back(indexRecord(std::string_view(padded.data(), s.len), padded.size(), 64));
    }
    block.dataLen = text.size();
    text.resize(text.size() + kRecordPadding, '\0');
    block.data = std::make_shared<const std::string>(std::move(text));
    store.appendIndexed("receiver", std::move(block), std::move(recs));
}

void checkSortedBy(const TrailModel &m, int col, Qt::SortOrder order)
{
    if (col == TrailModel::Time || col == TrailModel::Source)
        return; // Time sorts by the instant (ns), Source by file then line
    for (int r = 1; r < m.rowCount(); ++r) {
        const QString a = m.data(m.index(r - 1, col)).toString(), b = m.data(m.index(r, col)).toString();
        if (col == TrailModel::Result)
            continue; // by the result value, not its text
        QVERIFY2(order == Qt::AscendingOrder ? !(b.toStdString() < a.toStdString()) : !(a.toStdString() < b.toStdString()),
                 qPrintable(QStringLiteral("column %1 rows %2/%3: %4 then %5").arg(col).arg(r - 1).arg(r).arg(a, b)));
    }
}
} // namespace

class TstTrailModel : public QObject
{
    Q_OBJECT
private slots:
    void theAbsentFieldsNoteStaysOneLine()
    {
        // whatever the query: five names at most, each of 80 characters at most, on one line
        QCOMPARE(TrailModel::absentFieldsNote({}), QString());
        QCOMPARE(TrailModel::absentFieldsNote({"ActorEmial"}),
                 QStringLiteral(" \u00b7 no record has the field \u201cActorEmial\u201d (names are case-sensitive)"));
        std::vector<std::string> many;
        for (int i = 0; i < 7; ++i)
            many.push_back("F" + std::to_string(i));
        many[1] = std::string(200, 'x') + "\nnext";
        const QString note = TrailModel::absentFieldsNote(many);
        QVERIFY2(note.contains(QStringLiteral("\u201cF0\u201d, \u201c") + QString(80, QLatin1Char('x')) + QStringLiteral("\u2026\u201d")),
                 qPrintable(note));
        QVERIFY(note.contains(QStringLiteral("\u201cF4\u201d, 2 more")));
        QVERIFY(!note.contains(QStringLiteral("F5")) && !note.contains(QLatin1Char('\n')));
    }

    void sortWithNothingLoaded()
    {
        // the saved header is restored before any record is loaded: sorting an empty model by
        // any column, in either order, must be harmless (it crashed on a dictionary column)
        TrailModel m;
        QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
        for (int c = 0; c < TrailModel::ColCount; ++c) {
            m.sort(c, Qt::AscendingOrder);
            m.sort(c, Qt::DescendingOrder);
        }
        QCOMPARE(m.rowCount(), 0);
        EventStore empty;
        m.setRows(empty.snapshot(), {});
        for (int c = 0; c < TrailModel::ColCount; ++c)
            m.sort(c, Qt::DescendingOrder);
        QCOMPARE(m.rowCount(), 0);
        // and the order chosen then applies once records arrive
        auto store = storeOf({data("mixed.ndjson")});
        m.setRows(store->snapshot(), allRows(store->snapshot()));
        m.sort(TrailModel::Actor, Qt::AscendingOrder);
        checkSortedBy(m, TrailModel::Actor, Qt::AscendingOrder);
    }

    void cellsFollowTheStoreTheyShow()
    {
        // open A, then B: no value of A may stay on screen (the Resource ID cache was keyed by
        // row number and never cleared)
        TrailModel m;
        QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
        auto a = storeOf({data("mixed.ndjson")});
        m.setRows(a->snapshot(), allRows(a->snapshot()));
        QCOMPARE(firstMismatch(m), QString());
        auto b = storeOf({data("seed/raw_samples.json")});
        m.setRows(b->snapshot(), allRows(b->snapshot()));
        QCOMPARE(firstMismatch(m), QString());
        m.setRows(a->snapshot(), allRows(a->snapshot()));
        QCOMPARE(firstMismatch(m), QString());
    }

    void everyCellIsItsRecordAfterEachChange()
    {
        TrailModel m;
        QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
        auto store = storeOf({data("mixed.ndjson"), data("seed/raw_samples.json")});
        m.setRows(store->snapshot(), allRows(store->snapshot()));
        QCOMPARE(firstMismatch(m), QString());
        for (int c = 0; c < TrailModel::ColCount; ++c)
            for (Qt::SortOrder o : {Qt::AscendingOrder, Qt::DescendingOrder}) {
                m.sort(c, o);
                QCOMPARE(firstMismatch(m), QString());
                checkSortedBy(m, c, o);
                // live records arrive while sorted: appended to the same store
                appendLikeTheReceiver(*store, {"{\"ID\":\"live-" + std::to_string(c * 2 + int(o)) +
                                               "\",\"ActionType\":\"zz_live\",\"ActorEmail\":\"a" + std::to_string(c) +
                                               "@live.io\",\"ResourceID\":\"live-res-" + std::to_string(c) +
                                               "\",\"ActionResult\":" + (c % 2 ? "true" : "false") +
                                               ",\"When\":\"2023-02-2" + std::to_string(c % 9) + "T01:02:03Z\"}"});
                const Snapshot snap = store->snapshot();
                m.setRows(snap, allRows(snap));
                QCOMPARE(size_t(m.rowCount()), snap.size());
                QCOMPARE(firstMismatch(m), QString());
                checkSortedBy(m, c, o);
                // a filter: every other row
                std::vector<uint32_t> some;
                for (uint32_t r = 0; r < snap.size(); r += 2)
                    some.push_back(r);
                m.setRows(snap, some);
                QCOMPARE(size_t(m.rowCount()), some.size());
                QCOMPARE(firstMismatch(m), QString());
                checkSortedBy(m, c, o);
                m.setRows(snap, allRows(snap));
            }
        // cleared
        store->clear();
        m.setRows(store->snapshot(), {});
        QCOMPARE(m.rowCount(), 0);
    }
};

QTEST_MAIN(TstTrailModel)
#include "tst_trailmodel.moc"
