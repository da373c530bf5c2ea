// Budget text: "2.5bits", "12MB".
#include "loftq/budget.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <utility>

namespace loftq {

std::optional<Budget> Budget::parse(std::string_view text)
{
    std::string s;
    for (char c : text)
        if (!std::isspace(static_cast<unsigned char>(c)))
            s += char(std::tolower(static_cast<unsigned char>(c)));
    const auto unitAt = s.find_first_not_of("0123456789.");
    if (unitAt == 0 || unitAt == std::string::npos)
        return std::nullopt;
    double number = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + unitAt, number);
    if (ec != std::errc() || end != s.data() + unitAt || !(number > 0) || !std::isfinite(number))
        return std::nullopt;
    const std::string unit = s.substr(unitAt);
    if (unit == "bit" || unit == "bits")
        return Budget{Kind::AverageBits, number};
    static const std::pair<const char*, double> byteUnits[] = {
        {"b", 1.0},           {"kb", 1e3},          {"mb", 1e6},          {"gb", 1e9},
        {"tb", 1e12},         {"kib", 1024.0},      {"mib", 1048576.0},   {"gib", 1073741824.0}};
    for (const auto& [name, scale] : byteUnits)
        if (unit == name)
            return Budget{Kind::Bytes, std::floor(number * scale)};
    return std::nullopt;
}

std::string Budget::describe() const
{
    char buf[64];
    if (kind == Kind::AverageBits)
        std::snprintf(buf, sizeof buf, "%g bits per target weight", value);
    else
        std::snprintf(buf, sizeof buf, "%.0f bytes", value);
    return buf;
}

} // namespace loftq
