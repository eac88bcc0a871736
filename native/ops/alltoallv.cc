// alltoallv: rank i sends matrix[i][j] elements to rank j, for every pair; each rank's blocks lie
// back to back in peer order, on the send side and on the receive side (MPI_Alltoallv with
// displacements that are running sums, Gloo's alltoallv, nccl-tests' alltoallv_perf).
#include "rules.h"

namespace ccb::ops {
namespace {

// The block from src lands after the blocks of lower sources and comes from src's input after
// the blocks src sends to lower ranks. Empty blocks have no segment (the misroute test swaps the
// first two, which must hold data).
std::vector<Segment> expected(const OpCall& c, size_t) {
  std::vector<Segment> s;
  if (!c.matrix) return s;
  const size_t n = size_t(c.nranks), me = size_t(c.rank);
  size_t out = 0;
  for (size_t src = 0; src < n; ++src) {
    const size_t* row = c.matrix + src * n;
    const size_t len = row[me];
    size_t from = 0;
    for (size_t k = 0; k < me; ++k) from += row[k];
    if (len > 0) s.push_back({out, len, int(src), from});
    out += len;
  }
  return s;
}

}  // namespace

// One field per slot of OpInfo, laid out as a table. No in-place form: MPI_IN_PLACE would send
// the receive counts back, which holds for symmetric matrices only.
// clang-format off
const OpInfo kAllToAllV{
    Op::AllToAllV, "alltoallv", Shape::Varied,
    /*minRanks=*/1, /*evenRanks=*/false, /*reduces=*/false, /*rooted=*/false,
    /*hasInPlace=*/false, /*pairwise=*/false, /*barrierPerIter=*/true,
    Sample::PerOp, /*minCount=*/1,
    atStart, everyOutput, expected};
// clang-format on

}  // namespace ccb::ops
