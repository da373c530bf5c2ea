#pragma once
// `loftq calibrate MODEL (--text FILE | --tokens FILE) -o STATS [--max-tokens N] [--context C]
// [--threads N] [--json] [--force]`: calibration statistics of the original model
// (docs/calibration.md), and the same collection for `quantize --calib-text FILE`.
#include "loftq/calibrate.hpp"

#include <atomic>
#include <cstdio>
#include <string>

namespace loftq::cli {

struct CliOptions;

// Throws Error like the other commands; returns the exit status.
int runCalibrate(const CliOptions& o, const std::atomic<bool>* cancel, std::FILE* out, std::FILE* err);

// `quantize --calib-text FILE`: statistics collected beside the export folder with calibrate's
// defaults, used as --calib, and removed when the run ends, whatever way it ends.
class TemporaryCalibration {
public:
    TemporaryCalibration(const CliOptions& o, const std::atomic<bool>* cancel, std::FILE* out, std::FILE* err);
    ~TemporaryCalibration();
    TemporaryCalibration(const TemporaryCalibration&) = delete;
    TemporaryCalibration& operator=(const TemporaryCalibration&) = delete;
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

} // namespace loftq::cli
