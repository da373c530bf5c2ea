#include "run_chart.hpp"
#include "plan_document.hpp"
#include "run_results.hpp"

#include <QComboBox>

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

void RunChart::addMetricBox()
{
    metric_ = new QComboBox(this);
    metric_->addItem(tr("Weight error"), int(Metric::Weight));
    metric_->addItem(tr("Output error"), int(Metric::Output));
    metric_->setToolTip(tr("Output error: sqrt(tr(E H Eᵀ) / tr(W H Wᵀ)) on the calibration inputs, for runs with "
                           "calibration statistics (Calibration, above the table)"));
    connect(metric_, &QComboBox::currentIndexChanged, this, &ChartWidget::requestRedraw);
    addHeaderWidget(metric_);
}

void RunChart::setMetric(Metric metric)
{
    if (metric_)
        metric_->setCurrentIndex(metric_->findData(int(metric)));
}

RunChart::Metric RunChart::metric() const { return metric_ ? Metric(metric_->currentData().toInt()) : Metric::Weight; }

bool RunChart::showsOutputError() const { return metric() == Metric::Output && results_.progress().measuresOutput; }

bool RunChart::updateMetricBox()
{
    if (metric_)
        metric_->setEnabled(results_.progress().measuresOutput);
    return showsOutputError();
}

} // namespace loftq::ui
