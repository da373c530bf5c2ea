#pragma once
// A tokenizer.json component being read: its JSON, where it sits in the file, and the file's name,
// so every refusal reads "FILE: pre_tokenizer.pretokenizers[1]: problem".
#include "loftq/errors.hpp"

#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

namespace loftq::tokenize {

class Spec {
public:
    Spec(const nlohmann::json& json, std::string path, const std::string& source)
        : json_(json), path_(std::move(path)), source_(source) {}

    [[noreturn]] void fail(const std::string& problem) const;
    const nlohmann::json& json() const { return json_; }
    const std::string& source() const { return source_; }
    bool has(const char* key) const { return json_.is_object() && json_.contains(key) && !json_[key].is_null(); }
    Spec operator[](const char* key) const;  // fails when missing or null
    Spec operator[](std::size_t index) const;
    std::size_t size() const;                // of an array; fails otherwise
    std::string string(const char* key) const;
    std::string stringOr(const char* key, const std::string& fallback) const;
    bool boolean(const char* key, bool fallback) const;
    long integer(const char* key, long min, long max) const;
    std::string type() const { return string("type"); }
    // This component's own value as a string (an element of an array of strings).
    std::string asString() const;

private:
    const nlohmann::json& json_;
    std::string path_;
    const std::string& source_;
};

// Type name -> factory, for one kind of component ("normalizer", "pre_tokenizer", ...). Anything
// not in the table is refused by name, never approximated.
template <typename Component>
class ComponentTable {
public:
    using Factory = std::function<std::unique_ptr<Component>(const Spec&)>;
    ComponentTable(std::string kind, std::map<std::string, Factory> factories)
        : kind_(std::move(kind)), factories_(std::move(factories)) {}

    std::unique_ptr<Component> make(const Spec& spec) const
    {
        const auto type = spec.type();
        const auto found = factories_.find(type);
        if (found == factories_.end()) {
            std::string supported;
            for (const auto& [name, factory] : factories_)
                supported += (supported.empty() ? "" : ", ") + name;
            spec.fail(kind_ + " type " + quoteName(type) + " is not supported (supported: " + supported + ")");
        }
        return found->second(spec);
    }

private:
    std::string kind_;
    std::map<std::string, Factory> factories_;
};

} // namespace loftq::tokenize
