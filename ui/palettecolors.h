// SPDX-License-Identifier: MIT
#pragma once

#include <QColor>
#include <QPalette>

namespace auditlens::ui {

/// Colours with a meaning (failure, warning, added, removed, changed), made from a palette: the
/// hue says what, the lightness is chosen against the palette's Base so that the text stays
/// legible (contrast at least 4.5:1) on light and dark palettes alike.
enum class Tone { Failure, Warning, Added, Removed, Changed };

QColor toneColor(Tone tone, const QPalette &palette);
/// WCAG contrast ratio of two colours (1 to 21).
double contrastRatio(const QColor &a, const QColor &b);

} // namespace auditlens::ui
