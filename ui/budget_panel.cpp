#include "budget_panel.hpp"
#include "budget_measurer.hpp"
#include "budget_solver.hpp"
#include "budget_text.hpp"
#include "display_text.hpp"
#include "plan_choices.hpp"
#include "plan_document.hpp"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QVBoxLayout>

namespace loftq::ui {
namespace {

const QString kInvalidStyle = QStringLiteral("color: #b00020");

} // namespace

BudgetPanel::BudgetPanel(PlanDocument& document, QWidget* parent)
    : QWidget(parent), document_(document), measurer_(new BudgetMeasurer(this)), solver_(new BudgetSolver(this)),
      budget_(new QLineEdit(QStringLiteral("3 bits"), this)), ranks_(new QLineEdit(this)),
      measure_(new QPushButton(tr("Measure"), this)), bar_(new QProgressBar(this)), result_(new QLabel(this)),
      runCheck_(new QLabel(this)),
      apply_(new QPushButton(tr("Apply to plan"), this))
{
    budget_->setPlaceholderText(tr("2.5 bits or 12 MB"));
    budget_->setToolTip(tr("Code bits per quantized weight on average (2.5), or the size of the packed export's "
                           "tensors (12 MB, 900 KiB), of which the tensors that stay as stored are taken first"));
    budget_->setMaximumWidth(120);
    ranks_->setPlaceholderText(tr("planned ranks"));
    ranks_->setToolTip(tr("Ranks each layer may take, e.g. 8, 16, 32; empty: each layer keeps its planned rank"));
    ranks_->setMaximumWidth(140);
    measure_->setToolTip(tr("Run LoftQ (one step, fast SVD) on every quantized layer at every allowed setting; "
                            "after that, budgets are solved at once"));
    bar_->setMaximumWidth(200);
    bar_->setVisible(false);
    result_->setWordWrap(true);
    result_->setTextFormat(Qt::RichText);
    result_->setToolTip(errorKindTip(false));
    apply_->setToolTip(tr("Set each layer's bits (and rank) as planned, as per-layer edits"));
    apply_->setEnabled(false);

    auto* row = new QHBoxLayout;
    row->addWidget(new QLabel(tr("Budget:"), this));
    row->addWidget(budget_);
    row->addSpacing(8);
    row->addWidget(new QLabel(tr("bits"), this));
    for (const auto& choice : bitsChoices()) {
        bool isNumber = false;
        const int bits = choice.toInt(&isNumber);
        if (!isNumber)
            continue; // "keep" is not a setting to measure
        auto* box = new QCheckBox(choice, this);
        box->setChecked(true);
        box->setProperty("bits", bits);
        connect(box, &QCheckBox::toggled, this, &BudgetPanel::solve);
        bits_ << box;
        row->addWidget(box);
    }
    row->addSpacing(8);
    row->addWidget(new QLabel(tr("ranks"), this));
    row->addWidget(ranks_);
    row->addWidget(measure_);
    row->addWidget(bar_);
    row->addStretch(1);
    auto* bottom = new QHBoxLayout;
    bottom->addWidget(result_, 1);
    bottom->addWidget(apply_, 0, Qt::AlignTop);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(row);
    layout->addLayout(bottom);
    runCheck_->setWordWrap(true);
    runCheck_->setVisible(false);
    layout->addWidget(runCheck_);

    connect(budget_, &QLineEdit::textChanged, this, &BudgetPanel::solve);
    connect(ranks_, &QLineEdit::textChanged, this, &BudgetPanel::solve);
    connect(measure_, &QPushButton::clicked, this, &BudgetPanel::measureOrCancel);
    connect(apply_, &QPushButton::clicked, this, &BudgetPanel::apply);
    connect(measurer_, &BudgetMeasurer::progress, this, [this](int done, int total, const QString& layer) {
        bar_->setRange(0, total);
        bar_->setValue(done);
        result_->setText(tr("Measuring %1 of %2 settings: %3").arg(done).arg(total).arg(layer.toHtmlEscaped()));
    });
    connect(measurer_, &BudgetMeasurer::measured, this, &BudgetPanel::measured);
    connect(measurer_, &BudgetMeasurer::failed, this, [this](const QString& message) {
        measureStopped(tr("<span style='color:#b00020'>Measuring failed: %1</span>").arg(message.toHtmlEscaped()));
    });
    connect(measurer_, &BudgetMeasurer::cancelled, this,
            [this] { measureStopped(tr("Measuring cancelled; the plan is unchanged.")); });
    connect(solver_, &BudgetSolver::solved, this, &BudgetPanel::showSolution);
    connect(&document_, &PlanDocument::checkpointChanged, this, [this] {
        measurer_->cancel(); // its outcome is dropped: the inputs no longer match
        curves_.reset();
        dropSolution(tr("Measure each layer at the allowed settings to plan for a budget."));
    });
    connect(&document_, &PlanDocument::planChanged, this, &BudgetPanel::checkCurves);
    connect(&document_, &PlanDocument::layersReset, this, &BudgetPanel::checkCurves);
    dropSolution(tr("Measure each layer at the allowed settings to plan for a budget."));
}

QCheckBox* BudgetPanel::bitsBox(int bits) const
{
    for (auto* box : bits_)
        if (box->property("bits").toInt() == bits)
            return box;
    return nullptr;
}

void BudgetPanel::setCalibrationSource(CalibrationSource source)
{
    calibration_ = std::move(source);
    checkCurves();
}

std::optional<RunCalibration> BudgetPanel::calibration(QString* problem) const
{
    return calibration_ ? calibration_(problem) : std::optional(RunCalibration{});
}

std::optional<CurveInputs> BudgetPanel::currentInputs(const BudgetOptions& options) const
{
    const auto now = calibration();
    if (!now)
        return std::nullopt;
    return curveInputs(document_, options, *now);
}

std::vector<int> BudgetPanel::allowedBits() const
{
    std::vector<int> bits;
    for (auto* box : bits_)
        if (box->isChecked())
            bits.push_back(box->property("bits").toInt());
    return bits;
}

void BudgetPanel::measureOrCancel()
{
    if (measurer_->isMeasuring()) {
        measurer_->cancel();
        return;
    }
    const auto ranks = parseRankList(ranks_->text());
    if (!document_.hasCheckpoint() || !ranks)
        return;
    if (allowedBits().empty()) {
        dropSolution(tr("Allow at least one bits setting."));
        return;
    }
    QString problem;
    const auto calibration = this->calibration(&problem);
    if (!calibration) {
        dropSolution(tr("<span style='color:#b00020'>Not measured: %1</span>").arg(problem.toHtmlEscaped()));
        return;
    }
    BudgetOptions options;
    options.bits = allowedBits();
    options.ranks = *ranks;
    options.threads = threads_;
    options.nfArithmetic = document_.nfArithmetic();
    calibration->applyTo(options);
    measuring_ = MeasuredCurves{nullptr, document_.plan(), options, curveInputs(document_, options, *calibration),
                                expectedObjective(options)};
    setMeasuring(true);
    result_->setText(calibration->stats ? tr("Measuring output errors…") : tr("Measuring…"));
    measurer_->start({document_.checkpoint(), document_.plan(), options, calibration->stats});
}

void BudgetPanel::measured(std::shared_ptr<const std::vector<LayerCurve>> curves)
{
    setMeasuring(false);
    MeasuredCurves done = std::move(*measuring_);
    measuring_.reset();
    if (done.inputs != currentInputs(done.options)) {
        dropSolution(tr("The plan or the calibration changed while measuring; measure again."));
        return;
    }
    done.curves = std::move(curves);
    curves_ = std::move(done);
    solve();
}

void BudgetPanel::measureStopped(const QString& message)
{
    setMeasuring(false);
    measuring_.reset();
    if (curves_)
        solve(); // the earlier curves still apply
    else
        dropSolution(message);
}

void BudgetPanel::solve()
{
    const auto budget = parseBudgetText(budget_->text());
    const auto ranks = parseRankList(ranks_->text());
    budget_->setStyleSheet(budget ? QString() : kInvalidStyle);
    ranks_->setStyleSheet(ranks ? QString() : kInvalidStyle);
    if (!curves_ || measurer_->isMeasuring())
        return;
    if (!budget || !ranks) {
        dropSolution(tr("Enter a budget as bits per weight (2.5) or a size (12 MB), and ranks as a list (8, 16)."));
        return;
    }
    const auto bits = allowedBits();
    if (bits.empty() || !covers(curves_->options, bits, *ranks)) {
        dropSolution(tr("These settings were not all measured: press Measure."));
        return;
    }
    solution_.reset();
    apply_->setEnabled(false);
    solver_->solve({document_.checkpoint(), curves_->plan, curves_->curves, *budget, bits, *ranks, curves_->objective,
                    curves_->options.measureSteps});
}

void BudgetPanel::showSolution(const BudgetSolution& solution)
{
    solution_ = solution;
    result_->setText(solutionText(solution));
    result_->setToolTip(errorKindTip(solution.outputError));
    apply_->setEnabled(solution.error.isEmpty());
    emit solutionChanged();
}

void BudgetPanel::showRunCheck(const std::optional<PlannedVsMeasured>& comparison)
{
    runCheck_->setVisible(comparison.has_value());
    runCheck_->setText(comparison ? tr("Last run: %1").arg(plannedVsMeasuredText(*comparison)) : QString());
}

void BudgetPanel::apply()
{
    if (solution_ && solution_->error.isEmpty())
        document_.patchEachLayer(solution_->patches, solution_->expectation);
}

void BudgetPanel::checkCurves()
{
    if (curves_ && curves_->inputs != currentInputs(curves_->options)) {
        curves_.reset();
        dropSolution(tr("The plan's quantizers, block sizes, ranks or kept layers, or the calibration, changed: "
                        "measure again."));
    }
}

void BudgetPanel::dropSolution(const QString& message)
{
    solver_->discard();
    const bool hadSolution = solution_.has_value();
    solution_.reset();
    apply_->setEnabled(false);
    result_->setText(message);
    if (hadSolution)
        emit solutionChanged();
}

void BudgetPanel::setMeasuring(bool measuring)
{
    measure_->setText(measuring ? tr("Cancel") : tr("Measure"));
    bar_->setVisible(measuring);
    bar_->setRange(0, 0); // busy until the first setting is measured
    budget_->setEnabled(!measuring);
    ranks_->setEnabled(!measuring);
    for (auto* box : bits_)
        box->setEnabled(!measuring);
    apply_->setEnabled(!measuring && solution_ && solution_->error.isEmpty());
}

} // namespace loftq::ui
