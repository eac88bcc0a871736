// The timed loops, written once for every backend and device. Nothing here calls JavaScript;
// buffers come from the caller, allocated once at the largest size.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "../comm/comm.h"
#include "../device/device.h"

namespace ccb {

enum class Timing {
  PerOp,    // OSU: each op timed alone, completed (stream sync), then an untimed barrier
  Batch,    // nccl-tests: iterations issued back to back, one final sync; samples from marks
  Overlap,  // OSU's non-blocking collectives: start, calibrated host compute, wait (overlap.cc)
};
// With graphLaunches > 0 (batch timing only): the iterations are captured once into a graph and
// the graph is launched graphLaunches times; one sample per launch, divided by the iterations.

struct MeasureSpec {
  const OpInfo* op = nullptr;
  Dtype dtype = Dtype::Float32;
  RedOp redop = RedOp::Sum;
  int root = 0;
  size_t count = 0;
  bool inPlace = false;
  int iters = 0;
  int warmup = 0;
  double maxTimeSec = 0;  // cap on the timed part of one size; 0 = none
  Timing timing = Timing::PerOp;
  int window = 64;
  bool check = false;
  int graphLaunches = 0;
  std::vector<size_t> matrix;  // alltoallv: n × n element counts, row = sender; empty otherwise
};

struct MeasureResult {
  std::vector<double> samplesUs;  // per iteration (per graph launch), per op (one-way for latency, per message for bw)
  // Batch timing: host time from before the first op to after completion, per op (nccl-tests'
  // definition; the per-rank mean). Per-op timing: the mean of the samples.
  double meanUs = 0;
  int iters = 0;  // ops timed per sample run (graph: per launch)
  int warmup = 0;
  bool reporter = true;  // false for the passive half of point-to-point pairs
  int64_t wrong = -1;    // -1: not checked
  // Overlap timing (the samples are the overall times): the op alone, start to finish, and the
  // compute that ran between start and finish, both per-iteration means; -1 otherwise.
  double pureUs = -1;
  double computeUs = -1;
  // --concurrent: one copy alone (µs per op), and each copy's mean time from the common start to
  // its completion when all ran at once; empty otherwise.
  double aloneUs = -1;
  std::vector<double> copyUs;
};

struct Buffers {
  void* send = nullptr;
  size_t sendBytes = 0;
  void* recv = nullptr;
  size_t recvBytes = 0;
  void* staging = nullptr;  // host memory for fill / check when the device is not host-accessible
  size_t stagingBytes = 0;
};

enum class Phase : int { Idle = 0, Warmup = 1, Timed = 2, Check = 3 };

// Read by the JavaScript thread for heartbeats and hang reports; written with relaxed stores.
struct Progress {
  std::atomic<int> phase{0};
  std::atomic<int64_t> iteration{0};
};

MeasureResult measure(Comm& comm, Device& dev, const Buffers& buf, const MeasureSpec& s, Progress& prog);

}  // namespace ccb
