#pragma once
// How the budget control reads its fields and shows a solution.
#include "budget_solution.hpp"

#include <QString>
#include <optional>
#include <vector>

namespace loftq::ui {

// "2.5" or "2.5 bits": code bits per target weight; "12 MB", "900 KiB": the packed tensors' size.
std::optional<Budget> parseBudgetText(const QString& text);
// "8, 16 32": ranks (each 1..kMaxRank); empty text: none (the planned ranks). Invalid: nullopt.
std::optional<std::vector<int>> parseRankList(const QString& text);
// Rich text: what the plan reaches (bits, bytes, expected error) and the paper's preset beside it.
QString solutionText(const BudgetSolution& solution);
// The expected error as the control shows it (4 decimals).
QString errorText(double totalRelError);
// What the expected error is: the weight error, or the output error on the calibration statistics.
QString errorKindTip(bool outputError);

} // namespace loftq::ui
