#include "run_results.hpp"

namespace loftq::ui {

RunResults::RunResults(QObject* parent) : QObject(parent) {}

void RunResults::begin(const std::vector<std::pair<std::string, int>>& layers, bool measuresOutput)
{
    layers_.clear();
    for (const auto& [name, steps] : layers)
        layers_[name] = {LayerRunState::Waiting, steps, {}, {}, std::nullopt};
    progress_ = {};
    progress_.running = true;
    progress_.layerCount = int(layers.size());
    progress_.measuresOutput = measuresOutput;
    emit cleared();
    emit progressChanged();
}

void RunResults::apply(const ProgressEvent& e)
{
    using Kind = ProgressEvent::Kind;
    if (!progress_.running) // late events of a run that was cancelled and cleared away
        return;
    progress_.fractionDone = e.fractionDone;
    progress_.elapsedSeconds = e.elapsedSeconds;
    progress_.etaSeconds = e.etaSeconds;
    if (e.layerCount > 0)
        progress_.layerCount = e.layerCount;
    // Layers the run names but begin() did not list (a plan with other targets) are tracked too.
    const auto it = e.layer.empty() ? layers_.end() : layers_.try_emplace(e.layer).first;
    switch (e.kind) {
    case Kind::LayerStarted:
        progress_.currentLayer = QString::fromStdString(e.layer);
        if (it != layers_.end()) {
            it->second.state = LayerRunState::Running;
            it->second.stepErrors.clear();
            it->second.stepOutputErrors.clear();
        }
        break;
    case Kind::StepFinished:
        if (it != layers_.end()) {
            it->second.stepErrors.push_back(e.relError);
            if (e.outputRelError)
                it->second.stepOutputErrors.push_back(*e.outputRelError);
        }
        break;
    case Kind::LayerFinished:
        ++progress_.layersDone;
        if (it != layers_.end() && e.report) {
            it->second.report = e.report;
            it->second.stepErrors = e.report->stepErrors;
            it->second.stepOutputErrors = e.report->stepOutputErrors;
            it->second.state = e.report->status == LayerStatus::Quantized ? LayerRunState::Done
                               : e.report->status == LayerStatus::Kept    ? LayerRunState::Kept
                                                                          : LayerRunState::Skipped;
        }
        break;
    case Kind::RunFinished:
        progress_.running = false;
        progress_.currentLayer.clear();
        break;
    case Kind::RunStarted:
    case Kind::Message:
        break;
    }
    if (it != layers_.end())
        emit layerChanged(QString::fromStdString(e.layer));
    emit progressChanged();
}

void RunResults::stop()
{
    progress_.running = false;
    progress_.currentLayer.clear();
    for (auto& [name, layer] : layers_)
        if (layer.state == LayerRunState::Waiting || layer.state == LayerRunState::Running) {
            layer.state = LayerRunState::Stopped;
            emit layerChanged(QString::fromStdString(name));
        }
    emit progressChanged();
}

void RunResults::clear()
{
    layers_.clear();
    progress_ = {};
    emit cleared();
    emit progressChanged();
}

const LayerRunProgress* RunResults::find(const std::string& tensorName) const
{
    const auto it = layers_.find(tensorName);
    return it == layers_.end() ? nullptr : &it->second;
}

QString stateText(const LayerRunProgress& layer)
{
    switch (layer.state) {
    case LayerRunState::NotRun:
        return {};
    case LayerRunState::Waiting:
        return QObject::tr("waiting");
    case LayerRunState::Running:
        return QObject::tr("step %1/%2").arg(layer.stepErrors.size() + 1).arg(layer.plannedSteps);
    case LayerRunState::Done:
        return layer.report && fellBackToWeight(*layer.report) ? QObject::tr("done · weight fallback")
                                                               : QObject::tr("done");
    case LayerRunState::Kept:
        return QObject::tr("kept");
    case LayerRunState::Skipped:
        return QObject::tr("skipped: %1").arg(QString::fromStdString(layer.report ? layer.report->note : ""));
    case LayerRunState::Stopped:
        return QObject::tr("stopped");
    }
    return {};
}

bool fellBackToWeight(const LayerReport& report) { return !report.objective.empty() && !report.outputRelError; }

} // namespace loftq::ui
