#pragma once
// The plan's rules: "layers whose name matches PATTERN get these bits / this rank", applied in
// order after the defaults and before per-layer edits.
#include "loftq/plan.hpp"

#include <QWidget>

class QComboBox;
class QLineEdit;
class QListWidget;
class QPushButton;
class QSpinBox;

namespace loftq::ui {

class PlanDocument;

class RulesEditor : public QWidget {
    Q_OBJECT
public:
    explicit RulesEditor(PlanDocument& document, QWidget* parent = nullptr);
    // Prefills the pattern (e.g. with the table's filter, so the rule hits what the table shows).
    void setPattern(const QString& pattern);

private:
    void addRule();
    void showRules();

    PlanDocument& document_;
    QLineEdit* pattern_;
    QComboBox* bits_;
    QSpinBox* rank_;
    QListWidget* rules_;
    QPushButton* remove_;
};

// "pattern 'mlp' · blocks 0–3 → 4 bits, rank 32"
QString ruleText(const loftq::PlanRule& rule);

} // namespace loftq::ui
