// scatter: rank r gets chunk r of the root's buffer.
#include "rules.h"

namespace ccb::ops {
namespace {

// In place, the root's own chunk stays where it lies in its input: at root·count.
InPlaceLayout inPlace(int rank, int root, size_t count) { return {0, rank == root ? size_t(rank) * count : 0}; }

std::vector<Segment> expected(const OpCall& c, size_t n) { return oneRun(c.root, size_t(c.rank) * c.count, n); }

}  // namespace

// One field per slot of OpInfo, laid out as a table.
// clang-format off
const OpInfo kScatter{
    Op::Scatter, "scatter", Shape::Scattered,
    /*minRanks=*/1, /*evenRanks=*/false, /*reduces=*/false, /*rooted=*/true,
    /*hasInPlace=*/true, /*pairwise=*/false, /*barrierPerIter=*/true,
    Sample::PerOp, /*minCount=*/1,
    inPlace, everyOutput, expected};
// clang-format on

}  // namespace ccb::ops
