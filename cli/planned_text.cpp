#include "planned_text.hpp"

#include <cstdio>

namespace loftq::cli {
namespace {

std::string stepsText(int low, int high)
{
    const std::string range = low == high ? std::to_string(low) : std::to_string(low) + "-" + std::to_string(high);
    return range + (high == 1 ? " step" : " steps");
}

} // namespace

std::string plannedVsMeasuredLine(const PlannedVsMeasured& c)
{
    const std::string kind = c.objective.output ? "rel. output error" : "rel. weight error";
    if (!c.notCompared.empty())
        return "planner expected " + kind + ": not compared, " + c.notCompared;
    char buf[256];
    std::snprintf(buf, sizeof buf, "planner expected total %s %.4f (%s measurement); run measured %.4f (%s, exported tensors)",
                  kind.c_str(), c.plannedTotal, stepsText(c.measureStepsMin, c.measureStepsMax).c_str(),
                  c.measuredTotal, stepsText(c.runStepsMin, c.runStepsMax).c_str());
    std::string line = buf;
    line += "; " + std::to_string(c.comparedLayers) + " of " + std::to_string(c.plannedLayers) + " planned layers";
    if (c.changedLayers)
        line += ", " + std::to_string(c.changedLayers) + " changed since planning";
    if (c.otherObjectiveLayers)
        line += ", " + std::to_string(c.otherObjectiveLayers) + " measured on another objective";
    return line;
}

} // namespace loftq::cli
