#pragma once
// Error against alternating step, one line per layer coloured by role; selected layers are drawn
// bold with their best step marked, the rest fade. Grows live while a run reports steps.
#include "chart_widget.hpp"

#include <set>
#include <string>

namespace loftq::ui {

class PlanDocument;
class RunResults;

class StepErrorChart : public ChartWidget {
    Q_OBJECT
public:
    StepErrorChart(const PlanDocument& document, const RunResults& results, QWidget* parent = nullptr);
    void setHighlighted(const std::set<std::string>& tensorNames);

protected:
    void rebuild() override;

private:
    const PlanDocument& document_;
    const RunResults& results_;
    std::set<std::string> highlighted_;
};

} // namespace loftq::ui
