// ccbench replay's runner: a job's recorded entries, in order, on the communicators made for them,
// each timed on its own (replay.cc). Nothing here calls JavaScript; the entries and the buffers
// (the largest entry's size) come prepared from the caller.
#pragma once
#include <vector>

#include "engine.h"

namespace ccb {

enum class EntryKind { Collective, P2p, Gap };

struct ReplayEntry {
  EntryKind kind = EntryKind::Collective;
  int comm = 0;                // index into the runner's comms (p2p: a rank of comms[0], the world)
  const OpInfo* op = nullptr;  // collectives
  OpArgs args;                 // count, dtype, redop, root; the buffers and matrix are set by the runner
  std::vector<size_t> matrix;  // alltoallv: the group's n × n element counts, row = sender
  P2p p2p;                     // send / recv
  double gapUs = 0;            // a compute gap's recorded length
};

struct ReplayResult {
  // Per timed iteration, per entry (µs): issue to completion on this rank. Consecutive send /
  // recv entries run as one batch; each of them gets the batch's time divided by its size.
  std::vector<double> entryUs;
  std::vector<double> iterationUs;  // per timed iteration: its first entry's start to its last's end
};

// gaps: spin through each compute gap for its recorded length (else gaps take no time).
ReplayResult replay(const std::vector<Comm*>& comms, Device& dev, const Buffers& buf, std::vector<ReplayEntry>& entries,
                    int warmup, int iterations, bool gaps, Progress& prog);

}  // namespace ccb
