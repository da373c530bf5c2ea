#include "workspace.hpp"
#include "eval_kl_chart.hpp"
#include "eval_panel.hpp"
#include "layer_error_chart.hpp"
#include "plan_document.hpp"
#include "plan_panel.hpp"
#include "spectrum_chart.hpp"
#include "spectrum_controller.hpp"
#include "step_error_chart.hpp"

#include <QHBoxLayout>
#include <QSplitter>
#include <QTabWidget>

namespace loftq::ui {

Workspace::Workspace(PlanDocument& document, LayerTableModel& model, const RunResults& results, QWidget* parent)
    : QWidget(parent), document_(document), planPanel_(new PlanPanel(document, model, this)),
      tabs_(new QTabWidget(this)), splitter_(new QSplitter(Qt::Vertical, this)),
      stepChart_(new StepErrorChart(document, results, this)), layerChart_(new LayerErrorChart(document, results, this)),
      spectrumChart_(new SpectrumChart(this)), spectra_(new SpectrumController(this))
{
    tabs_->addTab(stepChart_, tr("Error by step"));
    tabs_->addTab(layerChart_, tr("QLoRA vs LoftQ"));
    tabs_->addTab(spectrumChart_, tr("Residual spectrum"));
    splitter_->addWidget(planPanel_);
    splitter_->addWidget(tabs_);
    // Table above, charts below: both get the window's full width (15 columns; 40+ bars).
    splitter_->setStretchFactor(0, 1);
    splitter_->setStretchFactor(1, 1);
    splitter_->setChildrenCollapsible(false);
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(splitter_);

    connect(planPanel_, &PlanPanel::selectionChanged, this, [this](const std::set<std::string>& names) {
        stepChart_->setHighlighted(names);
        layerChart_->setHighlighted(names);
    });
    connect(planPanel_, &PlanPanel::currentLayerChanged, this, [this](const QString& name) {
        currentLayer_ = name;
        updateSpectrum();
    });
    connect(tabs_, &QTabWidget::currentChanged, this, &Workspace::updateSpectrum);
    connect(&document_, &PlanDocument::planChanged, this, &Workspace::updateSpectrum);
    connect(&document_, &PlanDocument::checkpointChanged, this, [this] {
        requested_.reset();
        currentLayer_.clear();
        spectrumChart_->setMessage(tr("Select a layer in the table to see its residual spectrum."));
    });
    connect(spectra_, &SpectrumController::computing, this, [this](const QString& name) {
        spectrumChart_->setMessage(tr("Computing the residual spectrum of %1…").arg(name));
    });
    connect(spectra_, &SpectrumController::ready, spectrumChart_, &SpectrumChart::setSpectrum);
    connect(spectra_, &SpectrumController::failed, this, [this](const QString&, const QString& message) {
        spectrumChart_->setMessage(message);
    });
}

void Workspace::setThreads(int threads)
{
    threads_ = threads;
    planPanel_->setThreads(threads);
}

ChartWidget* Workspace::currentChart() const
{
    if (evalPanel_ && tabs_->currentWidget() == evalPanel_)
        return evalPanel_->klChart();
    return qobject_cast<ChartWidget*>(tabs_->currentWidget());
}

void Workspace::addEvaluationPanel(EvalPanel* panel)
{
    evalPanel_ = panel;
    tabs_->addTab(panel, tr("Evaluation"));
}

void Workspace::updateSpectrum()
{
    if (tabs_->currentWidget() != spectrumChart_ || currentLayer_.isEmpty())
        return;
    const int row = document_.rowOf(currentLayer_.toStdString());
    if (row < 0)
        return;
    const auto& planned = document_.layers()[std::size_t(row)];
    const SpectrumKey key{planned.layer.tensorName, planned.plan, document_.plan().svd, document_.plan().seed,
                          document_.nfArithmetic()};
    if (requested_ == key)
        return;
    requested_ = key;
    spectra_->request({document_.checkpoint(), document_.plan(), planned.layer, threads_, document_.nfArithmetic()});
}

} // namespace loftq::ui
