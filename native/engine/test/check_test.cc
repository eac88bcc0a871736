// --check's patterns (check.h) on their own, with no library: for every op, dtype, reduction,
// rank count and a range of counts (powers of two or not, multiples of 5 and 101), every rank's
// correct output is built from all ranks' inputs by the op's rule (a reduction in double, whose
// inputs and result must be integers the type holds exactly), and then
//   - the correct output has no wrong element, and the sentinel makes every element wrong;
//   - misroute() (the engine's fault injection) is caught, at every count of 2 elements or more;
//   - any run delivered from another source or another offset (±1, ±5, ±101, ±count, ...) is
//     caught wherever the run holds enough elements to be sure (see check.h);
//   - the reductions' values are not constant.
// Prints the failures and a summary; exit status 1 if there was any. Run: bash run_check_tests.sh
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdint>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "../check.h"
#include "test_matrix.h"

using namespace ccb;

namespace {

int failures = 0;
long cases = 0;

void fail(const std::string& what) {
  if (++failures <= 40) std::printf("FAIL: %s\n", what.c_str());
}

using Bytes = std::vector<unsigned char>;

// Each rank's output as a correct library leaves it, from the op's rule.
Bytes correctOutput(const CheckLayout& c, const std::vector<Bytes>& inputs, const std::string& tag) {
  const size_t ts = dtypeInfo(c.dtype).size, n = outputElems(c);
  const double limit = dtypeInfo(c.dtype).exactLimit;
  Bytes out(n * ts, 0);
  for (const Segment& s : c.op->segments(c.call(), n)) {
    if (s.src != kReduced) {
      std::memcpy(out.data() + s.out * ts, inputs[size_t(s.src)].data() + s.gStart * ts, s.len * ts);
      continue;
    }
    for (size_t j = 0; j < s.len; ++j) {
      double acc = 0;
      for (int r = 0; r < c.nranks; ++r) {
        const double v = loadElement(c.dtype, inputs[size_t(r)].data(), s.gStart + j);
        if (!(v >= 0 && v <= limit && v == std::floor(v))) fail(tag + ": input not a small integer");
        switch (c.redop) {
          case RedOp::Sum:
          case RedOp::Avg: acc = r ? acc + v : v; break;
          case RedOp::Prod: acc = r ? acc * v : v; break;
          case RedOp::Max: acc = r ? std::max(acc, v) : v; break;
          case RedOp::Min: acc = r ? std::min(acc, v) : v; break;
        }
      }
      if (acc > limit) fail(tag + ": reduction " + std::to_string(acc) + " beyond the exact range");
      if (c.redop == RedOp::Avg) acc = dtypeInfo(c.dtype).isFloat ? acc / c.nranks : std::trunc(acc / c.nranks);
      storeElement(c.dtype, out.data(), s.out + j, acc);
    }
  }
  return out;
}

// The run length from which a pattern must tell runs apart: with an alphabet of A values (seen
// in 4096 elements), a misdelivered run of len elements matches by chance with about A^−len.
// avg compares within a tolerance, which neighbouring values may meet: 64 elements.
size_t sureLength(const Pattern& p, int src) {
  if (p.approximate()) return 64;
  std::vector<uint32_t> v(4096);
  p.values(src, 0, v.size(), v.data());
  const double a = double(std::set<uint32_t>(v.begin(), v.end()).size());
  return a < 2 ? SIZE_MAX : size_t(std::ceil(9 / std::log10(a)));  // chance below 10^−9
}

// Runs delivered from the wrong source or offset must not reproduce a whole expected run.
void wrongSources(const CheckLayout& c, size_t sure, const std::string& tag) {
  const Pattern p(*c.op, c.dtype, c.redop, c.nranks);
  const size_t n = outputElems(c);
  for (const Segment& s : c.op->segments(c.call(), n)) {
    if (s.len < sure) continue;
    std::vector<uint32_t> want(s.len), got(s.len);
    p.values(s.src, s.gStart, s.len, want.data());
    std::vector<std::pair<int, long long>> others;  // (source, offset from gStart)
    for (long long d : {1LL, 2LL, 5LL, 10LL, 101LL, 202LL, 505LL, (long long)c.count, 2LL * (long long)c.count})
      for (long long sign : {-1, 1})
        if ((long long)s.gStart + sign * d >= 0) others.push_back({s.src, sign * d});
    if (s.src != kReduced)
      for (int r = 0; r < c.nranks; ++r)
        if (r != s.src) others.push_back({r, 0});
    for (const auto& o : others) {
      p.values(o.first, size_t((long long)s.gStart + o.second), s.len, got.data());
      if (got == want)
        fail(tag + ": a run of " + std::to_string(s.len) + " from source " + std::to_string(o.first) + " at offset " +
             std::to_string(o.second) + " matches source " + std::to_string(s.src) + "'s");
    }
  }
}

void one(const OpInfo& op, Dtype t, RedOp r, int n, size_t count) {
  const size_t ts = dtypeInfo(t).size;
  std::string tag = std::string(op.name) + " " + dtypeInfo(t).name + " " + redOpName(r) + " n=" + std::to_string(n) +
                    " count=" + std::to_string(count);
  const size_t sure = sureLength(Pattern(op, t, r, n), op.reduces ? kReduced : 0);
  const std::vector<size_t> matrix = testMatrix(op, n, count);
  const size_t* m = matrix.empty() ? nullptr : matrix.data();
  std::vector<Bytes> inputs;
  for (int rank = 0; rank < n; ++rank) {
    const CheckLayout c{&op, t, r, rank, n, n - 1, count, m};
    inputs.emplace_back(sendElems(c.call()) * ts);
    fillInput(c, inputs.back().data(), sendElems(c.call()));
  }
  for (int rank = 0; rank < n; ++rank) {
    const CheckLayout c{&op, t, r, rank, n, n - 1, count, m};
    const std::string at = tag + " rank " + std::to_string(rank);
    const size_t elems = outputElems(c);
    if (elems == 0) continue;  // this rank has no result to check (a non-root, say)
    ++cases;
    Bytes out = correctOutput(c, inputs, at);
    if (const int64_t w = countWrong(c, out.data()); w != 0)
      fail(at + ": " + std::to_string(w) + " wrong in a correct output");
    // Exact patterns catch any changed bit; avg's tolerance may pass a few neighbouring values.
    Bytes bad = out;
    misroute(c, bad.data());
    const std::vector<Segment> segs = op.segments(c.call(), elems);
    const size_t moved = segs.size() > 1 ? std::min(segs[0].len, segs[1].len) : elems / 2;
    if (bad != out && (moved >= sure || r != RedOp::Avg) && countWrong(c, bad.data()) == 0)
      fail(at + ": misrouted output not caught");
    if (bad == out && moved >= sure) fail(at + ": misroute() changed nothing");  // a periodic pattern
    fillSentinel(t, bad.data(), elems);
    if (countWrong(c, bad.data()) != int64_t(elems)) fail(at + ": the sentinel is not wrong everywhere");
    wrongSources(c, sure, at);
  }
}

// The reductions' results vary with g (today's fixed point would be a constant, say n·2 for a sum
// of 0..4 over five ranks, which no misrouting changes).
void notConstant(Dtype t, RedOp r, int n) {
  const Pattern p(opInfo(Op::AllReduce), t, r, n);
  std::vector<uint32_t> v(4096);
  p.values(kReduced, 0, v.size(), v.data());
  const size_t distinct = std::set<uint32_t>(v.begin(), v.end()).size();
  if (distinct < std::min<size_t>(4, p.top()))
    fail(std::string("reduction ") + dtypeInfo(t).name + " " + redOpName(r) + " n=" + std::to_string(n) + ": only " +
         std::to_string(distinct) + " distinct values");
  // Large g: the seed changes at 2^32 elements, and nothing repeats across it.
  std::vector<uint32_t> a(64), b(64);
  p.values(kReduced, 5, a.size(), a.data());
  p.values(kReduced, (size_t(1) << 32) + 5, b.size(), b.data());
  if (a == b) fail(std::string("reduction ") + dtypeInfo(t).name + ": repeats at 2^32");
}

}  // namespace

int main() {
  size_t nOps = 0, nTypes = 0;
  const OpInfo* ops = allOps(&nOps);
  const DtypeInfo* types = allDtypes(&nTypes);
  const RedOp reds[] = {RedOp::Sum, RedOp::Prod, RedOp::Max, RedOp::Min, RedOp::Avg};
  const size_t counts[] = {1, 2, 3, 5, 7, 10, 16, 64, 101, 202, 505, 1010, 4096};
  for (int n : {1, 2, 3, 4, 5, 8, 101}) {
    for (size_t i = 0; i < nOps; ++i) {
      const OpInfo& op = ops[i];
      if (op.shape == Shape::None || n < op.minRanks || (op.evenRanks && n % 2)) continue;
      for (size_t d = 0; d < nTypes; ++d)
        for (RedOp r : reds) {
          if (!op.reduces && r != RedOp::Sum) continue;
          for (size_t count : counts)
            if (n * count <= 20000 && (n < 100 || count <= 10)) one(op, types[d].id, r, n, count);
        }
    }
    for (size_t d = 0; d < nTypes; ++d)
      for (RedOp r : reds) notConstant(types[d].id, r, n);
  }
  std::printf("check patterns: %ld rank outputs over every op, dtype, reduction, 1-101 ranks: %s\n", cases,
              failures ? "FAILED" : "ok");
  return failures ? 1 : 0;
}
