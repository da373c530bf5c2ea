#include "size_estimate_label.hpp"
#include "display_text.hpp"
#include "plan_document.hpp"

namespace loftq::ui {

SizeEstimateLabel::SizeEstimateLabel(const PlanDocument& document, QWidget* parent)
    : QLabel(parent), document_(document)
{
    setWordWrap(true);
    setTextFormat(Qt::RichText);
    setToolTip(tr("Targets at their planned bits (codes plus one float32 scale per block), LoRA adapters in the "
                  "adapter dtype, every other tensor as stored. The HF + PEFT export stores the quantized weights "
                  "dequantized, at the original size, plus the adapters."));
    connect(&document_, &PlanDocument::planChanged, this, &SizeEstimateLabel::refresh);
    connect(&document_, &PlanDocument::layersReset, this, &SizeEstimateLabel::refresh);
    refresh();
}

void SizeEstimateLabel::refresh()
{
    if (!document_.hasCheckpoint()) {
        clear();
        return;
    }
    const auto e = document_.sizeEstimate();
    const double ratio = e.sourceBytes ? double(e.total()) / double(e.sourceBytes) : 0.0;
    setText(tr("<b>Estimated size: %1</b> (backbone %2 + adapters %3) against %4 original: <b>%5%</b>, "
               "targets at %6 bits on average")
                .arg(humanBytes(e.total()), humanBytes(e.backboneBytes), humanBytes(e.adapterBytes),
                     humanBytes(e.sourceBytes))
                .arg(100.0 * ratio, 0, 'f', 1)
                .arg(e.averageTargetBits, 0, 'f', 2));
}

} // namespace loftq::ui
