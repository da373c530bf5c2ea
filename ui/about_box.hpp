#pragma once
#include <QString>

class QWidget;

namespace loftq::ui {

// The program, engine, Qt, QCustomPlot and Eigen versions, as shown in Help > About.
QString versionsText();
void showAboutBox(QWidget* parent);

} // namespace loftq::ui
