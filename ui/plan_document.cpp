#include "plan_document.hpp"
#include "loftq/errors.hpp"

#include <algorithm>
#include <climits>
#include <tuple>

namespace loftq::ui {
namespace {

// Encoder blocks come before decoder blocks; tensors outside the blocks keep their place at the
// end. Within a block, the usual modules go in the order the model applies them (checkpoints
// store them alphabetically); other roles keep checkpoint order.
std::tuple<int, int, int> modelPosition(const LayerDescriptor& layer)
{
    static const std::vector<std::string> forwardOrder{"q_proj", "k_proj", "v_proj", "o_proj",
                                                       "gate_proj", "up_proj", "down_proj"};
    const int stack = layer.place.stack == "encoder" ? 0 : layer.place.stack == "decoder" ? 2 : 1;
    const auto role = std::find(forwardOrder.begin(), forwardOrder.end(), layer.role);
    return {stack, layer.place.block < 0 ? INT_MAX : layer.place.block, int(role - forwardOrder.begin())};
}

bool isValid(const Plan& plan)
{
    try {
        validatePlan(plan, "plan");
        return true;
    } catch (const Error&) {
        return false;
    }
}

} // namespace

PlanDocument::PlanDocument(QObject* parent) : QObject(parent) {}

QString PlanDocument::sourcePath() const
{
    return checkpoint_ ? QString::fromStdString(checkpoint_->path()) : QString();
}

int PlanDocument::rowOf(const std::string& tensorName) const
{
    for (std::size_t i = 0; i < layers_.size(); ++i)
        if (layers_[i].layer.tensorName == tensorName)
            return int(i);
    return -1;
}

int PlanDocument::blockCount() const
{
    int blocks = 0;
    for (const auto& l : layers_)
        blocks = std::max(blocks, l.layer.place.block + 1);
    return blocks;
}

void PlanDocument::setExportFormats(std::vector<ExportFormat> formats)
{
    const ScaleArithmetic before = nfArithmetic();
    exportFormats_ = std::move(formats);
    if (nfArithmetic() != before && checkpoint_)
        emit planChanged();
}

ExportSizeEstimate PlanDocument::sizeEstimate() const
{
    if (!checkpoint_)
        return {};
    return estimateExportSize(*checkpoint_, layers_, plan_.adapterDtype);
}

LayerSizeEstimate PlanDocument::layerSize(int row) const
{
    return estimateLayerSize(layers_.at(std::size_t(row)).layer, layers_.at(std::size_t(row)).plan,
                             plan_.adapterDtype);
}

void PlanDocument::setCheckpoint(std::shared_ptr<const Checkpoint> checkpoint)
{
    checkpoint_ = std::move(checkpoint);
    plan_ = Plan{};
    emit checkpointChanged();
    refresh();
}

void PlanDocument::setPlan(const Plan& plan)
{
    validatePlan(plan, "plan");
    plan_ = plan;
    refresh();
}

bool PlanDocument::patchLayers(const std::vector<std::string>& tensorNames, const LayerPatch& patch)
{
    std::map<std::string, LayerPatch> patches;
    for (const auto& name : tensorNames)
        patches[name] = patch;
    return patchEachLayer(patches);
}

bool PlanDocument::patchEachLayer(const std::map<std::string, LayerPatch>& patches,
                                  std::optional<PlanExpectation> expectation)
{
    Plan candidate = plan_;
    for (const auto& [name, patch] : patches)
        candidate.layers[name].mergeFrom(patch);
    if (expectation)
        candidate.expectation = std::move(expectation);
    if (!isValid(candidate))
        return false;
    plan_ = std::move(candidate);
    refresh();
    return true;
}

void PlanDocument::applyPreset(const std::string& preset)
{
    Plan candidate = plan_;
    loftq::applyPreset(candidate, preset);
    plan_ = std::move(candidate);
    refresh();
}

bool PlanDocument::addRule(const PlanRule& rule)
{
    Plan candidate = plan_;
    candidate.rules.push_back(rule);
    if (!isValid(candidate))
        return false;
    plan_ = std::move(candidate);
    refresh();
    return true;
}

void PlanDocument::removeRule(int index)
{
    if (index < 0 || index >= int(plan_.rules.size()))
        return;
    plan_.rules.erase(plan_.rules.begin() + index);
    refresh();
}

void PlanDocument::resetPlan()
{
    const Plan fresh;
    plan_.defaults = fresh.defaults;
    plan_.rules.clear();
    plan_.layers.clear();
    plan_.expectation.reset();
    refresh();
}

void PlanDocument::refresh()
{
    std::vector<PlannedLayer> layers;
    if (checkpoint_)
        layers = planLayers(*checkpoint_, plan_);
    std::stable_sort(layers.begin(), layers.end(), [](const PlannedLayer& a, const PlannedLayer& b) {
        return modelPosition(a.layer) < modelPosition(b.layer);
    });
    const bool sameLayers = std::equal(layers.begin(), layers.end(), layers_.begin(), layers_.end(),
                                       [](const PlannedLayer& a, const PlannedLayer& b) {
                                           return a.layer.tensorName == b.layer.tensorName;
                                       });
    if (sameLayers) {
        layers_ = std::move(layers);
        emit planChanged();
        return;
    }
    emit layersAboutToReset();
    layers_ = std::move(layers);
    emit layersReset();
}

} // namespace loftq::ui
