// bw: uni-directional bandwidth; the initiator of each pair sends a window of messages, then
// waits for an acknowledgement (osu_bw).
#include "rules.h"

namespace ccb::ops {
namespace {

// Only the receiving half of each pair gets data.
size_t output(const OpCall& c) { return pairInitiator(c.rank, c.nranks) ? 0 : c.count; }

}  // namespace

// One field per slot of OpInfo, laid out as a table.
// clang-format off
const OpInfo kBw{
    Op::Bw, "bw", Shape::Same,
    /*minRanks=*/2, /*evenRanks=*/true, /*reduces=*/false, /*rooted=*/false,
    /*hasInPlace=*/false, /*pairwise=*/true, /*barrierPerIter=*/false,
    Sample::PerMessage, /*minCount=*/0,
    atStart, output, fromPairPeer};
// clang-format on

}  // namespace ccb::ops
