#include "layer_edit_delegate.hpp"
#include "layer_table_model.hpp"
#include "plan_choices.hpp"

#include <QComboBox>
#include <QSpinBox>

namespace loftq::ui {

QWidget* LayerEditDelegate::createEditor(QWidget* parent, const QStyleOptionViewItem& option,
                                         const QModelIndex& index) const
{
    switch (index.column()) {
    case LayerTableModel::Bits:
    case LayerTableModel::Quantizer: {
        auto* combo = new QComboBox(parent);
        combo->addItems(index.column() == LayerTableModel::Bits ? bitsChoices() : quantizerChoices());
        return combo;
    }
    case LayerTableModel::Rank:
    case LayerTableModel::Steps: {
        auto* spin = new QSpinBox(parent);
        spin->setRange(1, index.column() == LayerTableModel::Rank ? kMaxRank : kMaxSteps);
        return spin;
    }
    default:
        return QStyledItemDelegate::createEditor(parent, option, index);
    }
}

void LayerEditDelegate::setEditorData(QWidget* editor, const QModelIndex& index) const
{
    const QVariant value = index.data(Qt::EditRole);
    if (auto* combo = qobject_cast<QComboBox*>(editor))
        combo->setCurrentText(value.toString());
    else if (auto* spin = qobject_cast<QSpinBox*>(editor))
        spin->setValue(value.toInt());
    else
        QStyledItemDelegate::setEditorData(editor, index);
}

void LayerEditDelegate::setModelData(QWidget* editor, QAbstractItemModel* model, const QModelIndex& index) const
{
    if (auto* combo = qobject_cast<QComboBox*>(editor))
        model->setData(index, combo->currentText());
    else if (auto* spin = qobject_cast<QSpinBox*>(editor))
        model->setData(index, spin->value());
    else
        QStyledItemDelegate::setModelData(editor, model, index);
}

} // namespace loftq::ui
