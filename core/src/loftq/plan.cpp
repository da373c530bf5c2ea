// The plan and its JSON form. Unknown keys are rejected, so a typo in a plan file is an error
// rather than a silently ignored setting.
#include "loftq/plan.hpp"
#include "loftq/errors.hpp"

#include <algorithm>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

namespace loftq {
namespace {

using json = nlohmann::json;

void rejectUnknownKeys(const json& j, const std::set<std::string>& known, const std::string& label,
                       const std::string& where)
{
    for (const auto& [key, value] : j.items())
        if (!known.count(key))
            throwBadInput(label, where + ": unknown key '" + key + "'");
}

int requireInt(const json& v, const std::string& label, const std::string& what)
{
    if (!v.is_number_integer())
        throwBadInput(label, what + " must be an integer");
    const auto x = v.get<std::int64_t>();
    if (x < 0 || x > 1'000'000)
        throwBadInput(label, what + " is out of range");
    return static_cast<int>(x);
}

LayerPatch patchFromJson(const json& j, const std::string& label, const std::string& where)
{
    if (!j.is_object())
        throwBadInput(label, where + " must be an object");
    LayerPatch p;
    for (const auto& [key, v] : j.items()) {
        if (key == "bits") {
            if (v.is_string() && v.get<std::string>() == "keep")
                p.keep = true;
            else
                p.bits = requireInt(v, label, where + ".bits");
        } else if (key == "keep") {
            if (!v.is_boolean())
                throwBadInput(label, where + ".keep must be true or false");
            p.keep = v.get<bool>();
        } else if (key == "rank") {
            p.rank = requireInt(v, label, where + ".rank");
        } else if (key == "steps") {
            p.steps = requireInt(v, label, where + ".steps");
        } else if (key == "block_size") {
            p.blockSize = requireInt(v, label, where + ".block_size");
        } else if (key == "method") {
            const auto m = v.is_string() ? parseQuantMethod(v.get<std::string>()) : std::nullopt;
            if (!m)
                throwBadInput(label, where + ".method must be \"nf\" or \"uniform\"");
            p.method = *m;
        } else if (key != "pattern" && key != "blocks") {
            throwBadInput(label, where + ": unknown key '" + key + "'");
        }
    }
    return p;
}

json patchToJson(const LayerPatch& p)
{
    json j = json::object();
    if (p.keep && *p.keep)
        j["bits"] = "keep";
    else if (p.bits)
        j["bits"] = *p.bits;
    if (p.rank)
        j["rank"] = *p.rank;
    if (p.steps)
        j["steps"] = *p.steps;
    if (p.blockSize)
        j["block_size"] = *p.blockSize;
    if (p.method)
        j["method"] = quantMethodName(*p.method);
    return j;
}

LayerPatch patchFromPlan(const LayerPlan& l)
{
    return {l.quantize ? std::nullopt : std::optional<bool>(true), l.method, l.bits, l.rank, l.steps, l.blockSize};
}

} // namespace

void LayerPatch::mergeFrom(const LayerPatch& later)
{
    auto take = [](auto& field, const auto& laterField) {
        if (laterField)
            field = laterField;
    };
    take(keep, later.keep);
    take(method, later.method);
    take(bits, later.bits);
    take(rank, later.rank);
    take(steps, later.steps);
    take(blockSize, later.blockSize);
}

void LayerPatch::applyTo(LayerPlan& plan) const
{
    if (keep)
        plan.quantize = !*keep;
    else if (bits)
        plan.quantize = true; // choosing bits undoes an earlier "keep"
    if (method)
        plan.method = *method;
    if (bits)
        plan.bits = *bits;
    if (rank)
        plan.rank = *rank;
    if (steps)
        plan.steps = *steps;
    if (blockSize)
        plan.blockSize = *blockSize;
}

bool PlanRule::matches(const LayerDescriptor& layer) const
{
    if (blockFrom || blockTo) {
        const int b = layer.place.block;
        if (b < 0 || (blockFrom && b < *blockFrom) || (blockTo && b >= *blockTo))
            return false;
    }
    if (pattern.empty())
        return true;
    // Rules are few and names short; compiling per call keeps PlanRule a plain value type.
    return std::regex_search(layer.tensorName, std::regex(pattern));
}

LayerPlan Plan::resolve(const LayerDescriptor& layer) const
{
    LayerPlan out = defaults;
    for (const auto& rule : rules)
        if (rule.matches(layer))
            rule.patch.applyTo(out);
    if (const auto it = layers.find(layer.tensorName); it != layers.end())
        it->second.applyTo(out);
    return out;
}

std::vector<PlannedLayer> planLayers(const Checkpoint& checkpoint, const Plan& plan)
{
    std::vector<PlannedLayer> out;
    for (auto& layer : selectTargets(checkpoint, plan.targets)) {
        PlannedLayer p{layer, plan.resolve(layer)};
        out.push_back(std::move(p));
    }
    return out;
}

json Plan::toJson() const
{
    json j;
    j["format"] = "loftq-plan";
    j["version"] = 1;
    json d = patchToJson(patchFromPlan(defaults));
    if (!defaults.quantize)
        d["bits"] = "keep";
    j["defaults"] = d;
    j["svd"] = svdMethodName(svd);
    j["seed"] = seed;
    j["alpha"] = alpha ? json(*alpha) : json(nullptr);
    j["adapter_dtype"] = dtypeName(adapterDtype);
    j["on_bad_tensor"] = onBadTensor == OnBadTensor::Fail ? "fail" : "keep";
    j["targets"] = targets;
    j["rules"] = json::array();
    for (const auto& r : rules) {
        json rj = patchToJson(r.patch);
        if (!r.pattern.empty())
            rj["pattern"] = r.pattern;
        if (r.blockFrom || r.blockTo)
            rj["blocks"] = {r.blockFrom ? json(*r.blockFrom) : json(nullptr), r.blockTo ? json(*r.blockTo) : json(nullptr)};
        j["rules"].push_back(rj);
    }
    j["layers"] = json::object();
    for (const auto& [name, patch] : layers)
        j["layers"][name] = patchToJson(patch);
    if (expectation)
        j["expectation"] = expectation->toJson();
    return j;
}

Plan Plan::fromJson(const json& j, const std::string& label)
{
    if (!j.is_object())
        throwBadInput(label, "a plan must be a JSON object");
    rejectUnknownKeys(j, {"format", "version", "defaults", "svd", "seed", "alpha", "adapter_dtype", "on_bad_tensor",
                          "targets", "rules", "layers", "expectation"},
                      label, "plan");
    if (j.contains("format") && j["format"] != "loftq-plan")
        throwBadInput(label, "\"format\" is not \"loftq-plan\"");
    if (j.contains("version") && j["version"] != 1)
        throwBadInput(label, "unsupported plan version (this build reads version 1)");
    Plan plan;
    if (j.contains("defaults"))
        patchFromJson(j["defaults"], label, "defaults").applyTo(plan.defaults);
    if (j.contains("svd")) {
        const auto m = j["svd"].is_string() ? parseSvdMethod(j["svd"].get<std::string>()) : std::nullopt;
        if (!m)
            throwBadInput(label, "svd must be \"exact\" or \"fast\"");
        plan.svd = *m;
    }
    if (j.contains("seed")) {
        if (!j["seed"].is_number_unsigned() && !(j["seed"].is_number_integer() && j["seed"].get<std::int64_t>() >= 0))
            throwBadInput(label, "seed must be a non-negative integer");
        plan.seed = j["seed"].get<std::uint64_t>();
    }
    if (j.contains("alpha") && !j["alpha"].is_null()) {
        if (!j["alpha"].is_number() || !(j["alpha"].get<double>() > 0))
            throwBadInput(label, "alpha must be a positive number or null");
        plan.alpha = j["alpha"].get<double>();
    }
    if (j.contains("adapter_dtype")) {
        const auto t = j["adapter_dtype"].is_string() ? parseDType(j["adapter_dtype"].get<std::string>()) : std::nullopt;
        if (!t || (*t != DType::F32 && *t != DType::F16 && *t != DType::BF16))
            throwBadInput(label, "adapter_dtype must be F32, F16 or BF16");
        plan.adapterDtype = *t;
    }
    if (j.contains("on_bad_tensor")) {
        if (j["on_bad_tensor"] == "fail")
            plan.onBadTensor = OnBadTensor::Fail;
        else if (j["on_bad_tensor"] == "keep")
            plan.onBadTensor = OnBadTensor::Keep;
        else
            throwBadInput(label, "on_bad_tensor must be \"fail\" or \"keep\"");
    }
    if (j.contains("targets")) {
        if (!j["targets"].is_array())
            throwBadInput(label, "targets must be an array of regular expressions");
        for (const auto& t : j["targets"]) {
            if (!t.is_string())
                throwBadInput(label, "targets must be an array of regular expressions");
            plan.targets.push_back(t.get<std::string>());
        }
    }
    if (j.contains("rules")) {
        if (!j["rules"].is_array())
            throwBadInput(label, "rules must be an array");
        int index = 0;
        for (const auto& rj : j["rules"]) {
            const std::string where = "rules[" + std::to_string(index++) + "]";
            PlanRule rule;
            rule.patch = patchFromJson(rj, label, where);
            if (rj.contains("pattern")) {
                if (!rj["pattern"].is_string())
                    throwBadInput(label, where + ".pattern must be a string");
                rule.pattern = rj["pattern"].get<std::string>();
            }
            if (rj.contains("blocks")) {
                const auto& b = rj["blocks"];
                if (!b.is_array() || b.size() != 2)
                    throwBadInput(label, where + ".blocks must be [from, to] (to exclusive; null for open)");
                if (!b[0].is_null())
                    rule.blockFrom = requireInt(b[0], label, where + ".blocks[0]");
                if (!b[1].is_null())
                    rule.blockTo = requireInt(b[1], label, where + ".blocks[1]");
            }
            plan.rules.push_back(rule);
        }
    }
    if (j.contains("layers")) {
        if (!j["layers"].is_object())
            throwBadInput(label, "layers must be an object of tensor name -> settings");
        for (const auto& [name, lj] : j["layers"].items())
            plan.layers[name] = patchFromJson(lj, label, "layers['" + name + "']");
    }
    if (j.contains("expectation"))
        plan.expectation = PlanExpectation::fromJson(j["expectation"], label);
    validatePlan(plan, label);
    return plan;
}

Plan Plan::load(const std::string& path)
{
    std::ifstream in(path);
    if (!in)
        throwBadInput(path, "cannot read plan file");
    std::stringstream ss;
    ss << in.rdbuf();
    json j;
    try {
        j = json::parse(ss.str());
    } catch (const json::exception& e) {
        throwBadInput(path, std::string("plan is not valid JSON (") + e.what() + ")");
    }
    return fromJson(j, path);
}

void applyPreset(Plan& plan, const std::string& name)
{
    const auto colon = name.find(':');
    const std::string kind = name.substr(0, colon);
    const std::string arg = colon == std::string::npos ? "" : name.substr(colon + 1);
    int value = -1;
    try {
        std::size_t used = 0;
        value = std::stoi(arg, &used);
        if (used != arg.size())
            value = -1;
    } catch (const std::exception&) {
    }
    if (!(kind == "mixed" && value >= 0) && !(kind == "all" && value > 0))
        throwBadInput("--preset " + name, "unknown preset (known: mixed:K, all:BITS)");
    // A preset decides the bits of every target: earlier bits and keep choices, in rules and
    // per-layer overrides alike, give way; ranks, steps and quantizers stay.
    auto dropBits = [](LayerPatch& p) {
        p.bits.reset();
        p.keep.reset();
    };
    for (auto& rule : plan.rules)
        dropBits(rule.patch);
    std::erase_if(plan.rules, [](const PlanRule& r) { return r.patch == LayerPatch{}; });
    for (auto& [layer, patch] : plan.layers)
        dropBits(patch);
    std::erase_if(plan.layers, [](const auto& entry) { return entry.second == LayerPatch{}; });
    plan.defaults.quantize = true;
    plan.expectation.reset();
    if (kind == "mixed") {
        // The paper's 2/4-bit mixed precision: 4 bits for blocks 0..K-1 of each stack, 2 after.
        plan.defaults.bits = 2;
        PlanRule first;
        first.blockFrom = 0;
        first.blockTo = value;
        first.patch.bits = 4;
        plan.rules.push_back(first);
        return;
    }
    plan.defaults.bits = value;
}

void validatePlan(const Plan& plan, const std::string& label)
{
    std::vector<LayerPlan> samples{plan.defaults};
    std::vector<std::string> where{"defaults"};
    for (std::size_t i = 0; i < plan.rules.size(); ++i) {
        LayerPlan p = plan.defaults;
        plan.rules[i].patch.applyTo(p);
        samples.push_back(p);
        where.push_back("rules[" + std::to_string(i) + "]");
        if (!plan.rules[i].pattern.empty()) {
            try {
                std::regex r(plan.rules[i].pattern);
            } catch (const std::regex_error& e) {
                throwBadInput(label, where.back() + ": invalid pattern '" + plan.rules[i].pattern + "'");
            }
        }
    }
    for (const auto& [name, patch] : plan.layers) {
        LayerPlan p = plan.defaults;
        patch.applyTo(p);
        samples.push_back(p);
        where.push_back("layers['" + name + "']");
    }
    for (std::size_t i = 0; i < samples.size(); ++i) {
        const auto& s = samples[i];
        if (const auto problem = checkBits(s.method, s.bits); !problem.empty())
            throwBadInput(label, where[i] + ": " + problem + "; or keep the layer");
        if (s.rank < 1)
            throwBadInput(label, where[i] + ": rank must be at least 1");
        if (s.steps < 1)
            throwBadInput(label, where[i] + ": steps must be at least 1");
        if (s.blockSize < 2)
            throwBadInput(label, where[i] + ": block size must be at least 2");
    }
    for (const auto& t : plan.targets) {
        try {
            std::regex r(t);
        } catch (const std::regex_error&) {
            throwBadInput(label, "targets: invalid pattern '" + t + "'");
        }
    }
}

} // namespace loftq
