#pragma once
// What a call refused as bad input says: the message of its Error(BadInput), or, so that a test's
// failure output shows what went wrong instead, "not BadInput: ..." or "no error".
#include "loftq/errors.hpp"

#include <functional>
#include <string>

namespace loftq::test {

inline std::string badInputOf(const std::function<void()>& f)
{
    try {
        f();
    } catch (const Error& e) {
        return e.kind() == ErrorKind::BadInput ? e.what() : std::string("not BadInput: ") + e.what();
    }
    return "no error";
}

} // namespace loftq::test
