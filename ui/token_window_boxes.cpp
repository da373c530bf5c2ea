#include "token_window_boxes.hpp"

#include <QCoreApplication>
#include <QSpinBox>

namespace loftq::ui {
namespace {

constexpr int kMaxContext = 1 << 17;
constexpr int kMaxTokens = 1 << 26;

QString boxText(const char* text) { return QCoreApplication::translate("TokenWindowBoxes", text); }

} // namespace

void setUpContextBox(QSpinBox* box, int tokens)
{
    box->setRange(0, kMaxContext);
    box->setSpecialValueText(boxText("auto: min(512, max positions)"));
    box->setSuffix(boxText(" tokens"));
    box->setValue(tokens);
    box->setToolTip(boxText("Window length: the text is cut into windows of this many tokens, each read from its start"));
}

void setUpTokensBox(QSpinBox* box, int tokens)
{
    box->setRange(2, kMaxTokens);
    box->setValue(tokens);
    box->setToolTip(boxText("Only the first this many tokens of the text are used"));
    box->setGroupSeparatorShown(true);
}

} // namespace loftq::ui
