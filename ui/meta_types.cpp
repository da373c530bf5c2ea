#include "meta_types.hpp"

namespace loftq::ui {

void registerMetaTypes()
{
    qRegisterMetaType<loftq::ProgressEvent>("loftq::ProgressEvent");
    qRegisterMetaType<loftq::LayerReport>("loftq::LayerReport");
    qRegisterMetaType<loftq::RunReport>("loftq::RunReport");
    qRegisterMetaType<loftq::ResidualSpectrum>("loftq::ResidualSpectrum");
}

} // namespace loftq::ui
