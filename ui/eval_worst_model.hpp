#pragma once
// The evaluation's worst predictions (where LoftQ strays most from the original, or, for the
// original alone, its least likely tokens), each with the text around it as the tokenizer decodes it.
#include "eval_job.hpp"

#include <QAbstractTableModel>

namespace loftq::ui {

class EvalWorstModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Position, Kl, Nll, Expected, ModelTop1, OriginalTop1, Text, ColumnCount };

    explicit EvalWorstModel(QObject* parent = nullptr);

    void setOutcome(const EvalOutcome& outcome);
    void clear();

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::vector<WorstPrediction> worst_;
    std::vector<WorstInText> text_;
    bool compared_ = false; // against an original: KL and the original's guess apply
};

// Text with line breaks and tabs made visible, for one-line cells ("a⏎b").
QString visibleText(const std::string& text);

} // namespace loftq::ui
