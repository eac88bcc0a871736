// Deterministic data for every rank and the value every output element must hold afterwards.
// Values are small integers chosen per dtype, op and rank count so that every reduction is exact
// (sums stay below the largest integer the type holds exactly), so checks compare exactly.
//
// Each value is drawn from a hash of the element's absolute position g and, for data that is not
// reduced, of its source rank (within a source, a bijection of g). A run delivered from another
// rank or another offset, shifted by any amount (a multiple of the chunk, of 5, of 101, ...),
// differs in each element with a chance of about 1 − 1/A for an alphabet of A values (8 for
// float8e5m2, the smallest; 2^24 for float32), independently: a misdelivered run of len elements
// passes with a chance near A^−len. For reductions the hash also picks the one rank that
// contributes the varying part, so WHICH rank does depends on g as well.
#pragma once
#include <cstddef>
#include <cstdint>

#include "../common/dtype.h"
#include "../ops/op.h"

namespace ccb {

class Pattern {
 public:
  Pattern(const OpInfo& op, Dtype t, RedOp r, int nranks);
  // Elements g0 … g0+len−1 of rank src's input, or of the reduction over all ranks (src ==
  // kReduced; an avg's sum, before the division), as the integers they hold: at most top().
  void values(int src, size_t g0, size_t len, uint32_t* out) const;
  uint32_t top() const { return top_; }
  int ranks() const { return n_; }
  bool approximate() const { return approx_; }

 private:
  enum class Kind { Plain, Sum, Max, Min, Prod };
  Kind kind_;
  int n_;
  uint32_t top_;         // the largest value: exact in the type and never its sentinel
  uint32_t xMask_ = 0;   // sum: the part every rank holds is h & xMask_
  int yShift_ = 0;       // the contributor's part (plain data: the value) is h >> yShift_
  bool approx_ = false;  // avg: the library may round differently (checked with a tolerance)
};

struct CheckLayout {
  const OpInfo* op;
  Dtype dtype;
  RedOp redop;
  int rank, nranks, root;
  size_t count;
  const size_t* matrix = nullptr;  // alltoallv's counts (OpCall::matrix)
  OpCall call() const { return {op, rank, nranks, root, count, matrix}; }
};

// Writes rank's input vector (n elements) at base.
void fillInput(const CheckLayout& c, void* base, size_t n);
// Writes a value no valid result can equal, so an op that leaves its output untouched is caught.
void fillSentinel(Dtype t, void* base, size_t n);
// Output elements this rank must check (the op's rule; 0 when it leaves the rank no output).
size_t outputElems(const CheckLayout& c);
// Number of output elements that differ from the expected values.
int64_t countWrong(const CheckLayout& c, const void* base);
// Fault injection for tests: moves whole blocks of this rank's output to the wrong place, as a
// routing bug would. The first two sources' blocks trade places (allgather's chunks of ranks 0
// and 1, say), or, where one source fills the output, its two halves do. Outputs of one element
// (or none) stay as they are.
void misroute(const CheckLayout& c, void* base);

}  // namespace ccb
