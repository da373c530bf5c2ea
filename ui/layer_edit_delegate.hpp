#pragma once
// Editors for the plan columns of the layer table: a list for bits and quantizer, a spin box for
// rank and steps, so only values the engine accepts can be typed.
#include <QStyledItemDelegate>

namespace loftq::ui {

class LayerEditDelegate : public QStyledItemDelegate {
    Q_OBJECT
public:
    using QStyledItemDelegate::QStyledItemDelegate;
    QWidget* createEditor(QWidget* parent, const QStyleOptionViewItem& option, const QModelIndex& index) const override;
    void setEditorData(QWidget* editor, const QModelIndex& index) const override;
    void setModelData(QWidget* editor, QAbstractItemModel* model, const QModelIndex& index) const override;
};

} // namespace loftq::ui
