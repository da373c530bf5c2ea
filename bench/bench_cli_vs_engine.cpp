// `loftq quantize` end to end against the engine alone on the same matrix, in one run: a
// one-matrix checkpoint (bf16, as models are stored), LoftQ on its weight through runLoftq with the
// runner's own settings, then the CLI as a separate process (read, LoftQ, exported-error
// measurement, writing the hf-peft export). Runs alternate so both see the same load; the best of
// each is compared. The ratio is what the CLI costs beyond its engine. The CLI is started with
// posix_spawn, not through a shell, and writes into a new folder each run (the previous one is
// removed before the clock starts), as a user's export does: replacing files would time the
// file system's freeing of the old ones.
// usage: bench_cli_vs_engine [--size 2048x2048] [--threads 2] [--repeat 3] [--format hf-peft]
//                            [--loftq PATH] [--workdir DIR]     (nf2, rank 64, 5 steps, fast SVD)
#include "bench_support.hpp"
#include "loftq/atomic_file.hpp"
#include "loftq/dtype.hpp"
#include "loftq/layer_job.hpp"
#include "loftq/safetensors.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace loftq;
namespace fs = std::filesystem;

namespace {

// One q_proj of block 0, a default LoftQ target, stored as bf16.
std::string writeCheckpoint(const fs::path& folder, Eigen::Index rows, Eigen::Index cols)
{
    fs::create_directories(folder);
    const MatrixRM W = bench::syntheticWeight(rows, cols, 1);
    std::vector<std::byte> bytes(std::size_t(W.size()) * 2);
    fromFloat32(DType::BF16, W.data(), bytes.data(), std::size_t(W.size()));
    TensorInfo info{"model.layers.0.self_attn.q_proj.weight", DType::BF16, {rows, cols}, 0, bytes.size()};
    const std::string path = (folder / "model.safetensors").string();
    AtomicFile f(path);
    f.write(serializeSafetensorsHeader({info}, {{"format", "pt"}}));
    f.write(std::span<const std::byte>(bytes));
    f.commit();
    return path;
}

// Runs argv with stdout sent to `log`; its exit status, or -1 when it could not start.
int runProcess(const std::vector<std::string>& args, const std::string& log)
{
    std::vector<char*> argv;
    for (const auto& a : args)
        argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    pid_t pid = 0;
    const int spawned = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (spawned != 0)
        return -1;
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

} // namespace

int main(int argc, char** argv)
{
    // The setting: nf2, rank 64, 5 steps, fast SVD.
    constexpr int bits = 2, rank = 64, steps = 5;
    Eigen::Index rows = 2048, cols = 2048;
    int threads = 2, repeat = 3;
    std::string loftqPath = (fs::path(argv[0]).parent_path() / "loftq").string();
    std::string format = "hf-peft";
    fs::path work = fs::temp_directory_path() / "loftq-bench-cli";
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string a = argv[i], v = argv[i + 1];
        if (a == "--size") {
            rows = std::stol(v.substr(0, v.find('x')));
            cols = std::stol(v.substr(v.find('x') + 1));
        } else if (a == "--threads" || a == "--repeat") {
            (a == "--threads" ? threads : repeat) = std::stoi(v);
        } else if (a == "--loftq" || a == "--format") {
            (a == "--loftq" ? loftqPath : format) = v;
        } else if (a == "--workdir") {
            work = v;
        } else {
            std::fprintf(stderr, "unknown option %s\n", a.c_str());
            return 2;
        }
    }
    if (!fs::exists(loftqPath)) {
        std::fprintf(stderr, "bench_cli_vs_engine: %s is missing (build the loftq target, or pass --loftq)\n",
                     loftqPath.c_str());
        return 2;
    }
    const std::string source = writeCheckpoint(work / "src", rows, cols);
    const std::string out = (work / "out").string();

    // The engine's input and settings exactly as the runner makes them.
    Plan plan;
    plan.defaults.bits = bits;
    plan.defaults.rank = rank;
    plan.defaults.steps = steps;
    plan.svd = SvdMethod::Fast;
    const auto cp = Checkpoint::open(source);
    const auto layers = planLayers(cp, plan);
    const MatrixRM W = readLayerWeight(cp, layers.at(0).layer);
    const LoftqSettings settings = loftqSettingsFor(plan, layers.at(0), threads);
    const std::vector<std::string> command = {loftqPath, "quantize", source, "-o", out,
                                              "--bits", std::to_string(bits), "--rank", std::to_string(rank),
                                              "--iters", std::to_string(steps), "--svd", "fast",
                                              "--threads", std::to_string(threads), "--format", format, "--json"};
    const std::string log = (work / "log.jsonl").string();

    bench::printMachine();
    std::printf("inputs: %ldx%ld bf16, nf%d, rank %d, %d steps, fast SVD, %d threads, --format %s, best of %d\n",
                long(rows), long(cols), bits, rank, steps, threads, format.c_str(), repeat);
    std::printf("%-4s %10s %10s %8s\n", "run", "engine_s", "cli_s", "ratio");
    double bestEngine = 1e30, bestCli = 1e30;
    for (int r = 1; r <= repeat; ++r) {
        auto start = std::chrono::steady_clock::now();
        const auto result = runLoftq(W, settings);
        const double engine = bench::secondsSince(start);
        fs::remove_all(out);
        start = std::chrono::steady_clock::now();
        if (runProcess(command, log) != 0) {
            std::fprintf(stderr, "bench_cli_vs_engine: %s quantize failed (its output: %s)\n", loftqPath.c_str(),
                         log.c_str());
            return 1;
        }
        const double cli = bench::secondsSince(start);
        std::printf("%-4d %10.3f %10.3f %7.2fx\n", r, engine, cli, cli / engine);
        std::fflush(stdout);
        bestEngine = std::min(bestEngine, engine);
        bestCli = std::min(bestCli, cli);
        (void)result;
    }
    std::printf("best %10.3f %10.3f %7.2fx  (loftq quantize end to end / engine alone)\n", bestEngine, bestCli,
                bestCli / bestEngine);
    fs::remove_all(work);
    return 0;
}
