// barrier: no data; its latency alone (the count is always 0).
#include "rules.h"

namespace ccb::ops {

// One field per slot of OpInfo, laid out as a table.
// clang-format off
const OpInfo kBarrier{
    Op::Barrier, "barrier", Shape::None,
    /*minRanks=*/1, /*evenRanks=*/false, /*reduces=*/false, /*rooted=*/false,
    /*hasInPlace=*/false, /*pairwise=*/false, /*barrierPerIter=*/true,
    Sample::PerOp, /*minCount=*/0,
    atStart, noOutput, nothing};
// clang-format on

}  // namespace ccb::ops
