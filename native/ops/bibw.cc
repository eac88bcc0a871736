// bibw: bi-directional bandwidth; both ranks of each pair send a window of messages (osu_bibw).
#include "rules.h"

namespace ccb::ops {

// One field per slot of OpInfo, laid out as a table.
// clang-format off
const OpInfo kBibw{
    Op::Bibw, "bibw", Shape::Same,
    /*minRanks=*/2, /*evenRanks=*/true, /*reduces=*/false, /*rooted=*/false,
    /*hasInPlace=*/false, /*pairwise=*/true, /*barrierPerIter=*/false,
    Sample::PerMessage, /*minCount=*/0,
    atStart, everyOutput, fromPairPeer};
// clang-format on

}  // namespace ccb::ops
