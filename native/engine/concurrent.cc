// Collectives at once on separate communicators, as jobs run data- and tensor-parallel
// collectives side by side: --concurrent k (k copies of one op) and `ccbench mix` (different ops).
// One thread starts every item with its non-blocking form (Comm::start) and then polls them all
// (Comm::test) until each is done, so the items progress together inside the MPI library. Per size: each item's time
// from the common start to its completion, and each item alone for the slowdown. Every item has its own slice of the
// buffers, and --check checks each of them.
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

// Slice c of k of a buffer, 64-byte aligned, so no two items share a cache line.
Buffers slice(const Buffers& b, size_t c, size_t k) {
  const auto part = [&](size_t bytes) { return bytes / k / 64 * 64; };
  Buffers s = b;
  s.sendBytes = part(b.sendBytes);
  s.recvBytes = part(b.recvBytes);
  s.send = static_cast<unsigned char*>(b.send) + c * s.sendBytes;
  s.recv = static_cast<unsigned char*>(b.recv) + c * s.recvBytes;
  return s;
}

struct Item {
  Comm* comm;
  const MeasureSpec* spec;
  Buffers buf;
  detail::Placement at;
  CheckLayout cl;
};

// Times every item alone (all of them, or only the first when they are copies of one op), then
// all together; res[c] gets item c's samples (start of all to its own completion), its alone
// time and its wrong elements.
std::vector<MeasureResult> run(std::vector<Item>& items, bool aloneEach, Device& dev, Progress& prog) {
  using namespace detail;
  const size_t k = items.size();
  Comm& first = *items[0].comm;
  int iters = items[0].spec->iters, warmup = items[0].spec->warmup;
  for (const Item& it : items) {
    iters = std::min(iters, it.spec->iters);  // the biggest item's count, for every item
    warmup = std::min(warmup, it.spec->warmup);
  }
  // Start every item, then poll them all until each is done: an item's time is its own end, not
  // its turn in a sequence of waits, and every poll lets the library progress all of them.
  std::vector<char> pending(k);
  const auto together = [&](double* doneUs, Clock::time_point t0) {
    for (Item& it : items) it.comm->start(*it.spec->op, it.at.args);
    std::fill(pending.begin(), pending.end(), 1);
    for (size_t left = k; left > 0;)
      for (size_t c = 0; c < k; ++c) {
        if (!pending[c] || !items[c].comm->test()) continue;
        pending[c] = 0;
        --left;
        if (doneUs) doneUs[c] = usSince(t0, Clock::now());
      }
  };
  std::vector<MeasureResult> res(k);
  prog.phase.store(int(Phase::Warmup), std::memory_order_relaxed);
  double estUs = 0;
  for (int w = 0; w < warmup; ++w) {
    const auto t0 = Clock::now();
    together(nullptr, t0);
    if (w > 0 || warmup == 1) estUs = usSince(t0, Clock::now());
    prog.iteration.store(w + 1, std::memory_order_relaxed);
  }
  const double cap = items[0].spec->maxTimeSec;
  if (cap > 0 && estUs > 0) {
    const double worst = first.maxAcross(estUs) * (aloneEach ? 2 : 1.5);  // alone, then together
    iters = int(std::clamp(std::floor(cap * 1e6 / worst), 1.0, double(iters)));
  }
  prog.phase.store(int(Phase::Timed), std::memory_order_relaxed);
  int64_t done = 0;
  for (size_t c = 0; c < (aloneEach ? k : 1); ++c) {
    Item& it = items[c];
    it.comm->barrier();
    double sum = 0;
    for (int i = 0; i < iters; ++i) {
      const auto t0 = Clock::now();
      it.comm->start(*it.spec->op, it.at.args);
      it.comm->finish();
      sum += usSince(t0, Clock::now());
      if (it.spec->op->barrierPerIter) it.comm->barrier();
      prog.iteration.store(++done, std::memory_order_relaxed);
    }
    res[c].aloneUs = iters ? sum / iters : 0;
  }
  for (MeasureResult& r : res) {
    r.iters = iters;
    r.warmup = warmup;
    r.samplesUs.assign(size_t(iters), 0.0);
  }
  std::vector<double> doneUs(k);
  first.barrier();
  for (int i = 0; i < iters; ++i) {
    together(doneUs.data(), Clock::now());
    for (size_t c = 0; c < k; ++c) res[c].samplesUs[size_t(i)] = doneUs[c];
    if (items[0].spec->op->barrierPerIter) first.barrier();
    prog.iteration.store(++done, std::memory_order_relaxed);
  }
  for (MeasureResult& r : res) {
    double sum = 0;
    for (double v : r.samplesUs) sum += v;
    r.meanUs = iters ? sum / iters : 0;
  }
  if (items[0].spec->check) {
    prog.phase.store(int(Phase::Check), std::memory_order_relaxed);
    for (Item& it : items) prepareData(dev, it.buf, it.at, it.cl, true);
    first.barrier();
    together(nullptr, Clock::now());
    for (size_t c = 0; c < k; ++c) res[c].wrong = checkOutput(dev, items[c].buf, items[c].at, items[c].cl);
  }
  prog.phase.store(int(Phase::Idle), std::memory_order_relaxed);
  return res;
}

std::vector<Item> prepareItems(const std::vector<Comm*>& comms, const std::vector<MeasureSpec>& specs, Device& dev,
                               const Buffers& buf) {
  using namespace detail;
  std::vector<Item> items;
  for (size_t c = 0; c < comms.size(); ++c) {
    Comm& comm = *comms[c];
    const MeasureSpec& s = specs[c];
    const OpInfo& op = *s.op;
    const std::string why = comm.unsupported(op, s.dtype, s.redop, s.inPlace, s.count);
    if (!why.empty()) throw Error(ErrorKind::Usage, why);
    if (!comm.cannotStart(op).empty()) throw Error(ErrorKind::Usage, comm.cannotStart(op));
    Item it{
        &comm, &s, slice(buf, c, comms.size()), {}, {&op, s.dtype, s.redop, comm.rank(), comm.size(), s.root, s.count}};
    it.at = place(comm, it.buf, s);
    it.cl.matrix = it.at.args.matrix;  // alltoallv's counts, for its check
    prepareData(dev, it.buf, it.at, it.cl, false);
    comm.prepare(op, it.at.args);
    items.push_back(it);
  }
  return items;
}

}  // namespace

MeasureResult measureConcurrent(const std::vector<Comm*>& comms, Device& dev, const Buffers& buf, const MeasureSpec& s,
                                Progress& prog) {
  const std::vector<MeasureSpec> specs(comms.size(), s);
  std::vector<Item> items = prepareItems(comms, specs, dev, buf);
  std::vector<MeasureResult> each = run(items, false, dev, prog);
  // The copies together: from the common start to the last one done, per iteration.
  MeasureResult res = each[0];
  for (size_t i = 0; i < res.samplesUs.size(); ++i)
    for (const MeasureResult& r : each) res.samplesUs[i] = std::max(res.samplesUs[i], r.samplesUs[i]);
  double sum = 0;
  for (double v : res.samplesUs) sum += v;
  res.meanUs = res.samplesUs.empty() ? 0 : sum / double(res.samplesUs.size());
  res.copyUs.clear();
  res.wrong = s.check ? 0 : -1;
  for (const MeasureResult& r : each) {
    res.copyUs.push_back(r.meanUs);
    if (s.check) res.wrong += r.wrong;
  }
  return res;
}

std::vector<MeasureResult> measureMix(const std::vector<Comm*>& comms, const std::vector<MeasureSpec>& specs,
                                      Device& dev, const Buffers& buf, Progress& prog) {
  std::vector<Item> items = prepareItems(comms, specs, dev, buf);
  std::vector<MeasureResult> each = run(items, true, dev, prog);
  std::vector<double> means;
  for (const MeasureResult& r : each) means.push_back(r.meanUs);
  for (MeasureResult& r : each) r.copyUs = means;
  return each;
}

}  // namespace ccb
