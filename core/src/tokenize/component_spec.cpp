#include "component_spec.hpp"

namespace loftq::tokenize {

void Spec::fail(const std::string& problem) const
{
    throwBadInput(source_, (path_.empty() ? "" : path_ + ": ") + problem);
}

Spec Spec::operator[](const char* key) const
{
    if (!has(key))
        fail(std::string("has no \"") + key + "\"");
    return Spec(json_[key], path_.empty() ? key : path_ + "." + key, source_);
}

Spec Spec::operator[](std::size_t index) const
{
    if (index >= size())
        fail("has no element " + std::to_string(index));
    return Spec(json_[index], path_ + "[" + std::to_string(index) + "]", source_);
}

std::size_t Spec::size() const
{
    if (!json_.is_array())
        fail("must be an array");
    return json_.size();
}

std::string Spec::string(const char* key) const { return (*this)[key].asString(); }

std::string Spec::stringOr(const char* key, const std::string& fallback) const
{
    return has(key) ? string(key) : fallback;
}

std::string Spec::asString() const
{
    if (!json_.is_string())
        fail("must be a string");
    return json_.get<std::string>();
}

bool Spec::boolean(const char* key, bool fallback) const
{
    if (!has(key))
        return fallback;
    if (!json_[key].is_boolean())
        (*this)[key].fail("must be true or false");
    return json_[key].get<bool>();
}

long Spec::integer(const char* key, long min, long max) const
{
    const auto value = (*this)[key];
    if (!value.json().is_number_integer() || value.json().get<long>() < min || value.json().get<long>() > max)
        value.fail("must be an integer from " + std::to_string(min) + " to " + std::to_string(max));
    return value.json().get<long>();
}

} // namespace loftq::tokenize
