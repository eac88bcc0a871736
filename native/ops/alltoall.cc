// alltoall: rank r sends its chunk j to rank j, for every pair of ranks.
#include "rules.h"

namespace ccb::ops {
namespace {

// Chunk p of the output is chunk r of rank p's input.
std::vector<Segment> expected(const OpCall& c, size_t) { return chunkPerRank(c, size_t(c.rank) * c.count); }

}  // namespace

// One field per slot of OpInfo, laid out as a table.
// clang-format off
const OpInfo kAllToAll{
    Op::AllToAll, "alltoall", Shape::Exchanged,
    /*minRanks=*/1, /*evenRanks=*/false, /*reduces=*/false, /*rooted=*/false,
    /*hasInPlace=*/true, /*pairwise=*/false, /*barrierPerIter=*/true,
    Sample::PerOp, /*minCount=*/1,
    atStart, everyOutput, expected};
// clang-format on

}  // namespace ccb::ops
