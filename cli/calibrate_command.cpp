#include "calibrate_command.hpp"
#include "cli_options.hpp"
#include "terminal_progress.hpp"

#include "loftq/model_source.hpp"

#include <filesystem>
#include <unistd.h>

namespace loftq::cli {
namespace {

// The text through the model's own tokenizer, or the token file.
EvalTokens calibrationTokens(const std::string& model, const std::string& textFile, const std::string& tokenFile)
{
    if (!tokenFile.empty())
        return tokensFromFile(tokenFile);
    return tokensFromText(textFile, openModelSource(model)->tokenizerFolder());
}

CalibrationSummary collect(const CliOptions& o, const std::string& textFile, const std::string& tokenFile,
                           const std::string& output, bool replace, const std::atomic<bool>* cancel, std::FILE* out,
                           std::FILE* err)
{
    const auto tokens = calibrationTokens(o.source, textFile, tokenFile);
    TerminalProgress progress(o.json, out, err);
    return collectCalibration(o.source, tokens, output, o.eval, replace, std::ref(progress), cancel);
}

// A JSON line, or one line for a person.
void printSummary(const CliOptions& o, std::FILE* out, const CalibrationSummary& s)
{
    if (o.json) {
        auto j = toJson(s);
        j["event"] = "calibration_result";
        std::fprintf(out, "%s\n", j.dump().c_str());
        return;
    }
    std::fprintf(out, "calibration statistics of %s: %zu windows of %d from %s (%llu tokens), %zu inputs, %.1f s\n",
                 s.model.c_str(), s.windows, s.context, s.tokens.c_str(), static_cast<unsigned long long>(s.tokenCount),
                 s.inputs, s.seconds);
}

} // namespace

int runCalibrate(const CliOptions& o, const std::atomic<bool>* cancel, std::FILE* out, std::FILE* err)
{
    const auto s = collect(o, o.textFile, o.tokenFile, o.statsOutput, o.run.force, cancel, out, err);
    printSummary(o, out, s);
    if (!o.json)
        std::fprintf(out, "statistics written to %s (use them with loftq quantize SRC --calib %s -o OUT)\n",
                     s.path.c_str(), s.path.c_str());
    return 0;
}

TemporaryCalibration::TemporaryCalibration(const CliOptions& o, const std::atomic<bool>* cancel, std::FILE* out,
                                           std::FILE* err)
{
    // Beside the export: where the user chose to put large files, and never inside the folder.
    std::string dir = o.run.outputDir;
    while (dir.size() > 1 && dir.back() == '/')
        dir.pop_back();
    const std::filesystem::path folder(dir);
    path_ = (folder.parent_path() / ("." + folder.filename().string() + ".calibration-" + std::to_string(::getpid()) +
                                     ".safetensors"))
                .string();
    printSummary(o, out, collect(o, o.calibrationText, "", path_, false, cancel, out, err));
}

TemporaryCalibration::~TemporaryCalibration()
{
    std::error_code ignored;
    std::filesystem::remove(path_, ignored);
}

} // namespace loftq::cli
