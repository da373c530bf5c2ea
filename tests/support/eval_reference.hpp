#pragma once
// The evaluation cases of tests/data/model/eval_cases.json run through the engine and compared
// with the figures transformers + PEFT gave (eval_reference.json, tests/tools/make_eval_reference.py).
#include "loftq/eval.hpp"
#include "loftq/runner.hpp"
#include "test_paths.hpp"

#include <QtTest>
#include <cmath>
#include <map>
#include <string>

namespace loftq::test {

// The acceptance tolerances.
inline constexpr double kNllTolerance = 2e-3;          // nats
inline constexpr double kKlAbsoluteTolerance = 2e-3;   // nats, or
inline constexpr double kKlRelativeTolerance = 0.03;   // of the reference
inline constexpr double kTop1Tolerance = 0.005;        // 0.5 points
// Random-init fixtures predict nearly uniformly (NLL ~ ln 128), so the NLL tolerance could
// not see a wrong block; float32 rounding leaves 1e-7, a wrong norm, rope or split 1e-3 and more.
inline constexpr double kFamilyNllTolerance = 1e-5;

inline std::string dataDir() { return sourceDir() + "/tests/data/model"; }
inline nlohmann::json evalCases() { return readJson(dataDir() + "/eval_cases.json"); }
inline nlohmann::json evalReference() { return readJson(dataDir() + "/eval_reference.json").at("cases"); }

inline nlohmann::json evalCase(const std::string& name)
{
    for (const auto& c : evalCases())
        if (c.at("name") == name)
            return c;
    throw std::runtime_error("no eval case " + name);
}

inline std::string expandPath(std::string path, const std::string& exports)
{
    const std::map<std::string, std::string> roots{{"${SHARED}", sharedDir()}, {"${DATA}", dataDir()}, {"${EXPORTS}", exports}};
    for (const auto& [key, value] : roots)
        if (const auto at = path.find(key); at != std::string::npos)
            path.replace(at, key.size(), value);
    return path;
}

// `packedAs`: evaluate a packed case's export in another format of the same run (its folder).
inline EvalResult runEvalCase(const nlohmann::json& c, const std::string& exports, int threads = 2,
                              const std::string& packedAs = {})
{
    std::string model;
    if (c.contains("model"))
        model = expandPath(c.at("model"), exports);
    else if (c.contains("export"))
        model = expandPath(c.at("export"), exports);
    else {
        model = expandPath(c.at("packed"), exports);
        if (!packedAs.empty())
            model = std::filesystem::path(model).parent_path().parent_path() / packedAs;
    }
    const auto variant = parseModelVariant(c.value("variant", std::string("full")));
    const auto source = openModelSource(model, *variant);
    std::unique_ptr<ModelSource> original;
    if (c.contains("original"))
        original = openModelSource(expandPath(c.at("original"), exports));
    // The original's tokenizer: a packed export's folder holds only model.loftq.
    const auto& tokenizerModel = original ? *original : *source;
    const auto tokens = c.contains("text") ? tokensFromText(expandPath(c.at("text"), exports), tokenizerModel.tokenizerFolder())
                                           : tokensFromFile(expandPath(c.at("tokens"), exports));
    EvalOptions options;
    options.context = c.at("context");
    options.maxTokens = c.at("max_tokens");
    options.threads = threads;
    return evaluate(*source, original.get(), tokens, options);
}

inline bool klClose(double ours, double reference)
{
    return std::abs(ours - reference) <= kKlAbsoluteTolerance ||
           std::abs(ours - reference) <= kKlRelativeTolerance * std::abs(reference);
}

// Checks `r` against the reference with the tolerances (and `nllTolerance` for NLL).
inline void compareWithReference(const EvalResult& r, const nlohmann::json& ref, double nllTolerance)
{
    QCOMPARE(r.predictions, ref.at("predictions").get<std::size_t>());
    QCOMPARE(r.windows, ref.at("windows").get<std::size_t>());
    const auto nll = ref.at("nll").get<double>();
    QVERIFY2(std::abs(r.metrics.nll - nll) <= nllTolerance,
             qPrintable(QString("NLL %1, transformers %2").arg(r.metrics.nll, 0, 'g', 10).arg(nll, 0, 'g', 10)));
    const auto windows = ref.at("window_nll").get<std::vector<double>>();
    for (std::size_t w = 0; w < windows.size(); ++w)
        QVERIFY2(std::abs(r.metrics.windowNll[w] - windows[w]) <= nllTolerance, qPrintable(QString("window %1").arg(w)));
    if (!ref.contains("kl_mean")) {
        QVERIFY(!r.comparison);
        return;
    }
    QVERIFY(r.comparison && r.originalMetrics);
    QVERIFY(std::abs(r.originalMetrics->nll - ref.at("nll_original").get<double>()) <= nllTolerance);
    QVERIFY2(klClose(r.comparison->meanKl, ref.at("kl_mean")),
             qPrintable(QString("mean KL %1, transformers %2").arg(r.comparison->meanKl).arg(ref.at("kl_mean").get<double>())));
    QVERIFY2(klClose(r.comparison->p99Kl, ref.at("kl_p99")),
             qPrintable(QString("p99 KL %1, transformers %2").arg(r.comparison->p99Kl).arg(ref.at("kl_p99").get<double>())));
    QVERIFY2(std::abs(r.comparison->top1Agreement - ref.at("top1_agreement").get<double>()) <= kTop1Tolerance,
             qPrintable(QString("top-1 %1, transformers %2").arg(r.comparison->top1Agreement).arg(ref.at("top1_agreement").get<double>())));
    QVERIFY(std::abs(r.comparison->deltaNll - ref.at("delta_nll").get<double>()) <= 2 * nllTolerance);
}

} // namespace loftq::test
