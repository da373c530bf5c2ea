#pragma once
// Per layer, in model order: the QLoRA error (zero adapter) beside LoftQ's best error, so layers
// where LoftQ gains little, or that quantize badly, stand out. Selected layers are drawn in orange.
#include "chart_widget.hpp"

#include <set>
#include <string>

namespace loftq::ui {

class PlanDocument;
class RunResults;

class LayerErrorChart : public ChartWidget {
    Q_OBJECT
public:
    LayerErrorChart(const PlanDocument& document, const RunResults& results, QWidget* parent = nullptr);
    void setHighlighted(const std::set<std::string>& tensorNames);

protected:
    void rebuild() override;

private:
    const PlanDocument& document_;
    const RunResults& results_;
    std::set<std::string> highlighted_;
};

} // namespace loftq::ui
