// SPDX-License-Identifier: MIT
#pragma once

#include "intake/engine.h"
#include "store/eventstore.h"
#include "store/trailsource.h"
#include "datetimeedit.h"
#include "recorddetail.h"

#include <QFileDialog>
#include <QFutureWatcher>
#include <QMessageBox>
#include <QMainWindow>

#include <atomic>
#include <memory>

class QComboBox;
class QDateTimeEdit;
class QLabel;
class QLineEdit;
class QListWidget;
class QListWidgetItem;
class QProgressBar;
class QSplitter;
class QTableView;
class QTabWidget;
class QToolButton;
class QTreeWidget;
class QHBoxLayout;
class QMenu;
class QDockWidget;
class QProgressDialog;
class QVBoxLayout;

namespace auditlens::query {
class FieldCache;
class Query;
}

namespace auditlens {
class EmbeddedTrail;
}

namespace auditlens::ui {

class ExportRunner;
class FacetList;
class FieldsPanel;
class HighlightDelegate;
class JsonTree;
class QueryCompleter;
class ReceiverPanel;
class Timeline;
class TrailModel;

/// The main window: trail, filters, record detail (raw and ECS side by side), changes.
class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    explicit MainWindow(QWidget *parent = nullptr);
    ~MainWindow() override;

    /// Loads sources ("-" = stdin) in the background; replaces the current trail.
    void openSources(const QStringList &paths, bool append = false);
    /// The bundled sample logs.
    void openSamples();
    /// Appends pasted / received text as a source.
    void appendText(const QString &label, const QByteArray &bytes);
    void loadParser(const QString &path);
    void useBuiltinParser();

    // For tests and --screenshot
    bool isLoading() const;
    TrailModel *trailModel() const { return m_model; }
    /// The store the trail shows (the receiver appends to it).
    const std::shared_ptr<EventStore> &store() const { return m_store; }
    QTableView *table() const { return m_table; }
    JsonTree *rawTree() const { return m_detail->rawTree(); }
    JsonTree *ecsTree() const { return m_detail->ecsTree(); }
    QTreeWidget *changesView() const { return m_detail->changesView(); }
    ReceiverPanel *receiverPanel() const { return m_receiverPanel; }
    QListWidget *rejectedList() const { return m_rejected; }
    QListWidget *diagnosticsList() const { return m_detail->diagnostics(); }
    FacetList *facet(Column c) const;
    Filter &filter() { return m_filter; }
    /// The facet counts of the filter on screen are still being counted (countsShown follows).
    bool countsPending() const { return m_countsPending; }
    /// The filter on screen by value, as a TrailSource over `snap` (the one shown) is asked it:
    /// the Fields panel's top values are counted under it.
    TrailFilter trailFilter(const Snapshot &snap) const;
    void applyFilter();
    void selectRow(int row);
    QString statusText() const;
    void setTextSearch(const QString &text);
    /// Trails of at least this many records are searched off the GUI thread (default 100,000).
    void setBackgroundSearchFrom(size_t records) { m_backgroundSearchFrom = records; }
    void setResultFilter(Result r);
    /// Only records that state no result.
    void setWithoutResultFilter();
    void setTimeRange(qint64 fromNs, qint64 toNs);
    void clearFilters();
    /// Adds a clause to the search bar's query with `and` (Filter for / out / exists).
    void addQueryClause(const QString &clause);
    /// Writes the records shown to `path`, the format chosen by its name (.ndjson, .ecs.ndjson,
    /// .csv), in the background; false when the name says no format.
    bool exportTo(const QString &path);
    bool isExporting() const;
    FieldsPanel *fieldsPanel() const { return m_fieldsPanel; }
    QLabel *queryErrorLabel() const { return m_queryError; }
    QLineEdit *searchBar() const { return m_search; }
    QueryCompleter *queryCompleter() const { return m_queryCompleter; }
    /// Resource (false) or actor (true) history of the current record.
    void showHistory(bool actor);
    /// The next (or previous) hit of the text search: in the record's raw tree, then the
    /// next record's (F3 / Shift+F3).
    void findNext(bool backwards = false);
    QTabWidget *detailTabs() const { return m_tabs; }
    QLabel *linkInfo() const { return m_detail->linkInfo(); }
    Timeline *timeline() const { return m_timeline; }
    QDateTimeEdit *fromEdit() const { return m_from; }
    QComboBox *resultBox() const { return m_resultBox; }
    HighlightDelegate *tableHighlighter() const { return m_tableHighlight; }

signals:
    void loadFinished();
    /// The table, facet counts and chips show the current filter (also after a background text
    /// search has finished); the timeline follows (timelineShown).
    void filterApplied();
    /// The timeline shows the current filter's records (its buckets asked of the trail).
    void timelineShown();
    /// The facet lists show the current filter's counts (asked of the trail).
    void countsShown();

protected:
    void closeEvent(QCloseEvent *e) override;
    void showEvent(QShowEvent *e) override;
    void dragEnterEvent(QDragEnterEvent *e) override;
    void dropEvent(QDropEvent *e) override;

private:
    void buildUi();
    /// Every menu and its actions: the one place to add a menu entry (mainwindow_menus.cpp).
    void buildMenus();
    void restoreSettings();
    void saveSettings();
    /// Size and position within the available geometry of the window's screen.
    void fitToScreen();
    static QSize defaultSize(const QRect &available);
    /// The saved recent files, whatever the settings file holds (garbage gives none).
    static QStringList recentFiles();
    void startLoad(std::vector<SourceSpec> specs, bool append);
    void refresh(bool keepSelection);
    /// Puts a filter's evaluation on screen: table, timeline, facet counts, chips, status.
    void showEvaluation(const Snapshot &snap, EventStore::Evaluation eval, bool keepSelection);
    /// Sets the free-text constraint (its matches are searched again) and applies the filter.
    void setTextFilter(std::string text);
    void updateChips();
    /// A facet's counts (by the store's dictionary ids) shown by value.
    /// A facet's values as the trail counted them (TrailCounts::top, all of them) and how many
    /// there are; the filter's included and excluded values named from `snap`.
    void showFacet(FacetList &facet, const Snapshot &snap, const std::vector<std::pair<std::string, uint64_t>> &top,
                   size_t distinct);
    void resetFilters(); ///< filter state and widgets back to "everything", without refreshing
    void showRecord(uint32_t storeRow);
    void clearDetail();
    void updateTitle();
    void addRecent(const QStringList &paths);
    void rebuildRecentMenu();
    void copySelected(bool ecs);
    void pasteRecords();
    void reload();
    void about();
    /// A file (or folder) dialog, window-modal, answering through `done`.
    void askForFiles(const QString &title, const QString &filter, QFileDialog::FileMode mode,
                     const std::function<void(const QStringList &)> &done);
    /// A message box, window-modal, that returns at once.
    void showMessage(QMessageBox::Icon icon, const QString &title, const QString &text, const QString &details = {});
    void showRejected();
    void tableContextMenu(const QPoint &pos);
    QStringList expandPaths(const QStringList &paths) const;
    // investigation (mainwindow_query.cpp)
    void buildQueryUi(QVBoxLayout *centerLay);
    /// Parses the bar's text: plain text is the raw-record search, anything else a query. False
    /// (and the error shown under the bar) when malformed: the last good result stays.
    bool setQueryText(const std::string &text);
    /// Runs the query over rows it has not seen (in the background); true when refresh() must
    /// wait for it (it calls refresh() again when done).
    bool runQueryIfNeeded(const Snapshot &snap, bool keepSelection);
    void rememberQuery(const QString &text);
    void fillQueryMenu(QMenu *menu);
    void exportShown();
    void openFetchDialog(); ///< File ▸ Fetch from Cloudflare…: fetched pages are appended to the trail
    void openClickHouseTrail(); ///< File ▸ Open ClickHouse trail…: browsed in a window of its own
    static const std::vector<Column> &facetColumns();

    std::shared_ptr<EventStore> m_store;
    std::shared_ptr<const intake::IntakeParser> m_parser;
    QString m_parserPath;
    Filter m_filter;
    std::shared_ptr<std::atomic<bool>> m_textCancel; ///< the text search running in the background
    size_t m_backgroundSearchFrom = 100000;
    QStringList m_sources;
    std::vector<std::pair<std::string, std::string>> m_memorySources; ///< label, bytes (paste, stdin)

    TrailModel *m_model = nullptr;
    QTableView *m_table = nullptr;
    Timeline *m_timeline = nullptr;
    /// The facet counts and the timeline's buckets, asked of a source over the snapshot shown
    /// (made anew when the data changed: m_viewFor), told the text matches and query rows the
    /// window has found, so that it searches nothing again.
    EmbeddedTrail &viewSource(const Snapshot &snap);
    void askCounts(const Snapshot &snap, const TrailFilter &f);
    void askTimeline(const Snapshot &snap, const TrailFilter &f, int64_t lo, int64_t hi);
    /// Which data a source over a snapshot reads: its first segment (a store loaded anew has
    /// another) and its size (records appended since).
    using DataKey = std::pair<const Segment *, size_t>;
    static DataKey dataKeyOf(const Snapshot &snap);
    std::unique_ptr<EmbeddedTrail> m_viewSource;
    DataKey m_viewFor{nullptr, 0};
    bool m_countsPending = false;
    static constexpr int kTimelineBuckets = 120;
    FacetList *m_facets[3] = {nullptr, nullptr, nullptr};
    QComboBox *m_resultBox = nullptr;
    QLineEdit *m_search = nullptr;
    DateTimeEdit *m_from = nullptr;
    DateTimeEdit *m_to = nullptr;
    QWidget *m_chipBar = nullptr;
    QHBoxLayout *m_chipLayout = nullptr;
    QListWidget *m_rejected = nullptr;
    RecordDetail *m_detail = nullptr;
    QTabWidget *m_tabs = nullptr; ///< m_detail, plus the rejected records' tab
    QSplitter *m_mainSplit = nullptr;
    QSplitter *m_sideSplit = nullptr;
    QLabel *m_statusLabel = nullptr;
    QToolButton *m_rejectedButton = nullptr;
    QLabel *m_parserLabel = nullptr;
    QProgressBar *m_progress = nullptr;
    QToolButton *m_cancel = nullptr;
    QMenu *m_recentMenu = nullptr;
    QAction *m_localTime = nullptr;
    ReceiverPanel *m_receiverPanel = nullptr;

    // investigation
    std::shared_ptr<const query::Query> m_query; ///< the bar's query, when more than a text search
    std::string m_queryText; ///< … as typed
    DataKey m_fieldsFor{nullptr, SIZE_MAX}; ///< what the Fields panel and completion ask about
    std::weak_ptr<const Segment> m_queryFirstSegment; ///< the store m_filter.rowMask was computed on
    std::vector<std::string> m_queryAbsentFields; ///< the fields of m_query no record has (status note)
    std::shared_ptr<query::FieldCache> m_fieldCache;
    std::shared_ptr<std::atomic<bool>> m_queryCancel;
    QLabel *m_queryError = nullptr;
    FieldsPanel *m_fieldsPanel = nullptr;
    QDockWidget *m_fieldsDock = nullptr;
    ExportRunner *m_export = nullptr;
    QProgressDialog *m_exportProgress = nullptr;
    QueryCompleter *m_queryCompleter = nullptr;

    QFutureWatcher<void> m_watcher;
    std::shared_ptr<std::atomic<bool>> m_cancelFlag;
    std::shared_ptr<std::atomic<uint64_t>> m_progressBytes;
    uint64_t m_totalBytes = 0;
    QTimer *m_liveTimer = nullptr;
    size_t m_shownRows = SIZE_MAX;

    // current record
    uint32_t m_currentRow = UINT32_MAX;
    bool m_shownOnce = false;
    HighlightDelegate *m_tableHighlight = nullptr;
    QString m_hitPath; ///< the raw path F3 went to last
};

} // namespace auditlens::ui
