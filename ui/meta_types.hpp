#pragma once
// Engine values that travel by value through queued signals between worker threads and the GUI.
#include "loftq/progress.hpp"
#include "loftq/report.hpp"
#include "loftq/spectrum.hpp"

#include <QMetaType>

Q_DECLARE_METATYPE(loftq::ProgressEvent)
Q_DECLARE_METATYPE(loftq::LayerReport)
Q_DECLARE_METATYPE(loftq::RunReport)
Q_DECLARE_METATYPE(loftq::ResidualSpectrum)

namespace loftq::ui {

// Registers the types above for queued connections; safe to call more than once.
void registerMetaTypes();

} // namespace loftq::ui
