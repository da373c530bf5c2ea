#include "bulk_edit_bar.hpp"
#include "layer_table_model.hpp"
#include "plan_choices.hpp"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>

namespace loftq::ui {
namespace {

const QString kUnchanged = QStringLiteral("—");

QComboBox* choiceBox(const QStringList& choices, QWidget* parent)
{
    auto* box = new QComboBox(parent);
    box->addItem(kUnchanged);
    box->addItems(choices);
    return box;
}

// A spin box whose minimum (0) reads "—": leave the field as it is.
QSpinBox* optionalSpin(int max, QWidget* parent)
{
    auto* spin = new QSpinBox(parent);
    spin->setRange(0, max);
    spin->setSpecialValueText(kUnchanged);
    return spin;
}

void mergeCell(LayerPatch& into, int column, const QVariant& value)
{
    if (const auto p = patchForCell(column, value))
        into.mergeFrom(*p);
}

} // namespace

BulkEditBar::BulkEditBar(QWidget* parent)
    : QWidget(parent), count_(new QLabel(this)), bits_(choiceBox(bitsChoices(), this)),
      rank_(optionalSpin(kMaxRank, this)), quantizer_(choiceBox(quantizerChoices(), this)),
      steps_(optionalSpin(kMaxSteps, this)), apply_(new QPushButton(tr("Apply to selected"), this))
{
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(count_);
    layout->addWidget(new QLabel(tr("bits"), this));
    layout->addWidget(bits_);
    layout->addWidget(new QLabel(tr("rank"), this));
    layout->addWidget(rank_);
    layout->addWidget(new QLabel(tr("quantizer"), this));
    layout->addWidget(quantizer_);
    layout->addWidget(new QLabel(tr("steps"), this));
    layout->addWidget(steps_);
    layout->addWidget(apply_);
    layout->addStretch(1);
    apply_->setToolTip(tr("Set the chosen fields on every selected layer (fields at — stay as they are)"));
    connect(apply_, &QPushButton::clicked, this, [this] { emit applyRequested(patch()); });
    setSelectionCount(0);
}

void BulkEditBar::setSelectionCount(int count)
{
    count_->setText(tr("%n selected:", nullptr, count));
    apply_->setEnabled(count > 0);
}

LayerPatch BulkEditBar::patch() const
{
    LayerPatch p;
    if (bits_->currentIndex() > 0)
        mergeCell(p, LayerTableModel::Bits, bits_->currentText());
    if (rank_->value() > 0)
        mergeCell(p, LayerTableModel::Rank, rank_->value());
    if (quantizer_->currentIndex() > 0)
        mergeCell(p, LayerTableModel::Quantizer, quantizer_->currentText());
    if (steps_->value() > 0)
        mergeCell(p, LayerTableModel::Steps, steps_->value());
    return p;
}

} // namespace loftq::ui
