// The native op registry: one row per operation. src/plan/ops.ts is the TypeScript twin;
// test/registry.test.ts proves the two agree (names, rank rules, buffer shapes).
#pragma once
#include <cstddef>

namespace ccb {

enum class Op : int {
  AllReduce, AllGather, ReduceScatter, Broadcast, Reduce, AllToAll, Gather, Scatter,
  SendRecv, Latency, Bw, Bibw, Barrier,
};

// How send / receive element counts follow from the op's count argument (nccl-tests semantics,
// shared/reference/metrics.md §3): Same = c / c; Gathered = b / b·n; Scattered = b·n / b;
// Exchanged = b·n / b·n; None = no data.
enum class Shape { Same, Gathered, Scattered, Exchanged, None };

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
};

const OpInfo* opByName(const char* name);
const OpInfo& opInfo(Op id);
const OpInfo* allOps(size_t* count);

size_t sendElems(const OpInfo& op, size_t count, int nranks);
size_t recvElems(const OpInfo& op, size_t count, int nranks);

}  // namespace ccb
