#pragma once
// Curves measured for the budget control and what they were measured from, so that the control can
// tell when an edit of the plan or a new checkpoint makes them stale, and whether the settings
// allowed now were all measured (then a new budget or fewer choices need no new measurement).
#include "loftq/budget.hpp"
#include "run_calibration.hpp"

#include <memory>
#include <string>
#include <vector>

namespace loftq::ui {

class PlanDocument;

// What measureLayerCurves reads besides the weights. Not the steps: a measurement runs one LoftQ
// step whatever the plan says (BudgetOptions::measureSteps), and not the bits, which it varies.
struct CurveInputs {
    struct Layer {
        std::string tensorName;
        bool quantize = true;
        QuantMethod method = QuantMethod::NormalFloat;
        int blockSize = 0;
        int rank = 0; // 0 when the ranks are chosen (measured at each of them)
        bool operator==(const Layer&) const = default;
    };
    std::shared_ptr<const Checkpoint> checkpoint;
    std::uint64_t seed = 0;
    DType adapterDtype = DType::F32;
    ScaleArithmetic nfArithmetic = ScaleArithmetic::Divide; // the export formats chosen decide it
    std::vector<Layer> layers;
    // With statistics the curves hold output errors (they also keep the statistics alive for
    // BudgetOptions::calibration).
    std::shared_ptr<const CalibrationStats> calibration;
    std::optional<double> damping;
    bool operator==(const CurveInputs&) const = default;
};
CurveInputs curveInputs(const PlanDocument& document, const BudgetOptions& options, const RunCalibration& calibration);

struct MeasuredCurves {
    std::shared_ptr<const std::vector<LayerCurve>> curves;
    Plan plan;             // the base plan they were measured with
    BudgetOptions options; // the settings measured
    CurveInputs inputs;
    ExpectedObjective objective; // what their errors are, for the plan's expectation
};

// Whether every setting allowed now was measured: each of `bits`, and each of `ranks` (empty: the
// planned ranks, which a measurement without rank choices used).
bool covers(const BudgetOptions& measured, const std::vector<int>& bits, const std::vector<int>& ranks);

} // namespace loftq::ui
