#include "cli_options.hpp"
#include "loftq/errors.hpp"
#include "loftq/export_format.hpp"

#include <algorithm>
#include <charconv>
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

// What the command line said, before it is combined with the plan file and the preset.
struct Given {
    CliOptions o;
    LayerPatch layer;
    std::optional<std::string> planFile, preset, budget, output;
    std::optional<SvdMethod> svd;
    std::optional<std::uint64_t> seed;
    std::optional<double> alpha;
    std::optional<DType> adapterDtype;
    std::optional<OnBadTensor> onBad;
    std::vector<std::string> targets;
    std::vector<ExportFormat> formats;
};

struct Command {
    std::string_view name;
    std::string_view operand;     // the one positional argument, as usage names it
    std::string_view operandText; // what it is, for the "needs" message
    std::string_view output;      // what -o names, as usage shows it; empty: the command takes no -o
    std::string_view required;    // further required options, as usage shows them
};

// Every command. A new command: a row here, its options' rows below naming it, its fields in
// CliOptions, and its function in cli_commands.cpp's table.
const std::vector<Command> kCommands{
    {"inspect", "SRC", "a checkpoint (a .safetensors file or a model folder)", "", ""},
    {"quantize", "SRC", "a checkpoint (a .safetensors file or a model folder)", "OUT", ""},
    {"plan", "SRC", "a checkpoint (a .safetensors file or a model folder)", "PLAN.json", "--budget BUDGET"},
    {"unpack", "PACKED", "a packed file (model.loftq) or the export folder holding it", "OUT", ""},
    {"tokenize", "MODEL_OR_TOKENIZER_FILE", "a model folder, a tokenizer.json or a vocab.json", "", "--text FILE"},
    {"eval", "MODEL", "a model (a checkpoint, an export folder or a model.loftq)", "", "--text FILE | --tokens FILE"},
    {"calibrate", "MODEL", "the original model (a checkpoint folder or .safetensors file)", "STATS",
     "--text FILE | --tokens FILE"},
};

// The option sets several commands share.
const std::vector<std::string_view> kPlanBuilding{"quantize", "plan"};
const std::vector<std::string_view> kTargetSelecting{"inspect", "quantize", "plan"};
const std::vector<std::string_view> kJson{"inspect", "quantize", "plan", "tokenize", "eval", "calibrate"};
const std::vector<std::string_view> kWriting{"quantize", "plan", "unpack", "calibrate"};
const std::vector<std::string_view> kWindows{"eval", "calibrate"};
// quantize cuts --calib-text and --eval-text into windows as calibrate and eval cut --text.
const std::vector<std::string_view> kWindowSizes{"eval", "calibrate", "quantize"};

struct Option {
    std::vector<std::string_view> names; // the first is the one usage shows
    std::string_view argument;           // as usage shows it; empty: a flag
    std::vector<std::string_view> commands;
    std::string_view help;
    // Stores the option's effect; `value` is empty for a flag.
    void (*parse)(Given& g, const std::string& option, const std::string& value);
};

// Every option, in the order usage lists them. A new option: one row.
const std::vector<Option> kOptions{
    {{"-o", "--output"}, "OUT", kWriting, "the export folder (plan: the plan file; calibrate: the statistics file)",
     [](Given& g, const std::string&, const std::string& v) { g.output = v; }},
    {{"--bits"}, "N", kPlanBuilding, "backbone bits of every target (default 4)",
     [](Given& g, const std::string& a, const std::string& v) { g.layer.bits = parseNumber<int>(a, v, 1, 16); }},
    {{"--rank"}, "R", kPlanBuilding, "adapter rank (default 16)",
     [](Given& g, const std::string& a, const std::string& v) { g.layer.rank = parseNumber<int>(a, v, 1, 1 << 20); }},
    {{"--iters", "--steps"}, "T", kPlanBuilding, "LoftQ alternating steps (default 5)",
     [](Given& g, const std::string& a, const std::string& v) { g.layer.steps = parseNumber<int>(a, v, 1, 1000); }},
    {{"--method"}, "nf|uniform", kPlanBuilding, "quantizer (default nf)",
     [](Given& g, const std::string&, const std::string& v) {
         const auto m = parseQuantMethod(v);
         if (!m)
             usageError("--method must be nf or uniform");
         g.layer.method = *m;
     }},
    {{"--block-size"}, "B", kPlanBuilding, "quantization block size (default 64)",
     [](Given& g, const std::string& a, const std::string& v) { g.layer.blockSize = parseNumber<int>(a, v, 2, 1 << 20); }},
    {{"--svd"}, "exact|fast", kPlanBuilding, "adapter SVD (default fast: randomized, same result to float noise)",
     [](Given& g, const std::string&, const std::string& v) {
         g.svd = parseSvdMethod(v);
         if (!g.svd)
             usageError("--svd must be exact or fast");
     }},
    {{"--threads"}, "N", {"quantize", "plan", "eval", "calibrate"}, "worker threads (default: the machine's; results do not depend on it)",
     [](Given& g, const std::string& a, const std::string& v) {
         g.o.run.threads = parseNumber<int>(a, v, 1, 1024);
         g.o.budgetOptions.threads = g.o.run.threads;
         g.o.eval.threads = g.o.run.threads;
     }},
    {{"--target"}, "REGEX", kTargetSelecting, "repeatable; the tensors to quantize (default: the linear layers)",
     [](Given& g, const std::string&, const std::string& v) { g.targets.push_back(v); }},
    {{"--plan"}, "FILE", kPlanBuilding, "a plan file (loftq_plan.json) the other options override",
     [](Given& g, const std::string&, const std::string& v) { g.planFile = v; }},
    {{"--preset"}, "NAME", kPlanBuilding, "mixed:K or all:B (below)",
     [](Given& g, const std::string&, const std::string& v) { g.preset = v; }},
    {{"--alpha"}, "A", kPlanBuilding, "LoRA alpha (default: each layer's rank)",
     [](Given& g, const std::string& a, const std::string& v) { g.alpha = parseNumber<double>(a, v, 1e-6, 1e9); }},
    {{"--adapter-dtype"}, "f32|bf16|f16", kPlanBuilding, "adapter dtype (default f32)",
     [](Given& g, const std::string&, const std::string& v) {
         g.adapterDtype = v == "f32" ? DType::F32 : v == "bf16" ? DType::BF16 : v == "f16" ? DType::F16 : DType::U8;
         if (*g.adapterDtype == DType::U8)
             usageError("--adapter-dtype must be f32, bf16 or f16");
     }},
    {{"--seed"}, "S", kPlanBuilding, "seed of the fast SVD (default 0)",
     [](Given& g, const std::string& a, const std::string& v) {
         g.seed = parseNumber<std::uint64_t>(a, v, 0, ~std::uint64_t(0));
     }},
    {{"--on-bad-tensor"}, "fail|keep", kPlanBuilding, "NaN/Inf weights: stop, or keep that tensor as is",
     [](Given& g, const std::string&, const std::string& v) {
         if (v != "fail" && v != "keep")
             usageError("--on-bad-tensor must be fail or keep");
         g.onBad = v == "fail" ? OnBadTensor::Fail : OnBadTensor::Keep;
     }},
    {{"--format"}, "FORMAT", {"quantize", "plan"},
     "repeatable; an export format (below), default hf-peft; plan measures as a run exporting these does",
     [](Given& g, const std::string&, const std::string& v) {
         const auto f = parseExportFormat(v);
         if (!f)
             usageError("--format must be " + exportFormatNames());
         if (std::find(g.formats.begin(), g.formats.end(), *f) == g.formats.end())
             g.formats.push_back(*f);
     }},
    {{"--budget"}, "BITSbits|SIZE[K|M|G]B", {"plan"}, "bits per weight (2.5bits) or a size (900KB, 12MB, 2GB)",
     [](Given& g, const std::string&, const std::string& v) { g.budget = v; }},
    {{"--bits-choices"}, "B,...", {"plan"}, "the bits a layer may take (default: all the quantizers support)",
     [](Given& g, const std::string& a, const std::string& v) { g.o.budgetOptions.bits = parseIntList(a, v, 1, 16); }},
    {{"--rank-choices"}, "R,...", {"plan"}, "the ranks a layer may take (default: the plan's rank)",
     [](Given& g, const std::string& a, const std::string& v) {
         g.o.budgetOptions.ranks = parseIntList(a, v, 1, 1 << 20);
     }},
    {{"--measure-steps"}, "N|plan", {"plan"}, "LoftQ steps when measuring (default 1; plan: the plan's)",
     [](Given& g, const std::string& a, const std::string& v) {
         g.o.budgetOptions.measureSteps = v == "plan" ? std::nullopt : std::optional(parseNumber<int>(a, v, 1, 1000));
     }},
    {{"--compare"}, "PRESET", {"plan"}, "repeatable; a preset to report beside the budget's plan",
     [](Given& g, const std::string&, const std::string& v) { g.o.comparePresets.push_back(v); }},
    {{"--text"}, "FILE", {"tokenize", "eval", "calibrate"}, "a text file (UTF-8; invalid bytes become U+FFFD, and the summary says so)",
     [](Given& g, const std::string&, const std::string& v) { g.o.textFile = v; }},
    {{"--tokens"}, "FILE", kWindows, "token ids instead of a text: a JSON array, or integers separated by white space",
     [](Given& g, const std::string&, const std::string& v) { g.o.tokenFile = v; }},
    {{"--no-special"}, "", {"tokenize"}, "no special tokens (add_special_tokens=False: no BOS/EOS template)",
     [](Given& g, const std::string&, const std::string&) { g.o.addSpecialTokens = false; }},
    {{"--compare"}, "ORIGINAL", {"eval"}, "the original model: KL(original || model), top-1 agreement, delta NLL",
     [](Given& g, const std::string&, const std::string& v) { g.o.original = v; }},
    {{"--context"}, "C", kWindowSizes, "window length in tokens (default min(512, the model's max positions); quantize: of --calib-text and --eval-text)",
     [](Given& g, const std::string& a, const std::string& v) { g.o.eval.context = parseNumber<int>(a, v, 2, 1 << 20); }},
    {{"--max-tokens"}, "N", kWindowSizes, "use the first N tokens (default 16384)",
     [](Given& g, const std::string& a, const std::string& v) {
         g.o.eval.maxTokens = parseNumber<std::size_t>(a, v, 2, std::size_t(1) << 40);
     }},
    {{"--variant"}, "full|backbone", {"eval"}, "an export with its adapter (default) or the backbone alone (QLoRA init)",
     [](Given& g, const std::string&, const std::string& v) {
         const auto variant = parseModelVariant(v);
         if (!variant)
             usageError("--variant must be full or backbone");
         g.o.variant = *variant;
     }},
    {{"--eval-text"}, "FILE", {"quantize"}, "evaluate the export on FILE (original, backbone, backbone + adapter; docs/model.md)",
     [](Given& g, const std::string&, const std::string& v) { g.o.evalText = v; }},
    {{"--calib"}, "STATS", kPlanBuilding, "calibration statistics: fit each adapter to the layer's output error (docs/calibration.md)",
     [](Given& g, const std::string&, const std::string& v) { g.o.calibration = v; }},
    {{"--calib-text"}, "FILE", {"quantize"}, "collect calibration statistics on FILE first (as loftq calibrate), then run as --calib",
     [](Given& g, const std::string&, const std::string& v) { g.o.calibrationText = v; }},
    {{"--damping"}, "D", kPlanBuilding, "with --calib: add D * mean(diag H) to H (default: the statistics', 0.01)",
     [](Given& g, const std::string& a, const std::string& v) { g.o.damping = parseNumber<double>(a, v, 0.0, 1e6); }},
    {{"--objective"}, "output|weight", {"quantize"}, "with --calib: weight keeps plain LoftQ but reports output errors",
     [](Given& g, const std::string&, const std::string& v) {
         if (v != "output" && v != "weight")
             usageError("--objective must be output or weight");
         g.o.weightObjective = v == "weight";
     }},
    {{"--json"}, "", kJson, "machine-readable output",
     [](Given& g, const std::string&, const std::string&) { g.o.json = true; }},
    {{"--force"}, "", kWriting, "replace an existing output",
     [](Given& g, const std::string&, const std::string&) { g.o.run.force = true; }},
};

bool takes(const Option& option, std::string_view command)
{
    return std::find(option.commands.begin(), option.commands.end(), command) != option.commands.end();
}

// The row of `name` for `command` (--compare is a preset for plan and the original for eval), else
// any row of that name (so the message can say which commands take it), else none.
const Option* findOption(std::string_view name, std::string_view command)
{
    const Option* any = nullptr;
    for (const auto& option : kOptions)
        if (std::find(option.names.begin(), option.names.end(), name) != option.names.end()) {
            if (takes(option, command))
                return &option;
            any = any ? any : &option;
        }
    return any;
}

const Command* findCommand(std::string_view name)
{
    for (const auto& command : kCommands)
        if (command.name == name)
            return &command;
    return nullptr;
}

std::string commandNames()
{
    std::string names;
    for (const auto& command : kCommands)
        names += std::string(names.empty() ? "" : ", ") + std::string(command.name);
    return names;
}

std::string optionSpelling(const Option& option)
{
    std::string text;
    for (const auto name : option.names)
        text += std::string(text.empty() ? "" : ", ") + std::string(name);
    return option.argument.empty() ? text : text + " " + std::string(option.argument);
}

// Combines the command line with the plan file and the preset, and checks what each command needs.
CliOptions finish(Given g, const Command& command)
{
    CliOptions& o = g.o;
    if (o.source.empty())
        usageError(o.command + " needs " + std::string(command.operandText));
    if (!command.output.empty() && !g.output)
        usageError(o.command + " needs -o " + std::string(command.output));
    if (o.command == "tokenize" && o.textFile.empty())
        usageError("tokenize needs --text FILE");
    if ((o.command == "eval" || o.command == "calibrate") && o.textFile.empty() == o.tokenFile.empty())
        usageError(o.command + " needs exactly one of --text FILE and --tokens FILE");
    if (o.command == "calibrate")
        o.statsOutput = *g.output;
    if (o.command == "plan") {
        o.planOutput = *g.output;
        if (!g.budget)
            usageError("plan needs --budget (e.g. 2.5bits or 12MB)");
        const auto parsed = Budget::parse(*g.budget);
        if (!parsed)
            usageError("--budget expects bits per weight (2.5bits) or a size (900KB, 12MB, 2GB), got '" + *g.budget +
                       "'");
        o.budget = *parsed;
    } else if (g.output) {
        o.run.outputDir = *g.output;
    }
    if (!g.formats.empty())
        o.run.formats = g.formats;
    o.budgetOptions.nfArithmetic = nfArithmeticFor(o.run.formats);
    if (!o.calibration.empty() && !o.calibrationText.empty())
        usageError("--calib and --calib-text both give the statistics; choose one");
    if (o.calibration.empty() && o.calibrationText.empty() && (o.damping || o.weightObjective))
        usageError("--damping and --objective need --calib STATS or --calib-text FILE");

    if (g.planFile)
        o.plan = Plan::load(*g.planFile);
    if (g.preset)
        applyPreset(o.plan, *g.preset);
    g.layer.applyTo(o.plan.defaults);
    if (g.layer.bits && g.preset && g.preset->starts_with("mixed"))
        usageError("--bits and --preset mixed:K both set the bits; choose one");
    if (!g.targets.empty())
        o.plan.targets = g.targets;
    if (g.svd)
        o.plan.svd = *g.svd;
    if (g.seed)
        o.plan.seed = *g.seed;
    if (g.alpha)
        o.plan.alpha = *g.alpha;
    if (g.adapterDtype)
        o.plan.adapterDtype = *g.adapterDtype;
    if (g.onBad)
        o.plan.onBadTensor = *g.onBad;
    validatePlan(o.plan, g.planFile ? *g.planFile : "command line");
    return std::move(g.o);
}

} // namespace

std::string usageText()
{
    std::string text = "loftq - LoftQ quantization of Hugging Face checkpoints, exported for transformers + PEFT\n\n"
                       "usage:\n";
    for (const auto& command : kCommands) {
        text += "  loftq " + std::string(command.name) + " " + std::string(command.operand);
        if (!command.output.empty())
            text += " -o " + std::string(command.output);
        if (!command.required.empty())
            text += " " + std::string(command.required);
        text += " [options]\n";
    }
    text += "  loftq --help | --version\n\noptions (the commands that take each):\n";
    for (const auto& option : kOptions) {
        std::string commands;
        for (const auto c : option.commands)
            commands += std::string(commands.empty() ? "" : " ") + std::string(c);
        text += "  " + optionSpelling(option) + "\n      " + std::string(option.help) + "  [" + commands + "]\n";
    }
    text += "\nexport formats (--format; one format writes into OUT, several write OUT/<format>/ each):\n";
    for (const auto& format : exportFormats())
        text += "  " + std::string(format.name) + ": " + std::string(format.description) + "\n";
    return text + R"(
SRC is a .safetensors file or a model folder (model.safetensors or model.safetensors.index.json).
Defaults: 4 bits, rank 16, 5 steps, nf, block 64, fast SVD, alpha = rank, f32 adapters, threads =
the machine's hardware threads.
Command-line settings override the plan file's defaults; --preset mixed:K gives blocks 0..K-1
4 bits and the rest 2 bits; all:B gives every target B bits. A preset decides every target's bits,
replacing the bits and keep choices of the plan file.
plan measures every target at each allowed bits setting and picks the bits (and ranks) that
minimize the total squared error within the budget; quantize --plan PLAN.json runs it.
unpack writes the hf-peft export of a packed model.loftq.
exit status: 0 done, 1 runtime failure, 2 bad usage or bad input, 130 cancelled
)";
}

CliOptions parseCommandLine(const std::vector<std::string>& args)
{
    Given g;
    CliOptions& o = g.o;
    // Every hardware thread unless told otherwise: results do not depend on the count.
    o.run.threads = int(std::max(1u, std::thread::hardware_concurrency()));
    o.budgetOptions.threads = o.run.threads;
    o.eval.threads = o.run.threads;
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
    const Command* command = findCommand(o.command);
    if (!command)
        usageError("unknown command '" + o.command + "' (commands: " + commandNames() + ")");

    for (std::size_t i = 1; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (!a.starts_with("-")) {
            if (!o.source.empty())
                usageError("unexpected argument '" + a + "'");
            o.source = a;
            continue;
        }
        const Option* option = findOption(a, o.command);
        if (!option)
            usageError("unknown option " + a);
        if (!takes(*option, o.command))
            usageError(a + " is not an option of " + o.command);
        if (!option->argument.empty() && i + 1 >= args.size())
            usageError(a + " needs a value");
        option->parse(g, a, option->argument.empty() ? std::string() : args[++i]);
    }
    return finish(std::move(g), *command);
}

} // namespace loftq::cli
