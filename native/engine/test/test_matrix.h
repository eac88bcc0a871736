// The count matrix the native test programs give alltoallv (an op of Shape::Varied): blocks of
// count, count / 2 or no elements, uneven in every row and column and never the same for all
// pairs, so misplaced blocks and empty ones are both exercised. Empty for every other op.
#pragma once
#include <cstddef>
#include <vector>

#include "../../ops/op.h"

namespace ccb {

inline std::vector<size_t> testMatrix(const OpInfo& op, int n, size_t count) {
  std::vector<size_t> m;
  if (op.shape != Shape::Varied) return m;
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) m.push_back(count * size_t((i + 2 * j + 1) % 3) / 2);
  return m;
}

}  // namespace ccb
