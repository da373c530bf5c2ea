#pragma once
// KL(original ‖ model) of every prediction along the text, for the QLoRA initialization (grey) and
// LoftQ (blue): where in the text the quantized model parts from the original, and by how much.
// The worst predictions are marked.
#include "chart_widget.hpp"
#include "eval_job.hpp"

namespace loftq::ui {

class EvalKlChart : public ChartWidget {
    Q_OBJECT
public:
    explicit EvalKlChart(QWidget* parent = nullptr);

    void setOutcome(const EvalOutcome& outcome);
    void setMessage(const QString& message); // in place of the data (an evaluation running, failed)
    std::size_t pointCount() const { return loftq_.size(); }

protected:
    void rebuild() override;

private:
    std::vector<float> qlora_, loftq_;
    std::vector<std::size_t> worstIndices_; // into loftq_
    QString message_;
};

} // namespace loftq::ui
