#pragma once
// Shows runner progress: a one-line bar with ETA on a terminal, one JSON object per line with
// --json, and a line per finished layer otherwise (logs stay readable).
#include "loftq/progress.hpp"

#include <cstdio>

namespace loftq::cli {

class TerminalProgress {
public:
    TerminalProgress(bool json, std::FILE* out, std::FILE* err);
    void operator()(const ProgressEvent& e);

private:
    void drawBar(const ProgressEvent& e);
    bool json_;
    bool tty_;
    std::FILE* out_;
    std::FILE* err_;
    double lastDraw_ = -1;
};

} // namespace loftq::cli
