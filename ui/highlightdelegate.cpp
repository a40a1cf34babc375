// SPDX-License-Identifier: MIT
#include "highlightdelegate.h"

#include <QApplication>
#include <QPainter>

namespace auditlens::ui {

HighlightDelegate::HighlightDelegate(QObject *parent) : QStyledItemDelegate(parent) {}

void HighlightDelegate::setText(const QString &text) { m_text = text; }

QList<QPair<int, int>> HighlightDelegate::matches(const QString &s) const
{
    QList<QPair<int, int>> out;
    if (m_text.isEmpty())
        return out;
    for (int i = s.indexOf(m_text, 0, Qt::CaseInsensitive); i >= 0 && out.size() < 64;
         i = s.indexOf(m_text, i + int(m_text.size()), Qt::CaseInsensitive))
        out.append({i, int(m_text.size())});
    return out;
}

void HighlightDelegate::paint(QPainter *p, const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    const QList<QPair<int, int>> hits = matches(opt.text);
    if (hits.isEmpty())
        return QStyledItemDelegate::paint(p, option, index);
    const QWidget *w = opt.widget;
    QStyle *style = w ? w->style() : QApplication::style();
    const QString text = opt.text;
    const QRect textRect = style->subElementRect(QStyle::SE_ItemViewItemText, &opt, w);
    opt.text.clear();
    style->drawControl(QStyle::CE_ItemViewItem, &opt, p, w);

    const int margin = style->pixelMetric(QStyle::PM_FocusFrameHMargin, nullptr, w) + 1;
    const QRect r = textRect.adjusted(margin, 0, -margin, 0);
    const QFontMetrics fm(opt.font);
    const QString shown = fm.elidedText(text, opt.textElideMode, r.width());
    const bool selected = opt.state & QStyle::State_Selected;
    // the palette's highlight, see-through, behind the characters (on a selected row, the
    // highlighted text colour instead, so the mark shows on the selection)
    QColor mark = selected ? opt.palette.color(QPalette::HighlightedText) : opt.palette.color(QPalette::Highlight);
    mark.setAlpha(selected ? 90 : 110);
    p->save();
    p->setClipRect(r);
    const int top = r.top() + (r.height() - fm.height()) / 2;
    const int visible = shown == text ? int(text.size()) : std::max(0, int(shown.size()) - 1); // before the ellipsis
    for (const auto &[start, len] : hits) {
        if (start >= visible)
            break;
        const int x = r.left() + fm.horizontalAdvance(text.left(start));
        const int wdt = fm.horizontalAdvance(text.mid(start, std::min(len, visible - start)));
        p->fillRect(QRect(x, top, wdt, fm.height()), mark);
        ++m_painted;
    }
    QPalette::ColorGroup cg = opt.state & QStyle::State_Enabled ? QPalette::Normal : QPalette::Disabled;
    QColor pen = selected ? opt.palette.color(cg, QPalette::HighlightedText) : opt.palette.color(cg, QPalette::Text);
    const QVariant fg = index.data(Qt::ForegroundRole);
    if (!selected && fg.canConvert<QBrush>() && fg.value<QBrush>().style() != Qt::NoBrush)
        pen = fg.value<QBrush>().color();
    p->setPen(pen);
    p->setFont(opt.font);
    p->drawText(r, int(opt.displayAlignment) | Qt::TextSingleLine, shown);
    p->restore();
}

} // namespace auditlens::ui
