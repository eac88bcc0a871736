// Collectives at once, each on its own communicator and its own slice of the buffers
// (concurrent.cc): --concurrent k copies of one op, or a mix of ops.
#pragma once
#include <vector>

#include "engine.h"

namespace ccb {

// comms[0] is the point's communicator, comms[1..k-1] copies of it over the same ranks.
MeasureResult measureConcurrent(const std::vector<Comm*>& comms, Device& dev, const Buffers& buf, const MeasureSpec& s,
                                Progress& prog);

// `ccbench mix`: item c is specs[c] on comms[c]; each item's result has its own samples (from the
// common start to its completion), its time alone (aloneUs) and every item's mean (copyUs).
std::vector<MeasureResult> measureMix(const std::vector<Comm*>& comms, const std::vector<MeasureSpec>& specs,
                                      Device& dev, const Buffers& buf, Progress& prog);

}  // namespace ccb
