#pragma once
// One row per target layer: what it is, what the plan gives it (editable: bits, rank, quantizer,
// steps), its estimated size, and what the last run measured. Edits go to the PlanDocument.
#include "loftq/plan.hpp"

#include <QAbstractTableModel>
#include <optional>

namespace loftq::ui {

class PlanDocument;
class RunResults;

class LayerTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        Name, Block, Role, Shape, DType, Parameters, // what the layer is
        Bits, Rank, Quantizer, Steps,                // the plan (editable)
        Size,                                        // estimated size at its bits, with adapter
        PlannedError,                                // the budget planner's expectation, when the plan has one
        Status, QloraError, LoftqError,              // the last run
        QloraOutputError, LoftqOutputError,          // ... with calibration statistics only
        BestStep,
        ColumnCount
    };
    // Numbers for sorting (the display text of a shape or a size does not sort).
    static constexpr int SortRole = Qt::UserRole;
    // The row's tensor name, whatever the column.
    static constexpr int TensorNameRole = Qt::UserRole + 1;

    LayerTableModel(PlanDocument& document, const RunResults& results, QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    // Bits take bitsChoices() (plan_choices.hpp); rank and steps a positive integer; quantizer "nf" or "uniform".
    bool setData(const QModelIndex& index, const QVariant& value, int role = Qt::EditRole) override;

    static bool isEditable(int column) { return column >= Bits && column <= Steps; }
    static bool isOutputColumn(int column) { return column == QloraOutputError || column == LoftqOutputError; }
    // Whether the last run measured output errors (the view shows their columns only then).
    bool showsOutputErrors() const;

signals:
    void outputColumnsChanged(bool shown);

private:
    QVariant displayData(int row, int column) const;
    // The planner's expected error of the row's layer while the plan still gives it the planned
    // setting (a later edit makes it stale).
    std::optional<double> plannedError(int row) const;
    QVariant sortData(int row, int column) const;
    void layerResultChanged(const QString& tensorName);
    void resultsCleared();

    PlanDocument& document_;
    const RunResults& results_;
    bool outputShown_ = false;
};

// The plan edit a table cell value stands for, if it is a valid one.
std::optional<loftq::LayerPatch> patchForCell(int column, const QVariant& value);

} // namespace loftq::ui
