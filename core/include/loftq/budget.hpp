#pragma once
// Budget planning (docs/budget.md): choose each target layer's bits (and optionally rank) so that
// the quantized model fits a size, minimizing the total squared error sum ||W - Q - B A||_F^2.
// Each layer is measured at each allowed setting, then the allocation is solved exactly as a
// multiple-choice knapsack by dynamic programming over size. Safe to call from a worker thread:
// progress comes through a callback and `cancel` is polled between measurements.
#include "loftq/checkpoint.hpp"
#include "loftq/plan.hpp"

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace loftq {

class CalibrationStats;

struct Budget {
    enum class Kind { AverageBits, Bytes };
    Kind kind = Kind::AverageBits;
    double value = 3; // code bits per target weight, or bytes
    // "2.5bits", "3bit"; "900KB", "12.5MB", "2GB", "123456B" (B = bytes; decimal units: 1 MB = 10^6
    // bytes; KiB, MiB, GiB are powers of 1024).
    static std::optional<Budget> parse(std::string_view text);
    std::string describe() const;
};

// Most DP columns by default: capacity / granularity stays below this (see allocateBudget).
inline constexpr std::uint64_t kDefaultBudgetColumns = 1u << 18;

struct BudgetOptions {
    std::vector<int> bits = allSupportedBits(); // settings each layer may take
    std::vector<int> ranks;                // empty: each layer keeps its planned rank
    std::optional<int> measureSteps = 1;   // LoftQ steps per measurement; empty: the plan's steps
    int threads = 1;
    std::uint64_t maxColumns = kDefaultBudgetColumns;
    // How nf codes are found, as the run the plan is for will (nfArithmeticFor in export_format.hpp).
    ScaleArithmetic nfArithmetic = ScaleArithmetic::Divide;
    // Calibration statistics: measure relative output errors with output-aware LoftQ instead
    // (docs/calibration.md); `damping` empty: the statistics' default.
    const CalibrationStats* calibration = nullptr;
    std::optional<double> damping;
};

struct LayerOption {
    int bits = 0;
    int rank = 0;
    std::uint64_t bytes = 0;   // packed size, estimateLayerSize: codes + float32 scales + adapter
    double squaredError = 0;   // ||W - Q - B A||_F^2 of the measurement (see LayerCurve::output)
};

struct LayerCurve {
    LayerDescriptor layer;
    LayerPlan plan;            // the base plan's setting for this layer
    double squaredNorm = 0;    // ||W||_F^2
    std::vector<LayerOption> options;
    // Errors are relative output errors times ||W||^2: sqrt(tr(E H E^T) / tr(W H W^T)) ||W||.
    bool output = false;
};

struct BudgetProgress {
    int done = 0;              // measurements finished
    int total = 0;
    std::string layer;         // the tensor measured last
};
using BudgetProgressSink = std::function<void(const BudgetProgress&)>;

// Every quantized target of `plan` at every allowed setting (its method and block size stay the
// plan's; fast SVD). Layers the plan keeps unquantized are not measured. Throws Error(Cancelled).
std::vector<LayerCurve> measureLayerCurves(const Checkpoint& checkpoint, const Plan& plan, const BudgetOptions& options,
                                           const BudgetProgressSink& progress = {},
                                           const std::atomic<bool>* cancel = nullptr);

struct BudgetAllocation {
    std::vector<std::size_t> choice; // per curve: index into its options
    std::uint64_t bytes = 0;         // exact total of the chosen options
    double squaredError = 0;
    std::uint64_t granularity = 1;   // bytes per DP column; 1 column per gcd of the costs when small enough
};

// Exact multiple-choice knapsack: minimal total squared error with total bytes <= capacity. Costs
// above each layer's cheapest option are rounded UP to multiples of the granularity, so the result
// always fits; when the granularity is the gcd of those costs the result is optimal, otherwise it
// is at least as good as the optimum for capacity - curves.size() * granularity.
// Throws Error(BadInput) when even the cheapest options do not fit.
BudgetAllocation allocateBudget(const std::vector<LayerCurve>& curves, std::uint64_t capacity,
                                std::uint64_t maxColumns = kDefaultBudgetColumns);

// The bytes the budget leaves for the measured targets (docs/budget.md). Throws Error(BadInput)
// when a size budget is below what stays unquantized.
std::uint64_t targetCapacity(const Budget& budget, const Checkpoint& checkpoint, const Plan& plan,
                             const std::vector<LayerCurve>& curves);

struct BudgetSummary {
    std::uint64_t bytes = 0;     // packed bytes of the targets
    double averageBits = 0;      // code bits per target weight
    double totalRelError = 0;    // sqrt(sum squared errors / sum ||W||^2) over the targets
    double squaredError = 0;
};
// The figures of one choice per curve.
BudgetSummary summarize(const std::vector<LayerCurve>& curves, const std::vector<std::size_t>& choice);
// The choice another plan makes (e.g. a preset), when each of its settings was measured.
std::optional<std::vector<std::size_t>> choiceOf(const std::vector<LayerCurve>& curves, const Plan& plan);

// What the curves of `options` measure: weight errors, or output errors on its statistics and damping.
ExpectedObjective expectedObjective(const BudgetOptions& options);
// The planner's expectation of one choice per curve (docs/budget.md, "Planned and measured"):
// each layer's chosen setting, its relative error and ||W||^2, and the total relative error.
// `measureSteps` as BudgetOptions::measureSteps: empty means each layer's planned steps.
PlanExpectation expectationOf(const std::vector<LayerCurve>& curves, const std::vector<std::size_t>& choice,
                              const ExpectedObjective& objective, std::optional<int> measureSteps);

struct BudgetResult {
    Plan plan;                   // the base plan with per-layer overrides in `layers` and the expectation
    std::vector<LayerCurve> curves;
    BudgetAllocation allocation;
    BudgetSummary summary;
    std::uint64_t capacity = 0;
};
// Measures, allocates and writes the plan in one call.
BudgetResult planForBudget(const Checkpoint& checkpoint, const Plan& plan, const Budget& budget,
                           const BudgetOptions& options, const BudgetProgressSink& progress = {},
                           const std::atomic<bool>* cancel = nullptr);

} // namespace loftq
