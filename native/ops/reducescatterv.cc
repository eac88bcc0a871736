// reducescatterv: reducescatter through MPI_Reduce_scatter (a count per rank); the same result.
#include "rules.h"

namespace ccb::ops {
namespace {

std::vector<Segment> expected(const OpCall& c, size_t n) { return oneRun(kReduced, size_t(c.rank) * c.count, n); }

}  // namespace

// One field per slot of OpInfo, laid out as a table.
// clang-format off
const OpInfo kReduceScatterV{
    Op::ReduceScatterV, "reducescatterv", Shape::Scattered,
    /*minRanks=*/1, /*evenRanks=*/false, /*reduces=*/true, /*rooted=*/false,
    /*hasInPlace=*/true, /*pairwise=*/false, /*barrierPerIter=*/true,
    Sample::PerOp, /*minCount=*/1,
    atStart, everyOutput, expected};
// clang-format on

}  // namespace ccb::ops
