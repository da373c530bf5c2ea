#include "cli_commands.hpp"
#include "budget_table.hpp"
#include "calibrate_command.hpp"
#include "cli_options.hpp"
#include "eval_command.hpp"
#include "layer_table.hpp"
#include "terminal_progress.hpp"
#include "tokenize_command.hpp"
#include "loftq/atomic_file.hpp"
#include "loftq/calib_stats.hpp"
#include "loftq/cpu_level.hpp"
#include "loftq/errors.hpp"
#include "loftq/packed_format.hpp"
#include "loftq/size_estimate.hpp"

#include <filesystem>
#include <map>
#include <unistd.h>

namespace loftq::cli {
namespace {

int inspect(const CliOptions& o, const std::atomic<bool>*, std::FILE* out, std::FILE*)
{
    const auto cp = Checkpoint::open(o.source);
    printInspection(cp, selectTargets(cp, o.plan.targets), o.json, out);
    return 0;
}

// Sizes before the run, so a user sees what each format will weigh.
void printEstimatedSizes(const Checkpoint& cp, const CliOptions& o, std::FILE* out)
{
    const auto estimate = estimateExportSize(cp, planLayers(cp, o.plan), o.plan.adapterDtype);
    std::string line = "estimated export size:";
    for (std::size_t i = 0; i < o.run.formats.size(); ++i)
        line += std::string(i ? "," : "") + " " + std::string(exportFormatName(o.run.formats[i])) + " " +
                humanBytes(double(estimatedExportBytes(o.run.formats[i], estimate)));
    std::fprintf(out, "%s (source %s)\n", line.c_str(), humanBytes(double(cp.totalBytes())).c_str());
}

// The statistics --calib names (none without it); `collected` replaces them (--calib-text).
std::optional<CalibrationStats> openCalibration(const CliOptions& o, const TemporaryCalibration* collected = nullptr)
{
    if (collected)
        return CalibrationStats::open(collected->path());
    if (o.calibration.empty())
        return std::nullopt;
    return CalibrationStats::open(o.calibration);
}

int quantize(const CliOptions& o, const std::atomic<bool>* cancel, std::FILE* out, std::FILE* err)
{
    const auto cp = Checkpoint::open(o.source);
    const auto evaluation = o.evalText.empty() ? nullptr
                                               : std::make_unique<ExportEvaluation>(o.source, o.evalText, o.eval);
    if (!o.json)
        printEstimatedSizes(cp, o, out);
    const auto collected = o.calibrationText.empty() ? nullptr
                                                     : std::make_unique<TemporaryCalibration>(o, cancel, out, err);
    const auto stats = openCalibration(o, collected.get());
    RunOptions run = o.run;
    if (stats) {
        run.calibration = &*stats;
        if (collected)
            run.calibrationName = o.calibrationText + " (collected by --calib-text)";
        run.damping = o.damping;
        run.weightObjective = o.weightObjective;
    }
    TerminalProgress progress(o.json, out, err);
    const auto report = runJob(cp, o.plan, run, std::ref(progress), cancel);
    if (!o.json) {
        printLayerTable(report, o.plan, out);
        std::fprintf(out, "export written to %s\n", o.run.outputDir.c_str());
    }
    if (evaluation)
        evaluation->run(o.run, o.json, cancel, out, err);
    return 0;
}

int plan(const CliOptions& o, const std::atomic<bool>* cancel, std::FILE* out, std::FILE* err)
{
    if (std::filesystem::exists(o.planOutput) && !o.run.force)
        throw Error(ErrorKind::BadInput, o.planOutput + ": exists (use --force to replace it)");
    const auto cp = Checkpoint::open(o.source);
    // A counter on a terminal; logs get only the summary line below.
    const bool tty = !o.json && ::isatty(::fileno(err));
    auto progress = [&](const BudgetProgress& p) {
        if (tty)
            std::fprintf(err, "\rmeasuring %d/%d settings  %s\x1b[K", p.done, p.total, p.layer.c_str());
    };
    const auto stats = openCalibration(o);
    BudgetOptions budgetOptions = o.budgetOptions;
    if (stats) {
        budgetOptions.calibration = &*stats;
        budgetOptions.damping = o.damping;
    }
    const auto result = planForBudget(cp, o.plan, o.budget, budgetOptions, progress, cancel);
    if (tty)
        std::fprintf(err, "\n");
    std::vector<PresetComparison> compared;
    for (const auto& name : o.comparePresets) {
        Plan other = o.plan;
        applyPreset(other, name);
        const auto choice = choiceOf(result.curves, other);
        compared.push_back({name, choice ? std::optional(summarize(result.curves, *choice)) : std::nullopt});
    }
    writeFileAtomically(o.planOutput, result.plan.toJson().dump(2) + "\n");
    printBudgetResult(result, o.budget, compared, o.json, out);
    if (!o.json)
        std::fprintf(out, "plan written to %s (run it with loftq quantize SRC --plan %s -o OUT)\n",
                     o.planOutput.c_str(), o.planOutput.c_str());
    return 0;
}

int unpack(const CliOptions& o, const std::atomic<bool>*, std::FILE* out, std::FILE*)
{
    unpackToHfPeft(o.source, o.run.outputDir, o.run.force);
    std::fprintf(out, "hf-peft export written to %s\n", o.run.outputDir.c_str());
    return 0;
}

int help(const CliOptions&, const std::atomic<bool>*, std::FILE* out, std::FILE*)
{
    std::fputs(usageText().c_str(), out);
    return 0;
}

int version(const CliOptions&, const std::atomic<bool>*, std::FILE* out, std::FILE*)
{
    std::fprintf(out, "loftq %s\n%s\n", LOFTQ_VERSION, cpu::levelReport().c_str());
    return 0;
}

using CommandFunction = int (*)(const CliOptions&, const std::atomic<bool>* cancel, std::FILE* out, std::FILE* err);
// What each command runs; cli_options.cpp's command table says what it takes.
const std::map<std::string, CommandFunction> kCommandFunctions{
    {"help", &help}, {"version", &version}, {"inspect", &inspect},
    {"quantize", &quantize}, {"plan", &plan}, {"unpack", &unpack},
    {"tokenize", &runTokenize}, {"eval", &runEval}, {"calibrate", &runCalibrate},
};

} // namespace

int runCli(const std::vector<std::string>& args, const std::atomic<bool>* cancel, std::FILE* out, std::FILE* err)
{
    try {
        const auto o = parseCommandLine(args);
        return kCommandFunctions.at(o.command)(o, cancel, out, err);
    } catch (const Error& e) {
        if (e.kind() == ErrorKind::Cancelled)
            std::fprintf(err, "\nloftq: cancelled; no output was written\n");
        else
            std::fprintf(err, "\nloftq: %s\n", e.what());
        return exitStatusFor(e.kind());
    } catch (const std::bad_alloc&) {
        std::fprintf(err, "\nloftq: out of memory\n");
        return 1;
    } catch (const std::exception& e) {
        std::fprintf(err, "\nloftq: %s\n", e.what());
        return 1;
    }
}

} // namespace loftq::cli
