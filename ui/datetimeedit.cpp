// SPDX-License-Identifier: MIT
#include "datetimeedit.h"

#include <QKeyEvent>

namespace auditlens::ui {

DateTimeEdit::DateTimeEdit(QWidget *parent) : QDateTimeEdit(parent) {}

void DateTimeEdit::setUpForTimeRange()
{
    setCalendarPopup(true);
    setDisplayFormat(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
    setTimeSpec(Qt::UTC);
}

int64_t DateTimeEdit::timeNs(bool endOfSecond) const
{
    // the second the field shows (a time set with milliseconds keeps them, unseen)
    return dateTime().toSecsSinceEpoch() * 1000000000LL + (endOfSecond ? 999999999LL : 0);
}

void DateTimeEdit::setTimeNs(int64_t ns)
{
    setDateTime(QDateTime::fromMSecsSinceEpoch(ns / 1000000, timeSpec()));
}

void DateTimeEdit::showRange(DateTimeEdit *from, DateTimeEdit *to, int64_t fromNs, int64_t toNs)
{
    if (fromNs == INT64_MIN)
        return;
    from->setTimeNs(fromNs);
    to->setTimeNs(toNs);
}

void DateTimeEdit::focusInEvent(QFocusEvent *e)
{
    m_movedOn = false;
    QDateTimeEdit::focusInEvent(e);
}

void DateTimeEdit::keyPressEvent(QKeyEvent *e)
{
    switch (e->key()) {
    case Qt::Key_Shift:
    case Qt::Key_Control:
    case Qt::Key_Alt:
    case Qt::Key_AltGr:
    case Qt::Key_Meta:
        // a modifier on its own (Shift before ':' on most layouts) changes nothing
        return QDateTimeEdit::keyPressEvent(e);
    default:
        break;
    }
    const QString t = e->text();
    const bool plain = !(e->modifiers() & ~(Qt::ShiftModifier | Qt::KeypadModifier));
    if (plain && t.size() == 1 && t.at(0).isDigit()) {
        const int before = currentSectionIndex();
        QDateTimeEdit::keyPressEvent(e);
        m_movedOn = currentSectionIndex() != before;
        return;
    }
    if (plain && t.size() == 1 && t.at(0).isPrint() && !t.at(0).isLetterOrNumber() && m_movedOn) {
        // the separator between the section just completed and this one: already passed
        m_movedOn = false;
        e->accept();
        return;
    }
    m_movedOn = false;
    QDateTimeEdit::keyPressEvent(e);
}

} // namespace auditlens::ui
