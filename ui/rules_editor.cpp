#include "rules_editor.hpp"
#include "layer_table_model.hpp"
#include "plan_choices.hpp"
#include "plan_document.hpp"

#include <QComboBox>
#include <QGridLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSpinBox>

namespace loftq::ui {

QString ruleText(const PlanRule& rule)
{
    QStringList where;
    if (!rule.pattern.empty())
        where << QObject::tr("name matches '%1'").arg(QString::fromStdString(rule.pattern));
    if (rule.blockFrom || rule.blockTo)
        where << QObject::tr("blocks %1–%2")
                     .arg(rule.blockFrom ? QString::number(*rule.blockFrom) : QStringLiteral("0"))
                     .arg(rule.blockTo ? QString::number(*rule.blockTo - 1) : QStringLiteral("last"));
    QStringList what;
    const auto& p = rule.patch;
    if (p.keep && *p.keep)
        what << QObject::tr("keep");
    else if (p.bits)
        what << QObject::tr("%1 bits").arg(*p.bits);
    if (p.rank)
        what << QObject::tr("rank %1").arg(*p.rank);
    if (p.method)
        what << QString::fromUtf8(quantMethodName(*p.method).data(), qsizetype(quantMethodName(*p.method).size()));
    if (p.steps)
        what << QObject::tr("%1 steps").arg(*p.steps);
    return (where.isEmpty() ? QObject::tr("every layer") : where.join(QStringLiteral(", "))) + QStringLiteral(" → ") +
           what.join(QStringLiteral(", "));
}

RulesEditor::RulesEditor(PlanDocument& document, QWidget* parent)
    : QWidget(parent), document_(document), pattern_(new QLineEdit(this)), bits_(new QComboBox(this)),
      rank_(new QSpinBox(this)), rules_(new QListWidget(this)), remove_(new QPushButton(tr("Remove"), this))
{
    pattern_->setPlaceholderText(tr("name pattern (regex), e.g. mlp\\.down_proj"));
    bits_->addItem(QStringLiteral("—"));
    bits_->addItems(bitsChoices());
    rank_->setRange(0, kMaxRank);
    rank_->setSpecialValueText(QStringLiteral("—"));
    rank_->setPrefix(tr("rank "));
    auto* add = new QPushButton(tr("Add rule"), this);
    add->setToolTip(tr("Layers whose name matches get these settings (later rules win; per-layer edits win over rules)"));
    rules_->setMaximumHeight(64);
    remove_->setEnabled(false);

    auto* layout = new QGridLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(new QLabel(tr("Rule:"), this), 0, 0);
    layout->addWidget(pattern_, 0, 1);
    layout->addWidget(bits_, 0, 2);
    layout->addWidget(rank_, 0, 3);
    layout->addWidget(add, 0, 4);
    layout->addWidget(rules_, 1, 1, 1, 3);
    layout->addWidget(remove_, 1, 4, Qt::AlignTop);
    layout->setColumnStretch(1, 1);

    connect(add, &QPushButton::clicked, this, &RulesEditor::addRule);
    connect(pattern_, &QLineEdit::returnPressed, this, &RulesEditor::addRule);
    connect(remove_, &QPushButton::clicked, this, [this] { document_.removeRule(rules_->currentRow()); });
    connect(rules_, &QListWidget::currentRowChanged, this, [this](int row) { remove_->setEnabled(row >= 0); });
    connect(&document_, &PlanDocument::planChanged, this, &RulesEditor::showRules);
    connect(&document_, &PlanDocument::layersReset, this, &RulesEditor::showRules);
}

void RulesEditor::setPattern(const QString& pattern) { pattern_->setText(pattern); }

void RulesEditor::addRule()
{
    PlanRule rule;
    rule.pattern = pattern_->text().trimmed().toStdString();
    if (const auto p = patchForCell(LayerTableModel::Bits, bits_->currentText()); p && bits_->currentIndex() > 0)
        rule.patch.mergeFrom(*p);
    if (rank_->value() > 0)
        rule.patch.rank = rank_->value();
    if (rule.patch == LayerPatch{}) {
        pattern_->setToolTip(tr("Choose bits or a rank for the rule"));
        return;
    }
    if (!document_.addRule(rule)) {
        pattern_->setStyleSheet(QStringLiteral("color: #b00020"));
        pattern_->setToolTip(tr("Not a valid regular expression"));
        return;
    }
    pattern_->setStyleSheet({});
    pattern_->setToolTip({});
}

void RulesEditor::showRules()
{
    rules_->clear();
    for (const auto& rule : document_.plan().rules)
        rules_->addItem(ruleText(rule));
    remove_->setEnabled(false);
}

} // namespace loftq::ui
