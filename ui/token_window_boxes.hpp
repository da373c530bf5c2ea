#pragma once
// The two spin boxes of a text the model reads (evaluation, calibration): the window length (0:
// the engine's default, min(512, max positions)) and how many tokens of the text are used, with
// the same ranges and wording in every panel.
class QSpinBox;

namespace loftq::ui {

void setUpContextBox(QSpinBox* box, int tokens);
void setUpTokensBox(QSpinBox* box, int tokens);

} // namespace loftq::ui
