// SPDX-License-Identifier: MIT
#pragma once

// A trail browsed through a TrailSource (a ClickHouse table): the table pages rows by key,
// the Actor / Action / Resource type facets and the match count are asked of the source on
// every filter change (the source cancels what was pending), the text search and the KQL
// query run where the trail is, and the selected record's raw bytes are fetched on demand
// and shown raw and normalized by the local engine, side by side. Nothing here waits: every
// answer arrives as a callback on the GUI thread.

#include "store/trailsource.h"

#include <QMainWindow>

#include <memory>

class QLabel;
class QLineEdit;
class QListWidget;
class QTableView;

namespace auditlens::intake { class IntakeParser; }

namespace auditlens::ui {

class JsonTree;
class SourceTrailModel;

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
    QListWidget *facet(int k) const { return m_facets[size_t(k)]; }
    QLineEdit *searchBox() const { return m_search; }
    QLineEdit *queryBox() const { return m_query; }
    QLabel *status() const { return m_status; }
    JsonTree *rawTree() const { return m_rawTree; }
    JsonTree *ecsTree() const { return m_ecsTree; }

signals:
    /// Counts and facets for the current filter are shown.
    void countsShown();
    /// The selected record is shown in the trees.
    void recordShown();

private:
    void applyFilter();
    void showCounts(const TrailCounts &c);
    void toggleFacetValue(int k, const QString &value);
    void showRecord(int row);

    std::unique_ptr<TrailSource> m_source;
    std::shared_ptr<const intake::IntakeParser> m_parser;
    TrailFilter m_filter;
    SourceTrailModel *m_model;
    QTableView *m_table;
    std::array<QListWidget *, 3> m_facets{};
    QLineEdit *m_search;
    QLineEdit *m_query;
    QLabel *m_status;
    QLabel *m_error;
    JsonTree *m_rawTree;
    JsonTree *m_ecsTree;
};

} // namespace auditlens::ui
