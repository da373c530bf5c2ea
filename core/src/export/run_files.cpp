#include "run_files.hpp"

namespace loftq::detail {

std::string reportFileText(const RunReport& report, const Plan& plan) { return report.toJson(plan).dump(2) + "\n"; }

std::string planFileText(const Plan& plan) { return plan.toJson().dump(2) + "\n"; }

std::string manifestText(const std::vector<std::string>& files, const std::string& engineVersion)
{
    return nlohmann::json({{"files", files}, {"engine_version", engineVersion}}).dump(2) + "\n";
}

} // namespace loftq::detail
