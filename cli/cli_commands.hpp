#pragma once
// `loftq` commands; returns the process exit status (0, 1, 2 or 130).
#include <atomic>
#include <cstdio>
#include <string>
#include <vector>

namespace loftq::cli {

int runCli(const std::vector<std::string>& args, const std::atomic<bool>* cancel, std::FILE* out, std::FILE* err);

} // namespace loftq::cli
