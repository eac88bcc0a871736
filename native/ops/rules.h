// What the op files share: the descriptors' declarations (one per line of list.h) and the rules
// that several ops have in common. Each op's own rules stay in its file.
#pragma once
#include "op.h"

namespace ccb::ops {

#define CCB_OP(id, name) extern const OpInfo k##id;
#include "list.h"
#undef CCB_OP

// The default in-place layout: input and output both at the start of the buffer.
InPlaceLayout atStart(int rank, int root, size_t count);

// Output elements to check: all of them, none, or all on the root and none elsewhere.
size_t everyOutput(const OpCall& c);
size_t noOutput(const OpCall& c);
size_t rootOutput(const OpCall& c);

// Expected values: none; all n from one source (a rank or kReduced) from element gStart on; the
// reduction from element 0; chunk p (count elements at p·count) from rank p's input from element
// gStart on; the pair partner's input (point-to-point).
std::vector<Segment> nothing(const OpCall& c, size_t n);
std::vector<Segment> oneRun(int src, size_t gStart, size_t n);
std::vector<Segment> reduction(const OpCall& c, size_t n);
std::vector<Segment> chunkPerRank(const OpCall& c, size_t gStart);
std::vector<Segment> fromPairPeer(const OpCall& c, size_t n);

}  // namespace ccb::ops
