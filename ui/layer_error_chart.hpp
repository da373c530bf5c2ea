#pragma once
// Per layer, in model order: the QLoRA error (zero adapter) beside LoftQ's best error, so layers
// where LoftQ gains little, or that quantize badly, stand out. Selected layers are drawn in orange.
// With calibration statistics the chart can show the relative output errors instead.
#include "run_chart.hpp"

namespace loftq::ui {

class LayerErrorChart : public RunChart {
    Q_OBJECT
public:
    LayerErrorChart(const PlanDocument& document, const RunResults& results, QWidget* parent = nullptr);

protected:
    void rebuild() override;
};

} // namespace loftq::ui
