// --overlap: OSU's measurement of how much of a non-blocking collective hides behind compute.
#pragma once
#include "engine.h"

namespace ccb {

// Times `iters` iterations of the op alone (start, finish), calibrates a host compute kernel to
// that time, then times `iters` iterations of start, compute, finish. Fills res.samplesUs (the
// overall times), res.meanUs, res.pureUs and res.computeUs.
void timeOverlap(Comm& comm, const OpInfo& op, const OpArgs& a, int iters, MeasureResult& res, Progress& prog);

}  // namespace ccb
