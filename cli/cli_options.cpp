#include "cli_options.hpp"
#include "loftq/errors.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>
#include <thread>

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

std::vector<int> parseIntList(const std::string& option, const std::string& text, int min, int max)
{
    std::vector<int> values;
    std::size_t start = 0;
    while (start <= text.size()) {
        const auto comma = std::min(text.find(',', start), text.size());
        values.push_back(parseNumber<int>(option, text.substr(start, comma - start), min, max));
        start = comma + 1;
    }
    return values;
}

// Which commands take an option: everything that builds a plan serves quantize and plan alike.
bool optionServes(const std::string& option, const std::string& command)
{
    static const std::set<std::string> planBuilding{"--bits", "--rank", "--iters", "--steps", "--block-size",
                                                    "--method", "--svd", "--threads", "--target", "--plan",
                                                    "--preset", "--alpha", "--adapter-dtype", "--seed",
                                                    "--on-bad-tensor"};
    static const std::set<std::string> planOnly{"--budget", "--bits-choices", "--rank-choices", "--measure-steps",
                                                "--compare"};
    if (option == "--json")
        return command != "unpack";
    if (option == "-o" || option == "--output" || option == "--force")
        return command != "inspect";
    if (option == "--target")
        return command != "unpack";
    if (option == "--format" || option == "--eval-text")
        return command == "quantize";
    if (planBuilding.count(option))
        return command == "quantize" || command == "plan";
    if (planOnly.count(option))
        return command == "plan";
    return true; // unknown options are reported as such
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
       [--format hf-peft|bnb-nf4|packed]... [--eval-text FILE] [--json] [--force]
  loftq plan SRC --budget BITSbits|SIZE[K|M|G]B -o PLAN.json [--bits-choices 2,3,4,8]
       [--rank-choices R,...] [--measure-steps N|plan] [--compare PRESET]... [--json] [--force]
       [plan options of quantize: --plan --preset --rank --iters --method --block-size --svd
        --threads --target --alpha --adapter-dtype --seed --on-bad-tensor]
  loftq unpack PACKED -o OUT [--force]
  loftq eval MODEL [--compare ORIGINAL] (--text FILE | --tokens FILE) [--context C]
       [--max-tokens N] [--variant full|backbone] [--threads N] [--json]
  loftq --help | --version

SRC is a .safetensors file or a model folder (model.safetensors or model.safetensors.index.json).
Defaults: 4 bits, rank 16, 5 steps, nf, block 64, fast SVD, alpha = rank, f32 adapters, threads =
the machine's hardware threads.
Command-line settings override the plan file's defaults; --preset mixed:K gives blocks 0..K-1
4 bits and the rest 2 bits; all:B gives every target B bits.
--format (repeatable, default hf-peft): hf-peft = Q dequantized + loftq_init/ adapter; bnb-nf4 =
bitsandbytes NF4 pre-quantized (every quantized layer nf, 4 bits, block 64); packed = one
model.loftq with bit-packed codes. One format writes into OUT; several write OUT/<format>/ each.
plan measures every target at each allowed bits setting and picks the bits (and ranks) that
minimize the total squared error within the budget; quantize --plan PLAN.json runs it.
unpack writes the hf-peft export of a packed model.loftq.
--eval-text FILE evaluates the export on FILE (original, backbone, backbone + adapter) and adds
the figures to loftq_report.json.
eval measures NLL, perplexity and bits per byte of MODEL (a checkpoint, an export folder or a
model.loftq; --variant backbone drops the adapter) and, with --compare, KL(original || model) and
top-1 agreement; defaults: context min(512, max positions), 16384 tokens.
exit status: 0 done, 1 runtime failure, 2 bad usage or bad input, 130 cancelled
)";
}

CliOptions parseCommandLine(const std::vector<std::string>& args)
{
    CliOptions o;
    // Every hardware thread unless told otherwise: results do not depend on the count.
    o.run.threads = int(std::max(1u, std::thread::hardware_concurrency()));
    o.budgetOptions.threads = o.run.threads;
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
    if (o.command != "inspect" && o.command != "quantize" && o.command != "plan" && o.command != "unpack")
        usageError("unknown command '" + o.command + "' (commands: inspect, quantize, plan, unpack, eval)");

    LayerPatch cliDefaults;
    std::optional<std::string> planFile, preset, budget, output;
    std::optional<SvdMethod> svd;
    std::optional<std::uint64_t> seed;
    std::optional<double> alpha;
    std::optional<DType> adapterDtype;
    std::optional<OnBadTensor> onBad;
    std::vector<std::string> targets;
    std::vector<ExportFormat> formats;
    for (std::size_t i = 1; i < args.size(); ++i) {
        const std::string& a = args[i];
        auto value = [&]() -> const std::string& {
            if (i + 1 >= args.size())
                usageError(a + " needs a value");
            return args[++i];
        };
        if (a.starts_with("-") && !optionServes(a, o.command))
            usageError(a + " is not an option of " + o.command);
        if (a == "--json")
            o.json = true;
        else if (a == "-o" || a == "--output")
            output = value();
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
        } else if (a == "--threads") {
            o.run.threads = parseNumber<int>(a, value(), 1, 1024);
            o.budgetOptions.threads = o.run.threads;
        } else if (a == "--target")
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
        } else if (a == "--format") {
            const auto f = parseExportFormat(value());
            if (!f)
                usageError("--format must be hf-peft, bnb-nf4 or packed");
            if (std::find(formats.begin(), formats.end(), *f) == formats.end())
                formats.push_back(*f);
        } else if (a == "--budget")
            budget = value();
        else if (a == "--bits-choices")
            o.budgetOptions.bits = parseIntList(a, value(), 1, 16);
        else if (a == "--rank-choices")
            o.budgetOptions.ranks = parseIntList(a, value(), 1, 1 << 20);
        else if (a == "--measure-steps") {
            const auto& v = value();
            o.budgetOptions.measureSteps = v == "plan" ? std::nullopt : std::optional(parseNumber<int>(a, v, 1, 1000));
        } else if (a == "--compare")
            o.comparePresets.push_back(value());
        else if (a == "--force")
            o.run.force = true;
        else if (a == "--eval-text")
            o.evalText = value();
        else if (a.starts_with("-"))
            usageError("unknown option " + a);
        else if (o.source.empty())
            o.source = a;
        else
            usageError("unexpected argument '" + a + "'");
    }
    if (o.source.empty())
        usageError(o.command + (o.command == "unpack" ? " needs a packed file (model.loftq)"
                                                      : " needs a checkpoint (a .safetensors file or a model folder)"));
    if (o.command != "inspect" && !output)
        usageError(o.command + (o.command == "plan" ? " needs -o PLAN.json" : " needs -o OUT"));
    if (o.command == "plan") {
        o.planOutput = *output;
        if (!budget)
            usageError("plan needs --budget (e.g. 2.5bits or 12MB)");
        const auto parsed = Budget::parse(*budget);
        if (!parsed)
            usageError("--budget expects bits per weight (2.5bits) or a size (900KB, 12MB, 2GB), got '" + *budget + "'");
        o.budget = *parsed;
    } else if (output) {
        o.run.outputDir = *output;
    }
    if (!formats.empty())
        o.run.formats = formats;

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
