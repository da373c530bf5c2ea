#pragma once
// How numbers and names read on screen, shared by the table, the charts and the panels.
#include "loftq/plan.hpp"
#include "loftq/planned_vs_measured.hpp"
#include "loftq/targets.hpp"

#include <QString>
#include <cstdint>

namespace loftq::ui {

QString humanBytes(std::uint64_t bytes);        // "11.8 MiB"
QString durationText(double seconds);           // "0:07", "1:02:03"
QString bitsText(const LayerPlan& plan);        // "4", "keep"
QString shapeText(const LayerDescriptor& layer); // "1408 × 512"
// A short axis label: block and role, "3 q_proj" (the stack's initial for encoder-decoder models).
QString shortLayerLabel(const LayerDescriptor& layer);
// The budget planner's expected total error beside the run's measured one, in a sentence that
// says what differs (steps, exported tensors), or why the two are not compared.
QString plannedVsMeasuredText(const PlannedVsMeasured& comparison);

} // namespace loftq::ui
