// latency: ping-pong between the pairs (r, r + n/2), reported one-way (osu_latency).
#include "rules.h"

namespace ccb::ops {

// One field per slot of OpInfo, laid out as a table.
// clang-format off
const OpInfo kLatency{
    Op::Latency, "latency", Shape::Same,
    /*minRanks=*/2, /*evenRanks=*/true, /*reduces=*/false, /*rooted=*/false,
    /*hasInPlace=*/false, /*pairwise=*/true, /*barrierPerIter=*/false,
    Sample::HalfRoundTrip, /*minCount=*/0,
    atStart, everyOutput, fromPairPeer};
// clang-format on

}  // namespace ccb::ops
