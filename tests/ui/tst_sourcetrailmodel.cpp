// SPDX-License-Identifier: MIT
// The trail table over a TrailSource (the model a ClickHouse trail is shown through), driven
// here by the embedded store's source: pages by key as the view asks, the same cells as the
// in-memory table, a filter change that drops stale answers, errors as a message.
#include "sourcetrailmodel.h"
#include "store/embeddedtrail.h"
#include "../core/samplestore.h"
#include "trailmodel.h"

#include <QSignalSpy>
#include <QTest>

using namespace auditlens;
using namespace auditlens::ui;


class TstSourceTrailModel : public QObject
{
    Q_OBJECT
    SampleStore m_samples;
    const Snapshot &m_snap = m_samples.snap;

private slots:
    void initTestCase()
    {
        QVERIFY2(m_samples.load(), "the bundled samples are missing");
    }

    void pagesAsTheViewAsksAndShowsWhatTheTableShows()
    {
        EmbeddedTrail trail(m_snap, "samples");
        SourceTrailModel model;
        model.setPageSize(50);
        QSignalSpy pages(&model, &SourceTrailModel::pageLoaded);
        model.setSource(&trail);
        QVERIFY(pages.wait(10000));
        QCOMPARE(model.rowCount(), 50);
        QVERIFY(model.canFetchMore({}));
        while (model.canFetchMore({})) {
            model.fetchMore({});
            QVERIFY(!model.canFetchMore({})); // one request at a time
            QVERIFY(pages.wait(10000));
        }
        QCOMPARE(size_t(model.rowCount()), m_snap.size());

        // the in-memory table over the same rows, sorted by time as the pages come
        TrailModel table;
        std::vector<uint32_t> all(m_snap.size());
        std::iota(all.begin(), all.end(), 0u);
        table.setRows(m_snap, all);
        QHash<uint32_t, int> tableRow;
        for (int r = 0; r < table.rowCount(); ++r)
            tableRow[table.storeRow(r)] = r;
        int64_t last = INT64_MIN;
        for (int r = 0; r < model.rowCount(); ++r) {
            const TrailRow *row = model.trailRow(r);
            QVERIFY(row->time >= last);
            last = row->time;
            const int t = tableRow.value(uint32_t(std::stoul(row->id.substr(4))), -1);
            QVERIFY(t >= 0);
            for (int c = 0; c < TrailModel::ColCount; ++c) {
                // a source's line is the store's own: a trail elsewhere names the source only
                const int role = c == TrailModel::Source ? int(TrailModel::ColumnValueRole) : int(Qt::DisplayRole);
                QCOMPARE(model.data(model.index(r, c)).toString(), table.data(table.index(t, c), role).toString());
            }
            QCOMPARE(model.data(model.index(r, 0), Qt::FontRole).isValid(), table.data(table.index(t, 0), Qt::FontRole).isValid());
        }
        for (int c = 0; c < TrailModel::ColCount; ++c)
            QCOMPARE(model.headerData(c, Qt::Horizontal), table.headerData(c, Qt::Horizontal));
    }

    void aFilterChangeDropsTheEarlierAnswer()
    {
        EmbeddedTrail trail(m_snap, "samples");
        SourceTrailModel model;
        model.setPageSize(1000);
        QSignalSpy pages(&model, &SourceTrailModel::pageLoaded);
        model.setSource(&trail);
        TrailFilter f;
        f.include[size_t(Column::Actor)] = {m_snap.value(0, Column::Actor)};
        model.setFilter(f); // before the first answer came
        QVERIFY(pages.wait(10000));
        QVERIFY(!pages.wait(300)); // the first filter's answer never shows
        QVERIFY(model.rowCount() > 0 && size_t(model.rowCount()) < m_snap.size());
        for (int r = 0; r < model.rowCount(); ++r)
            QCOMPARE(model.trailRow(r)->values[size_t(Column::Actor)], m_snap.value(0, Column::Actor));
        QVERIFY(!model.canFetchMore({}));
    }

    void aCancelledOrFailedPageKeepsTheRowsShown()
    {
        EmbeddedTrail trail(m_snap, "samples");
        SourceTrailModel model;
        model.setPageSize(50);
        QSignalSpy pages(&model, &SourceTrailModel::pageLoaded);
        QSignalSpy loading(&model, &SourceTrailModel::loadingChanged);
        model.setSource(&trail);
        QVERIFY(pages.wait(10000));
        QCOMPARE(model.rowCount(), 50);

        // the next page, cancelled: the rows stay, and the view does not ask again by itself
        model.fetchMore({});
        QVERIFY(model.loading());
        loading.clear();
        trail.cancelAll();
        QVERIFY(loading.wait(10000));
        QCOMPARE(loading.last().at(0).toBool(), false);
        QCOMPARE(model.rowCount(), 50);
        QVERIFY(model.halted() && !model.canFetchMore({}));
        model.retry(); // the same page, asked again
        QVERIFY(pages.wait(10000));
        QCOMPARE(model.rowCount(), 100);
        const std::string firstId = model.trailRow(0)->id;

        // a new filter that fails: the earlier rows stay on screen until a good answer
        QSignalSpy failed(&model, &SourceTrailModel::failed);
        TrailFilter bad;
        bad.query = "Action:(";
        model.setFilter(bad);
        QVERIFY(failed.wait(10000));
        QCOMPARE(model.rowCount(), 100);
        QVERIFY(model.stale() && model.halted() && !model.canFetchMore({}));
        QCOMPARE(model.trailRow(0)->id, firstId);
        TrailFilter good;
        good.include[size_t(Column::Actor)] = {m_snap.value(0, Column::Actor)};
        model.setFilter(good);
        QVERIFY(pages.wait(10000));
        QVERIFY(!model.stale());
        QVERIFY(model.rowCount() > 0 && model.rowCount() <= 50);
        for (int r = 0; r < model.rowCount(); ++r)
            QCOMPARE(model.trailRow(r)->values[size_t(Column::Actor)], m_snap.value(0, Column::Actor));
    }

    void aFailedRequestSaysWhy()
    {
        EmbeddedTrail trail(m_snap, "samples");
        SourceTrailModel model;
        QSignalSpy failed(&model, &SourceTrailModel::failed);
        model.setSource(&trail);
        TrailFilter f;
        f.query = "Action:(";
        model.setFilter(f);
        QVERIFY(failed.wait(10000));
        QVERIFY2(failed.at(0).at(0).toString().contains(QLatin1String("at character")), qPrintable(failed.at(0).at(0).toString()));
        QCOMPARE(model.rowCount(), 0);
    }
};

QTEST_MAIN(TstSourceTrailModel)
#include "tst_sourcetrailmodel.moc"
