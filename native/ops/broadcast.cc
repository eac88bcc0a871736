// broadcast: the root's buffer is copied to every rank.
#include "rules.h"

namespace ccb::ops {
namespace {

// The root's own data never crosses the network (MPI leaves its receive buffer alone).
size_t output(const OpCall& c) { return c.rank == c.root ? 0 : c.count; }

std::vector<Segment> expected(const OpCall& c, size_t n) { return oneRun(c.root, 0, n); }

}  // namespace

// One field per slot of OpInfo, laid out as a table.
// clang-format off
const OpInfo kBroadcast{
    Op::Broadcast, "broadcast", Shape::Same,
    /*minRanks=*/1, /*evenRanks=*/false, /*reduces=*/false, /*rooted=*/true,
    /*hasInPlace=*/true, /*pairwise=*/false, /*barrierPerIter=*/true,
    Sample::PerOp, /*minCount=*/1,
    atStart, output, expected};
// clang-format on

}  // namespace ccb::ops
