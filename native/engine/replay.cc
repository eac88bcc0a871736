// The replay loop. Per iteration: a barrier on the world (untimed, so every iteration starts
// together), then every entry in the trace's order, each timed from its issue to its completion on
// this rank. An op is prepared only when its arguments differ from the last prepared on its
// communicator (prepare allocates), outside the entry's time; what the loop itself costs between
// entries is the iteration's time minus its entries' (bench:replay measures it).
#include "replay.h"

#include <chrono>
#include <string>

#include "../common/error.h"

namespace ccb {
namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kKeptPlans = 64;  // distinct calls per communicator whose preparation is kept

inline double usSince(Clock::time_point t0, Clock::time_point t1) {
  return std::chrono::duration<double, std::micro>(t1 - t0).count();
}

bool sameCall(const ReplayEntry* a, const ReplayEntry& b) {
  return a && a->op == b.op && a->args.count == b.args.count && a->args.dtype == b.args.dtype &&
         a->args.redop == b.args.redop && a->args.root == b.args.root && a->args.matrix == b.args.matrix;
}

}  // namespace

ReplayResult replay(const std::vector<Comm*>& comms, Device& dev, const Buffers& buf, std::vector<ReplayEntry>& entries,
                    int warmup, int iterations, bool gaps, Progress& prog) {
  for (ReplayEntry& e : entries) {
    if (e.kind != EntryKind::Collective) continue;
    if (e.comm < 0 || size_t(e.comm) >= comms.size() || !comms[size_t(e.comm)])
      throw Error(ErrorKind::Internal, "replay: an entry on a communicator this rank does not hold");
    e.args.send = buf.send;
    e.args.recv = buf.recv;
    e.args.matrix = e.matrix.empty() ? nullptr : e.matrix.data();
  }
  Comm& world = *comms[0];
  for (Comm* c : comms)
    if (c) c->retainPrepared(kKeptPlans);
  std::vector<const ReplayEntry*> prepared(comms.size(), nullptr);
  std::vector<P2p> batch;
  batch.reserve(entries.size());
  ReplayResult res;
  res.entryUs.assign(size_t(iterations) * entries.size(), 0.0);
  res.iterationUs.assign(size_t(iterations), 0.0);
  int64_t done = 0;
  for (int it = -warmup; it < iterations; ++it) {
    prog.phase.store(int(it < 0 ? Phase::Warmup : Phase::Timed), std::memory_order_relaxed);
    world.barrier();
    double* out = it < 0 ? nullptr : res.entryUs.data() + size_t(it) * entries.size();
    const auto start = Clock::now();
    for (size_t i = 0; i < entries.size();) {
      if (abortRequested()) throw Error(ErrorKind::Internal, "replay: the job is ending");
      ReplayEntry& e = entries[i];
      size_t n = 1;
      double us = 0;
      if (e.kind == EntryKind::Collective) {
        Comm& c = *comms[size_t(e.comm)];
        if (!sameCall(prepared[size_t(e.comm)], e)) {
          c.prepare(*e.op, e.args);
          prepared[size_t(e.comm)] = &e;
        }
        const auto t0 = Clock::now();
        c.run(*e.op, e.args);
        c.complete(dev);
        us = usSince(t0, Clock::now());
      } else if (e.kind == EntryKind::P2p) {
        batch.clear();  // consecutive send / recv entries: one batch
        for (size_t j = i; j < entries.size() && entries[j].kind == EntryKind::P2p; ++j)
          batch.push_back(entries[j].p2p);
        n = batch.size();
        const auto t0 = Clock::now();
        world.exchange(batch, buf.send, buf.sendBytes, buf.recv, buf.recvBytes);
        world.complete(dev);
        us = usSince(t0, Clock::now()) / double(n);
      } else {
        const auto t0 = Clock::now();
        if (gaps)
          while (usSince(t0, Clock::now()) < e.gapUs) {
          }
        us = usSince(t0, Clock::now());
      }
      if (out)
        for (size_t k = 0; k < n; ++k) out[i + k] = us;
      i += n;
      done += int64_t(n);
      prog.iteration.store(done, std::memory_order_relaxed);
    }
    if (it >= 0) res.iterationUs[size_t(it)] = usSince(start, Clock::now());
  }
  prog.phase.store(int(Phase::Idle), std::memory_order_relaxed);
  for (Comm* c : comms)
    if (c) c->retainPrepared(0);
  return res;
}

}  // namespace ccb
