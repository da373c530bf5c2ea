// Runtime choice of the kernels' instruction-set level in a dispatching build (docs/cpu-dispatch.md):
// the highest level this CPU supports, or a lower one named by LOFTQ_CPU_LEVEL.
#include "cpu/kernel_levels.hpp"
#include "loftq/cpu_level.hpp"
#include "loftq/errors.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iterator>

namespace loftq::cpu {
namespace {

struct Level {
    std::string_view name;         // the -march value the kernels were compiled with
    std::string_view instructions; // what it adds, for people
    bool (*supported)();           // the CPU and the OS (saved AVX state) support it
};

// Lowest first, in the order of the levels the build compiles (cmake/LoftqCpuDispatch.cmake).
// __builtin_cpu_supports takes the names both gcc and clang know; every CPU with these has the rest
// of its level (F16C, MOVBE, LZCNT came with AVX2 on every x86-64 that has it).
constexpr Level kLevels[] = {
    {"x86-64-v2", "SSE4.2, POPCNT",
     [] {
         return __builtin_cpu_supports("sse3") && __builtin_cpu_supports("ssse3") &&
                __builtin_cpu_supports("sse4.1") && __builtin_cpu_supports("sse4.2") &&
                __builtin_cpu_supports("popcnt");
     }},
    {"x86-64-v3", "AVX2, FMA",
     [] {
         return __builtin_cpu_supports("avx") && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
                __builtin_cpu_supports("bmi") && __builtin_cpu_supports("bmi2");
     }},
    {"x86-64-v4", "AVX-512",
     [] {
         return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                __builtin_cpu_supports("avx512cd") && __builtin_cpu_supports("avx512dq") &&
                __builtin_cpu_supports("avx512vl");
     }},
};
constexpr int kLevelCount = int(std::size(kLevels));
constexpr const char* kVariable = "LOFTQ_CPU_LEVEL";

int active = 0;
int highestRunnable = -1; // -1: the CPU lacks even the lowest level
bool forced = false;

int highestSupported()
{
    int highest = -1;
    for (int i = 0; i < kLevelCount && kLevels[i].supported(); ++i)
        highest = i;
    return highest;
}

// "v3" or "x86-64-v3"; -1 for anything else.
int levelIndex(std::string_view name)
{
    for (int i = 0; i < kLevelCount; ++i)
        if (name == kLevels[i].name || name == kLevels[i].name.substr(kLevels[i].name.size() - 2))
            return i;
    return -1;
}

std::string levelName(int i)
{
    return std::string(kLevels[i].name) + " (" + std::string(kLevels[i].instructions) + ")";
}

std::string levelList()
{
    std::string list;
    for (int i = 0; i < kLevelCount; ++i)
        list += (i ? ", " : "") + std::string(kLevels[i].name.substr(kLevels[i].name.size() - 2));
    return list;
}

// Why `name` cannot run here, or empty when it can.
std::string refusal(std::string_view name)
{
    const int wanted = levelIndex(name);
    std::string why;
    if (wanted < 0) {
        why.append("'").append(name).append("' is not a level of this build (").append(levelList()).append(")");
    } else if (wanted > highestRunnable) {
        why.append("this CPU lacks ").append(levelName(wanted));
        if (highestRunnable >= 0)
            why.append("; it runs up to ").append(kLevels[highestRunnable].name);
    }
    return why;
}

void install(int level)
{
    const auto& k = detail::kKernelLevels;
    std::copy(k.tables[level], k.tables[level] + k.slots, detail::loftq_cpu_slots);
    active = level;
}

} // namespace

void detail::selectAtStartup()
{
    if (kKernelLevels.levels != std::size_t(kLevelCount)) {
        std::fprintf(stderr, "loftq: the build's %zu kernel levels do not match the %d levels cpu_level_dispatch.cpp "
                             "knows\n", kKernelLevels.levels, kLevelCount);
        std::exit(2);
    }
    highestRunnable = highestSupported();
    if (highestRunnable < 0) {
        std::fprintf(stderr, "loftq: this CPU lacks %s, the lowest level loftq is built for\n", levelName(0).c_str());
        std::exit(2);
    }
    const char* requested = std::getenv(kVariable);
    if (requested && *requested) {
        if (const auto why = refusal(requested); !why.empty()) {
            std::fprintf(stderr, "loftq: %s=%s: %s\n", kVariable, requested, why.c_str());
            std::exit(2);
        }
        forced = true;
        install(levelIndex(requested));
        return;
    }
    install(highestRunnable);
}

std::string_view activeLevel() { return kLevels[active].name; }

std::string levelReport()
{
    std::string report = "cpu: " + levelName(active);
    if (forced)
        return report + ", set by " + kVariable + " (this CPU runs up to " +
               std::string(kLevels[highestRunnable].name) + ")";
    return report + ", the highest this CPU runs of the build's " + levelList();
}

std::vector<std::string_view> runnableLevels()
{
    std::vector<std::string_view> levels;
    for (int i = 0; i <= highestRunnable; ++i)
        levels.push_back(kLevels[i].name);
    return levels;
}

void useLevel(std::string_view name)
{
    if (const auto why = refusal(name); !why.empty())
        throw Error(ErrorKind::BadInput, "CPU level " + why);
    install(levelIndex(name));
}

} // namespace loftq::cpu
