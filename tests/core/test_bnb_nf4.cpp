// The bitsandbytes NF4 export (docs/formats.md, docs/packed-format.md): plans it cannot hold refused
// before anything is computed; its codes decoded by the independent numpy reader equal the
// hf-peft export's Q of the same run (whose errors check_export.py recomputes from the report);
// codes found with bitsandbytes' x * (1/absmax) arithmetic, on weights where it matters; the
// files transformers reads; and, through tests/tools/bnb_load_check.py (a numpy re-implementation
// of transformers 5.17's bnb 4-bit loading, QuantState.from_dict and bitsandbytes' CUDA
// dequantize_4bit, written from their source), that loading the export yields the hf-peft Q bit for
// bit and leaves no module half-converted.
#include "export_checker.hpp"
#include "loftq/budget.hpp"
#include "loftq/errors.hpp"
#include "loftq/runner.hpp"
#include "lowbit_decoder.hpp"
#include "test_paths.hpp"

#include <QTemporaryDir>
#include <QtTest>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

namespace fs = std::filesystem;
using namespace loftq;

namespace {

RunOptions bothFormats(const std::string& out)
{
    return {.outputDir = out, .formats = {ExportFormat::HfPeft, ExportFormat::BnbNf4}};
}

// 64 x 64 float32 weights, one block per row: the row's absmax, then values next to absmax times
// a table midpoint where x / absmax and x * (1/absmax) fall on opposite sides of that midpoint.
std::vector<float> weightsWhereTheArithmeticMatters()
{
    const auto& mids = codebookMidpoints(QuantMethod::NormalFloat, 4);
    std::mt19937 rng(6);
    std::uniform_real_distribution<float> scale(0.01f, 2.0f);
    std::vector<float> w;
    while (w.size() < 64 * 64) {
        const float a = scale(rng), reciprocal = 1.0f / a;
        std::vector<float> found;
        for (float m : mids)
            for (float x = std::nextafter(std::nextafter(m * a, -INFINITY), -INFINITY); x <= std::nextafter(m * a, INFINITY) * 1.0000005f;
                 x = std::nextafter(x, INFINITY))
                if (std::fabs(x) < a && (x / a > m) != (x * reciprocal > m))
                    found.push_back(x);
        if (found.empty())
            continue;
        w.push_back(a);
        for (int i = 1; i < 64; ++i)
            w.push_back(found[std::size_t(i) % found.size()]);
    }
    return w;
}

// A one-layer Llama-named checkpoint folder holding `w` as an MLP weight (float32, or float64).
void writeCheckpoint(const std::string& folder, const std::vector<float>& w, DType dtype = DType::F32)
{
    fs::create_directories(folder);
    TensorInfo t;
    t.name = "model.layers.0.mlp.up_proj.weight";
    t.dtype = dtype;
    t.shape = {64, 64};
    t.end = w.size() * dtypeSize(dtype);
    std::ofstream f(folder + "/model.safetensors", std::ios::binary);
    f << serializeSafetensorsHeader({t}, {});
    if (dtype == DType::F64) {
        const std::vector<double> wide(w.begin(), w.end());
        f.write(reinterpret_cast<const char*>(wide.data()), std::streamsize(t.end));
    } else {
        f.write(reinterpret_cast<const char*>(w.data()), std::streamsize(t.end));
    }
    std::ofstream(folder + "/config.json") << R"({"architectures": ["LlamaForCausalLM"], "model_type": "llama"})";
}

Plan nf4Plan(int steps)
{
    Plan plan;
    plan.defaults.bits = 4;
    plan.defaults.rank = 4;
    plan.defaults.steps = steps;
    return plan;
}

} // namespace

class TestBnbNf4 : public QObject {
    Q_OBJECT
private slots:
    void refusesPlansBitsandbytesCannotHold_data()
    {
        QTest::addColumn<QString>("method");
        QTest::addColumn<int>("bits");
        QTest::addColumn<int>("block");
        QTest::addColumn<QString>("rulePattern"); // the rule's layers get uniform; empty: none
        QTest::newRow("uniform4") << "uniform" << 4 << 64 << "";
        QTest::newRow("nf2") << "nf" << 2 << 64 << "";
        QTest::newRow("nf4 block 32") << "nf" << 4 << 32 << "";
        QTest::newRow("one uniform layer") << "nf" << 4 << 64 << "layers\\.1\\.mlp\\.up_proj";
    }

    void refusesPlansBitsandbytesCannotHold()
    {
        QFETCH(QString, method);
        QFETCH(int, bits);
        QFETCH(int, block);
        QFETCH(QString, rulePattern);
        QTemporaryDir dir;
        const std::string out = dir.filePath("out").toStdString();
        Plan plan;
        plan.defaults.method = *parseQuantMethod(method.toStdString());
        plan.defaults.bits = bits;
        plan.defaults.blockSize = block;
        if (!rulePattern.isEmpty())
            plan.rules.push_back({rulePattern.toStdString(), {}, {}, {.method = QuantMethod::Uniform}});
        int layersStarted = 0;
        const ProgressSink progress = [&](const ProgressEvent& e) {
            layersStarted += e.kind == ProgressEvent::Kind::LayerStarted;
        };
        try {
            runJob(Checkpoint::open(test::fixture("llama")), plan, bothFormats(out), progress);
            QFAIL("bnb-nf4 accepted a plan it cannot hold");
        } catch (const Error& e) {
            QCOMPARE(e.kind(), ErrorKind::BadInput);
            QVERIFY2(std::string(e.what()).find("bitsandbytes NF4 needs every quantized layer nf, 4 bits, block 64") !=
                         std::string::npos,
                     e.what());
        }
        QCOMPARE(layersStarted, 0);
        QVERIFY(!fs::exists(out));
    }

    void decodesToTheHfExportsQ_data()
    {
        QTest::addColumn<QString>("fixture");
        QTest::addColumn<QString>("dtype");
        QTest::newRow("llama sharded") << "llama-sharded-bf16" << "bfloat16";
        QTest::newRow("llama f16") << "llama" << "float16";
        QTest::newRow("qwen2 with biases") << "qwen2" << "bfloat16";
        QTest::newRow("gpt2 Conv1D") << "gpt2" << "float32";
        QTest::newRow("t5") << "t5" << "float32";
        QTest::newRow("pico-llama demo") << "demo" << "bfloat16";
    }

    void decodesToTheHfExportsQ()
    {
        QFETCH(QString, fixture);
        QFETCH(QString, dtype);
        const auto source = fixture == "demo" ? test::demoModel() : test::fixture(fixture.toStdString());
        QTemporaryDir dir;
        const std::string out = dir.filePath("out").toStdString();
        runJob(Checkpoint::open(source), nf4Plan(3), bothFormats(out));
        const auto r = test::decodeLowBit(
            {"bnb", QString::fromStdString(out + "/bnb-nf4"), QString::fromStdString(out + "/hf-peft")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.output.right(3000)));
        // Loaded the way transformers 5.17 and bitsandbytes do (per their source), Q is the same.
        const auto loaded = test::bnbLoadCheck(out + "/bnb-nf4", out + "/hf-peft");
        QVERIFY2(loaded.exitCode == 0, qPrintable(loaded.output.right(3000)));
        // The hf-peft Q the codes decode to is the one the report's errors were measured on.
        const auto check = test::checkExport(source, out + "/hf-peft");
        QVERIFY2(check.exitCode == 0, qPrintable(check.output.right(3000)));
        const auto config = test::readJson(out + "/bnb-nf4/config.json");
        QCOMPARE(config.at("quantization_config").at("bnb_4bit_compute_dtype").get<std::string>(), dtype.toStdString());
        QCOMPARE(fs::exists(out + "/bnb-nf4/model.safetensors.index.json"), fixture == "llama-sharded-bf16");
        QVERIFY(fs::exists(out + "/bnb-nf4/loftq_init/adapter_model.safetensors"));
    }

    void codesUseBitsandbytesArithmetic()
    {
        // x / absmax and x * (1/absmax) pick different codes for a few values in millions, so the
        // weights here are made of such values (checked below). With one step Q = quant(W): the
        // decoder recomputes every code from W the way bitsandbytes does and must find the same.
        QTemporaryDir dir;
        const std::string source = dir.filePath("source").toStdString(), out = dir.filePath("out").toStdString();
        const auto W = weightsWhereTheArithmeticMatters();
        writeCheckpoint(source, W);
        const QuantizerSpec divide{QuantMethod::NormalFloat, 4, 64, ScaleArithmetic::Divide};
        const QuantizerSpec multiply{QuantMethod::NormalFloat, 4, 64, ScaleArithmetic::MultiplyByReciprocal};
        QuantizedBlocks byDivision, byReciprocal;
        quantizeBlockwise(divide, W, byDivision);
        quantizeBlockwise(multiply, W, byReciprocal);
        int differing = 0;
        for (std::size_t i = 0; i < W.size(); ++i)
            differing += byDivision.codes[i] != byReciprocal.codes[i];
        QVERIFY2(differing >= 32, qPrintable(QString("only %1 codes depend on the arithmetic").arg(differing)));

        runJob(Checkpoint::open(source), nf4Plan(1), bothFormats(out));
        const auto r = test::decodeLowBit({"bnb", QString::fromStdString(out + "/bnb-nf4"),
                                          QString::fromStdString(out + "/hf-peft"), "--requantize",
                                          QString::fromStdString(source)});
        QVERIFY2(r.exitCode == 0, qPrintable(r.output.right(3000)));
        QCOMPARE(test::lastJsonLine(r.output).at("requantized_code_mismatches").get<int>(), 0);
    }

    // Budget measurement told the run's formats finds codes as the run does, so it measures the
    // error the bnb-nf4 run reports; with the reference's division it measures another Q.
    void measurementReproducesABnbRun()
    {
        QTemporaryDir dir;
        const std::string source = dir.filePath("source").toStdString(), out = dir.filePath("out").toStdString();
        writeCheckpoint(source, weightsWhereTheArithmeticMatters());
        const auto cp = Checkpoint::open(source);
        const Plan plan = nf4Plan(1);
        const double runError = runJob(cp, plan, bothFormats(out)).layers.at(0).stepErrors.at(0);
        auto measuredError = [&](ScaleArithmetic arithmetic) {
            BudgetOptions options;
            options.bits = {4};
            options.nfArithmetic = arithmetic;
            const auto curves = measureLayerCurves(cp, plan, options, {}, nullptr);
            return std::sqrt(curves.at(0).options.at(0).squaredError / curves.at(0).squaredNorm);
        };
        const double same = measuredError(nfArithmeticFor(bothFormats(out).formats));
        QVERIFY2(std::fabs(same - runError) <= 1e-12 * runError, qPrintable(QString::number(same - runError)));
        const double other = measuredError(ScaleArithmetic::Divide);
        QVERIFY2(std::fabs(other - runError) > 1e-9 * runError, qPrintable(QString::number(other - runError)));
    }

    void modulesTransformersKeepAsLinearAreWrittenAsQ()
    {
        // T5's _keep_in_fp32_modules = ["wo"]: transformers' bnb quantizer never makes "wo" a
        // Linear4bit, so packed codes there would be loaded as a plain weight. They are written as Q
        // in the source dtype (as hf-peft writes them) and listed in llm_int8_skip_modules.
        QTemporaryDir dir;
        const std::string out = dir.filePath("out").toStdString();
        runJob(Checkpoint::open(test::fixture("t5")), nf4Plan(1), bothFormats(out));
        const auto bnb = Checkpoint::open(out + "/bnb-nf4"), hf = Checkpoint::open(out + "/hf-peft");
        const auto skip = test::readJson(out + "/bnb-nf4/config.json").at("quantization_config").at("llm_int8_skip_modules");
        int wo = 0;
        for (const auto& t : hf.tensors()) {
            if (!t.info.name.ends_with(".DenseReluDense.wo.weight"))
                continue;
            ++wo;
            const auto* written = bnb.find(t.info.name);
            QVERIFY(written && !bnb.find(t.info.name + ".quant_state.bitsandbytes__nf4"));
            QCOMPARE(written->info.dtype, t.info.dtype);
            const auto a = bnb.rawBytes(*written), b = hf.rawBytes(t);
            QVERIFY(a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin()));
            const auto module = t.info.name.substr(0, t.info.name.size() - 7);
            QVERIFY2(std::find(skip.begin(), skip.end(), module) != skip.end(), module.c_str());
        }
        QCOMPARE(wo, 4);
        QVERIFY(bnb.find("encoder.block.0.layer.1.DenseReluDense.wi.weight.quant_state.bitsandbytes__nf4"));
    }

    void refusesFloat64Layers()
    {
        // bitsandbytes quantizes and dequantizes float32, float16 and bfloat16 only.
        QTemporaryDir dir;
        const std::string source = dir.filePath("source").toStdString(), out = dir.filePath("out").toStdString();
        std::vector<float> w(64 * 64);
        for (std::size_t i = 0; i < w.size(); ++i)
            w[i] = float(i % 17) - 8.0f;
        writeCheckpoint(source, w, DType::F64);
        try {
            runJob(Checkpoint::open(source), nf4Plan(1), bothFormats(out));
            QFAIL("bnb-nf4 accepted a float64 layer");
        } catch (const Error& e) {
            QCOMPARE(e.kind(), ErrorKind::BadInput);
            QVERIFY2(std::string(e.what()).find("float64") != std::string::npos, e.what());
        }
        QVERIFY(!fs::exists(out));
    }

    void keptLayersStayInTheSourceDtypeAndAreSkipped()
    {
        const auto source = test::fixture("llama-sharded-bf16");
        QTemporaryDir dir;
        const std::string out = dir.filePath("out").toStdString();
        Plan plan = nf4Plan(2);
        plan.rules.push_back({"o_proj", {}, {}, {.keep = true}});
        runJob(Checkpoint::open(source), plan, bothFormats(out));
        const auto r = test::decodeLowBit(
            {"bnb", QString::fromStdString(out + "/bnb-nf4"), QString::fromStdString(out + "/hf-peft")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.output.right(3000)));
        QCOMPARE(test::lastJsonLine(r.output).at("layers").get<int>(), 12); // 14 targets, 2 kept
        const auto skip = test::readJson(out + "/bnb-nf4/config.json").at("quantization_config").at("llm_int8_skip_modules");
        for (const char* m : {"model.layers.0.self_attn.o_proj", "model.layers.1.self_attn.o_proj", "lm_head",
                              "model.embed_tokens"})
            QVERIFY2(std::find(skip.begin(), skip.end(), m) != skip.end(), m);
        QVERIFY(std::find(skip.begin(), skip.end(), "model.layers.0.self_attn.q_proj") == skip.end());
    }

    void quantStateIsWhatBitsandbytesWrites()
    {
        QTemporaryDir dir;
        const std::string out = dir.filePath("out").toStdString();
        runJob(Checkpoint::open(test::fixture("llama-sharded-bf16")), nf4Plan(1),
               {.outputDir = out, .formats = {ExportFormat::BnbNf4}});
        const auto cp = Checkpoint::open(out); // a bnb export is itself a readable checkpoint
        const auto* state = cp.find("model.layers.0.mlp.down_proj.weight.quant_state.bitsandbytes__nf4");
        QVERIFY(state);
        const auto raw = cp.rawBytes(*state);
        const std::string json(reinterpret_cast<const char*>(raw.data()), raw.size());
        // Python's json.dumps spacing, the key order of bitsandbytes' QuantState.as_dict.
        QCOMPARE(json, std::string(R"({"quant_type": "nf4", "blocksize": 64, "dtype": "bfloat16", "shape": [64, 176]})"));
        const auto* weight = cp.find("model.layers.0.mlp.down_proj.weight");
        QCOMPARE(weight->info.dtype, DType::U8);
        QCOMPARE(weight->info.shape, (std::vector<std::int64_t>{64 * 176 / 2, 1}));
        QCOMPARE(cp.find("model.layers.0.mlp.down_proj.weight.absmax")->info.shape, (std::vector<std::int64_t>{176}));
        QVERIFY(fs::exists(out + "/loftq_report.json") && fs::exists(out + "/loftq_plan.json"));
    }
};

QTEST_GUILESS_MAIN(TestBnbNf4)
#include "test_bnb_nf4.moc"
