// The export dialog before an export: each format shows the bytes it will write, as the engine's
// size estimate has them; bnb-nf4 is offered only for plans whose quantized layers are all nf
// 4-bit with block 64, with the reason shown otherwise; several formats show their total.
#include "display_text.hpp"
#include "export_dialog.hpp"
#include "plan_document.hpp"
#include "run_controller.hpp"
#include "ui_test_support.hpp"
#include "workbench_settings.hpp"

#include "loftq/export_writer.hpp"
#include "loftq/size_estimate.hpp"

#include <QCheckBox>
#include <QLabel>
#include <QTemporaryDir>
#include <QtTest>

using namespace loftq;
using namespace loftq::ui;

class TestExportDialog : public QObject {
    Q_OBJECT

private:
    QTemporaryDir home;
    std::unique_ptr<WorkbenchSettings> settings;
    std::unique_ptr<PlanDocument> document;
    std::unique_ptr<RunController> runs;

    static QString name(ExportFormat format)
    {
        return QString::fromUtf8(exportFormatName(format).data(), qsizetype(exportFormatName(format).size()));
    }

    static QCheckBox* formatBox(ExportDialog& dialog, ExportFormat format)
    {
        for (auto* box : dialog.findChildren<QCheckBox*>())
            if (box->property("format").isValid() && box->property("format").toInt() == int(format))
                return box;
        return nullptr;
    }

    // The engine's own figure, from the plan as the CLI would resolve it.
    std::uint64_t engineBytes(ExportFormat format) const
    {
        const auto& cp = *document->checkpoint();
        const Plan& plan = document->plan();
        return estimatedExportBytes(format, estimateExportSize(cp, planLayers(cp, plan), plan.adapterDtype));
    }

    void checkSizes(ExportDialog& dialog) const
    {
        for (const auto& traits : exportFormats()) {
            const auto format = traits.format;
            auto* size = dialog.findChild<QLabel*>("size:" + name(format));
            QVERIFY2(size, qPrintable(name(format)));
            QCOMPARE(size->text(), QString("about %1").arg(humanBytes(engineBytes(format))));
        }
    }

private slots:
    void init()
    {
        settings = std::make_unique<WorkbenchSettings>(home.filePath("settings.ini"));
        document = std::make_unique<PlanDocument>();
        runs = std::make_unique<RunController>();
        document->setCheckpoint(test::openCheckpoint(test::demoModelPath()));
    }

    void cleanup()
    {
        runs.reset();
        document.reset();
        settings.reset();
    }

    void showsEachFormatsSizeForTheDefaultPlan()
    {
        ExportDialog dialog(*document, *runs, *settings, 1);
        checkSizes(dialog);
        // nf 4-bit, block 64 everywhere: every format is offered.
        for (const auto& traits : exportFormats())
            QVERIFY(formatBox(dialog, traits.format)->isEnabled());
        QVERIFY(!dialog.findChild<QLabel*>("unsuitable:bnb-nf4"));
        // The low-bit formats weigh less than the dequantized HF layout.
        QVERIFY(engineBytes(ExportFormat::Packed) < engineBytes(ExportFormat::HfPeft));
    }

    void mixedPlanDisablesBnbWithTheReason()
    {
        document->applyPreset("mixed:1");
        ExportDialog dialog(*document, *runs, *settings, 1);
        checkSizes(dialog);
        auto* bnb = formatBox(dialog, ExportFormat::BnbNf4);
        QVERIFY(!bnb->isEnabled());
        QVERIFY(!bnb->isChecked());
        auto* reason = dialog.findChild<QLabel*>("unsuitable:bnb-nf4");
        QVERIFY(reason);
        QVERIFY2(reason->text().contains("nf, 4 bits, block 64"), qPrintable(reason->text()));
        QVERIFY2(!reason->text().contains("--format"), qPrintable(reason->text())); // the CLI's words stay there
        QVERIFY(formatBox(dialog, ExportFormat::Packed)->isEnabled());
    }

    void severalFormatsShowTheirTotal()
    {
        ExportDialog dialog(*document, *runs, *settings, 1);
        auto totalShown = [&dialog](std::uint64_t bytes) {
            for (auto* label : dialog.findChildren<QLabel*>())
                if (!label->isHidden() && label->text().contains(QString("About %1 in all").arg(humanBytes(bytes))))
                    return true;
            return false;
        };
        QVERIFY(!totalShown(engineBytes(ExportFormat::HfPeft))); // one format: its own line says it
        formatBox(dialog, ExportFormat::Packed)->setChecked(true);
        QVERIFY(totalShown(engineBytes(ExportFormat::HfPeft) + engineBytes(ExportFormat::Packed)));
    }
};

QTEST_MAIN(TestExportDialog)
#include "test_ui_export_dialog.moc"
