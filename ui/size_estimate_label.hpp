#pragma once
// The live estimate of the exported size (backbone at its bits plus adapters) against the original.
#include <QLabel>

namespace loftq::ui {

class PlanDocument;

class SizeEstimateLabel : public QLabel {
    Q_OBJECT
public:
    explicit SizeEstimateLabel(const PlanDocument& document, QWidget* parent = nullptr);

private:
    void refresh();
    const PlanDocument& document_;
};

} // namespace loftq::ui
