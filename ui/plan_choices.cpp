#include "plan_choices.hpp"
#include "loftq/quantizer.hpp"


namespace loftq::ui {

QStringList bitsChoices()
{
    QStringList out;
    for (int b : allSupportedBits())
        out << QString::number(b);
    out << QStringLiteral("keep");
    return out;
}

QStringList quantizerChoices()
{
    QStringList out;
    for (const auto& q : allQuantizers())
        out << QString::fromUtf8(q.name.data(), qsizetype(q.name.size()));
    return out;
}

} // namespace loftq::ui
