#include "loftq/errors.hpp"

namespace loftq {

int exitStatusFor(ErrorKind kind)
{
    switch (kind) {
    case ErrorKind::BadInput: return 2;
    case ErrorKind::Runtime: return 1;
    case ErrorKind::Cancelled: return 130;
    }
    return 1;
}

} // namespace loftq
