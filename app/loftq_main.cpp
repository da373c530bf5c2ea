// `loftq`: the command-line front end. Ctrl-C cancels the run cleanly (exit status 130).
#include "cli_commands.hpp"
#include "loftq/memory_reuse.hpp"

#include <atomic>
#include <csignal>

namespace {
std::atomic<bool> cancelRequested{false};
extern "C" void onInterrupt(int) { cancelRequested.store(true); }
} // namespace

int main(int argc, char** argv)
{
    loftq::keepFreedMemoryForReuse();
    std::signal(SIGINT, onInterrupt);
    std::signal(SIGTERM, onInterrupt);
    return loftq::cli::runCli({argv + 1, argv + argc}, &cancelRequested, stdout, stderr);
}
