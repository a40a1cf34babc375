// SPDX-License-Identifier: MIT
#pragma once

#include "query/history.h"

#include <QDialog>
#include <QFutureWatcher>

#include <atomic>
#include <memory>

class QLabel;
class QTreeWidget;

namespace auditlens::ui {

/// The history of one resource (every record of it, oldest first, with what changed at each
/// step) or of one actor (everything it did, and the IPs, interfaces and user agents it used).
/// The records are found off the GUI thread.
class HistoryDialog : public QDialog
{
    Q_OBJECT
public:
    enum class Kind { Resource, Actor };
    HistoryDialog(Kind kind, const QString &subject, const QString &query, const Snapshot &snap,
                  std::shared_ptr<query::FieldCache> cache, QWidget *parent = nullptr);
    ~HistoryDialog() override;

    QTreeWidget *steps() const { return m_steps; }
    QTreeWidget *changes() const { return m_changes; }
    QLabel *summary() const { return m_summary; }
    const QString &query() const { return m_query; }

signals:
    void ready();
    /// The user asked to see a step's record in the main window (store row).
    void recordActivated(uint32_t row);
    /// The user asked for the trail to show exactly these records.
    void showInTrail(const QString &query);

private:
    struct Result
    {
        std::vector<query::HistoryStep> steps;
        query::ActorSummary actor;
        bool ok = false;
    };
    void showResult();
    void showChanges();

    Kind m_kind;
    QString m_query;
    Snapshot m_snap;
    std::shared_ptr<std::atomic<bool>> m_cancel = std::make_shared<std::atomic<bool>>(false);
    QFutureWatcher<Result> m_watcher;
    std::vector<query::HistoryStep> m_result;
    QLabel *m_summary;
    QTreeWidget *m_steps;
    QTreeWidget *m_changes;
};

/// "enabled: true → false; n: 1 → 2" (at most a few, then "…").
QString changesSummary(const std::vector<Change> &changes);

} // namespace auditlens::ui
