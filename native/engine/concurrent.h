// --concurrent k: k copies of one collective at once, each on its own communicator and its own
// slice of the buffers (concurrent.cc).
#pragma once
#include <vector>

#include "engine.h"

namespace ccb {

// comms[0] is the point's communicator, comms[1..k-1] copies of it over the same ranks.
MeasureResult measureConcurrent(const std::vector<Comm*>& comms, Device& dev, const Buffers& buf, const MeasureSpec& s,
                                Progress& prog);

}  // namespace ccb
