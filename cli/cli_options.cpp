#include "cli_options.hpp"
#include "loftq/errors.hpp"

#include <charconv>
#include <cmath>

namespace loftq::cli {
namespace {

[[noreturn]] void usageError(const std::string& problem) { throw Error(ErrorKind::BadInput, "usage: " + problem); }

template <typename T>
T parseNumber(const std::string& option, const std::string& text, T min, T max)
{
    T value{};
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max)
        usageError(option + " expects a number from " + std::to_string(min) + " to " + std::to_string(max) +
                   ", got '" + text + "'");
    return value;
}

} // namespace

std::string usageText()
{
    return R"(loftq - LoftQ quantization of Hugging Face checkpoints, exported for transformers + PEFT

usage:
  loftq inspect SRC [--json]
  loftq quantize SRC -o OUT [--bits N] [--rank R] [--iters T] [--method nf|uniform] [--block-size B]
       [--svd exact|fast] [--threads N] [--target REGEX]... [--plan FILE] [--preset NAME]
       [--alpha A] [--adapter-dtype f32|bf16|f16] [--seed S] [--on-bad-tensor fail|keep]
       [--json] [--force]
  loftq --help | --version

SRC is a .safetensors file or a model folder (model.safetensors or model.safetensors.index.json).
Defaults: 4 bits, rank 16, 5 steps, nf, block 64, fast SVD, alpha = rank, f32 adapters.
Command-line settings override the plan file's defaults; --preset mixed:K gives blocks 0..K-1
4 bits and the rest 2 bits; all:B gives every target B bits.
exit status: 0 done, 1 runtime failure, 2 bad usage or bad input, 130 cancelled
)";
}

CliOptions parseCommandLine(const std::vector<std::string>& args)
{
    CliOptions o;
    if (args.empty())
        usageError("no command given (try loftq --help)");
    o.command = args[0];
    if (o.command == "--help" || o.command == "-h" || o.command == "help") {
        o.command = "help";
        return o;
    }
    if (o.command == "--version") {
        o.command = "version";
        return o;
    }
    if (o.command != "inspect" && o.command != "quantize")
        usageError("unknown command '" + o.command + "' (commands: inspect, quantize)");

    LayerPatch cliDefaults;
    std::optional<std::string> planFile, preset;
    std::optional<SvdMethod> svd;
    std::optional<std::uint64_t> seed;
    std::optional<double> alpha;
    std::optional<DType> adapterDtype;
    std::optional<OnBadTensor> onBad;
    std::vector<std::string> targets;
    for (std::size_t i = 1; i < args.size(); ++i) {
        const std::string& a = args[i];
        auto value = [&]() -> const std::string& {
            if (i + 1 >= args.size())
                usageError(a + " needs a value");
            return args[++i];
        };
        const bool quantizeOnly = a != "--json";
        if (a.starts_with("-") && quantizeOnly && o.command != "quantize")
            usageError(a + " is an option of quantize, not of " + o.command);
        if (a == "--json")
            o.json = true;
        else if (a == "-o" || a == "--output")
            o.run.outputDir = value();
        else if (a == "--bits")
            cliDefaults.bits = parseNumber<int>(a, value(), 1, 16);
        else if (a == "--rank")
            cliDefaults.rank = parseNumber<int>(a, value(), 1, 1 << 20);
        else if (a == "--iters" || a == "--steps")
            cliDefaults.steps = parseNumber<int>(a, value(), 1, 1000);
        else if (a == "--block-size")
            cliDefaults.blockSize = parseNumber<int>(a, value(), 2, 1 << 20);
        else if (a == "--method") {
            const auto m = parseQuantMethod(value());
            if (!m)
                usageError("--method must be nf or uniform");
            cliDefaults.method = *m;
        } else if (a == "--svd") {
            svd = parseSvdMethod(value());
            if (!svd)
                usageError("--svd must be exact or fast");
        } else if (a == "--threads")
            o.run.threads = parseNumber<int>(a, value(), 1, 1024);
        else if (a == "--target")
            targets.push_back(value());
        else if (a == "--plan")
            planFile = value();
        else if (a == "--preset")
            preset = value();
        else if (a == "--alpha") {
            alpha = parseNumber<double>(a, value(), 1e-6, 1e9);
        } else if (a == "--adapter-dtype") {
            const auto& v = value();
            adapterDtype = v == "f32" ? DType::F32 : v == "bf16" ? DType::BF16 : v == "f16" ? DType::F16 : DType::U8;
            if (*adapterDtype == DType::U8)
                usageError("--adapter-dtype must be f32, bf16 or f16");
        } else if (a == "--seed")
            seed = parseNumber<std::uint64_t>(a, value(), 0, ~std::uint64_t(0));
        else if (a == "--on-bad-tensor") {
            const auto& v = value();
            if (v != "fail" && v != "keep")
                usageError("--on-bad-tensor must be fail or keep");
            onBad = v == "fail" ? OnBadTensor::Fail : OnBadTensor::Keep;
        } else if (a == "--force")
            o.run.force = true;
        else if (a.starts_with("-"))
            usageError("unknown option " + a);
        else if (o.source.empty())
            o.source = a;
        else
            usageError("unexpected argument '" + a + "'");
    }
    if (o.source.empty())
        usageError(o.command + " needs a checkpoint (a .safetensors file or a model folder)");
    if (o.command == "quantize" && o.run.outputDir.empty())
        usageError("quantize needs -o OUT");

    if (planFile)
        o.plan = Plan::load(*planFile);
    if (preset)
        applyPreset(o.plan, *preset);
    cliDefaults.applyTo(o.plan.defaults);
    if (cliDefaults.bits && preset && preset->starts_with("mixed"))
        usageError("--bits and --preset mixed:K both set the bits; choose one");
    if (!targets.empty())
        o.plan.targets = targets;
    if (svd)
        o.plan.svd = *svd;
    if (seed)
        o.plan.seed = *seed;
    if (alpha)
        o.plan.alpha = *alpha;
    if (adapterDtype)
        o.plan.adapterDtype = *adapterDtype;
    if (onBad)
        o.plan.onBadTensor = *onBad;
    validatePlan(o.plan, planFile ? *planFile : "command line");
    return o;
}

} // namespace loftq::cli
