#include "patch_merge.hpp"

namespace loftq::ui {

void mergePatch(LayerPatch& into, const LayerPatch& from)
{
    if (from.keep)
        into.keep = from.keep;
    if (from.method)
        into.method = from.method;
    if (from.bits)
        into.bits = from.bits;
    if (from.rank)
        into.rank = from.rank;
    if (from.steps)
        into.steps = from.steps;
    if (from.blockSize)
        into.blockSize = from.blockSize;
}

} // namespace loftq::ui
