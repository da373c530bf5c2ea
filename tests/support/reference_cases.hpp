#pragma once
// The LoftQ cases the engine is held to, from two independent references read into one form:
// the numpy oracle's (tests/oracle/cases: float64 SVD, synthetic matrices with edge blocks) and the
// PyTorch reference's (shared/reference: exact float32 SVD on stories260K, pico-llama and a
// heavy-tailed synthetic matrix). docs/algorithm.md says what each compares.
#include "loftq/quantizer.hpp"
#include "test_paths.hpp"

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace loftq::test {

struct ReferenceCase {
    std::string name;
    QuantizerSpec quantizer;
    int rank = 0;
    int steps = 0;
    double qloraRelError = 0;
    std::vector<double> stepRelErrors;
    std::optional<int> bestStep; // 1-based; only the oracle states it
    std::string vectorsFile;     // safetensors holding the tensors below
    std::string wTensor;         // W, F32 out x in
    std::string q1Tensor;        // Q after step 1 (= quant(W)), F32
    std::string codes1Tensor;    // step 1's codes (U8), when the reference stored them
};

// The LoftQ code names nf "normal"; the reference keeps its names.
inline QuantMethod referenceMethod(const std::string& name)
{
    if (name == "normal")
        return QuantMethod::NormalFloat;
    if (const auto m = parseQuantMethod(name))
        return *m;
    throw std::runtime_error("reference case with unknown method '" + name + "'");
}

// tests/oracle/cases (see tests/oracle/README.md).
inline std::vector<ReferenceCase> oracleCases()
{
    const std::string dir = oracleDir() + "/cases";
    std::vector<ReferenceCase> out;
    for (const auto& c : readJson(dir + "/cases.json")) {
        const std::string name = c.at("name");
        out.push_back({"oracle/" + name,
                       {referenceMethod(c.at("method")), c.at("bits"), c.at("block_size")},
                       c.at("rank"), c.at("steps"), c.at("qlora_rel_error"),
                       c.at("rel_error").get<std::vector<double>>(), c.at("best_step").get<int>(),
                       dir + "/vectors.safetensors", name + ".W", name + ".Q1", name + ".codes1"});
    }
    return out;
}

// shared/reference (ref_loftq.py there made cases.json and vectors.safetensors).
inline std::vector<ReferenceCase> sharedReferenceCases()
{
    const std::string dir = sharedReference();
    const auto file = readJson(dir + "/cases.json"); // named: a loop over a member of a temporary dangles
    std::vector<ReferenceCase> out;
    for (const auto& c : file.at("cases")) {
        const std::string id = c.at("id"), method = c.at("method");
        out.push_back({"shared/" + id,
                       {referenceMethod(method), c.at("bits"), c.at("block_size")},
                       c.at("rank"), c.at("iters"), c.at("qlora_rel_error"),
                       c.at("loftq_rel_error_per_iter").get<std::vector<double>>(), std::nullopt,
                       dir + "/vectors.safetensors", c.at("matrix").get<std::string>() + "/W", id + "/Q1", {}});
    }
    return out;
}

} // namespace loftq::test
