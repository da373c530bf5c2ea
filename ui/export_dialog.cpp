#include "export_dialog.hpp"
#include "display_text.hpp"
#include "plan_document.hpp"
#include "run_controller.hpp"
#include "workbench_settings.hpp"

#include <algorithm>
#include <QCheckBox>
#include <QDesktopServices>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFormLayout>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QUrl>
#include <QVBoxLayout>

namespace loftq::ui {
namespace {

QString formatName(ExportFormat format)
{
    return QString::fromUtf8(exportFormatName(format).data(), qsizetype(exportFormatName(format).size()));
}

// What each of the engine's formats is, in the words of its table (export_format.hpp).
QString formatLabel(ExportFormat format)
{
    const auto& description = exportFormatTraits(format).description;
    return formatName(format) + QStringLiteral(": ") +
           QString::fromUtf8(description.data(), qsizetype(description.size()));
}

// Why the plan does not suit the format (bnb-nf4 takes only nf 4-bit layers with block 64), or
// nothing: the format's own answer, from the plan alone.
QString whyUnsuitable(const PlanDocument& document, ExportFormat format)
{
    const auto why = exportFormatTraits(format).whyUnsuitable(*document.checkpoint(), document.layers());
    return why ? ExportDialog::tr("Not for this plan: %1").arg(QString::fromStdString(*why)) : QString();
}

} // namespace

ExportDialog::ExportDialog(PlanDocument& document, RunController& runs, WorkbenchSettings& settings,
                           int threads, const RunCalibration& calibration, QWidget* parent)
    : QDialog(parent), document_(document), runs_(runs), settings_(settings), threads_(threads), calibration_(calibration),
      directory_(new QLineEdit(this)), total_(new QLabel(this)), replace_(new QCheckBox(tr("Replace a previous LoftQ export in this folder"), this)),
      bar_(new QProgressBar(this)), status_(new QLabel(this)), export_(new QPushButton(tr("Export"), this)),
      openFolder_(new QPushButton(tr("Open folder"), this)),
      buttons_(new QDialogButtonBox(QDialogButtonBox::Close, this))
{
    setWindowTitle(tr("Export"));
    setMinimumWidth(620);
    const QString source = QFileInfo(document_.sourcePath()).completeBaseName();
    const QString base = settings_.lastExportDirectory().isEmpty() ? QDir::homePath() : settings_.lastExportDirectory();
    directory_->setText(QDir(base).filePath(source + "-loftq"));
    auto* browse = new QPushButton(tr("Browse…"), this);
    connect(browse, &QPushButton::clicked, this, &ExportDialog::chooseDirectory);
    auto* dirRow = new QHBoxLayout;
    dirRow->addWidget(directory_, 1);
    dirRow->addWidget(browse);

    // Sizes before the run, from the plan alone: what each format will write (headers and configs aside).
    const auto estimate = document_.sizeEstimate();
    auto* formatsBox = new QGridLayout;
    for (const auto& traits : exportFormats()) {
        const ExportFormat format = traits.format;
        const int row = formatsBox->rowCount();
        auto* box = new QCheckBox(formatLabel(format), this);
        const auto& chosen = document_.exportFormats();
        box->setChecked(std::find(chosen.begin(), chosen.end(), format) != chosen.end());
        box->setProperty("format", int(format));
        auto* size = new QLabel(tr("about %1").arg(humanBytes(estimatedExportBytes(format, estimate))), this);
        size->setObjectName(QStringLiteral("size:") + formatName(format));
        size->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
        formatsBox->addWidget(box, row, 0);
        formatsBox->addWidget(size, row, 1);
        if (const QString unsuitable = whyUnsuitable(document_, format); !unsuitable.isEmpty()) {
            box->setChecked(false);
            box->setEnabled(false);
            auto* reason = new QLabel(unsuitable, this);
            reason->setObjectName(QStringLiteral("unsuitable:") + formatName(format));
            reason->setWordWrap(true);
            reason->setIndent(24);
            reason->setStyleSheet(QStringLiteral("color: #b00020"));
            formatsBox->addWidget(reason, row + 1, 0, 1, 2);
        }
        connect(box, &QCheckBox::toggled, this, &ExportDialog::formatsChosen);
        formats_ << box;
    }
    formatsBox->addWidget(total_, formatsBox->rowCount(), 0, 1, 2);
    formatsBox->setColumnStretch(0, 1);
    if (chosenFormats().empty()) // the formats remembered do not suit this plan; hf-peft suits every plan
        for (auto* box : formats_)
            box->setChecked(ExportFormat(box->property("format").toInt()) == ExportFormat::HfPeft);
    formatsChosen();
    bar_->setRange(0, 1000);
    bar_->setValue(0);
    status_->setWordWrap(true);
    status_->setText(tr("LoftQ runs again on every layer with the current plan; loftq_report.json and loftq_plan.json "
                        "are written beside the export (with several formats, each goes into a subfolder named "
                        "after it). If the export fails or is cancelled, nothing is left behind."));
    openFolder_->setEnabled(false);
    buttons_->addButton(export_, QDialogButtonBox::ActionRole);
    buttons_->addButton(openFolder_, QDialogButtonBox::ActionRole);
    export_->setDefault(true);

    auto* form = new QFormLayout;
    form->addRow(tr("Folder:"), dirRow);
    form->addRow(tr("Formats:"), formatsBox);
    form->addRow(QString(), replace_);
    auto* objective = new QLabel(this);
    objective->setObjectName(QStringLiteral("objective"));
    objective->setWordWrap(true);
    const QString statistics = QString::fromStdString(calibration_.name);
    objective->setText(!calibration_.stats ? tr("Weight (plain LoftQ); choose calibration statistics in the plan "
                                                "panel to fit the adapters to each layer's outputs")
                       : calibration_.weightObjective
                           ? tr("Weight (plain LoftQ), output errors measured on %1").arg(statistics)
                           : tr("Output: adapters fitted to each layer's outputs on %1").arg(statistics));
    form->addRow(tr("Objective:"), objective);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(bar_);
    layout->addWidget(status_);
    layout->addWidget(buttons_);

    connect(export_, &QPushButton::clicked, this, &ExportDialog::startExport);
    connect(openFolder_, &QPushButton::clicked, this,
            [this] { QDesktopServices::openUrl(QUrl::fromLocalFile(outputDirectory())); });
    connect(buttons_, &QDialogButtonBox::rejected, this, &ExportDialog::reject);
    connect(&runs_, &RunController::progress, this, [this](const ProgressEvent& e) {
        if (ours_)
            bar_->setValue(int(e.fractionDone * 1000));
    });
    connect(&runs_, &RunController::finished, this, [this] {
        if (!std::exchange(ours_, false))
            return;
        setExporting(false);
        bar_->setValue(1000);
        status_->setText(tr("Exported to %1, with loftq_report.json and loftq_plan.json.").arg(outputDirectory()));
        openFolder_->setEnabled(true);
        emit exported(outputDirectory());
    });
    connect(&runs_, &RunController::failed, this, [this](const QString& message) {
        if (!std::exchange(ours_, false))
            return;
        setExporting(false);
        status_->setText(tr("Export failed; nothing was written.\n%1").arg(message));
    });
    connect(&runs_, &RunController::cancelled, this, [this] {
        if (!std::exchange(ours_, false))
            return;
        setExporting(false);
        bar_->setValue(0);
        status_->setText(tr("Export cancelled; nothing was written."));
    });
}

std::vector<ExportFormat> ExportDialog::chosenFormats() const
{
    std::vector<ExportFormat> formats;
    for (auto* box : formats_)
        if (box->isChecked())
            formats.push_back(ExportFormat(box->property("format").toInt()));
    return formats;
}

void ExportDialog::formatsChosen()
{
    showTotal();
    if (const auto formats = chosenFormats(); !formats.empty()) {
        document_.setExportFormats(formats);
        settings_.setExportFormats(formats);
    }
}

void ExportDialog::showTotal()
{
    const auto estimate = document_.sizeEstimate();
    std::uint64_t total = 0;
    const auto formats = chosenFormats();
    for (const auto format : formats)
        total += estimatedExportBytes(format, estimate);
    total_->setText(tr("About %1 in all, the report and plan aside.").arg(humanBytes(total)));
    total_->setVisible(formats.size() > 1);
}

QString ExportDialog::outputDirectory() const { return QDir::cleanPath(directory_->text().trimmed()); }

void ExportDialog::setOutputDirectory(const QString& directory) { directory_->setText(directory); }

void ExportDialog::chooseDirectory()
{
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Export into folder"), outputDirectory());
    if (!dir.isEmpty())
        directory_->setText(dir);
}

void ExportDialog::startExport()
{
    if (runs_.isRunning() || !document_.hasCheckpoint() || directory_->text().trimmed().isEmpty())
        return;
    RunOptions options;
    options.outputDir = outputDirectory().toStdString();
    options.force = replace_->isChecked();
    options.threads = threads_;
    options.formats = chosenFormats();
    if (options.formats.empty()) {
        status_->setText(tr("Choose at least one format."));
        return;
    }
    settings_.setLastExportDirectory(QFileInfo(outputDirectory()).absolutePath());
    ours_ = true;
    openFolder_->setEnabled(false);
    bar_->setValue(0);
    status_->setText(tr("Exporting…"));
    setExporting(true);
    runs_.start(document_.checkpoint(), document_.plan(), options, calibration_);
}

void ExportDialog::setExporting(bool exporting)
{
    export_->setEnabled(!exporting);
    directory_->setEnabled(!exporting);
    replace_->setEnabled(!exporting);
    buttons_->button(QDialogButtonBox::Close)->setText(exporting ? tr("Cancel") : tr("Close"));
}

void ExportDialog::reject()
{
    if (ours_) {
        runs_.cancel(); // the cancelled signal resets the dialog
        return;
    }
    QDialog::reject();
}

} // namespace loftq::ui
