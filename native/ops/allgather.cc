// allgather: every rank gets every rank's chunk, in rank order.
#include "rules.h"

namespace ccb::ops {
namespace {

// In place, this rank's chunk already sits where the output puts it: at rank·count.
InPlaceLayout inPlace(int rank, int, size_t count) { return {size_t(rank) * count, 0}; }

std::vector<Segment> expected(const OpCall& c, size_t) { return chunkPerRank(c, 0); }

}  // namespace

// One field per slot of OpInfo, laid out as a table.
// clang-format off
const OpInfo kAllGather{
    Op::AllGather, "allgather", Shape::Gathered,
    /*minRanks=*/1, /*evenRanks=*/false, /*reduces=*/false, /*rooted=*/false,
    /*hasInPlace=*/true, /*pairwise=*/false, /*barrierPerIter=*/true,
    Sample::PerOp, /*minCount=*/1,
    inPlace, everyOutput, expected};
// clang-format on

}  // namespace ccb::ops
