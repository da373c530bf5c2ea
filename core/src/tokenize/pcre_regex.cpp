#define PCRE2_CODE_UNIT_WIDTH 8
#include "pcre_regex.hpp"

#include "utf8.hpp"

#include <pcre2.h>
#include <stdexcept>

namespace loftq::tokenize {

struct Regex::Compiled {
    pcre2_code* code = nullptr;
    bool jit = false;
    ~Compiled() { pcre2_code_free(code); }
};

Regex::Regex(std::string_view pattern, bool literal)
{
    int error = 0;
    PCRE2_SIZE offset = 0;
    // PCRE2_LITERAL admits UTF but not UCP (which only matters to classes, absent from a literal).
    const std::uint32_t options = PCRE2_UTF | (literal ? PCRE2_LITERAL : PCRE2_UCP);
    auto compiled = std::make_shared<Compiled>();
    compiled->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), options, &error,
                                   &offset, nullptr);
    if (!compiled->code) {
        PCRE2_UCHAR message[256];
        pcre2_get_error_message(error, message, sizeof message);
        throw std::invalid_argument("regex does not compile at offset " + std::to_string(offset) + ": " +
                                    reinterpret_cast<const char*>(message));
    }
    // JIT is several times faster; without it (an unsupported CPU) the interpreter gives the same matches.
    compiled->jit = pcre2_jit_compile(compiled->code, PCRE2_JIT_COMPLETE) == 0;
    compiled_ = std::move(compiled);
}

void Regex::findAll(std::string_view subject, std::vector<Range>& out) const
{
    const auto* code = compiled_->code;
    std::unique_ptr<pcre2_match_data, decltype(&pcre2_match_data_free)> data(
        pcre2_match_data_create_from_pattern(code, nullptr), &pcre2_match_data_free);
    if (!data)
        throw std::bad_alloc();
    const auto* text = reinterpret_cast<PCRE2_SPTR>(subject.data());
    // The text was made well-formed before the pipeline: no need for PCRE2 to check it again.
    const auto match = compiled_->jit ? pcre2_jit_match : pcre2_match;
    std::size_t at = 0;
    while (at < subject.size()) {
        const int rc = match(code, text, subject.size(), at, PCRE2_NO_UTF_CHECK, data.get(), nullptr);
        if (rc == PCRE2_ERROR_NOMATCH)
            return;
        if (rc < 0)
            throw std::runtime_error("regex match failed (PCRE2 error " + std::to_string(rc) + ")");
        const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(data.get());
        if (ovector[1] > ovector[0]) {
            out.push_back({std::uint32_t(ovector[0]), std::uint32_t(ovector[1])});
            at = ovector[1];
        } else {
            if (ovector[0] >= subject.size())
                return;
            at = ovector[0] + utf8SequenceLength(static_cast<unsigned char>(subject[ovector[0]]));
        }
    }
}

} // namespace loftq::tokenize
