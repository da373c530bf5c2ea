// `loftq`: the command-line front end. Ctrl-C cancels the run cleanly (exit status 130).
#include "cli_commands.hpp"

#include <atomic>
#include <csignal>
#include <malloc.h>

namespace {
std::atomic<bool> cancelRequested{false};
extern "C" void onInterrupt(int) { cancelRequested.store(true); }
} // namespace

int main(int argc, char** argv)
{
    // Keep freed memory for reuse rather than handing it back to the kernel: every LoftQ step
    // allocates and frees the same buffers (sketches, codes, row-chunk temporaries) and in a VM each
    // first touch of a returned page is a costly fault. Matrices over 32 MiB are still mapped and
    // returned one by one. One 2048 x 2048 matrix: 1.5x faster end to end (BENCHMARKS.md, issue 14).
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
    mallopt(M_TOP_PAD, 64 << 20);
    std::signal(SIGINT, onInterrupt);
    std::signal(SIGTERM, onInterrupt);
    return loftq::cli::runCli({argv + 1, argv + argc}, &cancelRequested, stdout, stderr);
}
