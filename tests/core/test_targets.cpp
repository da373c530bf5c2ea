// Default targets on every fixture architecture: the linear weights inside the blocks, nothing else.
#include "loftq/errors.hpp"
#include "loftq/targets.hpp"
#include "test_paths.hpp"

#include <QtTest>
#include <set>

using namespace loftq;

class TestTargets : public QObject {
    Q_OBJECT
private slots:
    void defaultTargets_data()
    {
        QTest::addColumn<QString>("fixture");
        QTest::addColumn<int>("count");
        QTest::addColumn<QString>("roles");
        QTest::newRow("llama") << "llama" << 14 << "down_proj gate_proj k_proj o_proj q_proj up_proj v_proj";
        QTest::newRow("llama sharded") << "llama-sharded-bf16" << 14
                                       << "down_proj gate_proj k_proj o_proj q_proj up_proj v_proj";
        QTest::newRow("qwen2") << "qwen2" << 14 << "down_proj gate_proj k_proj o_proj q_proj up_proj v_proj";
        QTest::newRow("phi3 fused") << "phi3" << 8 << "down_proj gate_up_proj o_proj qkv_proj";
        QTest::newRow("gpt2 conv1d") << "gpt2" << 8 << "c_attn c_fc c_proj";
        QTest::newRow("bert") << "bert" << 12 << "dense key query value";
        QTest::newRow("deberta-v2") << "deberta-v2" << 12 << "dense key_proj query_proj value_proj";
        QTest::newRow("bart") << "bart" << 32 << "fc1 fc2 k_proj out_proj q_proj v_proj";
        QTest::newRow("t5") << "t5" << 32 << "k o q v wi wo";
    }

    void defaultTargets()
    {
        QFETCH(QString, fixture);
        QFETCH(int, count);
        QFETCH(QString, roles);
        const auto cp = Checkpoint::open(test::fixture(fixture.toStdString()));
        const auto targets = selectTargets(cp);
        QCOMPARE(int(targets.size()), count);
        std::set<std::string> seen;
        for (const auto& t : targets) {
            seen.insert(t.role);
            QVERIFY(t.place.block >= 0);
            QVERIFY2(t.tensorName.find("embed") == std::string::npos && t.tensorName.find("norm") == std::string::npos &&
                         t.tensorName.find("lm_head") == std::string::npos &&
                         t.tensorName.find("relative_attention_bias") == std::string::npos,
                     t.tensorName.c_str());
        }
        QStringList got;
        for (const auto& r : seen)
            got << QString::fromStdString(r);
        QCOMPARE(got.join(' '), roles);
    }

    void gpt2WeightsAreTransposedConv1d()
    {
        const auto cp = Checkpoint::open(test::fixture("gpt2"));
        for (const auto& t : selectTargets(cp)) {
            QVERIFY(t.conv1d);
            const auto& stored = cp.find(t.tensorName)->info.shape;
            QCOMPARE(t.outFeatures, stored[1]);
            QCOMPARE(t.inFeatures, stored[0]);
        }
        const auto llama = Checkpoint::open(test::fixture("llama"));
        for (const auto& t : selectTargets(llama))
            QVERIFY(!t.conv1d);
    }

    void encoderAndDecoderStacks()
    {
        const auto cp = Checkpoint::open(test::fixture("bart"));
        int encoder = 0, decoder = 0;
        for (const auto& t : selectTargets(cp))
            (t.place.stack == "encoder" ? encoder : decoder) += t.place.stack.empty() ? 0 : 1;
        QCOMPARE(encoder, 12);
        QCOMPARE(decoder, 20);
    }

    void patternsOverrideTheDefault()
    {
        const auto cp = Checkpoint::open(test::fixture("llama"));
        const auto q = selectTargets(cp, {R"(q_proj\.weight$)"});
        QCOMPARE(int(q.size()), 2);
        // A pattern can also pick what the default leaves out, such as the LM head.
        const auto head = selectTargets(cp, {"^lm_head"});
        QCOMPARE(int(head.size()), 1);
        QVERIFY_THROWS_EXCEPTION(Error, selectTargets(cp, {"("}));
    }
};

QTEST_GUILESS_MAIN(TestTargets)
#include "test_targets.moc"
