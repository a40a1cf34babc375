// SPDX-License-Identifier: MIT
#pragma once

#include <QDateTimeEdit>

#include <cstdint>

namespace auditlens::ui {

/// A date-time editor that takes a date typed out in full ("2023-02-25 00:00:00"): when a
/// section is complete Qt moves on by itself, and the separator typed next then skipped one
/// more section (the minutes' "00" went to the seconds, leaving 00:09:00). Here a separator
/// typed right after such a move is taken as the one just passed.
class DateTimeEdit : public QDateTimeEdit
{
    Q_OBJECT
public:
    explicit DateTimeEdit(QWidget *parent = nullptr);

    /// As the time range fields show a trail's times: to the second, UTC, a calendar popup.
    void setUpForTimeRange();
    /// The second the field shows, in ns (its first ns; `endOfSecond`: its last).
    int64_t timeNs(bool endOfSecond = false) const;
    /// Shows a time in ns (to the millisecond the field holds).
    void setTimeNs(int64_t ns);
    /// A time range chosen (dragged, applied) shown in its From / To fields; INT64_MIN: any
    /// time, the fields keep what they show.
    static void showRange(DateTimeEdit *from, DateTimeEdit *to, int64_t fromNs, int64_t toNs);

protected:
    void keyPressEvent(QKeyEvent *e) override;
    void focusInEvent(QFocusEvent *e) override;

private:
    bool m_movedOn = false; ///< the last key completed a section and Qt moved to the next
};

} // namespace auditlens::ui
