#pragma once
// What the window shows once a checkpoint is open: the plan panel above, the charts below (error
// by step, QLoRA vs LoftQ per layer, the selected layer's residual spectrum) and the evaluation tab.
#include "loftq/plan.hpp"

#include <QWidget>
#include <optional>
#include <string>

class QSplitter;
class QTabWidget;

namespace loftq::ui {

class ChartWidget;
class EvalPanel;
class LayerErrorChart;
class LayerTableModel;
class PlanDocument;
class PlanPanel;
class RunResults;
class SpectrumChart;
class SpectrumController;
class StepErrorChart;

class Workspace : public QWidget {
    Q_OBJECT
public:
    enum ChartTab { StepsTab, LayersTab, SpectrumTab, EvaluationTab };

    Workspace(PlanDocument& document, LayerTableModel& model, const RunResults& results, QWidget* parent = nullptr);

    PlanPanel* planPanel() const { return planPanel_; }
    QSplitter* splitter() const { return splitter_; }
    QTabWidget* chartTabs() const { return tabs_; }
    // The chart of the tab shown (the evaluation tab's KL chart there).
    ChartWidget* currentChart() const;
    // The evaluation tab (the window makes it: it needs the run controller and the settings).
    void addEvaluationPanel(EvalPanel* panel);
    EvalPanel* evaluationPanel() const { return evalPanel_; }
    StepErrorChart* stepChart() const { return stepChart_; }
    LayerErrorChart* layerChart() const { return layerChart_; }
    SpectrumChart* spectrumChart() const { return spectrumChart_; }
    SpectrumController* spectrumController() const { return spectra_; }
    // Worker threads for spectra and budget measurements.
    void setThreads(int threads);

private:
    // Asks for the current layer's spectrum when the spectrum tab is showing and it is not there yet.
    void updateSpectrum();

    struct SpectrumKey {
        std::string tensorName;
        LayerPlan plan;
        SvdMethod svd;
        std::uint64_t seed;
        ScaleArithmetic nfArithmetic;
        bool operator==(const SpectrumKey&) const = default;
    };

    PlanDocument& document_;
    PlanPanel* planPanel_;
    QTabWidget* tabs_;
    QSplitter* splitter_;
    StepErrorChart* stepChart_;
    LayerErrorChart* layerChart_;
    SpectrumChart* spectrumChart_;
    SpectrumController* spectra_;
    EvalPanel* evalPanel_ = nullptr;
    QString currentLayer_;
    std::optional<SpectrumKey> requested_;
    int threads_ = 1;
};

} // namespace loftq::ui
