// SPDX-License-Identifier: MIT
#include "timeline.h"

#include "store/eventstore.h"

#include <QAreaSeries>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QLabel>
#include <QLineSeries>
#include <QMouseEvent>
#include <QRubberBand>
#include <QTimeZone>
#include <QValueAxis>

#include <algorithm>

namespace auditlens::ui {

Timeline::Timeline(QWidget *parent)
    : QChartView(parent), m_upper(new QLineSeries), m_area(new QAreaSeries(m_upper)), m_x(new QDateTimeAxis),
      m_y(new QValueAxis)
{
    auto *chart = new QChart;
    chart->legend()->hide();
    chart->setMargins(QMargins(4, 2, 4, 2));
    chart->setBackgroundRoundness(0);
    chart->addSeries(m_area);
    chart->addAxis(m_x, Qt::AlignBottom);
    chart->addAxis(m_y, Qt::AlignLeft);
    m_area->attachAxis(m_x);
    m_area->attachAxis(m_y);
    m_area->setColor(QColor(0x42, 0x85, 0xf4, 160));
    m_area->setBorderColor(QColor(0x1a, 0x5f, 0xd0));
    m_y->setLabelFormat(QStringLiteral("%d"));
    m_y->setTruncateLabels(false); // a count of 10,000 and more, never "…"
    m_y->setTickCount(3);
    m_x->setTickCount(6);
    QFont small = font();
    small.setPointSizeF(small.pointSizeF() * 0.85);
    m_x->setLabelsFont(small);
    m_y->setLabelsFont(small);
    setChart(chart);
    setRenderHint(QPainter::Antialiasing);
    setToolTip(tr("Records over time. Drag across the chart to filter by that time range."));
    chart->setTheme(palette().color(QPalette::Window).lightness() < 128 ? QChart::ChartThemeDark : QChart::ChartThemeLight);
    m_area->setColor(QColor(0x42, 0x85, 0xf4, 160));
    m_staleLabel = new QLabel(this);
    m_staleLabel->setObjectName(QStringLiteral("timelineStale"));
    m_staleLabel->setAutoFillBackground(true); // (readable over the histogram)
    m_staleLabel->setContentsMargins(6, 1, 6, 1);
    m_staleLabel->hide();
}

void Timeline::setStale(const QString &note)
{
    m_staleLabel->setText(note);
    m_staleLabel->setVisible(!note.isEmpty());
    m_staleLabel->adjustSize();
    placeStaleLabel();
    m_area->setOpacity(note.isEmpty() ? 1.0 : 0.3);
}

bool Timeline::isStale() const { return !m_staleLabel->isHidden(); }

QString Timeline::staleNote() const { return isStale() ? m_staleLabel->text() : QString(); }

void Timeline::placeStaleLabel() { m_staleLabel->move(width() - m_staleLabel->width() - 8, 4); } // (top right)

void Timeline::resizeEvent(QResizeEvent *e)
{
    QChartView::resizeEvent(e);
    placeStaleLabel();
}

void Timeline::setBuckets(int64_t from, int64_t width, const std::vector<uint64_t> &counts, bool utc)
{
    if (std::all_of(counts.begin(), counts.end(), [](uint64_t n) { return n == 0; }))
        return drawEmpty();
    // the axis ends where the last bucket does (clamped: the buckets may reach the end of time)
    const double end = double(from) + double(width) * double(counts.size());
    const int64_t hi = end >= 9.2e18 ? INT64_MAX : int64_t(end);
    draw(from, hi, double(width), counts, utc);
}

void Timeline::drawEmpty()
{
    // nothing matches: a flat line at 0 over the range shown last, axis reading 0 and 1
    setStale({});
    m_upper->clear();
    m_empty = true;
    m_total = 0;
    m_area->setVisible(false);
    m_y->setRange(0, 1);
    m_y->setTickCount(2);
    chart()->setTitle(tr("No record in this selection"));
}

void Timeline::draw(int64_t lo, int64_t hi, double width, const std::vector<uint64_t> &counts, bool utc)
{
    setStale({});
    m_empty = false;
    m_total = 0;
    m_area->setVisible(true);
    chart()->setTitle(QString());
    QList<QPointF> pts;
    uint64_t maxCount = 1;
    for (size_t b = 0; b < counts.size(); ++b) {
        const double x0 = double(lo) + double(b) * width, x1 = x0 + width;
        pts.append(QPointF(x0 / 1e6, double(counts[b])));
        pts.append(QPointF(x1 / 1e6, double(counts[b])));
        maxCount = std::max(maxCount, counts[b]);
        m_total += counts[b];
    }
    m_upper->replace(pts);
    const QTimeZone tz = utc ? QTimeZone::utc() : QTimeZone::systemTimeZone();
    m_x->setRange(QDateTime::fromMSecsSinceEpoch(lo / 1000000, tz), QDateTime::fromMSecsSinceEpoch(hi / 1000000 + 1, tz));
    m_x->setFormat(formatFor(lo, hi, m_x->tickCount(), utc));
    // whole numbers on the axis: up to 4 every one, beyond an even top with its half between
    const qint64 top = qint64(maxCount < 4 ? maxCount : maxCount + (maxCount % 2));
    m_y->setRange(0, double(top));
    m_y->setTickCount(top < 2 ? 2 : top < 4 ? int(top) + 1 : 3);
}

QString Timeline::formatFor(int64_t lo, int64_t hi, int ticks, bool utc)
{
    constexpr int64_t kDay = 86400LL * 1000000000LL, kMinute = 60LL * 1000000000LL;
    const int64_t step = (hi - lo) / std::max(1, ticks - 1);
    if (step >= kDay)
        return QStringLiteral("yyyy-MM-dd");
    const QTimeZone tz = utc ? QTimeZone::utc() : QTimeZone::systemTimeZone();
    const bool oneDay = QDateTime::fromMSecsSinceEpoch(lo / 1000000, tz).date() == QDateTime::fromMSecsSinceEpoch(hi / 1000000, tz).date();
    const QString time = step < 1000000000LL ? QStringLiteral("HH:mm:ss.zzz")
                         : step < kMinute   ? QStringLiteral("HH:mm:ss")
                                            : QStringLiteral("HH:mm");
    // ticks within a day show the time; across days the date too
    return oneDay ? time : QStringLiteral("MM-dd ") + time;
}

QString Timeline::timeFormat() const { return m_x->format(); }
QDateTime Timeline::timeMin() const { return m_x->min(); }
QDateTime Timeline::timeMax() const { return m_x->max(); }
double Timeline::countMax() const { return m_y->max(); }
int Timeline::countTicks() const { return m_y->tickCount(); }

void Timeline::mousePressEvent(QMouseEvent *e)
{
    if (e->button() != Qt::LeftButton)
        return QChartView::mousePressEvent(e);
    m_origin = e->pos();
    m_dragging = true;
    if (!m_band)
        m_band = new QRubberBand(QRubberBand::Rectangle, this);
    m_band->setGeometry(QRect(m_origin, QSize(1, height())));
    m_band->show();
}

void Timeline::mouseMoveEvent(QMouseEvent *e)
{
    if (!m_dragging)
        return QChartView::mouseMoveEvent(e);
    const QRect plot = chart()->plotArea().toRect();
    m_band->setGeometry(QRect(QPoint(m_origin.x(), plot.top()), QPoint(e->pos().x(), plot.bottom())).normalized());
}

void Timeline::mouseReleaseEvent(QMouseEvent *e)
{
    if (!m_dragging)
        return QChartView::mouseReleaseEvent(e);
    m_dragging = false;
    m_band->hide();
    if (std::abs(e->pos().x() - m_origin.x()) < 4)
        return;
    const double a = chart()->mapToValue(QPointF(m_origin), m_area).x();
    const double b = chart()->mapToValue(QPointF(e->pos()), m_area).x();
    emit rangeSelected(qint64(std::min(a, b) * 1e6), qint64(std::max(a, b) * 1e6));
}

} // namespace auditlens::ui
