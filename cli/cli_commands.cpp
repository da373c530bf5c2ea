#include "cli_commands.hpp"
#include "cli_options.hpp"
#include "layer_table.hpp"
#include "terminal_progress.hpp"
#include "loftq/errors.hpp"

namespace loftq::cli {
namespace {

int inspect(const CliOptions& o, std::FILE* out)
{
    const auto cp = Checkpoint::open(o.source);
    printInspection(cp, selectTargets(cp, o.plan.targets), o.json, out);
    return 0;
}

int quantize(const CliOptions& o, const std::atomic<bool>* cancel, std::FILE* out, std::FILE* err)
{
    const auto cp = Checkpoint::open(o.source);
    TerminalProgress progress(o.json, out, err);
    const auto report = runJob(cp, o.plan, o.run, std::ref(progress), cancel);
    if (!o.json) {
        printLayerTable(report, out);
        std::fprintf(out, "export written to %s\n", o.run.outputDir.c_str());
    }
    return 0;
}

} // namespace

int runCli(const std::vector<std::string>& args, const std::atomic<bool>* cancel, std::FILE* out, std::FILE* err)
{
    try {
        const auto o = parseCommandLine(args);
        if (o.command == "help") {
            std::fputs(usageText().c_str(), out);
            return 0;
        }
        if (o.command == "version") {
            std::fprintf(out, "loftq %s\n", LOFTQ_VERSION);
            return 0;
        }
        if (o.command == "inspect")
            return inspect(o, out);
        return quantize(o, cancel, out, err);
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
