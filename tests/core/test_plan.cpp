// Plans: resolution order, presets on parsed block indices, JSON round trip and rejection of bad plans,
// and the budget planner's optional expectation block (round trip, staleness, malformed blocks).
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

// An output-error expectation for two layers, as the planner writes one.
PlanExpectation outputExpectation()
{
    PlanExpectation e;
    e.objective = {true, "stats.safetensors", "ab12", 4096, 0.01};
    e.totalRelError = 0.183;
    e.layers["model.layers.0.mlp.up_proj.weight"] = {QuantMethod::NormalFloat, 3, 16, 64, 1, 0.19, 12.5};
    e.layers["model.layers.1.mlp.up_proj.weight"] = {QuantMethod::Uniform, 2, 8, 128, 5, 0.25, 3.0};
    return e;
}

// A plan file whose expectation block is `block`.
nlohmann::json withExpectation(const nlohmann::json& block)
{
    Plan p;
    p.expectation = outputExpectation();
    auto j = p.toJson();
    j["expectation"] = block;
    return j;
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

    void expectationRoundTripsAndIsOptional()
    {
        Plan p;
        p.layers["model.layers.0.mlp.up_proj.weight"] = {.bits = 3};
        const auto without = Plan::fromJson(nlohmann::json::parse(p.toJson().dump()), "x");
        QVERIFY(!p.toJson().contains("expectation"));
        QVERIFY(!without.expectation);
        QVERIFY(without == p);
        p.expectation = outputExpectation();
        QVERIFY(Plan::fromJson(nlohmann::json::parse(p.toJson().dump()), "x") == p);
        p.expectation->objective = {}; // weight errors: no statistics block
        QVERIFY(!p.toJson()["expectation"].contains("statistics"));
        QVERIFY(Plan::fromJson(nlohmann::json::parse(p.toJson().dump()), "x") == p);
    }

    void expectationDescribesOnlyThePlannedSetting()
    {
        const auto e = outputExpectation().layers.at("model.layers.0.mlp.up_proj.weight");
        LayerPlan planned{true, QuantMethod::NormalFloat, 3, 16, 5, 64};
        QVERIFY(e.describes(planned)); // steps may differ: the planner measures with fewer
        for (auto edit : {+[](LayerPlan& l) { l.bits = 4; }, +[](LayerPlan& l) { l.rank = 8; },
                          +[](LayerPlan& l) { l.quantize = false; }, +[](LayerPlan& l) { l.blockSize = 32; },
                          +[](LayerPlan& l) { l.method = QuantMethod::Uniform; }}) {
            LayerPlan changed = planned;
            edit(changed);
            QVERIFY(!e.describes(changed));
        }
        // A preset replaces the bits the expectation was for: it goes.
        Plan p;
        p.expectation = outputExpectation();
        applyPreset(p, "all:4");
        QVERIFY(!p.expectation);
    }

    void malformedExpectationsAreRejectedWithTheReason()
    {
        const auto good = outputExpectation().toJson();
        auto edited = [&](auto change) {
            auto j = good;
            change(j);
            return withExpectation(j);
        };
        expectBadInput(withExpectation("weight"), "expectation must be an object");
        expectBadInput(edited([](auto& j) { j["objective"] = "loss"; }), "expectation.objective must be");
        expectBadInput(edited([](auto& j) { j.erase("statistics"); }), "output errors need \"statistics\"");
        expectBadInput(edited([](auto& j) { j["objective"] = "weight"; }), "weight errors take no \"statistics\"");
        expectBadInput(edited([](auto& j) { j.erase("total_rel_error"); }), "missing 'total_rel_error'");
        expectBadInput(edited([](auto& j) { j["total_rel_error"] = -1; }), "total_rel_error must be a finite number");
        expectBadInput(edited([](auto& j) { j["statistics"]["damping"] = "low"; }), "statistics.damping must be");
        expectBadInput(edited([](auto& j) { j["layers"] = nlohmann::json::array(); }), "expectation.layers must be");
        expectBadInput(edited([](auto& j) { j["layers"]["model.layers.0.mlp.up_proj.weight"]["bits"] = 0; }),
                       "expectation.layers['model.layers.0.mlp.up_proj.weight'].bits must be");
        expectBadInput(edited([](auto& j) { j["layers"]["model.layers.0.mlp.up_proj.weight"]["method"] = "fp"; }),
                       ".method must be");
        expectBadInput(edited([](auto& j) { j["layers"]["model.layers.0.mlp.up_proj.weight"].erase("squared_norm"); }),
                       "missing 'squared_norm'");
        expectBadInput(edited([](auto& j) { j["planned_by"] = "me"; }), "expectation: unknown key 'planned_by'");
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
