// SPDX-License-Identifier: MIT
#pragma once

// A trail browsed through a TrailSource (a ClickHouse table): the table pages rows by key,
// the Actor / Action / Resource type facets and the match count are asked of the source on
// every filter change (the source cancels what was pending), the text search and the KQL
// query run where the trail is, and the selected record's raw bytes are fetched on demand
// and shown raw and normalized by the local engine, side by side. Nothing here waits: every
// answer arrives as a callback on the GUI thread. A timeline of the matched records (buckets
// counted by the source over their extent), a time range (dragged on it or typed in From / To)
// and a result choice narrow the filter as in the main window. While a request is pending the
// status bar says so, and Cancel (or Esc) stops every pending request; a cancelled or failed
// request leaves the last good counts, timeline and rows on screen with a plain message.

#include "store/trailsource.h"

#include <QMainWindow>

#include <memory>

class QComboBox;
class QDockWidget;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableView;

namespace auditlens::intake { class IntakeParser; }

namespace auditlens::ui {

class DateTimeEdit;
class FacetList;
class FieldsPanel;
class JsonTree;
class QueryCompleter;
class RecordDetail;
class SourceTrailModel;
class Timeline;

class TrailSourceWindow : public QMainWindow
{
    Q_OBJECT
public:
    TrailSourceWindow(std::unique_ptr<TrailSource> source, std::shared_ptr<const intake::IntakeParser> parser,
                      QWidget *parent = nullptr);
    ~TrailSourceWindow() override;

    // for tests
    SourceTrailModel *model() const { return m_model; }
    QTableView *table() const { return m_table; }
    FacetList *facet(int k) const { return m_facets[size_t(k)]; }
    QLineEdit *searchBox() const { return m_search; }
    QLineEdit *queryBox() const { return m_query; }
    QLabel *status() const { return m_status; }
    JsonTree *rawTree() const;
    JsonTree *ecsTree() const;
    RecordDetail *detail() const { return m_detail; }
    Timeline *timeline() const { return m_timeline; }
    DateTimeEdit *fromEdit() const { return m_from; }
    DateTimeEdit *toEdit() const { return m_to; }
    QPushButton *applyTimeButton() const { return m_applyTime; }
    QComboBox *resultBox() const { return m_resultBox; }
    QPushButton *cancelButton() const { return m_cancel; }
    QPushButton *clearFiltersButton() const { return m_clear; }
    QLabel *pendingLabel() const { return m_pendingLabel; }
    FieldsPanel *fieldsPanel() const { return m_fieldsPanel; }
    QDockWidget *fieldsDock() const { return m_fieldsDock; }
    QueryCompleter *queryCompleter() const { return m_completer; }
    const TrailFilter &filter() const { return m_filter; }
    /// A request to the source is pending (counts, buckets or a page).
    bool pending() const;

    /// As the user drags across the timeline or applies From / To (INT64_MIN, INT64_MAX: any time).
    void setTimeRange(qint64 fromNs, qint64 toNs);
    /// Back to the whole trail: no facet value, time range, result, text or query.
    void clearFilters();
    /// Stops every pending request (Cancel, Esc); what is shown stays.
    void cancel();
    /// The rows newest first or oldest first (a click on the Time column), kept in the settings.
    void setNewestFirst(bool newest);
    /// The rows ordered by a column's value (a Column; -1: by time), then time.
    void setOrder(int column, bool descending);
    /// A click on a column's header: by time (turned when already by time), by a column's
    /// value (turned when already by it), or, for a column that cannot order, a word why not.
    void orderBySection(int section);
    /// Ctrl+End in the table: the last record of the trail selected. The rows up to it are
    /// loaded when at most setLoadToEnd()'s of them remain (5,000); past that the order turns
    /// (newest first to oldest first or back), the status saying so, and its first row is the
    /// trail's last.
    void goToEnd();
    void setLoadToEnd(uint64_t rows) { m_loadToEnd = rows; }
    /// The history of the selected record's resource (Ctrl+H) or everything its actor did
    /// (Ctrl+Shift+H), in a HistoryDialog over a source of its own on the same trail. The
    /// record's raw bytes must have been read (the trees show it); else the status says so.
    void showHistory(bool actor);

signals:
    /// Counts and facets for the current filter are shown.
    void countsShown();
    /// The selected record is shown in the trees.
    void recordShown();
    /// The timeline shows the buckets of the current filter.
    void bucketsShown();
    /// No request is pending any more (answered, cancelled or failed).
    void settled();

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void applyFilter();
    void showCounts(const TrailCounts &c);
    void askBuckets(const TrailCounts &c);
    /// A request did not answer: the last good answer stays; `what` names it.
    void showFailure(const QString &what, const TrailError &e);
    void updatePending();
    /// A facet value checked or unchecked (included), or filtered out (excluded).
    void setFacetValue(Column c, const QString &value, bool include, bool on);
    void showRecord(int row);
    void showOrder(); ///< the sort indicator says the model's order
    void setRangeEditable(bool editable); ///< From, To and Apply (off until the trail first answers)

    std::unique_ptr<TrailSource> m_source;
    std::shared_ptr<const intake::IntakeParser> m_parser;
    TrailFilter m_filter;
    SourceTrailModel *m_model;
    QTableView *m_table;
    std::array<FacetList *, 3> m_facets{};
    QLineEdit *m_search;
    QLineEdit *m_query;
    QLabel *m_status;
    QLabel *m_error;
    RecordDetail *m_detail;
    Timeline *m_timeline;
    DateTimeEdit *m_from;
    DateTimeEdit *m_to;
    QPushButton *m_applyTime;
    QComboBox *m_resultBox;
    QPushButton *m_clear;
    QLabel *m_pendingLabel;
    QPushButton *m_cancel;
    FieldsPanel *m_fieldsPanel = nullptr;
    QDockWidget *m_fieldsDock = nullptr;
    QueryCompleter *m_completer = nullptr;
    QString m_lastCounts; ///< the last good counts as the status says them
    // answers of a request the window no longer waits for (a newer one went out) are dropped
    uint64_t m_countsSerial = 0, m_bucketsSerial = 0;
    bool m_countsPending = false, m_bucketsPending = false;
    uint64_t m_loadToEnd = 5000;
    uint64_t m_matched = 0; ///< the records of the last counts (with !m_countsPending: the current filter's)
    enum class ToEnd { No, Loading, Turned } m_toEnd = ToEnd::No; ///< goToEnd() waits for pages
    void selectLastRow();
    void selectRecord(const QString &id); ///< a history step's record, if it is among the rows loaded
    std::string m_shownId;  ///< the record the trees show (TrailRow::id), empty: none
};

} // namespace auditlens::ui
