#include "comm.h"

#include <atomic>

#include "../device/device.h"

namespace ccb {

namespace {
std::atomic<bool> gAbort{false};
}  // namespace

bool abortRequested() { return gAbort.load(std::memory_order_relaxed); }
void requestAbort() { gAbort.store(true, std::memory_order_relaxed); }

void Comm::complete(Device& dev) {
  if (dev.asynchronous()) dev.synchronize();
}

// The layout MPI_IN_PLACE implies (and NCCL shares except where its backend overrides):
// gathered ops keep each rank's chunk at rank·b of the output; scatter's root keeps its own chunk
// at root·b of the input; everything else reads and writes from the start of the buffer.
InPlaceLayout Comm::inPlaceLayout(const OpInfo& op, int root, size_t count) const {
  const size_t r = size_t(rank());
  switch (op.id) {
    case Op::AllGather: return {r * count, 0};
    case Op::Gather: return {rank() == root ? r * count : 0, 0};
    case Op::Scatter: return {0, rank() == root ? r * count : 0};
    default: return {0, 0};
  }
}

}  // namespace ccb
