#pragma once
// The top of the workspace: filter and presets, the layer table, rules by name pattern, the budget
// control and the calibration (each shown on demand), bulk edit of the selected layers, and the
// size estimate.
#include <QList>
#include <QWidget>
#include <set>
#include <string>

class QAction;
class QGroupBox;
class QHBoxLayout;
class QToolButton;
class QLineEdit;
class QSortFilterProxyModel;
class QTableView;

namespace loftq::ui {

class BudgetPanel;
class BulkEditBar;
class CalibrationPanel;
class LayerTableModel;
class PlanDocument;
class RulesEditor;

class PlanPanel : public QWidget {
    Q_OBJECT
public:
    PlanPanel(PlanDocument& document, LayerTableModel& model, QWidget* parent = nullptr);

    // All 4-bit, all 2-bit, the paper's mixed 4/2-bit, reset (for the Plan menu too).
    QList<QAction*> presetActions() const { return presetActions_; }
    QLineEdit* filter() const { return filter_; }
    void setRulesVisible(bool visible);
    void setBudgetVisible(bool visible);
    BudgetPanel* budgetPanel() const { return budget_; }
    // The calibration (the window makes it: it needs the settings), shown on demand below the budget.
    void addCalibrationPanel(CalibrationPanel* panel);
    void setCalibrationVisible(bool visible);
    CalibrationPanel* calibrationPanel() const { return calibration_; }
    QTableView* table() const { return table_; }
    void setThreads(int threads);
    std::set<std::string> selectedTensorNames() const;
    // Selects the rows of these layers (e.g. to show a state), the first one current.
    void selectLayers(const std::set<std::string>& tensorNames);

signals:
    void selectionChanged(const std::set<std::string>& tensorNames);
    void currentLayerChanged(const QString& tensorName);

private:
    QWidget* makeToolRow();
    QToolButton* makeToggle(const QString& text, const QString& tip, QWidget* shown);
    void applyFilter(const QString& text);
    void applyMixedPreset();
    void selectionUpdated();
    void showOutputColumns(bool shown);

    PlanDocument& document_;
    LayerTableModel& model_;
    QSortFilterProxyModel* proxy_;
    QTableView* table_;
    QLineEdit* filter_;
    BulkEditBar* bulk_;
    RulesEditor* rules_;
    BudgetPanel* budget_;
    CalibrationPanel* calibration_ = nullptr;
    QHBoxLayout* toolRow_ = nullptr;
    QGroupBox* rulesBox_ = nullptr;
    QGroupBox* budgetBox_ = nullptr;
    QGroupBox* calibrationBox_ = nullptr;
    QToolButton* rulesButton_ = nullptr;
    QToolButton* budgetButton_ = nullptr;
    QToolButton* calibrationButton_ = nullptr;
    QList<QAction*> presetActions_;
};

} // namespace loftq::ui
