#pragma once
// Error against alternating step, one line per layer coloured by role; selected layers are drawn
// bold with their best step marked, the rest fade. Grows live while a run reports steps. For a run
// with calibration statistics it can draw each step's relative output error instead.
#include "run_chart.hpp"

namespace loftq::ui {

class StepErrorChart : public RunChart {
    Q_OBJECT
public:
    StepErrorChart(const PlanDocument& document, const RunResults& results, QWidget* parent = nullptr);

protected:
    void rebuild() override;
};

} // namespace loftq::ui
