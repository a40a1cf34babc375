// SPDX-License-Identifier: MIT
// MainWindow: saved window state (geometry, splitters, trail header, view options). Whatever
// the settings file holds (an earlier version's layout, a cut-off file, garbage), a start
// never fails: each value is checked and a value that does not fit falls back to its default.
#include "mainwindow.h"

#include "trailmodel.h"

#include <QAction>
#include <QCloseEvent>
#include <QGuiApplication>
#include <QHeaderView>
#include <QMenu>
#include <QScreen>
#include <QSettings>
#include <QSplitter>
#include <QTableView>
#include <QTimer>

namespace auditlens::ui {

namespace {
/// Raised when the meaning of a saved layout changes (columns, panes): older layouts are not
/// restored then.
constexpr int kLayoutVersion = 2;
constexpr int kMaxRecentPathLength = 4096;

QByteArray bytesOf(const QVariant &v)
{
    return v.typeId() == QMetaType::QByteArray ? v.toByteArray() : QByteArray();
}

/// A splitter's saved sizes, or false when they would leave no pane visible.
bool restoreSplitter(QSplitter *split, const QVariant &v)
{
    const QByteArray saved = bytesOf(v);
    if (saved.isEmpty())
        return false;
    const QByteArray defaults = split->saveState();
    const Qt::Orientation orientation = split->orientation();
    const bool collapsible = split->childrenCollapsible();
    if (!split->restoreState(saved) || split->orientation() != orientation || split->childrenCollapsible() != collapsible) {
        split->setOrientation(orientation);
        split->setChildrenCollapsible(collapsible);
        split->restoreState(defaults);
        return false;
    }
    const QList<int> sizes = split->sizes();
    int shown = 0;
    for (int i = 0; i < split->count(); ++i)
        if (!split->widget(i)->isHidden() && sizes.value(i) > 0)
            ++shown;
    if (sizes.size() != split->count() || shown == 0) {
        split->restoreState(defaults);
        return false;
    }
    return true;
}

/// The trail's header: its columns must be this version's, at least one shown, each of a
/// sane width, the sort column one of them.
bool headerIsSane(const QHeaderView *h)
{
    if (h->count() != TrailModel::ColCount)
        return false;
    int shown = 0;
    for (int i = 0; i < h->count(); ++i) {
        if (h->logicalIndex(i) < 0 || h->logicalIndex(i) >= TrailModel::ColCount)
            return false;
        if (!h->isSectionHidden(i)) {
            ++shown;
            if (h->sectionSize(i) < 8 || h->sectionSize(i) > 4000)
                return false;
        }
    }
    const int sortColumn = h->sortIndicatorSection();
    return shown > 0 && sortColumn >= 0 && sortColumn < TrailModel::ColCount;
}
} // namespace

QSize MainWindow::defaultSize(const QRect &available)
{
    // 1500x950 where there is room; otherwise most of the screen, never past its edges
    return QSize(std::min(1500, available.width() * 92 / 100), std::min(950, available.height() * 92 / 100));
}

void MainWindow::fitToScreen()
{
    QScreen *scr = screen() ? screen() : QGuiApplication::primaryScreen();
    if (!scr)
        return;
    // the screen the window is (mostly) on, else the primary one
    const QPoint centre = geometry().center();
    if (QScreen *at = QGuiApplication::screenAt(centre))
        scr = at;
    const QRect avail = scr->availableGeometry();
    if (isMaximized() || isFullScreen())
        return;
    // the frame is known once shown; before, allow for a typical title bar and border
    const QRect frame = frameGeometry();
    const QSize extra = isVisible() ? frame.size() - geometry().size() : QSize(0, 0);
    QSize size = geometry().size();
    const QSize room = avail.size() - extra;
    const QSize least = minimumSizeHint().expandedTo(minimumSize());
    size = size.boundedTo(room).expandedTo(least.boundedTo(room));
    if (size != geometry().size())
        resize(size);
    QRect r = frameGeometry();
    r.setSize(size + extra);
    if (!avail.contains(r)) {
        QPoint pos = r.topLeft();
        pos.setX(std::clamp(pos.x(), avail.left(), std::max(avail.left(), avail.right() + 1 - r.width())));
        pos.setY(std::clamp(pos.y(), avail.top(), std::max(avail.top(), avail.bottom() + 1 - r.height())));
        move(pos);
    }
}

void MainWindow::restoreSettings()
{
    QSettings s;
    const bool sameLayout = s.value(QStringLiteral("window/layoutVersion")).toInt() == kLayoutVersion;
    const QByteArray geometry = bytesOf(s.value(QStringLiteral("window/geometry")));
    if (geometry.isEmpty() || !restoreGeometry(geometry)) {
        QScreen *scr = QGuiApplication::primaryScreen();
        const QRect avail = scr ? scr->availableGeometry() : QRect(0, 0, 1500, 950);
        resize(defaultSize(avail));
        move(avail.center() - rect().center());
    }
    fitToScreen();
    if (sameLayout) {
        const QByteArray defaultState = saveState();
        const QByteArray state = bytesOf(s.value(QStringLiteral("window/state")));
        if (!state.isEmpty() && !restoreState(state, kLayoutVersion))
            restoreState(defaultState, kLayoutVersion);
        restoreSplitter(m_mainSplit, s.value(QStringLiteral("window/mainSplit")));
        restoreSplitter(m_detail->sidesSplit(), s.value(QStringLiteral("window/detailSplit")));
        restoreSplitter(m_sideSplit, s.value(QStringLiteral("window/sideSplit")));
        if (auto *outer = findChild<QSplitter *>(QStringLiteral("outerSplit")))
            restoreSplitter(outer, s.value(QStringLiteral("window/outerSplit")));
        const QByteArray header = bytesOf(s.value(QStringLiteral("trail/header")));
        QHeaderView *h = m_table->horizontalHeader();
        const QByteArray defaultHeader = h->saveState();
        const bool sameColumns = s.value(QStringLiteral("trail/columns")).toInt() == TrailModel::ColCount;
        if (!header.isEmpty() && sameColumns && (!h->restoreState(header) || !headerIsSane(h)))
            h->restoreState(defaultHeader);
    }
    fitToScreen(); // the panes restored may ask for more room than the screen has
    const QVariant local = s.value(QStringLiteral("view/localTime"), false);
    m_localTime->setChecked(local.typeId() == QMetaType::Bool ? local.toBool()
                                                               : local.toString() == QLatin1String("true"));
    rebuildRecentMenu();
}

QStringList MainWindow::recentFiles()
{
    const QVariant v = QSettings().value(QStringLiteral("recentFiles"));
    QStringList out;
    if (v.typeId() != QMetaType::QStringList && v.typeId() != QMetaType::QString)
        return out;
    for (const QString &p : v.toStringList())
        if (!p.isEmpty() && p.size() <= kMaxRecentPathLength && !p.contains(QChar(0)) && out.size() < 10)
            out << p;
    return out;
}

void MainWindow::saveSettings()
{
    QSettings s;
    s.setValue(QStringLiteral("window/layoutVersion"), kLayoutVersion);
    s.setValue(QStringLiteral("window/geometry"), saveGeometry());
    s.setValue(QStringLiteral("window/state"), saveState(kLayoutVersion));
    s.setValue(QStringLiteral("window/mainSplit"), m_mainSplit->saveState());
    s.setValue(QStringLiteral("window/detailSplit"), m_detail->sidesSplit()->saveState());
    s.setValue(QStringLiteral("window/sideSplit"), m_sideSplit->saveState());
    if (auto *outer = findChild<QSplitter *>(QStringLiteral("outerSplit")))
        s.setValue(QStringLiteral("window/outerSplit"), outer->saveState());
    s.setValue(QStringLiteral("trail/header"), m_table->horizontalHeader()->saveState());
    s.setValue(QStringLiteral("trail/columns"), int(TrailModel::ColCount));
    s.setValue(QStringLiteral("view/localTime"), m_localTime->isChecked());
}

void MainWindow::showEvent(QShowEvent *e)
{
    QMainWindow::showEvent(e);
    if (!m_shownOnce) {
        m_shownOnce = true;
        // the frame's size is known now: keep title bar and edges on the screen too
        QTimer::singleShot(0, this, &MainWindow::fitToScreen);
    }
}

void MainWindow::closeEvent(QCloseEvent *e)
{
    saveSettings();
    if (m_cancelFlag)
        m_cancelFlag->store(true);
    QMainWindow::closeEvent(e);
}

} // namespace auditlens::ui
