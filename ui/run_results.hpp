#pragma once
// What the current (or last) run has reported, per layer, built from the runner's progress events.
// The layer table's status columns and the charts read it; nothing here computes.
#include "loftq/progress.hpp"

#include <QObject>
#include <QString>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace loftq::ui {

enum class LayerRunState { NotRun, Waiting, Running, Done, Kept, Skipped, Stopped };

struct LayerRunProgress {
    LayerRunState state = LayerRunState::NotRun;
    int plannedSteps = 0;
    std::vector<double> stepErrors;           // grows as steps finish
    std::vector<double> stepOutputErrors;     // likewise, with the output objective
    std::optional<LayerReport> report;        // once the layer finished
};

struct RunProgress {
    bool running = false;
    int layersDone = 0;
    int layerCount = 0;
    double fractionDone = 0;
    double elapsedSeconds = 0;
    double etaSeconds = -1;
    QString currentLayer;
    bool measuresOutput = false; // the run has calibration statistics: layers report output errors
};

class RunResults : public QObject {
    Q_OBJECT
public:
    explicit RunResults(QObject* parent = nullptr);

    // A new run over these layers (tensor name, planned steps): every layer waits. `measuresOutput`:
    // it has calibration statistics (RunController::measuresOutput).
    void begin(const std::vector<std::pair<std::string, int>>& layers, bool measuresOutput = false);
    void apply(const ProgressEvent& event);
    // The run ended early (cancelled or failed): layers not finished are marked stopped.
    void stop();
    // Forget everything (a different checkpoint).
    void clear();

    const LayerRunProgress* find(const std::string& tensorName) const;
    const RunProgress& progress() const { return progress_; }

signals:
    void layerChanged(const QString& tensorName);
    void progressChanged();
    void cleared();

private:
    void setState(const std::string& tensorName, LayerRunState state);
    std::map<std::string, LayerRunProgress> layers_;
    RunProgress progress_;
};

QString stateText(const LayerRunProgress& layer);
// A layer of a run with calibration statistics whose output objective could not be used (its H
// could not be factored): it kept the weight objective, has no output errors, and its note says why.
bool fellBackToWeight(const LayerReport& report);

} // namespace loftq::ui
