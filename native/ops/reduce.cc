// reduce: the root gets the reduction of all ranks' buffers.
#include "rules.h"

namespace ccb::ops {

// One field per slot of OpInfo, laid out as a table.
// clang-format off
const OpInfo kReduce{
    Op::Reduce, "reduce", Shape::Same,
    /*minRanks=*/1, /*evenRanks=*/false, /*reduces=*/true, /*rooted=*/true,
    /*hasInPlace=*/true, /*pairwise=*/false, /*barrierPerIter=*/true,
    Sample::PerOp, /*minCount=*/1,
    atStart, rootOutput, reduction};
// clang-format on

}  // namespace ccb::ops
