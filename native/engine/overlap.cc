// The method of OSU's non-blocking collective benchmarks (osu_iallreduce and the others; the
// overlap formula is in print_stats_nbc, c/util/osu_util_mpi.c of OSU 7.4): the pure
// communication time t_pure is measured first; a dummy compute is calibrated to last t_pure;
// then each iteration starts the op, computes, and waits. Overlap = max(0, 100 − 100 ·
// (t_overall − t_compute) / t_pure), computed by the caller from the ranks' means. As in OSU,
// iterations are not separated by barriers (one barrier before each loop) and there are no
// progress calls during the compute (OSU's default of 0 probes). On a backend that issues on GPU
// streams (NCCL, RCCL) the competing work is the GPU's own: device memsets on another stream.
#include "overlap.h"

#include <algorithm>
#include <chrono>
#include <cstdint>

namespace ccb {
namespace {

using Clock = std::chrono::steady_clock;

inline double usSince(Clock::time_point t0, Clock::time_point t1) {
  return std::chrono::duration<double, std::micro>(t1 - t0).count();
}

volatile double gSink = 0;  // the kernel's result goes here, so the compiler keeps the loop

// The competing work: a chain of dependent multiply-adds, so its time is steps × one latency
// and no compiler can shorten it; touches no memory, so it competes only for the core.
void compute(uint64_t steps) {
  double x = gSink + 1.0;
  for (uint64_t i = 0; i < steps; ++i) x = x * 0.9999999 + 1e-7;
  gSink = x;
}

// Steps that take about `us` microseconds on this core: the best of a few timed runs of a known
// length, scaled.
uint64_t calibrate(double us) {
  constexpr uint64_t kProbe = 1 << 16;
  double best = 1e300;
  for (int k = 0; k < 5; ++k) {
    const auto t0 = Clock::now();
    compute(kProbe);
    best = std::min(best, usSince(t0, Clock::now()));
  }
  const double perStep = std::max(best, 1e-3) / double(kProbe);
  return uint64_t(std::max(0.0, us) / perStep);
}

// The GPU's competing work: rounds of device memsets on their own stream, waited for by polling.
// The best of a few single rounds calibrates it, as the host kernel is.
void competeOnDevice(Device& dev, int rounds) {
  dev.startCompeting(rounds);
  while (!dev.competingIdle()) {
  }
}

int calibrateDevice(Device& dev, double us) {
  double best = 1e300;
  for (int k = 0; k < 5; ++k) {
    const auto t0 = Clock::now();
    competeOnDevice(dev, 1);
    best = std::min(best, usSince(t0, Clock::now()));
  }
  return int(std::clamp(us / std::max(best, 1e-3), 1.0, 1e6));
}

}  // namespace

void timeOverlap(Comm& comm, Device& dev, const OpInfo& op, const OpArgs& a, int iters, MeasureResult& res,
                 Progress& prog) {
  res.samplesUs.assign(size_t(iters), 0.0);
  if (iters == 0) return;
  comm.barrier();
  double pure = 0;
  for (int i = 0; i < iters; ++i) {
    const auto t0 = Clock::now();
    comm.start(op, a);
    comm.finish();
    pure += usSince(t0, Clock::now());
    prog.iteration.store(i + 1, std::memory_order_relaxed);
  }
  res.pureUs = pure / iters;

  // A backend that runs on device streams competes with device work (if the device has some:
  // probed with one round); every other with the host kernel.
  const bool onDevice = comm.onDeviceStreams() && dev.startCompeting(1);
  if (onDevice)
    while (!dev.competingIdle()) {
    }
  const int rounds = onDevice ? calibrateDevice(dev, res.pureUs) : 0;
  const uint64_t steps = onDevice ? 0 : calibrate(res.pureUs);
  comm.barrier();
  double overall = 0, computed = 0;
  double* samples = res.samplesUs.data();
  for (int i = 0; i < iters; ++i) {
    const auto t0 = Clock::now();
    comm.start(op, a);
    const auto c0 = Clock::now();
    if (onDevice)
      competeOnDevice(dev, rounds);
    else
      compute(steps);
    const auto c1 = Clock::now();
    comm.finish();
    const auto t1 = Clock::now();
    samples[i] = usSince(t0, t1);
    overall += samples[i];
    computed += usSince(c0, c1);
    prog.iteration.store(iters + i + 1, std::memory_order_relaxed);
  }
  res.meanUs = overall / iters;
  res.computeUs = computed / iters;
}

}  // namespace ccb
