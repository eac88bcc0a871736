// The pieces of one measurement that engine.cc and concurrent.cc share: where an op's input and
// output lie in the buffers, writing the input, and checking the output.
#pragma once
#include "check.h"
#include "engine.h"

namespace ccb::detail {

struct Placement {
  OpArgs args;
  unsigned char* input;  // where this rank's input vector lives
  size_t inputElems;
  unsigned char* output;  // where its result lands
  size_t sentinelElems;   // output elements to poison before the check
};

Placement place(Comm& comm, const Buffers& buf, const MeasureSpec& s);
// Writes the input (and, for a check, poisons the output) through host staging when needed.
void prepareData(Device& dev, const Buffers& buf, const Placement& p, const CheckLayout& cl, bool poison);
// Wrong output elements of this rank (after the fault injection tests may ask for).
int64_t checkOutput(Device& dev, const Buffers& buf, const Placement& p, const CheckLayout& cl);

}  // namespace ccb::detail
