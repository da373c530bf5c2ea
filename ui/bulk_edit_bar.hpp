#pragma once
// Sets bits, rank, quantizer or steps on every selected layer at once. Fields left at "—" are
// not touched.
#include "loftq/plan.hpp"

#include <QWidget>

class QComboBox;
class QLabel;
class QPushButton;
class QSpinBox;

namespace loftq::ui {

class BulkEditBar : public QWidget {
    Q_OBJECT
public:
    explicit BulkEditBar(QWidget* parent = nullptr);
    void setSelectionCount(int count);
    // The fields the user chose (empty patch when all are "—").
    LayerPatch patch() const;

signals:
    void applyRequested(const loftq::LayerPatch& patch);

private:
    QLabel* count_;
    QComboBox* bits_;
    QSpinBox* rank_;
    QComboBox* quantizer_;
    QSpinBox* steps_;
    QPushButton* apply_;
};

} // namespace loftq::ui
