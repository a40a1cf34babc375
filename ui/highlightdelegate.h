// SPDX-License-Identifier: MIT
#pragma once

#include <QStyledItemDelegate>

namespace auditlens::ui {

/// Paints cells as usual, with every case-insensitive occurrence of a text marked behind the
/// characters (the text search's hits, in the trail and in the record trees).
class HighlightDelegate : public QStyledItemDelegate
{
    Q_OBJECT
public:
    explicit HighlightDelegate(QObject *parent = nullptr);
    void setText(const QString &text);
    QString text() const { return m_text; }
    /// (start, length) of each occurrence in `s`.
    QList<QPair<int, int>> matches(const QString &s) const;
    /// Occurrences marked by paint() so far (for tests).
    int paintedHits() const { return m_painted; }

    void paint(QPainter *p, const QStyleOptionViewItem &option, const QModelIndex &index) const override;

private:
    QString m_text;
    mutable int m_painted = 0;
};

} // namespace auditlens::ui
