#pragma once
// A chart of the run's results for the document's layers, with the layers selected in the table
// highlighted; it redraws (coalesced) whenever results arrive or the layer list changes.
#include "chart_widget.hpp"

#include <set>
#include <string>

namespace loftq::ui {

class PlanDocument;
class RunResults;

class RunChart : public ChartWidget {
    Q_OBJECT
public:
    RunChart(const QString& title, const PlanDocument& document, const RunResults& results, QWidget* parent = nullptr);
    void setHighlighted(const std::set<std::string>& tensorNames);

protected:
    const PlanDocument& document() const { return document_; }
    const RunResults& results() const { return results_; }
    bool isHighlighted(const std::string& tensorName) const { return highlighted_.count(tensorName) > 0; }
    std::size_t highlightedCount() const { return highlighted_.size(); }

private:
    const PlanDocument& document_;
    const RunResults& results_;
    std::set<std::string> highlighted_;
};

} // namespace loftq::ui
