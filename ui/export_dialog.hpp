#pragma once
// Export: choose a folder and formats (every format the engine has, each with the size it will
// write; one the plan does not suit is disabled with the reason), run LoftQ with the current plan
// through the shared run controller (so the charts follow it too), show progress, and offer
// "Open folder" at the end. The engine writes loftq_report.json and loftq_plan.json beside the
// export, and nothing at all if the run fails or is cancelled.
#include "loftq/export_format.hpp"
#include "run_calibration.hpp"

#include <QDialog>
#include <vector>

class QCheckBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;

namespace loftq::ui {

class PlanDocument;
class RunController;
class WorkbenchSettings;

class ExportDialog : public QDialog {
    Q_OBJECT
public:
    // `calibration`: the statistics, damping and objective the export's run uses (none: plain LoftQ).
    ExportDialog(PlanDocument& document, RunController& runs, WorkbenchSettings& settings, int threads,
                 const RunCalibration& calibration = {}, QWidget* parent = nullptr);

    QString outputDirectory() const;
    void setOutputDirectory(const QString& directory);
    void startExport();

signals:
    void exported(const QString& directory);

protected:
    void reject() override; // closing during an export cancels it

private:
    void chooseDirectory();
    void setExporting(bool exporting);
    void showTotal();
    std::vector<ExportFormat> chosenFormats() const;
    // The formats checked become the document's and are remembered: they decide how nf codes are
    // found in the window's spectra, budget curves and runs too (PlanDocument::exportFormats).
    void formatsChosen();

    PlanDocument& document_;
    RunController& runs_;
    WorkbenchSettings& settings_;
    int threads_;
    RunCalibration calibration_;
    QLineEdit* directory_;
    QList<QCheckBox*> formats_;
    QLabel* total_;
    QCheckBox* replace_;
    QProgressBar* bar_;
    QLabel* status_;
    QPushButton* export_;
    QPushButton* openFolder_;
    QDialogButtonBox* buttons_;
    bool ours_ = false; // the running job is this dialog's export
};

} // namespace loftq::ui
