#pragma once
// The values the GUI offers for a layer's settings (the engine's quantizer table decides bits).
#include <QStringList>

namespace loftq::ui {

QStringList bitsChoices();      // "2", "3", "4", "8", "keep"
QStringList quantizerChoices(); // "nf", "uniform"
inline constexpr int kMaxRank = 4096;
inline constexpr int kMaxSteps = 50;

} // namespace loftq::ui
