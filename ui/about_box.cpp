#include "about_box.hpp"
#include "loftq/cpu_level.hpp"

#include <Eigen/Core>
#include <QMessageBox>
#include <QtGlobal>
#include <qcustomplot.h>

namespace loftq::ui {

QString versionsText()
{
    return QObject::tr("LoftQ Workbench %1<br>engine (loftq_core) %1<br>Qt %2 (built with %3)<br>QCustomPlot %4<br>"
                       "Eigen %5.%6.%7<br>%8")
        .arg(QStringLiteral(LOFTQ_VERSION), QString::fromLatin1(qVersion()), QStringLiteral(QT_VERSION_STR),
             QStringLiteral(QCUSTOMPLOT_VERSION_STR))
        .arg(EIGEN_WORLD_VERSION)
        .arg(EIGEN_MAJOR_VERSION)
        .arg(EIGEN_MINOR_VERSION)
        .arg(QString::fromStdString(cpu::levelReport()).toHtmlEscaped());
}

void showAboutBox(QWidget* parent)
{
    auto* box = new QMessageBox(parent);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setWindowTitle(QObject::tr("About LoftQ Workbench"));
    box->setIconPixmap(QPixmap(QStringLiteral(":/icons/loftq-workbench-128.png")).scaled(64, 64));
    box->setText(QObject::tr("<h3>LoftQ Workbench</h3><p>LoftQ quantization (arXiv 2310.08659) of Hugging Face "
                             "checkpoints, layer by layer, exported for transformers + PEFT.</p><p>%1</p>")
                     .arg(versionsText()));
    box->open();
}

} // namespace loftq::ui
