#include "run_chart.hpp"
#include "plan_document.hpp"
#include "run_results.hpp"

namespace loftq::ui {

RunChart::RunChart(const QString& title, const PlanDocument& document, const RunResults& results, QWidget* parent)
    : ChartWidget(title, parent), document_(document), results_(results)
{
    connect(&results_, &RunResults::layerChanged, this, &ChartWidget::requestRedraw);
    connect(&results_, &RunResults::cleared, this, &ChartWidget::requestRedraw);
    connect(&document_, &PlanDocument::layersReset, this, &ChartWidget::requestRedraw);
    requestRedraw();
}

void RunChart::setHighlighted(const std::set<std::string>& tensorNames)
{
    highlighted_ = tensorNames;
    requestRedraw();
}

} // namespace loftq::ui
