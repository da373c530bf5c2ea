#pragma once
// A chart of the run's results for the document's layers, with the layers selected in the table
// highlighted; it redraws (coalesced) whenever results arrive or the layer list changes. A chart
// that can draw the relative output errors of a run with calibration statistics adds a choice of
// the metric to its header.
#include "chart_widget.hpp"

#include <set>
#include <string>

class QComboBox;

namespace loftq::ui {

class PlanDocument;
class RunResults;

class RunChart : public ChartWidget {
    Q_OBJECT
public:
    RunChart(const QString& title, const PlanDocument& document, const RunResults& results, QWidget* parent = nullptr);
    void setHighlighted(const std::set<std::string>& tensorNames);

    enum class Metric { Weight, Output };
    // Output is drawn only for a run that measured it; the choice stays for the next such run.
    void setMetric(Metric metric);
    Metric metric() const;
    // The metric drawn now.
    bool showsOutputError() const;
    QComboBox* metricBox() const { return metric_; }

protected:
    // Adds the Weight / Output error choice to the header.
    void addMetricBox();
    // The choice is enabled for runs that measured output errors; returns showsOutputError().
    bool updateMetricBox();
    const PlanDocument& document() const { return document_; }
    const RunResults& results() const { return results_; }
    bool isHighlighted(const std::string& tensorName) const { return highlighted_.count(tensorName) > 0; }
    std::size_t highlightedCount() const { return highlighted_.size(); }

private:
    const PlanDocument& document_;
    const RunResults& results_;
    std::set<std::string> highlighted_;
    QComboBox* metric_ = nullptr; // only in charts that added it
};

} // namespace loftq::ui
