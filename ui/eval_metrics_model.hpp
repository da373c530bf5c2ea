#pragma once
// The last evaluation's figures side by side: one column per model (the original, the QLoRA
// initialization = backbone only, LoftQ = backbone + adapter), one row per figure of docs/model.md.
// Qt::UserRole gives the engine's number unrounded (invalid where a figure does not apply).
#include "eval_job.hpp"

#include <QAbstractTableModel>

namespace loftq::ui {

class EvalMetricsModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Original, QloraInit, Loftq, ColumnCount };
    enum Row { Nll, Perplexity, BitsPerByte, MeanKl, P99Kl, Top1Agreement, DeltaNll, RowCount };

    explicit EvalMetricsModel(QObject* parent = nullptr);

    void setOutcome(const EvalOutcome& outcome);
    void clear();

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::optional<double> value(int row, int column) const;

    // Per column: the model's own metrics and, against the original, the comparison.
    std::optional<ModelMetrics> metrics_[ColumnCount];
    std::optional<ComparisonMetrics> comparison_[ColumnCount];
};

} // namespace loftq::ui
