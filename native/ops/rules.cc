#include "rules.h"

namespace ccb::ops {

InPlaceLayout atStart(int, int, size_t) { return {0, 0}; }

size_t everyOutput(const OpCall& c) { return recvElems(c); }
size_t noOutput(const OpCall&) { return 0; }
size_t rootOutput(const OpCall& c) { return c.rank == c.root ? everyOutput(c) : 0; }

std::vector<Segment> nothing(const OpCall&, size_t) { return {}; }
std::vector<Segment> oneRun(int src, size_t gStart, size_t n) { return {{0, n, src, gStart}}; }
std::vector<Segment> reduction(const OpCall&, size_t n) { return oneRun(kReduced, 0, n); }

std::vector<Segment> chunkPerRank(const OpCall& c, size_t gStart) {
  std::vector<Segment> s;
  for (int src = 0; src < c.nranks; ++src) s.push_back({size_t(src) * c.count, c.count, src, gStart});
  return s;
}

std::vector<Segment> fromPairPeer(const OpCall& c, size_t n) { return oneRun(pairPeer(c.rank, c.nranks), 0, n); }

}  // namespace ccb::ops
