// Budget planning (docs/budget.md): budget texts; the knapsack DP against brute force on random
// instances, exact with the gcd granularity and within its bound with a coarse one; sizes that
// match the packed export; plans that runJob accepts; progress and cancellation; and on real
// weights the planned allocation never loses to the paper's 2/4-bit preset of the same size; the
// plan's expectation against a run of it (planned vs measured, per layer and in total).
#include "loftq/budget.hpp"
#include "loftq/errors.hpp"
#include "loftq/planned_vs_measured.hpp"
#include "loftq/runner.hpp"
#include "test_paths.hpp"

#include <QTemporaryDir>
#include <cmath>
#include <QtTest>
#include <filesystem>
#include <limits>
#include <random>
#include <set>

using namespace loftq;

namespace {

struct RandomInstance {
    std::vector<LayerCurve> curves;
    std::uint64_t capacity = 0;
};

RandomInstance randomInstance(std::uint64_t seed)
{
    std::mt19937_64 rng(seed);
    auto uniform = [&](int lo, int hi) { return lo + int(rng() % std::uint64_t(hi - lo + 1)); };
    RandomInstance in;
    std::uint64_t least = 0, most = 0;
    const int layers = uniform(1, 6);
    for (int l = 0; l < layers; ++l) {
        LayerCurve c;
        c.layer.tensorName = "layer" + std::to_string(l);
        c.squaredNorm = 1;
        const int options = uniform(1, 4);
        std::uint64_t lo = ~0ull, hi = 0;
        for (int o = 0; o < options; ++o) {
            const std::uint64_t bytes = 1000 + std::uint64_t(uniform(0, 60)) * 7; // a gcd above 1 at times
            c.options.push_back({2 + o, 16, bytes, double(uniform(1, 1'000'000)) / 1000.0});
            lo = std::min(lo, bytes);
            hi = std::max(hi, bytes);
        }
        least += lo;
        most += hi;
        in.curves.push_back(c);
    }
    in.capacity = least + std::uint64_t(uniform(0, int(most - least) + 20));
    return in;
}

// The least total error over every combination that fits (infinity when none does).
double bruteForce(const std::vector<LayerCurve>& curves, std::uint64_t capacity)
{
    double best = std::numeric_limits<double>::infinity();
    std::vector<std::size_t> pick(curves.size(), 0);
    while (true) {
        std::uint64_t bytes = 0;
        double error = 0;
        for (std::size_t l = 0; l < curves.size(); ++l) {
            bytes += curves[l].options[pick[l]].bytes;
            error += curves[l].options[pick[l]].squaredError;
        }
        if (bytes <= capacity)
            best = std::min(best, error);
        std::size_t l = 0;
        while (l < curves.size() && ++pick[l] == curves[l].options.size())
            pick[l++] = 0;
        if (l == curves.size())
            return best;
    }
}

void checkConsistent(const std::vector<LayerCurve>& curves, const BudgetAllocation& a, std::uint64_t capacity)
{
    QCOMPARE(a.choice.size(), curves.size());
    std::uint64_t bytes = 0;
    double error = 0;
    for (std::size_t l = 0; l < curves.size(); ++l) {
        QVERIFY(a.choice[l] < curves[l].options.size());
        bytes += curves[l].options[a.choice[l]].bytes;
        error += curves[l].options[a.choice[l]].squaredError;
    }
    QCOMPARE(a.bytes, bytes);
    QCOMPARE(a.squaredError, error);
    QVERIFY(bytes <= capacity);
}

// Planned with the run's own steps, the planner's error is the run's float32 error of the best step:
// the same computation, so equal up to summation order. What the run reports is measured on the
// exported tensors (Q rounded to the fixture's float16), which moves a relative error of ~0.1 by
// about 1e-5 relative (the rounding error adds in quadrature).
constexpr double kSameComputation = 1e-9;
constexpr double kExportRounding = 1e-3;

bool closeRelative(double a, double b, double tolerance) { return std::abs(a - b) <= tolerance * std::max(std::abs(a), std::abs(b)); }

Plan smallPlan()
{
    Plan plan;
    plan.defaults.rank = 4;
    return plan;
}

} // namespace

class TestBudget : public QObject {
    Q_OBJECT
private slots:
    void parsesBudgetTexts_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("bits");
        QTest::addColumn<double>("value");
        QTest::newRow("2.5bits") << "2.5bits" << true << 2.5;
        QTest::newRow("3 bit") << "3 bit" << true << 3.0;
        QTest::newRow("12MB") << "12MB" << false << 12e6;
        QTest::newRow("900kb") << "900kb" << false << 900e3;
        QTest::newRow("1.5GiB") << "1.5GiB" << false << 1.5 * 1073741824.0;
        QTest::newRow("123456B") << "123456B" << false << 123456.0;
    }

    void parsesBudgetTexts()
    {
        QFETCH(QString, text);
        QFETCH(bool, bits);
        QFETCH(double, value);
        const auto b = Budget::parse(text.toStdString());
        QVERIFY(b);
        QCOMPARE(b->kind == Budget::Kind::AverageBits, bits);
        QCOMPARE(b->value, value);
    }

    void rejectsBadBudgetTexts()
    {
        for (const char* t : {"", "abc", "2.5", "-3bits", "0bits", "3parsecs", "bits", "1e3MB", "2..5bits", "nanbits"})
            QVERIFY2(!Budget::parse(t), t);
    }

    void allocationMatchesBruteForce()
    {
        for (std::uint64_t seed = 1; seed <= 300; ++seed) {
            const auto in = randomInstance(seed);
            const auto a = allocateBudget(in.curves, in.capacity);
            checkConsistent(in.curves, a, in.capacity);
            const double best = bruteForce(in.curves, in.capacity);
            QVERIFY2(std::abs(a.squaredError - best) <= 1e-9 * std::max(1.0, best),
                     qPrintable(QString("seed %1: dp %2, brute force %3").arg(seed).arg(a.squaredError).arg(best)));
        }
    }

    void coarseGranularityFitsAndKeepsItsBound()
    {
        // With few columns the costs are rounded up: the result still fits, and it is at least as
        // good as the exact optimum of a budget smaller by one granule per layer.
        for (std::uint64_t seed = 1; seed <= 300; ++seed) {
            const auto in = randomInstance(seed);
            const auto a = allocateBudget(in.curves, in.capacity, 3);
            checkConsistent(in.curves, a, in.capacity);
            const std::uint64_t slack = in.curves.size() * a.granularity;
            if (in.capacity >= slack)
                QVERIFY2(a.squaredError <= bruteForce(in.curves, in.capacity - slack) + 1e-9,
                         qPrintable(QString("seed %1").arg(seed)));
        }
    }

    void tooSmallABudgetIsBadInput()
    {
        const auto in = randomInstance(7);
        std::uint64_t least = 0;
        for (const auto& c : in.curves) {
            std::uint64_t lo = ~0ull;
            for (const auto& o : c.options)
                lo = std::min(lo, o.bytes);
            least += lo;
        }
        QVERIFY_THROWS_EXCEPTION(Error, allocateBudget(in.curves, least - 1));
        allocateBudget(in.curves, least); // exactly the cheapest choice fits
    }

    void optionSizesAreWhatThePackedExportStores()
    {
        // Each option costs what the packed file holds for the layer: codes, scales and adapter.
        QTemporaryDir dir;
        const auto cp = Checkpoint::open(test::fixture("llama"));
        BudgetOptions options;
        options.bits = {3};
        const auto curves = measureLayerCurves(cp, smallPlan(), options);
        Plan plan = smallPlan();
        plan.defaults.bits = 3;
        plan.defaults.steps = 1;
        const std::string out = dir.filePath("out").toStdString();
        runJob(cp, plan, {.outputDir = out, .formats = {ExportFormat::Packed}});
        const auto packed = SafetensorsFile::open(out + "/model.loftq");
        for (const auto& c : curves) {
            const auto& name = c.layer.tensorName;
            const std::uint64_t adapter = std::uint64_t(c.layer.outFeatures + c.layer.inFeatures) * 4 * sizeof(float);
            QCOMPARE(c.options.at(0).bytes, packed->find("loftq.codes:" + name)->byteSize() +
                                                packed->find("loftq.scales:" + name)->byteSize() + adapter);
        }
    }

    void plansRunAndRespectTheBudget_data()
    {
        QTest::addColumn<double>("bits");
        QTest::addColumn<int>("expectAllBits"); // 0: a mix
        QTest::newRow("2 bits: all 2") << 2.0 << 2;
        QTest::newRow("2.5 bits: a mix") << 2.5 << 0;
        QTest::newRow("3.3 bits: a mix") << 3.3 << 0;
        QTest::newRow("8 bits: all 8") << 8.0 << 8;
    }

    void plansRunAndRespectTheBudget()
    {
        QFETCH(double, bits);
        QFETCH(int, expectAllBits);
        const auto cp = Checkpoint::open(test::fixture("llama-sharded-bf16"));
        const auto r = planForBudget(cp, smallPlan(), {Budget::Kind::AverageBits, bits}, {});
        QCOMPARE(int(r.curves.size()), 14);
        QVERIFY(r.summary.averageBits <= bits + 1e-12);
        QVERIFY(r.summary.bytes <= r.capacity);
        // The plan file round-trips and the runner takes it: the bits it runs are the planned ones.
        const Plan plan = Plan::fromJson(r.plan.toJson(), "planned");
        QCOMPARE(plan, r.plan);
        const auto report = runJob(cp, plan, {});
        std::set<int> used;
        for (std::size_t l = 0; l < r.curves.size(); ++l) {
            QCOMPARE(report.layers[l].layer.tensorName, r.curves[l].layer.tensorName);
            QCOMPARE(report.layers[l].plan.bits, r.curves[l].options[r.allocation.choice[l]].bits);
            used.insert(report.layers[l].plan.bits);
        }
        if (expectAllBits)
            QCOMPARE(used, std::set<int>{expectAllBits});
        else
            QVERIFY(used.size() > 1);
    }

    void plannedEqualsMeasuredWithTheSameSteps()
    {
        const auto cp = Checkpoint::open(test::fixture("llama"));
        Plan base = smallPlan();
        base.defaults.steps = 2;
        BudgetOptions options;
        options.measureSteps.reset(); // the plan's steps
        const auto r = planForBudget(cp, base, {Budget::Kind::AverageBits, 3}, options);
        QVERIFY(r.plan.expectation);
        QCOMPARE(r.plan.expectation->totalRelError, r.summary.totalRelError);
        QVERIFY(!r.plan.expectation->objective.output);
        const auto report = runJob(cp, r.plan, {});
        const auto compared = comparePlanned(r.plan, report);
        QVERIFY(compared && compared->notCompared.empty());
        QCOMPARE(compared->comparedLayers, r.curves.size());
        QCOMPARE(compared->measureStepsMax, 2);
        for (std::size_t l = 0; l < report.layers.size(); ++l) {
            const auto& layer = report.layers[l];
            const auto& p = compared->layers[l];
            QCOMPARE(p.tensor, layer.layer.tensorName);
            const double float32 = layer.stepErrors[std::size_t(layer.bestStep - 1)];
            QVERIFY2(closeRelative(p.planned, float32, kSameComputation),
                     qPrintable(QStringLiteral("%1: planned %2, run %3").arg(QString::fromStdString(p.tensor)).arg(p.planned).arg(float32)));
            QVERIFY(closeRelative(p.planned, p.measured, kExportRounding));
        }
        QVERIFY(closeRelative(compared->plannedTotal, r.summary.totalRelError, kSameComputation));
        QVERIFY(closeRelative(compared->plannedTotal, compared->measuredTotal, kExportRounding));
        // The report file carries both, per layer and in total.
        const auto j = report.toJson(r.plan);
        QCOMPARE(j["summary"]["planned"]["layers_compared"].get<std::size_t>(), r.curves.size());
        QCOMPARE(j["summary"]["planned"]["measured_total_rel_error"].get<double>(), compared->measuredTotal);
        QCOMPARE(j["layers"][0]["planned_rel_error"].get<double>(), compared->layers[0].planned);
        QCOMPARE(plannedVsMeasuredOfReport(j)->plannedTotal, compared->plannedTotal);

        // An edit after planning: that layer is no longer compared; the others still are.
        Plan edited = r.plan;
        const auto& first = report.layers.front();
        edited.layers[first.layer.tensorName].bits = first.plan.bits == 8 ? 4 : 8;
        RunReport changed = report;
        changed.layers.front().plan = edited.resolve(first.layer);
        const auto afterEdit = comparePlanned(edited, changed);
        QCOMPARE(afterEdit->changedLayers, std::size_t(1));
        QCOMPARE(afterEdit->comparedLayers, r.curves.size() - 1);
    }

    void plannedAndMeasuredOfOtherKindsAreNotCompared()
    {
        const auto cp = Checkpoint::open(test::fixture("llama"));
        LayerReport layer;
        layer.layer = planLayers(cp, Plan{}).front().layer;
        layer.plan = Plan{}.resolve(layer.layer);
        layer.relError = 0.1;
        Plan plan;
        plan.expectation = PlanExpectation{{true, "stats.safetensors", "ab", 100, 0.01}, 0.2, {}};
        plan.expectation->layers[layer.layer.tensorName] = {layer.plan.method, layer.plan.bits, layer.plan.rank,
                                                            layer.plan.blockSize, 1, 0.2, 1.0};
        RunReport weightOnly;
        weightOnly.layers = {layer};
        auto c = comparePlanned(plan, weightOnly);
        QVERIFY(c->notCompared.find("weight errors only") != std::string::npos);
        QCOMPARE(c->otherObjectiveLayers, std::size_t(1));
        // Output errors on another damping are another objective.
        RunReport otherDamping = weightOnly;
        otherDamping.calibration = "moved/stats.safetensors"; // the same statistics under another name
        otherDamping.calibrationTextSha256 = "ab";
        otherDamping.calibrationTokens = 100;
        otherDamping.damping = 0.1;
        otherDamping.layers[0].objective = "output";
        otherDamping.layers[0].outputRelError = 0.15;
        otherDamping.layers[0].qloraOutputRelError = 0.3;
        QVERIFY(comparePlanned(plan, otherDamping)->notCompared.find("damping") != std::string::npos);
        otherDamping.damping = 0.01;
        c = comparePlanned(plan, otherDamping);
        QVERIFY(c->notCompared.empty());
        QCOMPARE(c->measuredTotal, 0.15);
        // Statistics of another calibration text, or of fewer tokens of it, are another objective.
        RunReport otherText = otherDamping;
        otherText.calibrationTextSha256 = "cd";
        QVERIFY(comparePlanned(plan, otherText)->notCompared.find("other statistics") != std::string::npos);
        QCOMPARE(comparePlanned(plan, otherText)->comparedLayers, std::size_t(0));
        otherText.calibrationTextSha256 = "ab";
        otherText.calibrationTokens = 50;
        QVERIFY(comparePlanned(plan, otherText)->notCompared.find("other statistics") != std::string::npos);
        // A weight plan against a run that minimized output errors.
        plan.expectation->objective = {};
        QVERIFY(comparePlanned(plan, otherDamping)->notCompared.find("minimized output errors") != std::string::npos);
        QVERIFY(!comparePlanned(Plan{}, otherDamping));
    }

    void sizeBudgetsCountWhatStaysUnquantized()
    {
        const auto cp = Checkpoint::open(test::fixture("llama-sharded-bf16"));
        BudgetOptions options;
        options.bits = {2, 4};
        const auto curves = measureLayerCurves(cp, smallPlan(), options);
        std::uint64_t fixed = 0;
        for (const auto& t : cp.tensors())
            if (t.info.name.find("layers.") == std::string::npos || t.info.name.find("norm") != std::string::npos)
                fixed += t.info.byteSize();
        QCOMPARE(targetCapacity({Budget::Kind::Bytes, double(fixed + 1000)}, cp, smallPlan(), curves), std::uint64_t(1000));
        QVERIFY_THROWS_EXCEPTION(Error, targetCapacity({Budget::Kind::Bytes, double(fixed - 1)}, cp, smallPlan(), curves));
    }

    void rankChoicesAreOverridesToo()
    {
        const auto cp = Checkpoint::open(test::fixture("llama"));
        BudgetOptions options;
        options.bits = {2, 4};
        options.ranks = {2, 8};
        const auto r = planForBudget(cp, smallPlan(), {Budget::Kind::AverageBits, 3}, options);
        for (const auto& c : r.curves) {
            QCOMPARE(c.options.size(), std::size_t(4));
            const auto& patch = r.plan.layers.at(c.layer.tensorName);
            QVERIFY(patch.rank && (*patch.rank == 2 || *patch.rank == 8));
        }
    }

    void reportsProgressAndStopsWhenCancelled()
    {
        const auto cp = Checkpoint::open(test::fixture("llama"));
        std::vector<int> done;
        int total = 0;
        measureLayerCurves(cp, smallPlan(), {}, [&](const BudgetProgress& p) {
            done.push_back(p.done);
            total = p.total;
        });
        QCOMPARE(total, 14 * 4);
        QCOMPARE(int(done.size()), total);
        QCOMPARE(done.back(), total);
        std::atomic<bool> cancel{false};
        int calls = 0;
        try {
            measureLayerCurves(cp, smallPlan(), {}, [&](const BudgetProgress&) { cancel = ++calls == 3; }, &cancel);
            QFAIL("not cancelled");
        } catch (const Error& e) {
            QCOMPARE(e.kind(), ErrorKind::Cancelled);
        }
        QCOMPARE(calls, 3);
    }

    void neverWorseThanThePapersMixedPresetOfTheSameSize()
    {
        // pico-llama's first 2 blocks: mixed:1 (block 0 at 4 bits, block 1 at 2) averages 3 bits.
        const auto cp = Checkpoint::open(test::demoModel());
        BudgetOptions options;
        options.bits = {2, 3, 4};
        const auto r = planForBudget(cp, Plan{}, {Budget::Kind::AverageBits, 3}, options);
        Plan preset;
        applyPreset(preset, "mixed:1");
        const auto choice = choiceOf(r.curves, preset);
        QVERIFY(choice);
        const auto mixed = summarize(r.curves, *choice);
        QCOMPARE(mixed.averageBits, 3.0);
        QVERIFY(mixed.bytes <= r.capacity);
        QVERIFY2(r.summary.squaredError <= mixed.squaredError,
                 qPrintable(QString("planned %1, mixed:1 %2").arg(r.summary.totalRelError).arg(mixed.totalRelError)));
        qInfo("3 bits on pico-llama-2L: planned total rel error %.6f, mixed:1 %.6f", r.summary.totalRelError,
              mixed.totalRelError);
    }
};

QTEST_GUILESS_MAIN(TestBudget)
#include "test_budget.moc"
