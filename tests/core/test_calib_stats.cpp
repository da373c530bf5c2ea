// Calibration statistics (docs/calibration.md): which targets share an input, H accumulated as
// float64 X^T X whatever the split of tokens into calls and the thread count, one block's H's held
// at a time, the file written atomically and checked against the checkpoint it is used on.
#include "loftq/calib_accumulator.hpp"
#include "loftq/calib_run.hpp"
#include "bad_input.hpp"
#include "loftq/errors.hpp"
#include "loftq/runner.hpp"
#include "synthetic_calibration.hpp"
#include "test_paths.hpp"

#include <QTemporaryDir>
#include <QtTest>
#include <fstream>

using namespace loftq;

namespace {

// H is stored in float32: entries agree with a float64 X^T X to float's relative precision.
constexpr double kStoredTolerance = 1e-6;

LayerDescriptor layer(const std::string& modulePath)
{
    LayerDescriptor d;
    d.modulePath = modulePath;
    d.tensorName = modulePath + ".weight";
    d.role = modulePath.substr(modulePath.rfind('.') + 1);
    return d;
}

} // namespace

class TestCalibStats : public QObject {
    Q_OBJECT
private slots:
    void siblingsShareOneInput()
    {
        const auto name = [](const std::string& path) { return calibrationInputName(layer(path)); };
        const std::string attention = "model.layers.3.self_attn.";
        QCOMPARE(name(attention + "q_proj"), attention + "q_proj+k_proj+v_proj");
        QCOMPARE(name(attention + "k_proj"), name(attention + "v_proj"));
        QCOMPARE(name(attention + "o_proj"), attention + "o_proj");
        QCOMPARE(name("model.layers.3.mlp.gate_proj"), name("model.layers.3.mlp.up_proj"));
        QCOMPARE(name("model.layers.3.mlp.down_proj"), std::string("model.layers.3.mlp.down_proj"));
        QVERIFY(name("model.layers.3.mlp.up_proj") != name("model.layers.4.mlp.up_proj"));
        // Fused modules are one target each (GPT-2, Phi-3).
        QCOMPARE(name("transformer.h.0.attn.c_attn"), std::string("transformer.h.0.attn.c_attn"));
        QCOMPARE(name("model.layers.0.mlp.gate_up_proj"), std::string("model.layers.0.mlp.gate_up_proj"));
        // Cross-attention: the query reads the decoder, keys and values the encoder.
        const std::string cross = "model.decoder.layers.0.encoder_attn.";
        QCOMPARE(name(cross + "q_proj"), cross + "q_proj");
        QCOMPARE(name(cross + "k_proj"), cross + "k_proj+v_proj");
        QCOMPARE(name(cross + "v_proj"), cross + "k_proj+v_proj");
    }

    void sha256OfKnownText()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("abc").toStdString();
        std::ofstream(path) << "abc";
        QCOMPARE(sha256OfFile(path), std::string("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
        std::ofstream(path, std::ios::trunc) << std::string(1000, 'a'); // several 64-byte blocks
        QCOMPARE(sha256OfFile(path), std::string("41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3"));
    }

    void accumulatedStatisticsRoundTrip()
    {
        QTemporaryDir dir;
        const auto cp = Checkpoint::open(test::demoModel());
        const std::string path = dir.filePath("stats.safetensors").toStdString();
        const auto written = test::writeSyntheticStatistics(cp, path, 300);
        const auto stats = CalibrationStats::open(path);
        const auto targets = selectTargets(cp);
        stats.validateFor(cp, targets);
        const auto& m = stats.manifest();
        QCOMPARE(m.tokens, std::uint64_t(300));
        QCOMPARE(m.configSha256, sha256OfFile(cp.directory() + "/config.json"));
        // pico-llama-2L: q/k/v, o, gate/up and down in each of 2 blocks.
        QCOMPARE(int(m.inputs.size()), 8);
        const auto qkv = std::find_if(m.inputs.begin(), m.inputs.end(), [](const CalibrationInput& in) {
            return in.name == "model.layers.1.self_attn.q_proj+k_proj+v_proj";
        });
        QVERIFY(qkv != m.inputs.end());
        QCOMPARE(int(qkv->consumers.size()), 3);
        for (const auto& in : m.inputs)
            QCOMPARE(in.tokens, std::uint64_t(300));
        // Every consumer of an input reads the same H, equal to X^T X of what was reported.
        for (const auto& t : targets) {
            const Eigen::MatrixXd H = stats.hessianFor(t);
            const MatrixRM X = test::syntheticActivations(
                300, t.inFeatures, 1 + std::hash<std::string>{}(calibrationInputName(t)));
            const Eigen::MatrixXd reference = X.cast<double>().transpose() * X.cast<double>();
            QVERIFY((H - reference).norm() <= kStoredTolerance * reference.norm());
            QVERIFY(H.isApprox(H.transpose(), 0.0));
        }
    }

    void accumulationIsTheSameAtAnyThreadCount()
    {
        QTemporaryDir dir;
        const auto cp = Checkpoint::open(test::demoModel());
        const std::string one = dir.filePath("one.safetensors").toStdString();
        const std::string three = dir.filePath("three.safetensors").toStdString();
        test::writeSyntheticStatistics(cp, one, 700, 1);
        test::writeSyntheticStatistics(cp, three, 700, 3);
        std::ifstream a(one, std::ios::binary), b(three, std::ios::binary);
        const std::string bytesA((std::istreambuf_iterator<char>(a)), {}), bytesB((std::istreambuf_iterator<char>(b)), {});
        QVERIFY(!bytesA.empty());
        QVERIFY(bytesA == bytesB);
    }

    void oneBlockIsHeldAtATime()
    {
        QTemporaryDir dir;
        const auto cp = Checkpoint::open(test::demoModel());
        const auto targets = selectTargets(cp);
        CalibrationWriter writer(dir.filePath("stats.safetensors").toStdString());
        HessianAccumulator accumulator(targets, writer, 2);
        std::size_t peak = 0;
        for (std::size_t i = 0; i < targets.size(); ++i) {
            const auto& t = targets[i];
            const MatrixRM X = test::syntheticActivations(40, t.inFeatures, 5);
            accumulator.observeInput(t.modulePath, X.data(), X.rows(), X.cols());
            peak = std::max(peak, accumulator.heldBytes());
            if (i + 1 == targets.size() || targets[i + 1].place.block != t.place.block) {
                accumulator.blockFinished(t.place);
                QCOMPARE(accumulator.heldBytes(), std::size_t(0));
            }
        }
        const std::size_t oneBlock = (3 * 512 * 512 + 1408 * 1408) * sizeof(double);
        QCOMPARE(peak, oneBlock);
        accumulator.finish();
    }

    void unfinishedStatisticsLeaveNothing()
    {
        QTemporaryDir dir;
        const auto cp = Checkpoint::open(test::demoModel());
        {
            CalibrationWriter writer(dir.filePath("stats.safetensors").toStdString());
            HessianAccumulator accumulator(selectTargets(cp), writer, 1);
            const MatrixRM X = test::syntheticActivations(10, 512, 3);
            accumulator.observeInput("model.layers.0.self_attn.q_proj", X.data(), 10, 512);
            // Block 0's other inputs were never reported: the forward pass's bug, reported rather
            // than written as zero.
            QVERIFY_THROWS_EXCEPTION(Error, accumulator.blockFinished({"", 0}));
        } // destroyed without commit: cancelled or failed
        QCOMPARE(int(QDir(dir.path()).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot).size()), 0);
    }

    void statisticsOfAnotherModelAreRefused()
    {
        QTemporaryDir dir;
        const auto demo = Checkpoint::open(test::demoModel());
        const std::string path = dir.filePath("stats.safetensors").toStdString();
        test::writeSyntheticStatistics(demo, path, 64);
        const auto stats = CalibrationStats::open(path);
        // Another config.json: refused by identity, naming the statistics file.
        const auto llama = Checkpoint::open(test::fixture("llama"));
        const std::string other = test::badInputOf([&] { stats.validateFor(llama, selectTargets(llama)); });
        QVERIFY2(other.starts_with(path + ": ") && other.find("another model") != std::string::npos, other.c_str());
        // A checkpoint without config.json: refused by shape.
        QTemporaryDir bare;
        const std::string file = bare.filePath("model.safetensors").toStdString();
        std::filesystem::copy_file(test::fixture("llama") + "/model.safetensors", file);
        const auto single = Checkpoint::open(file);
        const std::string shape = test::badInputOf([&] { stats.validateFor(single, selectTargets(single)); });
        QVERIFY2(shape.starts_with(path + ": "), shape.c_str());
        // Not statistics at all.
        const std::string model = test::demoModel() + "/model.safetensors";
        const std::string notStats = test::badInputOf([&] { CalibrationStats::open(model); });
        QVERIFY2(notStats.starts_with(model + ": ") && notStats.find("not a calibration") != std::string::npos,
                 notStats.c_str());
    }

    void nonFiniteStatisticsAreRefused()
    {
        QTemporaryDir dir;
        const auto cp = Checkpoint::open(test::demoModel());
        const auto targets = selectTargets(cp);
        const std::string path = dir.filePath("stats.safetensors").toStdString();
        {
            CalibrationWriter writer(path);
            std::map<std::string, CalibrationInput> inputs;
            for (const auto& t : targets) {
                auto& in = inputs[calibrationInputName(t)];
                in.name = calibrationInputName(t);
                in.features = t.inFeatures;
                in.tokens = 1;
                in.consumers.push_back(t.modulePath);
            }
            for (auto& [name, in] : inputs) {
                Eigen::MatrixXd H = Eigen::MatrixXd::Identity(in.features, in.features);
                if (name.find("layers.1.mlp.down_proj") != std::string::npos)
                    H(5, 2) = std::numeric_limits<double>::infinity();
                writer.add(in, H);
            }
            writer.commit({});
        }
        const auto stats = CalibrationStats::open(path);
        const auto down = std::find_if(targets.begin(), targets.end(),
                                       [](const auto& t) { return t.tensorName == "model.layers.1.mlp.down_proj.weight"; });
        const std::string e = test::badInputOf([&] { stats.hessianFor(*down); });
        QVERIFY2(e.starts_with(path + ": ") && e.find("non-finite") != std::string::npos, e.c_str());
    }

    void runReportsBothErrorsAndFallsBackPerLayer()
    {
        QTemporaryDir dir;
        const auto cp = Checkpoint::open(test::demoModel());
        const std::string path = dir.filePath("stats.safetensors").toStdString();
        test::writeSyntheticStatistics(cp, path, 256);
        const auto stats = CalibrationStats::open(path);
        Plan plan;
        plan.defaults.bits = 2;
        plan.defaults.rank = 8;
        plan.defaults.steps = 3;
        plan.targets = {"layers\\.0\\."};
        RunOptions options;
        options.threads = 2;
        options.calibration = &stats;
        const auto output = runJob(cp, plan, options);
        options.weightObjective = true;
        const auto weight = runJob(cp, plan, options);
        QCOMPARE(output.layers.size(), std::size_t(7));
        double outputAware = 0, weightOnly = 0;
        for (std::size_t i = 0; i < output.layers.size(); ++i) {
            const auto& o = output.layers[i];
            const auto& w = weight.layers[i];
            QCOMPARE(o.objective, std::string("output"));
            QCOMPARE(w.objective, std::string("weight"));
            QVERIFY(o.outputRelError && o.qloraOutputRelError && w.outputRelError);
            QCOMPARE(*o.qloraOutputRelError, *w.qloraOutputRelError);
            QVERIFY(*o.outputRelError < *o.qloraOutputRelError);
            QCOMPARE(int(o.stepOutputErrors.size()), 3);
            outputAware += *o.outputRelError;
            weightOnly += *w.outputRelError;
            // The weight error pays for it, but stays below QLoRA's.
            QVERIFY(o.relError < o.qloraRelError);
        }
        QVERIFY2(outputAware < 0.9 * weightOnly, qPrintable(QString("%1 vs %2").arg(outputAware).arg(weightOnly)));
        const auto json = output.toJson(plan);
        QVERIFY(json.at("layers").at(0).contains("output_rel_error"));
        QCOMPARE(json.at("calibration").at("damping").get<double>(), kDefaultDamping);

        // A singular H without damping: those layers keep the weight objective, and say so.
        options.weightObjective = false;
        options.damping = 0.0;
        plan.defaults.steps = 1;
        const std::string fewTokens = dir.filePath("few.safetensors").toStdString();
        test::writeSyntheticStatistics(cp, fewTokens, 20);
        const auto few = CalibrationStats::open(fewTokens);
        options.calibration = &few;
        const auto fallback = runJob(cp, plan, options);
        for (const auto& l : fallback.layers) {
            QCOMPARE(l.objective, std::string("weight"));
            QVERIFY2(l.note.find("weight objective used") != std::string::npos, l.note.c_str());
            QVERIFY(!l.outputRelError);
        }
    }
};

QTEST_GUILESS_MAIN(TestCalibStats)
#include "test_calib_stats.moc"
