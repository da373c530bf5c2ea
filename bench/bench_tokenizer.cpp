// Tokenizer throughput, single-threaded: MB/s encoding a few MB of mixed text (the committed test
// texts: prose, code, CJK, emoji, ...) with each shared tokenizer, the load time of each
// tokenizer file, and as baseline a UTF-8 validating copy of the same text in the same run.
// usage: bench_tokenizer [--shared DIR] [--megabytes N]      (DIR: the shared folder, with tokenizers/)
#include "bench_support.hpp"
#include "loftq/tokenizer.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

using namespace loftq;
namespace fs = std::filesystem;

namespace {

std::string readBytes(const fs::path& path)
{
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// The test texts, repeated up to about megabytes MB.
std::string mixedText(double megabytes)
{
    std::string one;
    for (const auto& entry : fs::directory_iterator(fs::path(LOFTQ_SOURCE_DIR) / "tests/data/tokenizers"))
        if (entry.path().extension() == ".txt")
            one += readBytes(entry.path());
    std::string text;
    while (double(text.size()) < megabytes * 1e6)
        text += one;
    return text;
}

// Best of three runs, in MB/s.
template <typename F>
double megabytesPerSecond(std::size_t bytes, F&& run)
{
    double best = 1e300;
    for (int rep = 0; rep < 3; ++rep) {
        const auto start = std::chrono::steady_clock::now();
        run();
        best = std::min(best, bench::secondsSince(start));
    }
    return double(bytes) / best / 1e6;
}

} // namespace

int main(int argc, char** argv)
{
    fs::path shared = fs::path(LOFTQ_SOURCE_DIR) / "../shared";
    double megabytes = 4;
    for (int i = 1; i + 1 < argc; ++i) {
        if (std::string(argv[i]) == "--shared")
            shared = argv[++i];
        else if (std::string(argv[i]) == "--megabytes")
            megabytes = std::stod(argv[++i]);
    }
    bench::printMachine();
    const auto text = mixedText(megabytes);
    std::printf("inputs: %.1f MB of mixed text (tests/data/tokenizers/*.txt repeated), encoded whole, 1 thread\n",
                double(text.size()) / 1e6);

    std::string copy;
    const double baseline = megabytesPerSecond(text.size(), [&] { replaceInvalidUtf8(text, copy); });
    std::printf("baseline  UTF-8 validating copy: %8.1f MB/s\n", baseline);

    const auto scratch = fs::temp_directory_path() / ("bench_tokenizer_" + std::to_string(::getpid()));
    fs::create_directories(scratch);
    for (const char* name : {"spbpe32k", "qwen3", "gpt2"}) {
        const auto file = scratch / (std::string(name) + "-tokenizer.json");
        const auto command = "xz -dc '" + (shared / "tokenizers" / (std::string(name) + "-tokenizer.json.xz")).string() +
                             "' > '" + file.string() + "'";
        if (std::system(command.c_str()) != 0) {
            std::fprintf(stderr, "bench_tokenizer: could not decompress %s (is --shared right?)\n", name);
            return 1;
        }
        const auto loadStart = std::chrono::steady_clock::now();
        const auto tokenizer = loadTokenizer(file);
        const double loadSeconds = bench::secondsSince(loadStart);
        std::size_t tokens = 0;
        const double speed = megabytesPerSecond(text.size(), [&] { tokens = tokenizer->encode(text, false).size(); });
        std::printf("%-9s load %6.3f s (%.1f MB file)  encode %7.1f MB/s  %zu tokens  ratio to baseline %.4f\n", name,
                    loadSeconds, double(fs::file_size(file)) / 1e6, speed, tokens, speed / baseline);
    }
    fs::remove_all(scratch);
    return 0;
}
