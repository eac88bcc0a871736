// --concurrent k (MPI): k copies of a collective at once, as jobs run data- and tensor-parallel
// collectives side by side on separate communicators. One thread starts every copy with its
// non-blocking form (Comm::start) and then waits for each in turn, so the copies progress
// together inside the MPI library. Per size: the copies together (the samples: start of the
// first to completion of the last), each copy's completion time, and one copy alone for the
// slowdown. Every copy has its own slice of the buffers, and --check checks each of them.
#include "concurrent.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>

#include "../common/error.h"
#include "engine_parts.h"

namespace ccb {
namespace {

using Clock = std::chrono::steady_clock;

inline double usSince(Clock::time_point t0, Clock::time_point t1) {
  return std::chrono::duration<double, std::micro>(t1 - t0).count();
}

// Slice c of k of a buffer, 64-byte aligned, so no two copies share a cache line.
Buffers slice(const Buffers& b, size_t c, size_t k) {
  const auto part = [&](size_t bytes) { return bytes / k / 64 * 64; };
  Buffers s = b;
  s.sendBytes = part(b.sendBytes);
  s.recvBytes = part(b.recvBytes);
  s.send = static_cast<unsigned char*>(b.send) + c * s.sendBytes;
  s.recv = static_cast<unsigned char*>(b.recv) + c * s.recvBytes;
  return s;
}

}  // namespace

MeasureResult measureConcurrent(const std::vector<Comm*>& comms, Device& dev, const Buffers& buf, const MeasureSpec& s,
                                Progress& prog) {
  using namespace detail;
  const OpInfo& op = *s.op;
  const size_t k = comms.size();
  Comm& first = *comms[0];
  const std::string why = first.unsupported(op, s.dtype, s.redop, s.inPlace, s.count);
  if (!why.empty()) throw Error(ErrorKind::Usage, why);
  if (!first.cannotStart(op).empty()) throw Error(ErrorKind::Usage, first.cannotStart(op));

  std::vector<Buffers> slices;
  std::vector<Placement> at;
  const CheckLayout cl{&op, s.dtype, s.redop, first.rank(), first.size(), s.root, s.count};
  for (size_t c = 0; c < k; ++c) {
    slices.push_back(slice(buf, c, k));
    at.push_back(place(*comms[c], slices[c], s));
    prepareData(dev, slices[c], at[c], cl, false);
    comms[c]->prepare(op, at[c].args);
  }
  const auto together = [&](double* copyUs, Clock::time_point t0) {
    for (size_t c = 0; c < k; ++c) comms[c]->start(op, at[c].args);
    for (size_t c = 0; c < k; ++c) {
      comms[c]->finish();
      if (copyUs) copyUs[c] += usSince(t0, Clock::now());
    }
  };

  MeasureResult res;
  res.warmup = s.warmup;
  prog.phase.store(int(Phase::Warmup), std::memory_order_relaxed);
  double estUs = 0;
  for (int w = 0; w < s.warmup; ++w) {
    const auto t0 = Clock::now();
    together(nullptr, t0);
    if (w > 0 || s.warmup == 1) estUs = usSince(t0, Clock::now());
    prog.iteration.store(w + 1, std::memory_order_relaxed);
  }
  int iters = s.iters;
  if (s.maxTimeSec > 0 && estUs > 0) {
    const double worst = first.maxAcross(estUs) * 2;  // alone, then together
    iters = int(std::clamp(std::floor(s.maxTimeSec * 1e6 / worst), 1.0, double(s.iters)));
  }
  res.iters = iters;
  prog.phase.store(int(Phase::Timed), std::memory_order_relaxed);

  // One copy alone: the reference the slowdown is against.
  first.barrier();
  double alone = 0;
  for (int i = 0; i < iters; ++i) {
    const auto t0 = Clock::now();
    first.start(op, at[0].args);
    first.finish();
    alone += usSince(t0, Clock::now());
    if (op.barrierPerIter) first.barrier();
    prog.iteration.store(i + 1, std::memory_order_relaxed);
  }
  res.aloneUs = iters ? alone / iters : 0;

  res.samplesUs.assign(size_t(iters), 0.0);
  res.copyUs.assign(k, 0.0);
  double sum = 0;
  first.barrier();
  for (int i = 0; i < iters; ++i) {
    const auto t0 = Clock::now();
    together(res.copyUs.data(), t0);
    res.samplesUs[size_t(i)] = usSince(t0, Clock::now());
    sum += res.samplesUs[size_t(i)];
    if (op.barrierPerIter) first.barrier();
    prog.iteration.store(iters + i + 1, std::memory_order_relaxed);
  }
  res.meanUs = iters ? sum / iters : 0;
  for (double& v : res.copyUs) v = iters ? v / iters : 0;

  if (s.check) {
    prog.phase.store(int(Phase::Check), std::memory_order_relaxed);
    for (size_t c = 0; c < k; ++c) prepareData(dev, slices[c], at[c], cl, true);
    first.barrier();
    together(nullptr, Clock::now());
    res.wrong = 0;
    for (size_t c = 0; c < k; ++c) res.wrong += checkOutput(dev, slices[c], at[c], cl);
  }
  prog.phase.store(int(Phase::Idle), std::memory_order_relaxed);
  return res;
}

}  // namespace ccb
