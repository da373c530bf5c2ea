#pragma once
// Internal: the PEFT adapter_config.json of an export (docs/formats.md).
#include "loftq/checkpoint.hpp"
#include "loftq/report.hpp"

#include <nlohmann/json.hpp>
#include <string>

namespace loftq::detail {

// PEFT task type from config.json's architectures.
std::string peftTaskType(const Checkpoint& source);
// rank_pattern/alpha_pattern entries give each layer its rank and alpha; target_modules lists
// module-name suffixes where every module of that name is quantized, full paths otherwise.
nlohmann::json makeAdapterConfig(const Checkpoint& source, const RunReport& report, int defaultRank,
                                 double defaultAlpha, const std::string& basePath);

} // namespace loftq::detail
