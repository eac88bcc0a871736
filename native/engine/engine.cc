#include "engine.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>

#include "../common/error.h"
#include "check.h"
#include "concurrent.h"
#include "engine_parts.h"
#include "overlap.h"

namespace ccb {
namespace {

using Clock = std::chrono::steady_clock;

inline double usSince(Clock::time_point t0, Clock::time_point t1) {
  return std::chrono::duration<double, std::micro>(t1 - t0).count();
}

// One iteration's time times this is the per-op figure the tables report.
double sampleScale(const MeasureSpec& s) {
  switch (s.op->sample) {
    case Sample::PerOp: return 1.0;
    case Sample::HalfRoundTrip: return 0.5;
    case Sample::PerMessage: return 1.0 / s.window;
  }
  return 1.0;
}

}  // namespace

namespace detail {

Placement place(Comm& comm, const Buffers& buf, const MeasureSpec& s) {
  const OpInfo& op = *s.op;
  const int n = comm.size();
  const size_t ts = dtypeInfo(s.dtype).size;
  const size_t* m = s.matrix.empty() ? nullptr : s.matrix.data();
  const OpCall call{&op, comm.rank(), n, s.root, s.count, m};
  const size_t sendE = sendElems(call), recvE = recvElems(call);
  Placement p;
  p.args.matrix = m;
  p.args.count = s.count;
  p.args.dtype = s.dtype;
  p.args.redop = s.redop;
  p.args.root = s.root;
  p.args.inPlace = s.inPlace;
  p.args.window = s.window;
  p.inputElems = sendE;
  p.sentinelElems = recvE;
  auto* recv = static_cast<unsigned char*>(buf.recv);
  if (s.inPlace) {
    const InPlaceLayout l = comm.inPlaceLayout(op, s.root, s.count);
    if ((l.input + sendE) * ts > buf.recvBytes || (l.output + recvE) * ts > buf.recvBytes)
      throw Error(ErrorKind::Internal, "in-place buffer too small for " + std::string(op.name));
    p.input = recv + l.input * ts;
    p.output = recv + l.output * ts;
  } else {
    if (sendE * ts > buf.sendBytes || recvE * ts > buf.recvBytes)
      throw Error(ErrorKind::Internal, "buffers too small for " + std::string(op.name));
    p.input = static_cast<unsigned char*>(buf.send);
    p.output = recv;
  }
  p.args.send = p.input;
  p.args.recv = p.output;
  return p;
}

// Writes the input (and, for a check, poisons the output) through host staging when needed.
void prepareData(Device& dev, const Buffers& buf, const Placement& p, const CheckLayout& cl, bool poison) {
  const size_t ts = dtypeInfo(cl.dtype).size;
  auto stage = [&](unsigned char* target, size_t elems, bool input) {
    if (elems == 0) return;
    void* host = dev.hostAccessible() ? target : buf.staging;
    if (!dev.hostAccessible() && elems * ts > buf.stagingBytes)
      throw Error(ErrorKind::Internal, "staging buffer too small");
    if (input)
      fillInput(cl, host, elems);
    else
      fillSentinel(cl.dtype, host, elems);
    dev.fromHost(target, host, elems * ts);
  };
  // Sentinel first: in place, the input overlaps the output and must win.
  if (poison) stage(p.output, p.sentinelElems, false);
  stage(p.input, p.inputElems, true);
  dev.synchronize();
}

}  // namespace detail

namespace {

// Fault injection for tests only (CCBENCH_FAULT_INJECT), after the check op and before the
// comparison, proving that damaged results reach the table and the exit code:
//   corrupt-output  damages one result element on rank 0;
//   misroute        moves whole blocks of the result to the wrong place (check.h, misroute()) on
//                   the lowest rank that has a result (rank 1 for a broadcast from rank 0), as a
//                   library's routing bug would deliver them.
enum class Fault { None, CorruptOutput, Misroute };

Fault faultForTest() {
  const char* v = std::getenv("CCBENCH_FAULT_INJECT");
  if (v && std::strcmp(v, "corrupt-output") == 0) return Fault::CorruptOutput;
  if (v && std::strcmp(v, "misroute") == 0) return Fault::Misroute;
  return Fault::None;  // unset, or meant for the TypeScript side (fail-start:<rank>)
}

bool firstWithOutput(const CheckLayout& cl) {
  CheckLayout o = cl;
  for (o.rank = 0; o.rank < cl.nranks; ++o.rank)
    if (outputElems(o) > 0) return o.rank == cl.rank;
  return false;
}

}  // namespace

namespace detail {

int64_t checkOutput(Device& dev, const Buffers& buf, const Placement& p, const CheckLayout& cl) {
  const size_t elems = outputElems(cl);
  if (elems == 0) return 0;
  const size_t bytes = elems * dtypeInfo(cl.dtype).size;
  unsigned char* host = p.output;
  if (!dev.hostAccessible()) {
    if (bytes > buf.stagingBytes) throw Error(ErrorKind::Internal, "staging buffer too small");
    dev.toHost(buf.staging, p.output, bytes);
    host = static_cast<unsigned char*>(buf.staging);
  }
  const Fault fault = faultForTest();
  if (fault == Fault::CorruptOutput && cl.rank == 0) host[0] ^= 0x5a;
  if (fault == Fault::Misroute && firstWithOutput(cl)) misroute(cl, host);
  return countWrong(cl, host);
}

}  // namespace detail

using namespace detail;

MeasureResult measure(Comm& comm, Device& dev, const Buffers& buf, const MeasureSpec& s, Progress& prog) {
  const OpInfo& op = *s.op;
  const int n = comm.size();
  const std::string why = comm.unsupported(op, s.dtype, s.redop, s.inPlace, s.count);
  if (!why.empty()) throw Error(ErrorKind::Usage, why);
  if (s.count < op.minCount)
    throw Error(ErrorKind::Usage, std::string(op.name) + " needs a count of at least " + std::to_string(op.minCount) +
                                      ", not " + std::to_string(s.count) + "; raise the size");

  // A matrix is one count per pair of ranks, for the ops whose counts vary by pair, and only them.
  if ((op.shape == Shape::Varied) != !s.matrix.empty() || (!s.matrix.empty() && s.matrix.size() != size_t(n) * n))
    throw Error(ErrorKind::Internal, std::string(op.name) + ": " + std::to_string(s.matrix.size()) +
                                         " matrix cells for " + std::to_string(n) + " ranks");
  const Placement p = place(comm, buf, s);
  const CheckLayout cl{&op, s.dtype, s.redop, comm.rank(), n, s.root, s.count, p.args.matrix};
  prepareData(dev, buf, p, cl, false);  // realistic data for the timed part too
  comm.prepare(op, p.args);
  if (s.timing == Timing::Overlap && !comm.cannotStart(op).empty()) throw Error(ErrorKind::Usage, comm.cannotStart(op));
  if (s.graphLaunches > 0 && !dev.supportsGraphs())
    throw Error(ErrorKind::Usage, "--graph needs GPU buffers (a CUDA or HIP device); drop --graph for host memory");

  // One op in the form the timed part uses: warm-up and --check go through the same calls.
  const auto once = [&] {
    if (s.timing == Timing::Overlap) {
      comm.start(op, p.args);
      comm.finish();
    } else {
      comm.run(op, p.args);
    }
  };

  MeasureResult res;
  res.reporter = !op.pairwise || pairInitiator(comm.rank(), n);
  const double scale = sampleScale(s);

  // Warm-up; the ops after the first (cold) one estimate the per-op cost for the time cap.
  prog.iteration.store(0, std::memory_order_relaxed);
  prog.phase.store(int(Phase::Warmup), std::memory_order_relaxed);
  double estUs = 0;
  int estCount = 0;
  for (int w = 0; w < s.warmup; ++w) {
    const auto t0 = Clock::now();
    once();
    comm.complete(dev);
    const auto t1 = Clock::now();
    if (w > 0 || s.warmup == 1) {
      estUs += usSince(t0, t1);
      ++estCount;
    }
    if (op.barrierPerIter) comm.barrier();
    prog.iteration.store(w + 1, std::memory_order_relaxed);
  }
  res.warmup = s.warmup;

  // Every rank must run the same number of iterations: agree on the slowest rank's estimate.
  int iters = s.iters;
  if (s.maxTimeSec > 0 && estCount > 0) {
    const double worst = comm.maxAcross(estUs / estCount);
    // An overlap iteration is timed twice: alone (1×), then with compute as long as the op (2×).
    const double perIter = worst * (s.timing == Timing::Overlap ? 3 : 1);
    if (perIter > 0) iters = int(std::clamp(std::floor(s.maxTimeSec * 1e6 / perIter), 1.0, double(s.iters)));
  }

  res.iters = iters;
  prog.iteration.store(0, std::memory_order_relaxed);
  prog.phase.store(int(Phase::Timed), std::memory_order_relaxed);
  const bool async = dev.asynchronous();
  if (s.graphLaunches > 0) {
    // Capture once (not timed), then time each launch of the whole batch.
    dev.beginCapture();
    for (int i = 0; i < iters; ++i) comm.run(op, p.args);
    dev.endCapture();
    res.samplesUs.resize(size_t(s.graphLaunches));
    dev.reserveMarks(size_t(s.graphLaunches) + 1);
    comm.barrier();
    const auto t0 = Clock::now();
    dev.mark(0);
    for (int k = 0; k < s.graphLaunches; ++k) {
      dev.launchGraph();
      dev.mark(size_t(k) + 1);
      prog.iteration.store(k + 1, std::memory_order_relaxed);
    }
    comm.complete(dev);
    res.meanUs = usSince(t0, Clock::now()) * scale / (double(iters) * s.graphLaunches);
    for (int k = 0; k < s.graphLaunches; ++k)
      res.samplesUs[size_t(k)] = dev.elapsedUs(size_t(k), size_t(k) + 1) * scale / iters;
  } else if (s.timing == Timing::Overlap) {
    timeOverlap(comm, dev, op, p.args, iters, res, prog);
  } else if (s.timing == Timing::PerOp) {
    res.samplesUs.resize(size_t(iters));
    double* samples = res.samplesUs.data();
    for (int i = 0; i < iters; ++i) {
      const auto t0 = Clock::now();
      comm.run(op, p.args);
      if (async) comm.complete(dev);
      const auto t1 = Clock::now();
      samples[i] = usSince(t0, t1) * scale;
      prog.iteration.store(i + 1, std::memory_order_relaxed);
      if (op.barrierPerIter) comm.barrier();
    }
    double sum = 0;
    for (double v : res.samplesUs) sum += v;
    res.meanUs = iters ? sum / iters : 0;
  } else {
    res.samplesUs.resize(size_t(iters));
    dev.reserveMarks(size_t(iters) + 1);
    comm.barrier();
    const auto t0 = Clock::now();
    dev.mark(0);
    for (int i = 0; i < iters; ++i) {
      comm.run(op, p.args);
      dev.mark(size_t(i) + 1);
      prog.iteration.store(i + 1, std::memory_order_relaxed);
    }
    comm.complete(dev);
    res.meanUs = usSince(t0, Clock::now()) * scale / iters;  // nccl-tests: host time over the batch
    for (int i = 0; i < iters; ++i) res.samplesUs[size_t(i)] = dev.elapsedUs(size_t(i), size_t(i) + 1) * scale;
  }

  if (s.check) {
    prog.phase.store(int(Phase::Check), std::memory_order_relaxed);
    prepareData(dev, buf, p, cl, true);
    comm.barrier();  // no rank may still be reading a peer's buffer from the timed part
    once();
    comm.complete(dev);
    res.wrong = checkOutput(dev, buf, p, cl);
  }
  prog.phase.store(int(Phase::Idle), std::memory_order_relaxed);
  return res;
}

}  // namespace ccb
