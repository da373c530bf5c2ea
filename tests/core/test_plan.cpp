// Plans: resolution order, presets on parsed block indices, JSON round trip and rejection of bad plans.
#include "loftq/errors.hpp"
#include "loftq/plan.hpp"

#include <QtTest>

using namespace loftq;

namespace {

LayerDescriptor layer(const std::string& name)
{
    LayerDescriptor d;
    d.tensorName = name;
    d.place = parseTensorPlace(name);
    return d;
}

void expectBadInput(const nlohmann::json& j, const std::string& phrase)
{
    try {
        Plan::fromJson(j, "plan.json");
    } catch (const Error& e) {
        QCOMPARE(e.kind(), ErrorKind::BadInput);
        const std::string what = e.what();
        QVERIFY2(what.find("plan.json") != std::string::npos && what.find(phrase) != std::string::npos, e.what());
        return;
    }
    QFAIL(qPrintable(QString("accepted: ") + QString::fromStdString(j.dump())));
}

} // namespace

class TestPlan : public QObject {
    Q_OBJECT
private slots:
    void rulesApplyInOrderThenOverrides()
    {
        Plan p;
        p.defaults.bits = 4;
        p.rules.push_back({"mlp", {}, {}, {.bits = 2}});
        p.rules.push_back({"down_proj", {}, {}, {.bits = 8, .rank = 32}});
        p.layers["model.layers.0.mlp.down_proj.weight"] = {.keep = true};
        QCOMPARE(p.resolve(layer("model.layers.1.self_attn.q_proj.weight")).bits, 4);
        QCOMPARE(p.resolve(layer("model.layers.1.mlp.up_proj.weight")).bits, 2);
        const auto down = p.resolve(layer("model.layers.1.mlp.down_proj.weight"));
        QCOMPARE(down.bits, 8);
        QCOMPARE(down.rank, 32);
        QVERIFY(!p.resolve(layer("model.layers.0.mlp.down_proj.weight")).quantize);
    }

    void mixedPresetUsesParsedBlockIndices()
    {
        Plan p;
        applyPreset(p, "mixed:2");
        // "layers.1" must not match block 10, 11, ...: the reference's substring test did.
        QCOMPARE(p.resolve(layer("model.layers.1.self_attn.q_proj.weight")).bits, 4);
        QCOMPARE(p.resolve(layer("model.layers.10.self_attn.q_proj.weight")).bits, 2);
        QCOMPARE(p.resolve(layer("model.layers.2.mlp.up_proj.weight")).bits, 2);
        // Encoder and decoder are counted separately.
        QCOMPARE(p.resolve(layer("model.encoder.layers.0.fc1.weight")).bits, 4);
        QCOMPARE(p.resolve(layer("model.decoder.layers.1.fc1.weight")).bits, 4);
        QCOMPARE(p.resolve(layer("decoder.block.3.layer.0.SelfAttention.q.weight")).bits, 2);
        QCOMPARE(parseTensorPlace("decoder.block.3.layer.0.SelfAttention.q.weight").stack, std::string("decoder"));
    }

    // One meaning of a preset in the CLI, the workbench and budget comparisons: it decides every
    // target's bits, whatever rules and overrides said before; ranks stay.
    void presetReplacesEveryBitsChoice()
    {
        Plan p;
        p.rules.push_back({"v_proj", {}, {}, {.bits = 8, .rank = 32}});
        p.layers["model.layers.0.mlp.up_proj.weight"] = {.keep = true};
        p.layers["model.layers.3.mlp.up_proj.weight"] = {.bits = 3};
        applyPreset(p, "mixed:1");
        const auto v = p.resolve(layer("model.layers.0.self_attn.v_proj.weight"));
        QCOMPARE(v.bits, 4);
        QCOMPARE(v.rank, 32);
        QCOMPARE(p.resolve(layer("model.layers.5.self_attn.v_proj.weight")).bits, 2);
        QVERIFY(p.resolve(layer("model.layers.0.mlp.up_proj.weight")).quantize);
        QCOMPARE(p.resolve(layer("model.layers.0.mlp.up_proj.weight")).bits, 4);
        QCOMPARE(p.resolve(layer("model.layers.3.mlp.up_proj.weight")).bits, 2);
        QVERIFY(p.layers.empty());
        applyPreset(p, "all:3");
        QCOMPARE(p.resolve(layer("model.layers.0.self_attn.v_proj.weight")).bits, 3);
        QCOMPARE(p.resolve(layer("model.layers.0.self_attn.v_proj.weight")).rank, 32);
    }

    void jsonRoundTrip()
    {
        Plan p;
        applyPreset(p, "mixed:3");
        p.defaults.rank = 8;
        p.rules.push_back({"v_proj", {}, {}, {.method = QuantMethod::Uniform, .steps = 2}});
        p.layers["a.weight"] = {.keep = true};
        p.layers["b.weight"] = {.bits = 8, .blockSize = 128};
        p.svd = SvdMethod::Exact;
        p.seed = 42;
        p.alpha = 32;
        p.adapterDtype = DType::BF16;
        p.targets = {"q_proj"};
        const auto back = Plan::fromJson(nlohmann::json::parse(p.toJson().dump()), "x");
        QVERIFY(back == p);
    }

    void badPlansAreRejectedWithTheReason()
    {
        expectBadInput({{"defaults", {{"bits", 5}}}}, "does not support 5 bits");
        expectBadInput({{"defaults", {{"rank", 0}}}}, "rank must be at least 1");
        expectBadInput({{"defaults", {{"bits", "four"}}}}, "bits must be an integer");
        expectBadInput({{"rules", {{{"pattern", "("}, {"bits", 2}}}}}, "invalid pattern");
        expectBadInput({{"defaults", {{"methd", "nf"}}}}, "unknown key 'methd'");
        expectBadInput({{"svd", "quick"}}, "svd must be");
        expectBadInput({{"version", 2}}, "unsupported plan version");
        expectBadInput(nlohmann::json::array(), "must be a JSON object");
    }

    void unknownPresetIsAnError()
    {
        Plan p;
        QVERIFY_THROWS_EXCEPTION(Error, applyPreset(p, "mixed:x"));
        QVERIFY_THROWS_EXCEPTION(Error, applyPreset(p, "fancy"));
    }
};

QTEST_GUILESS_MAIN(TestPlan)
#include "test_plan.moc"
