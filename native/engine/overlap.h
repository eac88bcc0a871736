// --overlap: OSU's measurement of how much of a non-blocking collective hides behind compute.
#pragma once
#include "engine.h"

namespace ccb {

// Times `iters` iterations of the op alone (start, finish), calibrates the competing work to that
// time (a host compute kernel, or device memsets for a backend on GPU streams), then times `iters`
// iterations of start, compute, finish. Fills res.samplesUs (the overall times), res.meanUs,
// res.pureUs and res.computeUs.
void timeOverlap(Comm& comm, Device& dev, const OpInfo& op, const OpArgs& a, int iters, MeasureResult& res,
                 Progress& prog);

}  // namespace ccb
