// A driver for the fuzz targets in builds without libFuzzer (gcc, the ASan/UBSan and TSan
// presets): runs LLVMFuzzerTestOneInput on every file given (seed corpus, saved crashes) and on
// deterministic mutations of each (std::mt19937_64 with a fixed seed), so the test suite always
// exercises the parsers on broken input, under whatever sanitizers the build has.
//   usage: fuzz_replay_X [--mutations N] [--seed S] FILE_OR_FOLDER...
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

using Bytes = std::vector<std::uint8_t>;

void run(const Bytes& b) { LLVMFuzzerTestOneInput(b.data(), b.size()); }

// Bytes that matter to JSON and to little-endian lengths.
constexpr std::uint8_t kInteresting[] = {0, 1, 0x7f, 0x80, 0xff, '"', '{', '}', '[', ']', ',', ':',
                                         '-', '.', 'e', '0', '9', '\\', ' ', 0xc0, 0xed, 0xf4};

Bytes mutate(const Bytes& in, std::mt19937_64& rng)
{
    Bytes b = in;
    const int edits = 1 + int(rng() % 4);
    for (int e = 0; e < edits; ++e) {
        const std::size_t n = b.size();
        const std::size_t at = n ? rng() % n : 0;
        switch (rng() % 8) {
        case 0: if (n) b[at] ^= std::uint8_t(1u << (rng() % 8)); break;
        case 1: if (n) b[at] = kInteresting[rng() % sizeof kInteresting]; break;
        case 2: if (n) b.resize(at); break; // truncate
        case 3: if (n) b.erase(b.begin() + std::ptrdiff_t(at), b.begin() + std::ptrdiff_t(std::min(n, at + 1 + rng() % 16))); break;
        case 4: b.insert(b.begin() + std::ptrdiff_t(at), kInteresting[rng() % sizeof kInteresting]); break;
        case 5: if (n > 1) { // duplicate a span
                    const std::size_t len = 1 + rng() % std::min<std::size_t>(n - at, 64);
                    const Bytes span(b.begin() + std::ptrdiff_t(at), b.begin() + std::ptrdiff_t(at + len));
                    b.insert(b.begin() + std::ptrdiff_t(rng() % n), span.begin(), span.end());
                }
                break;
        case 6: if (n >= 16) { // a random 64-bit little-endian number in the first 16 bytes
                    const std::size_t pos = rng() % 9;
                    std::uint64_t v = rng() >> (rng() % 64);
                    for (int i = 0; i < 8; ++i) b[pos + std::size_t(i)] = std::uint8_t(v >> (8 * i));
                }
                break;
        default: if (n) { // change a decimal digit
                    for (std::size_t k = 0; k < n; ++k) {
                        auto& c = b[(at + k) % n];
                        if (c >= '0' && c <= '9') { c = std::uint8_t('0' + rng() % 10); break; }
                    }
                }
        }
    }
    return b;
}

Bytes readFile(const std::filesystem::path& p)
{
    std::ifstream f(p, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

} // namespace

int main(int argc, char** argv)
{
    long mutations = 0;
    std::uint64_t seed = 1;
    std::vector<std::filesystem::path> files;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--mutations" && i + 1 < argc)
            mutations = std::strtol(argv[++i], nullptr, 10);
        else if (a == "--seed" && i + 1 < argc)
            seed = std::strtoull(argv[++i], nullptr, 10);
        else if (std::filesystem::is_directory(a)) {
            for (const auto& e : std::filesystem::directory_iterator(a))
                if (e.is_regular_file())
                    files.push_back(e.path());
        } else if (std::filesystem::is_regular_file(a))
            files.push_back(a);
        else {
            std::fprintf(stderr, "%s: no such file or folder\n", a.c_str());
            return 2;
        }
    }
    std::sort(files.begin(), files.end());
    if (files.empty()) {
        std::fprintf(stderr, "no inputs given\n");
        return 2;
    }
    const auto start = std::chrono::steady_clock::now();
    std::mt19937_64 rng(seed);
    long runs = 0;
    for (const auto& f : files) {
        const Bytes original = readFile(f);
        run(original);
        ++runs;
        Bytes current = original;
        for (long m = 0; m < mutations; ++m) {
            // Mostly fresh mutations of the seed, sometimes a walk that keeps breaking the last one.
            current = mutate(rng() % 4 == 0 ? current : original, rng);
            run(current);
            ++runs;
        }
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("%ld inputs (%zu files, %ld mutations each, seed %llu) in %.2f s: no crash\n", runs, files.size(),
                mutations, static_cast<unsigned long long>(seed), seconds);
    return 0;
}
