#pragma once
// Colours and pens the charts share, so a role has the same colour in every chart.
#include <QColor>
#include <QString>

namespace loftq::ui {

// A distinct, colour-blind-friendly colour per layer role (q_proj, up_proj, ...), stable across runs.
QColor roleColor(const QString& role);
inline const QColor kQloraColor{150, 150, 150};
inline const QColor kLoftqColor{31, 119, 180};
inline const QColor kHighlightColor{230, 97, 1};
inline const QColor kWeightColor{120, 120, 120};

} // namespace loftq::ui
