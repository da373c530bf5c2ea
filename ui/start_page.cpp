#include "start_page.hpp"

#include <QGridLayout>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QVBoxLayout>

namespace loftq::ui {

StartPage::StartPage(QWidget* parent)
    : QWidget(parent), demo_(new QPushButton(tr("Open demo model"), this)), recent_(new QListWidget(this))
{
    auto* logo = new QLabel(this);
    logo->setPixmap(QPixmap(QStringLiteral(":/icons/loftq-workbench-128.png")));
    auto* title = new QLabel(tr("<h1>LoftQ Workbench</h1>"
                                "<p>Quantize a Hugging Face checkpoint layer by layer with LoftQ: choose bits and "
                                "LoRA ranks per layer, watch the errors as they are computed, inspect residual "
                                "spectra, and export for transformers + PEFT.</p>"),
                             this);
    title->setWordWrap(true);

    demo_->setToolTip(tr("pico-llama-2L: two Llama blocks with real weights, 14 layers, 12 MB"));
    auto* file = new QPushButton(tr("Open checkpoint file…"), this);
    auto* folder = new QPushButton(tr("Open model folder…"), this);
    for (auto* b : {demo_, file, folder})
        b->setMinimumHeight(36);
    demo_->setDefault(true);
    connect(demo_, &QPushButton::clicked, this, &StartPage::openDemoRequested);
    connect(file, &QPushButton::clicked, this, &StartPage::openFileRequested);
    connect(folder, &QPushButton::clicked, this, &StartPage::openFolderRequested);
    connect(recent_, &QListWidget::itemActivated, this,
            [this](QListWidgetItem* item) { emit openPathRequested(item->text()); });

    auto* hint = new QLabel(tr("…or drop a .safetensors file or a model folder onto this window."), this);
    hint->setEnabled(false);

    auto* column = new QVBoxLayout;
    column->addWidget(logo, 0, Qt::AlignLeft);
    column->addWidget(title);
    column->addSpacing(12);
    column->addWidget(demo_);
    column->addWidget(file);
    column->addWidget(folder);
    column->addWidget(hint);
    column->addSpacing(12);
    column->addWidget(new QLabel(tr("<b>Recent</b>"), this));
    column->addWidget(recent_, 1);

    auto* outer = new QGridLayout(this);
    outer->addLayout(column, 1, 1);
    outer->setColumnStretch(0, 1);
    outer->setColumnStretch(2, 1);
    outer->setRowStretch(0, 1);
    outer->setRowStretch(2, 1);
    outer->setColumnMinimumWidth(1, 560);
}

void StartPage::setDemoAvailable(bool available)
{
    demo_->setEnabled(available);
    if (!available)
        demo_->setToolTip(tr("The demo model was not found beside the program or in /usr/share/loftq-workbench/demo"));
}

void StartPage::setRecentFiles(const QStringList& paths)
{
    recent_->clear();
    recent_->addItems(paths);
    if (paths.isEmpty()) {
        auto* none = new QListWidgetItem(tr("(none yet)"), recent_);
        none->setFlags(Qt::NoItemFlags);
    }
}

} // namespace loftq::ui
