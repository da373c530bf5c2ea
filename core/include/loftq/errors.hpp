#pragma once
// Errors the engine reports. The kind decides the CLI exit status and whether the GUI
// blames the input (a dialog naming the file) or the machine (disk full, I/O).
#include <stdexcept>
#include <string>
#include <string_view>

namespace loftq {

// Messages reach a terminal line or a dialog: one line, printable, bounded. Control characters
// (a tensor name may hold a newline) become escapes, and a hostile name cannot make it huge.
std::string oneLineMessage(std::string_view message);
// A name from a file, in quotes, shortened when long (for messages).
std::string quoteName(std::string_view name);
// Well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF).
bool isValidUtf8(std::string_view text);

enum class ErrorKind {
    BadInput,   // malformed file, unknown dtype, bad plan, NaN weights: exit status 2
    Runtime,    // I/O failure, full disk: exit status 1
    Cancelled,  // the user stopped the run: exit status 130
};

class Error : public std::runtime_error {
public:
    Error(ErrorKind kind, const std::string& message) : std::runtime_error(oneLineMessage(message)), kind_(kind) {}
    ErrorKind kind() const { return kind_; }

private:
    ErrorKind kind_;
};

// "FILE: problem" is the shape every input error takes, so a user always learns which file is at fault.
[[noreturn]] inline void throwBadInput(const std::string& file, const std::string& problem)
{
    throw Error(ErrorKind::BadInput, file + ": " + problem);
}

[[noreturn]] inline void throwRuntime(const std::string& file, const std::string& problem)
{
    throw Error(ErrorKind::Runtime, file + ": " + problem);
}

int exitStatusFor(ErrorKind kind);

} // namespace loftq
