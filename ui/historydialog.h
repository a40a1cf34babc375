// SPDX-License-Identifier: MIT
#pragma once

#include "query/history.h"
#include "store/trailsource.h"

#include <QDialog>
#include <QFutureWatcher>

#include <algorithm>
#include <deque>
#include <memory>

class QLabel;
class QTreeWidget;

namespace auditlens::ui {

/// The history of one resource (every record of it, oldest first, with what changed at each
/// step) or of one actor (everything it did, and the IPs, interfaces and user agents it used).
/// The records are asked of a trail source of the dialog's own (the embedded store or a
/// ClickHouse table, TrailSource::sibling()), a page at a time, and shown as they come; at
/// most kMaxSteps of them, the summary saying how many there are. Closing the dialog stops
/// what it asked.
class HistoryDialog : public QDialog
{
    Q_OBJECT
public:
    enum class Kind { Resource, Actor };
    HistoryDialog(Kind kind, const QString &subject, const QString &query, std::unique_ptr<TrailSource> source,
                  QWidget *parent = nullptr);
    ~HistoryDialog() override;

    static constexpr size_t kMaxSteps = query::kHistoryMaxRecords; ///< the records read at most
    /// For tests, before the event loop runs (the first page is asked from it): fewer records
    /// a page, fewer at most.
    void setLimits(size_t pageRows, size_t maxSteps)
    {
        m_pageRows = std::max<size_t>(pageRows, 1);
        m_maxSteps = std::max<size_t>(maxSteps, 1);
    }

    QTreeWidget *steps() const { return m_steps; }
    QTreeWidget *changes() const { return m_changes; }
    QLabel *summary() const { return m_summary; }
    const QString &query() const { return m_query; }

signals:
    void ready();
    /// The user asked to see a step's record in the trail's window (TrailRow::id and time).
    void recordActivated(const QString &id, qint64 time);
    /// The user asked for the trail to show exactly these records.
    void showInTrail(const QString &query);

private:
    void askNext();
    void onPage(TrailPage page, TrailError error);
    void processNext();  ///< a page's rows made steps on the pool, one page at a time, in order
    void stepsMade();
    void settleIfDone(); ///< finish() once nothing is asked, queued or being made
    void addSteps(std::vector<query::HistoryStep> steps);
    void finish();   ///< every record read (or the limit, or a failure)
    void conclude(); ///< … and counted: the summary, ready()
    void showProgress();
    void showChanges();

    Kind m_kind;
    QString m_query;
    std::unique_ptr<TrailSource> m_source;
    TrailFilter m_filter;
    TrailKey m_after;
    size_t m_pageRows = query::kHistoryFirstPage; ///< the pages grow from there (query::historyPageRows)
    size_t m_maxSteps = kMaxSteps;
    uint64_t m_matched = 0; ///< the records of the history, once counted
    bool m_counted = false;
    size_t m_read = 0;
    bool m_done = false;       ///< the records are read
    bool m_countsDone = false; ///< the count answered (or failed)
    std::vector<query::HistoryStep> m_result;  ///< the steps shown, in the tree's order
    std::vector<query::HistoryStep> m_untimed; ///< held until the end: they come last
    int64_t m_firstTime = kNoTime, m_lastTime = kNoTime;
    std::shared_ptr<query::ActorTally> m_tally = std::make_shared<query::ActorTally>(); ///< used by one page's work at a time
    std::deque<std::vector<TrailRow>> m_queue; ///< pages answered, not made steps yet (at most 2)
    QFutureWatcher<std::vector<query::HistoryStep>> m_work;
    bool m_working = false;   ///< a page is being made steps
    bool m_asking = false;    ///< a page is asked
    bool m_moreToAsk = false; ///< the source has more, under the limit
    QString m_failure;
    QLabel *m_summary;
    QTreeWidget *m_steps;
    QTreeWidget *m_changes;
};

/// "enabled: true → false; n: 1 → 2" (at most a few, then "…").
QString changesSummary(const std::vector<Change> &changes);

} // namespace auditlens::ui
