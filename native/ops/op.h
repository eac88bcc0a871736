// The op descriptor: everything ccbench knows about an operation apart from how each backend
// issues it. One descriptor per op, in native/ops/<name>.cc; the registry (registry.cc) holds
// them in the order of list.h. src/ops/ is the TypeScript twin.
#pragma once
#include <cstddef>
#include <vector>

namespace ccb {

enum class Op : int {
#define CCB_OP(id, name) id,
#include "list.h"
#undef CCB_OP
};

constexpr size_t kOpCount = 0
#define CCB_OP(id, name) +1
#include "list.h"
#undef CCB_OP
    ;

// How send / receive element counts follow from the op's count argument (nccl-tests semantics,
// shared/reference/metrics.md §3): Same = c / c; Gathered = b / b·n; Scattered = b·n / b;
// Exchanged = b·n / b·n; None = no data; Varied = a count per pair of ranks from a matrix (the
// call's), where c is the mean a rank sends (c / c without a matrix).
enum class Shape { Same, Gathered, Scattered, Exchanged, None, Varied };

// How one timed iteration becomes the per-op time the tables report.
enum class Sample {
  PerOp,          // one op per iteration
  HalfRoundTrip,  // a round trip per iteration, reported one-way (OSU, IMB PingPong): ×0.5
  PerMessage,     // a window of messages per iteration, reported per message: ×1/window
};

// Where an in-place op reads its input and writes its output inside one buffer, in elements.
struct InPlaceLayout {
  size_t input = 0;
  size_t output = 0;
};

struct OpInfo;

// One rank's call of an op: what the --check rule depends on.
struct OpCall {
  const OpInfo* op;
  int rank, nranks, root;
  size_t count;
  // Varied shape: nranks × nranks element counts, row = sender (cell [i][j]: i sends to j).
  const size_t* matrix = nullptr;
};

// The expected-value source of a run of output elements: rank src's input from element gStart on,
// or the reduction over all ranks (src == kReduced) from gStart on.
constexpr int kReduced = -1;
struct Segment {
  size_t out, len;
  int src;
  size_t gStart;
};

struct OpInfo {
  Op id;
  const char* name;
  Shape shape;
  int minRanks;
  bool evenRanks;       // pairs (r, r + n/2)
  bool reduces;         // takes a reduction operator
  bool rooted;          // takes a root rank
  bool hasInPlace;      // an in-place form exists
  bool pairwise;        // point-to-point between pairs; only the first half of ranks reports
  bool barrierPerIter;  // OSU collectives separate timed iterations by an untimed barrier
  Sample sample;
  size_t minCount;  // smallest count argument the op accepts (0: OSU's 0-byte messages)
  // MPI_IN_PLACE's layout for this rank (backends may override it: Comm::inPlaceLayout).
  InPlaceLayout (*inPlace)(int rank, int root, size_t count);
  // --check: how many output elements this rank checks (0 when the op leaves it no output) ...
  size_t (*outputElems)(const OpCall& c);
  // ... and where the first n of them get their expected values.
  std::vector<Segment> (*segments)(const OpCall& c, size_t n);
};

const OpInfo* opByName(const char* name);
const OpInfo& opInfo(Op id);
const OpInfo* allOps(size_t* count);

size_t sendElems(const OpInfo& op, size_t count, int nranks);
size_t recvElems(const OpInfo& op, size_t count, int nranks);
// The same for one rank's call: with a matrix, its row's and its column's totals.
size_t sendElems(const OpCall& c);
size_t recvElems(const OpCall& c);

// Names the addon hands to JavaScript: "same" | "gathered" | ..., "op" | "half-round-trip" | ...
const char* shapeName(Shape s);
const char* sampleName(Sample s);

// Pair partner for point-to-point ops: rank r talks to r + n/2 (OSU's multi-pair layout).
inline int pairPeer(int rank, int n) { return rank < n / 2 ? rank + n / 2 : rank - n / 2; }
inline bool pairInitiator(int rank, int n) { return rank < n / 2; }

}  // namespace ccb
