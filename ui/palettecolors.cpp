// SPDX-License-Identifier: MIT
#include "palettecolors.h"

#include <cmath>

namespace auditlens::ui {

namespace {
double luminance(const QColor &c)
{
    auto lin = [](double v) { return v <= 0.03928 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * lin(c.redF()) + 0.7152 * lin(c.greenF()) + 0.0722 * lin(c.blueF());
}

int hueOf(Tone t)
{
    switch (t) {
    case Tone::Failure: return 0;
    case Tone::Warning: return 32;
    case Tone::Added: return 125;
    case Tone::Removed: return 355;
    case Tone::Changed: return 212;
    }
    return 0;
}
} // namespace

double contrastRatio(const QColor &a, const QColor &b)
{
    const double la = luminance(a), lb = luminance(b);
    return (std::max(la, lb) + 0.05) / (std::min(la, lb) + 0.05);
}

QColor toneColor(Tone tone, const QPalette &palette)
{
    const QColor base = palette.color(QPalette::Base);
    const bool dark = luminance(base) < 0.18;
    // start from a saturated colour and move its lightness away from the background
    int l = dark ? 150 : 110;
    QColor c = QColor::fromHsl(hueOf(tone), 200, l);
    for (int i = 0; i < 40 && contrastRatio(c, base) < 4.5; ++i) {
        l = dark ? std::min(255, l + 5) : std::max(0, l - 5);
        c = QColor::fromHsl(hueOf(tone), 200, l);
    }
    return c;
}

} // namespace auditlens::ui
