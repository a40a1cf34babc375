// SPDX-License-Identifier: MIT
#pragma once
// What the tests of the trail window share: waiting for its answers, reading all its rows,
// and comparing two windows as a user reads them.
#include "../core/samplestore.h"
#include "datetimeedit.h"
#include "intake/engine.h"
#include "store/embeddedtrail.h"
#include "facetlist.h"
#include "sourcetrailmodel.h"
#include "timeline.h"
#include "trailsourcewindow.h"

#include <QDateTimeEdit>
#include <QLabel>
#include <QListWidget>
#include <QSettings>
#include <QStandardPaths>
#include <QSignalSpy>
#include <QTest>

namespace auditlens::ui::windowcheck {

/// The window over a snapshot (the samples), shown at the main window's size; its first
/// requests sent.
inline std::unique_ptr<TrailSourceWindow> shownOver(const Snapshot &snap)
{
    auto w = std::make_unique<TrailSourceWindow>(std::make_unique<EmbeddedTrail>(snap, "samples"), intake::IntakeParser::builtin());
    w->resize(1280, 800);
    w->show();
    return w;
}

inline QString countsText(uint64_t matched, size_t total)
{
    return QStringLiteral("%1 of %2 records").arg(matched).arg(total);
}

/// Shown, and its first answers (counts, timeline, first page) in.
inline bool settle(TrailSourceWindow &w)
{
    QSignalSpy settled(&w, &TrailSourceWindow::settled);
    return !w.pending() || settled.wait(10000);
}

/// Every page of the window's table asked for, as a user scrolling to its end: false when a
/// page does not come within 10 s.
inline bool fetchAll(TrailSourceWindow &w)
{
    const auto idle = [&] { return QTest::qWaitFor([&] { return !w.model()->loading(); }, 10000); };
    if (!idle())
        return false;
    while (w.model()->canFetchMore({})) {
        w.model()->fetchMore({});
        if (!idle())
            return false;
    }
    return true;
}

/// Everything a user reads off the two windows is the same, after every step.
inline void compareWindows(TrailSourceWindow &remote, TrailSourceWindow &local)
{
    QVERIFY(settle(remote) && settle(local));
    QCOMPARE(remote.status()->text(), local.status()->text());
    for (int k = 0; k < 3; ++k) {
        QCOMPARE(remote.facet(k)->list()->count(), local.facet(k)->list()->count());
        for (int i = 0; i < local.facet(k)->list()->count(); ++i)
            QCOMPARE(remote.facet(k)->list()->item(i)->text(), local.facet(k)->list()->item(i)->text());
    }
    QTRY_COMPARE_WITH_TIMEOUT(remote.timeline()->total(), local.timeline()->total(), 10000);
    QCOMPARE(remote.fromEdit()->dateTime(), local.fromEdit()->dateTime());
    QCOMPARE(remote.toEdit()->dateTime(), local.toEdit()->dateTime());
    for (TrailSourceWindow *w : {&remote, &local})
        QVERIFY(fetchAll(*w));
    QCOMPARE(remote.model()->rowCount(), local.model()->rowCount());
    for (int r = 0; r < local.model()->rowCount(); ++r)
        for (int c = 0; c < local.model()->columnCount(); ++c)
            QCOMPARE(remote.model()->index(r, c).data().toString(), local.model()->index(r, c).data().toString());
}

/// What the window tests start from: the bundled samples loaded, test settings cleared, and a
/// window over them on demand.
class SamplesWindowTest : public QObject
{
protected:
    SampleStore m_samples;
    const Snapshot &m_snap = m_samples.snap;
    std::unique_ptr<TrailSourceWindow> shown() const { return shownOver(m_snap); }
    /// For initTestCase: false when the samples are missing.
    bool begin()
    {
        QStandardPaths::setTestModeEnabled(true);
        QSettings().clear();
        return m_samples.load();
    }
};

} // namespace auditlens::ui::windowcheck
