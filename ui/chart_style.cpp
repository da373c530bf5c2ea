#include "chart_style.hpp"

#include <array>

namespace loftq::ui {

QColor roleColor(const QString& role)
{
    // Okabe-Ito and Tableau colours; common roles get fixed slots so the legend reads the same everywhere.
    static const std::array<QColor, 8> palette{QColor(0, 114, 178),  QColor(230, 159, 0), QColor(0, 158, 115),
                                               QColor(204, 121, 167), QColor(86, 180, 233), QColor(213, 94, 0),
                                               QColor(148, 103, 189), QColor(140, 86, 75)};
    static const QStringList known{"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"};
    const int slot = known.indexOf(role);
    const std::size_t index = slot >= 0 ? std::size_t(slot) : std::size_t(qHash(role)) % palette.size();
    return palette[index];
}

} // namespace loftq::ui
