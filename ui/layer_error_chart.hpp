#pragma once
// Per layer, in model order: the QLoRA error (zero adapter) beside LoftQ's best error, so layers
// where LoftQ gains little, or that quantize badly, stand out. Selected layers are drawn in orange.
// With calibration statistics the chart can show the relative output errors instead.
#include "run_chart.hpp"

class QComboBox;

namespace loftq::ui {

class LayerErrorChart : public RunChart {
    Q_OBJECT
public:
    enum class Metric { Weight, Output };

    LayerErrorChart(const PlanDocument& document, const RunResults& results, QWidget* parent = nullptr);

    // Output is drawn only for a run that measured it; the choice stays for the next such run.
    void setMetric(Metric metric);
    Metric metric() const;
    // The metric drawn now.
    bool showsOutputError() const;
    QComboBox* metricBox() const { return metric_; }

protected:
    void rebuild() override;

private:
    QComboBox* metric_;
};

} // namespace loftq::ui
