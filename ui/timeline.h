// SPDX-License-Identifier: MIT
#pragma once

#include <QChartView>

#include <cstdint>
#include <vector>

class QLabel;
class QRubberBand;
class QAreaSeries;
class QLineSeries;
class QDateTimeAxis;
class QValueAxis;
class QDateTime;

namespace auditlens::ui {

/// A histogram of the filtered records over time. Dragging across it selects a time range.
class Timeline : public QChartView
{
    Q_OBJECT
public:
    explicit Timeline(QWidget *parent = nullptr);
    /// Buckets counted by a TrailSource (TrailSource::buckets): bucket i covers [from + i*width,
    /// from + (i+1)*width) ns. All zero (or none): drawn as "no record", the axis keeping its
    /// last range (nothing to show is not "today").
    void setBuckets(int64_t from, int64_t width, const std::vector<uint64_t> &counts, bool utc);
    /// Marks what is drawn as no longer the current filter's (a newer one is being counted, or
    /// its counting failed): the histogram dimmed and `note` over it, until the next drawing
    /// (setBuckets). An empty note: as drawn, not stale.
    void setStale(const QString &note);
    bool isStale() const;
    QString staleNote() const;
    /// The records the chart shows: the sum of its buckets.
    uint64_t total() const { return m_total; }
    /// What the axes show (for tests): label format, range, tick counts.
    QString timeFormat() const;
    QDateTime timeMin() const;
    QDateTime timeMax() const;
    double countMax() const;
    int countTicks() const;
    bool isEmpty() const { return m_empty; }
    /// The label format for ticks over [lo, hi] ns with `ticks` ticks.
    static QString formatFor(int64_t lo, int64_t hi, int ticks, bool utc);

signals:
    void rangeSelected(qint64 fromNs, qint64 toNs);

protected:
    void resizeEvent(QResizeEvent *e) override;
    void mousePressEvent(QMouseEvent *e) override;
    void mouseMoveEvent(QMouseEvent *e) override;
    void mouseReleaseEvent(QMouseEvent *e) override;

private:
    /// counts[i] over [lo + i*width, lo + (i+1)*width), the axis over [lo, hi].
    void draw(int64_t lo, int64_t hi, double width, const std::vector<uint64_t> &counts, bool utc);
    void drawEmpty();
    void placeStaleLabel();

    QLineSeries *m_upper;
    QAreaSeries *m_area;
    QDateTimeAxis *m_x;
    QValueAxis *m_y;
    QRubberBand *m_band = nullptr;
    QLabel *m_staleLabel = nullptr; ///< over the chart while stale
    QPoint m_origin;
    bool m_dragging = false;
    bool m_empty = true;
    uint64_t m_total = 0;
};

} // namespace auditlens::ui
