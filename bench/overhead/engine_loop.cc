// What ccbench's timed loop costs by itself, measured in one process where MPI noise cannot hide
// it: engine measure() over NullComm — a bench-only stand-in whose ops do nothing — against the
// bare loop a plain C benchmark runs (clock, nothing, clock, store). Both report per-iteration
// times exactly as the tables do; the difference of their means is the engine's overhead per op.
// Prints one JSON line: medians over interleaved rounds of the two means, in nanoseconds.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "../../native/engine/engine.h"

namespace {

using Clock = std::chrono::steady_clock;

class NullComm final : public ccb::Comm {  // bench-only: measures the engine, not a library
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  std::string unsupported(const ccb::OpInfo&, ccb::Dtype, ccb::RedOp, bool, size_t) const override { return ""; }
  void run(const ccb::OpInfo&, const ccb::OpArgs&) override { asm volatile("" ::: "memory"); }
  void barrier() override {}
  double maxAcross(double v) override { return v; }
  std::unique_ptr<ccb::Comm> split(int, const std::vector<char>&) override { return nullptr; }
};

double mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s / double(v.size());
}

}  // namespace

int main() {
  const int iters = 1000000, rounds = 21;
  auto dev = ccb::makeHostDevice();
  ccb::Buffers buf;
  buf.send = dev->alloc(4096);
  buf.recv = dev->alloc(4096);
  buf.sendBytes = buf.recvBytes = 4096;
  NullComm comm;
  ccb::Progress prog;
  ccb::MeasureSpec spec;
  spec.op = ccb::opByName("allreduce");
  spec.count = 2;
  spec.iters = iters;
  spec.timing = ccb::Timing::PerOp;

  std::vector<double> bare(iters), engineMeans, bareMeans;
  for (int r = 0; r < rounds; ++r) {
    engineMeans.push_back(mean(ccb::measure(comm, *dev, buf, spec, prog).samplesUs) * 1e3);
    for (int i = 0; i < iters; ++i) {
      const auto t0 = Clock::now();
      asm volatile("" ::: "memory");
      const auto t1 = Clock::now();
      bare[size_t(i)] = std::chrono::duration<double, std::micro>(t1 - t0).count();
    }
    bareMeans.push_back(mean(bare) * 1e3);
  }
  std::sort(engineMeans.begin(), engineMeans.end());
  std::sort(bareMeans.begin(), bareMeans.end());
  const double e = engineMeans[rounds / 2], b = bareMeans[rounds / 2];
  std::printf("{\"iters\":%d,\"rounds\":%d,\"engine_ns\":%.3f,\"bare_ns\":%.3f,\"overhead_ns\":%.3f}\n", iters, rounds,
              e, b, e - b);
  return 0;
}
