// Deterministic data for every rank and the value every output element must hold afterwards.
// Values are small integers chosen per dtype, op and rank count so that every reduction is exact
// (sums stay below the largest integer the type holds exactly), so checks compare exactly.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "../common/dtype.h"
#include "../ops/op.h"

namespace ccb {

class Pattern {
 public:
  Pattern(const OpInfo& op, Dtype t, RedOp r, int nranks);
  double input(int rank, size_t g) const;  // element g of rank's input vector
  double reduced(size_t g) const;          // the reduction over all ranks of element g
  bool approximate() const { return approx_; }
  // Inputs and reductions depend on g only through g mod modulus().
  size_t modulus() const { return m_; }

 private:
  enum class Kind { Plain, Residue, Indicator, ProdIndicator };
  Kind kind_;
  size_t m_;
  int n_;
  bool approx_ = false;  // avg: the library may round differently (checked with a tolerance)
  std::vector<double> table_;
};

struct CheckLayout {
  const OpInfo* op;
  Dtype dtype;
  RedOp redop;
  int rank, nranks, root;
  size_t count;
  OpCall call() const { return {op, rank, nranks, root, count}; }
};

// Writes rank's input vector (n elements) at base.
void fillInput(const CheckLayout& c, void* base, size_t n);
// Writes a value no valid result can equal, so an op that leaves its output untouched is caught.
void fillSentinel(Dtype t, void* base, size_t n);
// Output elements this rank must check (the op's rule; 0 when it leaves the rank no output).
size_t outputElems(const CheckLayout& c);
// Number of output elements that differ from the expected values.
int64_t countWrong(const CheckLayout& c, const void* base);

}  // namespace ccb
