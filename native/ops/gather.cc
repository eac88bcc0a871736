// gather: the root gets every rank's chunk, in rank order.
#include "rules.h"

namespace ccb::ops {
namespace {

// In place, the root's own chunk already sits where the output puts it: at root·count.
InPlaceLayout inPlace(int rank, int root, size_t count) { return {rank == root ? size_t(rank) * count : 0, 0}; }

std::vector<Segment> expected(const OpCall& c, size_t) { return chunkPerRank(c, 0); }

}  // namespace

// One field per slot of OpInfo, laid out as a table.
// clang-format off
const OpInfo kGather{
    Op::Gather, "gather", Shape::Gathered,
    /*minRanks=*/1, /*evenRanks=*/false, /*reduces=*/false, /*rooted=*/true,
    /*hasInPlace=*/true, /*pairwise=*/false, /*barrierPerIter=*/true,
    Sample::PerOp, /*minCount=*/1,
    inPlace, rootOutput, expected};
// clang-format on

}  // namespace ccb::ops
