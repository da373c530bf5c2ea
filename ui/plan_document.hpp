#pragma once
// The open checkpoint and the plan being edited: the one source of truth the layer table, the size
// estimate, the charts and the runs read. Edits are validated by the engine before they apply.
#include "loftq/checkpoint.hpp"
#include "loftq/export_format.hpp"
#include "loftq/plan.hpp"
#include "loftq/runner.hpp"
#include "loftq/size_estimate.hpp"

#include <QObject>
#include <QString>
#include <map>
#include <memory>
#include <vector>

namespace loftq::ui {

class PlanDocument : public QObject {
    Q_OBJECT
public:
    explicit PlanDocument(QObject* parent = nullptr);

    bool hasCheckpoint() const { return checkpoint_ != nullptr; }
    std::shared_ptr<const Checkpoint> checkpoint() const { return checkpoint_; }
    QString sourcePath() const;
    const Plan& plan() const { return plan_; }
    // Targets in model order (stack, block, then checkpoint order) with their resolved settings.
    const std::vector<PlannedLayer>& layers() const { return layers_; }
    int rowOf(const std::string& tensorName) const;
    int blockCount() const;
    ExportSizeEstimate sizeEstimate() const;
    LayerSizeEstimate layerSize(int row) const;

    // Shows a newly opened checkpoint with a fresh default plan.
    void setCheckpoint(std::shared_ptr<const Checkpoint> checkpoint);
    // Replaces the plan (e.g. one loaded from a file). Throws Error(BadInput) if its targets are invalid.
    void setPlan(const Plan& plan);
    // Merges `patch` into the per-layer overrides of `tensorNames`. Returns false (and changes
    // nothing) when the result would be an invalid plan, e.g. bits the quantizer lacks.
    bool patchLayers(const std::vector<std::string>& tensorNames, const LayerPatch& patch);
    // Merges each layer's own patch (e.g. a budget plan's bits) as one edit, validated as a whole;
    // a budget plan's expectation of them replaces the plan's.
    bool patchEachLayer(const std::map<std::string, LayerPatch>& patches,
                        std::optional<PlanExpectation> expectation = std::nullopt);
    // A preset ("all:4", "mixed:K") replaces every bits choice, in rules and per-layer edits alike;
    // ranks, steps and quantizers set by hand stay.
    void applyPreset(const std::string& preset);
    // Returns false when the rule's pattern is not a valid regular expression.
    bool addRule(const PlanRule& rule);
    void removeRule(int index);
    // The default plan again: no rules, no per-layer edits, no planner's expectation.
    void resetPlan();

    // The formats the plan will be exported as (the export dialog's choice). They decide how nf
    // codes are found (nfArithmeticFor), so spectra, budget curves and runs in the window reproduce
    // what an export of these formats writes. Emits planChanged when that arithmetic changes.
    const std::vector<ExportFormat>& exportFormats() const { return exportFormats_; }
    ScaleArithmetic nfArithmetic() const { return nfArithmeticFor(exportFormats_); }
    void setExportFormats(std::vector<ExportFormat> formats);

signals:
    // A different checkpoint: earlier run results no longer apply.
    void checkpointChanged();
    // A different list of layers (a new checkpoint, or a plan with other targets): before and after.
    void layersAboutToReset();
    void layersReset();
    // Same layers, settings may differ.
    void planChanged();

private:
    // Re-resolves every layer; emits layersReset or planChanged.
    void refresh();

    std::shared_ptr<const Checkpoint> checkpoint_;
    Plan plan_;
    std::vector<PlannedLayer> layers_;
    std::vector<ExportFormat> exportFormats_{ExportFormat::HfPeft};
};

} // namespace loftq::ui
