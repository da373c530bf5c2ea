#include "calibration_panel.hpp"
#include "calibration_controller.hpp"
#include "display_text.hpp"
#include "plan_document.hpp"
#include "token_window_boxes.hpp"
#include "loftq/calib_objective.hpp"

#include <QComboBox>
#include <QDoubleValidator>
#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <cmath>

namespace loftq::ui {
namespace {

constexpr double kMaxDamping = 1e6; // as the CLI's --damping
const QString kErrorStyle = QStringLiteral("color: #b00020");

} // namespace

CalibrationPanel::CalibrationPanel(const PlanDocument& document, WorkbenchSettings& settings, QWidget* parent)
    : QWidget(parent), document_(document), settings_(settings), controller_(new CalibrationController({}, this)),
      sourceBox_(new QComboBox(this)), file_(new QLineEdit(this)), browse_(new QPushButton(tr("Browse…"), this)),
      prepare_(new QPushButton(this)), tokens_(new QSpinBox(this)), context_(new QSpinBox(this)),
      objective_(new QComboBox(this)), damping_(new QLineEdit(this)), cancel_(new QPushButton(tr("Cancel"), this)),
      bar_(new QProgressBar(this)), status_(new QLabel(this))
{
    sourceBox_->addItem(tr("None: plain LoftQ"), int(CalibrationSource::None));
    sourceBox_->addItem(tr("Collect from a text"), int(CalibrationSource::Text));
    sourceBox_->addItem(tr("Statistics file"), int(CalibrationSource::Statistics));
    sourceBox_->setToolTip(tr("Where the statistics of each layer's inputs (H = XᵀX) come from: a text the open model "
                              "reads (collected here, as loftq calibrate does), or a file loftq calibrate wrote"));
    file_->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    setUpTokensBox(tokens_, settings_.calibrationMaxTokens());
    setUpContextBox(context_, settings_.calibrationContext());
    objective_->addItem(tr("Output: fit each adapter to its layer's outputs"), false);
    objective_->addItem(tr("Weight: plain LoftQ, output errors measured"), true);
    objective_->setCurrentIndex(settings_.calibrationWeightObjective() ? 1 : 0);
    objective_->setToolTip(tr("What the alternating steps minimize. Weight keeps plain LoftQ and still reports each "
                              "layer's output error, to compare the two objectives on the same statistics."));
    auto* validator = new QDoubleValidator(0.0, kMaxDamping, 12, damping_);
    validator->setLocale(QLocale::c());
    validator->setNotation(QDoubleValidator::ScientificNotation);
    damping_->setValidator(validator);
    damping_->setText(settings_.calibrationDamping());
    damping_->setPlaceholderText(tr("default %1").arg(kDefaultDamping));
    damping_->setMaximumWidth(120);
    damping_->setToolTip(tr("Added to H as damping × mean(diag H) before it is factored; empty: the statistics' "
                            "default. Larger values trust the calibration text less."));
    bar_->setRange(0, CalibrationController::kProgressSteps);
    bar_->setMaximumWidth(200);
    status_->setWordWrap(true);
    status_->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto* grid = new QGridLayout(this);
    grid->setContentsMargins(0, 0, 0, 0);
    auto* sourceRow = new QHBoxLayout;
    sourceRow->addWidget(sourceBox_);
    sourceRow->addWidget(file_, 1);
    sourceRow->addWidget(browse_);
    sourceRow->addWidget(prepare_);
    sourceRow->addWidget(bar_);
    sourceRow->addWidget(cancel_);
    auto* optionsRow = new QHBoxLayout;
    optionsRow->addWidget(new QLabel(tr("Tokens:"), this));
    optionsRow->addWidget(tokens_);
    optionsRow->addWidget(new QLabel(tr("Context:"), this));
    optionsRow->addWidget(context_);
    optionsRow->addSpacing(16);
    optionsRow->addWidget(new QLabel(tr("Objective:"), this));
    optionsRow->addWidget(objective_);
    optionsRow->addWidget(new QLabel(tr("Damping:"), this));
    optionsRow->addWidget(damping_);
    optionsRow->addStretch(1);
    grid->addWidget(new QLabel(tr("Statistics:"), this), 0, 0);
    grid->addLayout(sourceRow, 0, 1);
    grid->addLayout(optionsRow, 1, 1);
    grid->addWidget(status_, 2, 1);
    grid->setColumnStretch(1, 1);

    sourceBox_->setCurrentIndex(sourceBox_->findData(int(settings_.calibrationSource())));

    connect(sourceBox_, &QComboBox::currentIndexChanged, this, &CalibrationPanel::sourceChosen);
    connect(file_, &QLineEdit::returnPressed, this, &CalibrationPanel::prepare);
    connect(file_, &QLineEdit::textEdited, this, [this] {
        forgetStatistics(); // they were of the file named before
        showStatus(tr("Press %1 to use this file.").arg(prepare_->text()));
        emit calibrationChanged();
    });
    connect(browse_, &QPushButton::clicked, this, &CalibrationPanel::chooseFile);
    connect(prepare_, &QPushButton::clicked, this, &CalibrationPanel::prepare);
    connect(cancel_, &QPushButton::clicked, this, &CalibrationPanel::cancel);
    connect(tokens_, &QSpinBox::valueChanged, this, [this](int v) { settings_.setCalibrationMaxTokens(v); });
    connect(context_, &QSpinBox::valueChanged, this, [this](int v) { settings_.setCalibrationContext(v); });
    connect(objective_, &QComboBox::currentIndexChanged, this, [this] {
        settings_.setCalibrationWeightObjective(objective_->currentData().toBool());
        emit calibrationChanged();
    });
    connect(damping_, &QLineEdit::textChanged, this, [this](const QString& text) {
        bool valid = false;
        damping(&valid);
        damping_->setStyleSheet(valid ? QString() : kErrorStyle);
        if (valid)
            settings_.setCalibrationDamping(text.trimmed());
        emit calibrationChanged();
    });

    connect(controller_, &CalibrationController::progress, this, [this](double fraction, const QString& what) {
        bar_->setValue(int(fraction * CalibrationController::kProgressSteps));
        showStatus(tr("Collecting statistics from %1… %2").arg(QFileInfo(file_->text()).fileName(), what));
    });
    connect(controller_, &CalibrationController::ready, this, &CalibrationPanel::showReady);
    connect(controller_, &CalibrationController::failed, this, &CalibrationPanel::showFailure);
    connect(controller_, &CalibrationController::cancelled, this, [this] {
        if (isCurrent()) // not when a newer choice asked for the cancel
            showStatus(tr("Cancelled; no statistics were kept. Press %1 to prepare them again.").arg(prepare_->text()));
    });
    connect(controller_, &CalibrationController::stopped, this, [this] {
        updateControls();
        emit calibrationChanged();
    });
    // Statistics belong to the checkpoint they were checked against.
    connect(&document_, &PlanDocument::checkpointChanged, this, [this] {
        forgetStatistics();
        controller_->cancel();
        preparingFor_ = nullptr;
        if (source() == CalibrationSource::Statistics && !file_->text().trimmed().isEmpty())
            prepare(); // reading a file is quick; collecting from a text is not started unasked
        else
            sourceChosen();
    });
    sourceChosen();
}

// The controller, a child, cancels and joins its work as it is destroyed.
CalibrationPanel::~CalibrationPanel() = default;

CalibrationSource CalibrationPanel::source() const { return CalibrationSource(sourceBox_->currentData().toInt()); }

void CalibrationPanel::setSource(CalibrationSource source)
{
    sourceBox_->setCurrentIndex(sourceBox_->findData(int(source)));
}

bool CalibrationPanel::isBusy() const { return controller_->isBusy(); }

void CalibrationPanel::useTextFile(const QString& path)
{
    setSource(CalibrationSource::Text);
    file_->setText(path);
    prepare();
}

void CalibrationPanel::useStatisticsFile(const QString& path)
{
    setSource(CalibrationSource::Statistics);
    file_->setText(path);
    prepare();
}

void CalibrationPanel::sourceChosen()
{
    const auto s = source();
    settings_.setCalibrationSource(s);
    forgetStatistics();
    controller_->cancel();
    preparingFor_ = nullptr;
    file_->setText(s == CalibrationSource::Text ? settings_.calibrationTextFile() : settings_.calibrationStatsFile());
    file_->setPlaceholderText(s == CalibrationSource::Text ? tr("a UTF-8 text the model reads")
                                                           : tr("a .safetensors file written by loftq calibrate"));
    prepare_->setText(s == CalibrationSource::Text ? tr("Collect") : tr("Load"));
    switch (s) {
    case CalibrationSource::None:
        showStatus(tr("Plain LoftQ: every weight counts the same. Choose a text or statistics file to fit the adapters "
                      "to what each layer outputs on real inputs, and to see output errors."));
        break;
    case CalibrationSource::Text:
        showStatus(file_->text().isEmpty()
                       ? tr("Choose a text (Browse…): the open model reads it once, in the background, and each "
                            "layer's input statistics are kept for the runs.")
                       : tr("Press Collect to gather the statistics of %1 on the open model.")
                             .arg(QFileInfo(file_->text()).fileName()));
        break;
    case CalibrationSource::Statistics:
        showStatus(tr("Choose a statistics file of this model (loftq calibrate MODEL --text FILE -o STATS)."));
        break;
    }
    updateControls();
    emit calibrationChanged();
}

void CalibrationPanel::chooseFile()
{
    const bool text = source() == CalibrationSource::Text;
    const QString start = file_->text().isEmpty() ? settings_.lastDirectory() : QFileInfo(file_->text()).absolutePath();
    const QString path =
        text ? QFileDialog::getOpenFileName(this, tr("Calibration text"), start, tr("Text (*.txt *.md);;All files (*)"))
             : QFileDialog::getOpenFileName(this, tr("Calibration statistics"), start,
                                            tr("Calibration statistics (*.safetensors);;All files (*)"));
    if (path.isEmpty())
        return;
    file_->setText(path);
    prepare();
}

void CalibrationPanel::prepare()
{
    const auto s = source();
    const QString path = file_->text().trimmed();
    if (s == CalibrationSource::None)
        return;
    forgetStatistics();
    controller_->cancel(); // whatever was being prepared is not wanted any more
    preparingFor_ = nullptr;
    if (!document_.hasCheckpoint()) {
        showStatus(tr("Open a checkpoint first: statistics belong to one model."));
        return;
    }
    if (path.isEmpty() || !QFileInfo(path).isFile()) {
        showStatus(path.isEmpty() ? tr("Choose a file first.") : tr("%1: no such file.").arg(path), true);
        return;
    }
    preparingFor_ = document_.checkpoint().get();
    if (s == CalibrationSource::Text) {
        settings_.setCalibrationTextFile(path);
        statsName_ = tr("%1 (collected by the workbench)").arg(path);
        EvalOptions windows;
        windows.context = context_->value();
        windows.maxTokens = std::size_t(tokens_->value());
        windows.threads = threads_;
        bar_->setValue(0);
        showStatus(tr("Collecting statistics from %1…").arg(QFileInfo(path).fileName()));
        controller_->collect(document_.checkpoint(), path, windows);
    } else {
        settings_.setCalibrationStatsFile(path);
        statsName_ = path;
        showStatus(tr("Reading %1…").arg(QFileInfo(path).fileName()));
        controller_->load(document_.checkpoint(), path);
    }
    updateControls();
    emit calibrationChanged();
}

void CalibrationPanel::cancel() { controller_->cancel(); }

bool CalibrationPanel::isCurrent() const { return preparingFor_ && preparingFor_ == document_.checkpoint().get(); }

void CalibrationPanel::showFailure(const QString& message)
{
    if (isCurrent())
        showStatus(tr("No statistics: %1").arg(message), true);
}

void CalibrationPanel::showReady(const CalibrationOutcome& outcome)
{
    if (!isCurrent())
        return; // of another source or checkpoint: dropped (a collected file goes with it)
    stats_ = outcome.stats;
    const auto& m = stats_->manifest();
    const QString what = tr("%1 tokens in windows of %2, %3 inputs")
                             .arg(QLocale().toString(qulonglong(m.tokens)))
                             .arg(m.context)
                             .arg(m.inputs.size());
    if (outcome.collected)
        showStatus(tr("Statistics ready: %1 from %2, collected in %3 (kept in a temporary file until they are no "
                      "longer needed).")
                       .arg(what, QFileInfo(file_->text()).fileName(), durationText(outcome.seconds)));
    else
        showStatus(tr("Statistics ready: %1, collected on %2.").arg(what, QString::fromStdString(m.model)));
    damping_->setPlaceholderText(tr("default %1").arg(m.dampingDefault));
}

void CalibrationPanel::showStatus(const QString& text, bool isError)
{
    status_->setText(text);
    status_->setStyleSheet(isError ? kErrorStyle : QString());
}

void CalibrationPanel::forgetStatistics()
{
    stats_.reset(); // a collected file goes once no run holds it either
    damping_->setPlaceholderText(tr("default %1").arg(kDefaultDamping));
}

void CalibrationPanel::updateControls()
{
    const auto s = source();
    const bool busy = isBusy();
    const bool chosen = s != CalibrationSource::None;
    file_->setEnabled(chosen && !busy);
    browse_->setEnabled(chosen && !busy);
    prepare_->setEnabled(chosen && !busy && document_.hasCheckpoint());
    tokens_->setEnabled(s == CalibrationSource::Text && !busy);
    context_->setEnabled(s == CalibrationSource::Text && !busy);
    objective_->setEnabled(chosen);
    damping_->setEnabled(chosen);
    cancel_->setVisible(busy);
    bar_->setVisible(busy);
}

std::optional<double> CalibrationPanel::damping(bool* valid) const
{
    const QString text = damping_->text().trimmed();
    *valid = true;
    if (text.isEmpty())
        return std::nullopt;
    bool ok = false;
    const double value = QLocale::c().toDouble(text, &ok);
    *valid = ok && std::isfinite(value) && value >= 0 && value <= kMaxDamping;
    return *valid ? std::optional(value) : std::nullopt;
}

std::optional<RunCalibration> CalibrationPanel::runCalibration(QString* problem) const
{
    auto refuse = [problem](const QString& why) -> std::optional<RunCalibration> {
        if (problem)
            *problem = why;
        return std::nullopt;
    };
    if (source() == CalibrationSource::None)
        return RunCalibration{};
    bool valid = false;
    const auto d = damping(&valid);
    if (!valid)
        return refuse(tr("The damping must be a number from 0 to %1, or empty for the statistics' default.").arg(kMaxDamping));
    if (isBusy())
        return refuse(tr("The calibration statistics are still being prepared: wait for them, cancel, or choose None "
                         "for plain LoftQ."));
    if (!stats_)
        return refuse(tr("No calibration statistics are ready (%1). Choose a text or statistics file under "
                         "Calibration, or None for plain LoftQ.")
                          .arg(status_->text()));
    return RunCalibration{stats_, statsName_.toStdString(), d, objective_->currentData().toBool()};
}

QString CalibrationPanel::shortState() const
{
    if (source() == CalibrationSource::None)
        return tr("off");
    const QString objective = objective_->currentData().toBool() ? tr("weight") : tr("output");
    return stats_ ? objective : tr("%1, not ready").arg(objective);
}

} // namespace loftq::ui
