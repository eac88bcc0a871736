#include "comm.h"

namespace ccb {

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
