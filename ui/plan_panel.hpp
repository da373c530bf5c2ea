#pragma once
// The left side of the workspace: filter and presets, the layer table, bulk edit of the selected
// layers, rules by name pattern, and the size estimate.
#include <QList>
#include <QWidget>
#include <set>
#include <string>

class QAction;
class QLineEdit;
class QSortFilterProxyModel;
class QTableView;

namespace loftq::ui {

class BulkEditBar;
class LayerTableModel;
class PlanDocument;
class RulesEditor;

class PlanPanel : public QWidget {
    Q_OBJECT
public:
    PlanPanel(PlanDocument& document, LayerTableModel& model, QWidget* parent = nullptr);

    // All 4-bit, all 2-bit, the paper's mixed 4/2-bit, reset (for the Plan menu too).
    QList<QAction*> presetActions() const { return presetActions_; }
    QTableView* table() const { return table_; }
    QLineEdit* filter() const { return filter_; }
    std::set<std::string> selectedTensorNames() const;
    // Selects the rows of these layers (e.g. to show a state), the first one current.
    void selectLayers(const std::set<std::string>& tensorNames);

signals:
    void selectionChanged(const std::set<std::string>& tensorNames);
    void currentLayerChanged(const QString& tensorName);

private:
    QWidget* makeToolRow();
    void applyFilter(const QString& text);
    void applyMixedPreset();
    void selectionUpdated();

    PlanDocument& document_;
    LayerTableModel& model_;
    QSortFilterProxyModel* proxy_;
    QTableView* table_;
    QLineEdit* filter_;
    BulkEditBar* bulk_;
    RulesEditor* rules_;
    QList<QAction*> presetActions_;
};

} // namespace loftq::ui
