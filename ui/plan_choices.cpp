#include "plan_choices.hpp"
#include "loftq/quantizer.hpp"

#include <set>

namespace loftq::ui {

QStringList bitsChoices()
{
    std::set<int> bits;
    for (const auto& q : allQuantizers())
        bits.insert(q.supportedBits.begin(), q.supportedBits.end());
    QStringList out;
    for (int b : bits)
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
