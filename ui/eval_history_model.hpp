#pragma once
// Every evaluation finished while the workbench is open, one row each, so that two plans compare
// at a glance: the plan's digest (summary, objective, packed size, mean weight and output errors)
// beside what the model does on text (KL from the original and top-1 agreement, for the QLoRA init
// and LoftQ), so weight-only and output-aware runs of the same plan compare side by side. Plans
// from the budget planner also show the error it expected beside the one the run measured.
// "Save history" writes it as JSON (format loftq-eval-history).
#include "eval_job.hpp"

#include <QAbstractTableModel>
#include <QDateTime>

namespace loftq::ui {

struct EvalHistoryEntry {
    QDateTime finished;
    QString model; // "original", "run", or the export's path
    std::string textFile;
    PlanDigest digest;
    std::optional<EvalResult> original, backbone, full;
};

class EvalHistoryModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Time, Model, Plan, Objective, Size, WeightError, OutputError, KlQlora, KlLoftq, PlannedError,
                  AgreementQlora, AgreementLoftq, Nll, Text, ColumnCount };

    explicit EvalHistoryModel(QObject* parent = nullptr);

    void append(const EvalRequest& request, const EvalOutcome& outcome);
    const std::vector<EvalHistoryEntry>& entries() const { return entries_; }
    nlohmann::json toJson() const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::optional<double> value(const EvalHistoryEntry& e, int column) const;
    std::vector<EvalHistoryEntry> entries_;
};

} // namespace loftq::ui
