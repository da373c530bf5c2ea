#pragma once
#include <QString>

class QWidget;

namespace loftq::ui {

// The program, engine, Qt, QCustomPlot and Eigen versions and the kernels' CPU level (Help > About).
QString versionsText();
void showAboutBox(QWidget* parent);

} // namespace loftq::ui
