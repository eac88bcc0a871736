// sendrecv: a ring exchange; each rank sends to rank+1 and receives from rank-1 (nccl-tests).
#include "rules.h"

namespace ccb::ops {
namespace {

std::vector<Segment> expected(const OpCall& c, size_t n) { return oneRun((c.rank - 1 + c.nranks) % c.nranks, 0, n); }

}  // namespace

// One field per slot of OpInfo, laid out as a table.
// clang-format off
const OpInfo kSendRecv{
    Op::SendRecv, "sendrecv", Shape::Same,
    /*minRanks=*/1, /*evenRanks=*/false, /*reduces=*/false, /*rooted=*/false,
    /*hasInPlace=*/true, /*pairwise=*/false, /*barrierPerIter=*/true,
    Sample::PerOp, /*minCount=*/1,
    atStart, everyOutput, expected};
// clang-format on

}  // namespace ccb::ops
