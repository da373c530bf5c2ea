// The forward pass of every family against transformers + PEFT (tests/data/model/eval_reference.json):
// the causal-LM fixtures as they are, and exported with per-layer ranks and alpha != r
// (mixed-ranks.plan.json: attention rank 8, MLP rank 16, alpha 24; 2 bits past block 0), both with
// the adapter and as the backbone alone; GPT-2's Conv1D and fan_in_fan_out, Phi-3's fused
// projections, Qwen2's biases, stories260K's GQA and tied head.
#include "eval_reference.hpp"

#include <QTemporaryDir>

using namespace loftq;

class TestEvalReference : public QObject {
    Q_OBJECT
    QTemporaryDir exports_;

private slots:
    // The exports the reference was computed on, made again as `loftq quantize` made them.
    void initTestCase()
    {
        const auto mixed = Plan::load(test::dataDir() + "/mixed-ranks.plan.json");
        for (const char* f : {"llama-f16", "qwen2-bf16", "phi3-f32", "gpt2-f32"})
            runJob(Checkpoint::open(test::sharedDir() + "/fixtures/" + f), mixed,
                   {.outputDir = exports_.filePath(QString(f) + "-mixed").toStdString(), .threads = 2});
        Plan twoBit;
        twoBit.defaults.bits = 2;
        twoBit.defaults.rank = 8;
        runJob(Checkpoint::open(test::sharedDir() + "/fixtures/stories260K"), twoBit,
               {.outputDir = exports_.filePath("stories-2bit").toStdString(), .threads = 2});
    }

    void fixturesMatchTransformers_data()
    {
        QTest::addColumn<QString>("name");
        for (const auto& c : test::evalCases())
            if (!c.at("name").get<std::string>().starts_with("pico"))
                QTest::newRow(c.at("name").get<std::string>().c_str()) << QString::fromStdString(c.at("name"));
    }

    void fixturesMatchTransformers()
    {
        QFETCH(QString, name);
        const auto r = test::runEvalCase(test::evalCase(name.toStdString()), exports_.path().toStdString());
        test::compareWithReference(r, test::evalReference().at(name.toStdString()), test::kFamilyNllTolerance);
    }

    // Every sum has a fixed order, so the figures are identical whatever the thread count.
    void threadCountDoesNotChangeResults()
    {
        const auto c = test::evalCase("phi3-mixed-full");
        const auto one = test::runEvalCase(c, exports_.path().toStdString(), 1);
        const auto three = test::runEvalCase(c, exports_.path().toStdString(), 3);
        QCOMPARE(one.metrics.windowNll, three.metrics.windowNll);
        QCOMPARE(one.comparison->perPredictionKl, three.comparison->perPredictionKl);
    }

    // The worst predictions are the largest per-prediction KLs, at positions of the evaluated ids.
    void worstPredictionsAreTheLargestKl()
    {
        const auto r = test::runEvalCase(test::evalCase("gpt2-mixed-backbone"), exports_.path().toStdString());
        const auto& kl = r.comparison->perPredictionKl;
        QVERIFY(!r.worst.empty());
        QCOMPARE(r.worst.front().kl, double(*std::max_element(kl.begin(), kl.end())));
        for (std::size_t i = 1; i < r.worst.size(); ++i)
            QVERIFY(r.worst[i - 1].kl >= r.worst[i].kl);
        const auto ids = tokensFromFile(test::expandPath(test::evalCase("gpt2-mixed-backbone").at("tokens"), "")).ids;
        for (const auto& w : r.worst) {
            QVERIFY(w.position % std::size_t(r.context) != 0); // the first token of a window is never predicted
            QCOMPARE(w.token, ids[w.position]);
        }
    }
};

QTEST_GUILESS_MAIN(TestEvalReference)
#include "test_eval_reference.moc"
