// Second half of the NCCL backend's logic test (main is in nccl_mapping_test.cc): the real engine
// (measure(), with --check's expectations from check.cc) over the simulated NCCL on 1–4 rank
// threads for every op, dtype, reduction, root and in-place form the backend accepts; then split,
// maxAcross, teardown, and the waits that end in an error or an abort.
#include <cstdlib>
#include <cstring>
#include <memory>

#include "../../common/error.h"
#include "../../engine/check.h"
#include "../../engine/concurrent.h"
#include "../../engine/engine.h"
#include "../../engine/replay.h"
#include "../../engine/test/test_matrix.h"
#include "../nccl.h"
#include "nccl_test_util.h"

using namespace ccb;

namespace ccbtest {
namespace {

int countFn(const std::vector<FakeCall>& calls, const char* fn) {
  int k = 0;
  for (const FakeCall& c : calls) k += c.fn == fn;
  return k;
}

struct Cell {
  const OpInfo* op;
  Dtype t;
  RedOp r;
  int root;
  bool inPlace;
};

std::vector<Cell> cells(int n) {
  std::vector<Cell> out;
  size_t nOps = 0;
  const OpInfo* ops = allOps(&nOps);
  const Dtype types[] = {Dtype::Float32,  Dtype::Int32,   Dtype::Uint8, Dtype::Float16,
                         Dtype::Bfloat16, Dtype::Float64, Dtype::Int64, Dtype::Float8e4m3};
  const RedOp reds[] = {RedOp::Sum, RedOp::Prod, RedOp::Max, RedOp::Min, RedOp::Avg};
  for (size_t i = 0; i < nOps; ++i) {
    const OpInfo& op = ops[i];
    if (n < op.minRanks) continue;
    for (Dtype t : types)
      for (RedOp r : reds) {
        if (!op.reduces && r != RedOp::Sum) continue;
        for (int root : {0, n - 1}) {
          if (!op.rooted && root != 0) continue;
          for (bool inPlace : {false, true}) out.push_back({&op, t, r, root, inPlace});
        }
      }
  }
  return out;
}

// The rank that CCBENCH_FAULT_INJECT=misroute damages: the lowest with a result (-1: none).
int misrouted(const Cell& c, int n, size_t count) {
  const std::vector<size_t> m = testMatrix(*c.op, n, count);
  for (int r = 0; r < n; ++r)
    if (outputElems({c.op, c.t, c.r, r, n, c.root, count, m.empty() ? nullptr : m.data()}) > 0) return r;
  return -1;
}

// Every cell the backend accepts, measured and checked on every rank; returns cells checked.
// With CCBENCH_FAULT_INJECT=misroute set, the misrouted rank must find wrong elements (every
// result it has holds blocks of 37 elements or halves of 18), the others none.
int checkAll(int n, const FakeLibrary& lib, const char* tag, bool misroute = false) {
  const gpu::NcclApi api = fakeApi(lib);
  const gpu::NcclUniqueId id = freshId();
  const std::vector<Cell> list = cells(n);
  std::atomic<int> checked{0};
  takeCalls();  // forget earlier tests' teardown
  std::vector<FakeDevice> devs(static_cast<size_t>(n));
  onRanks(n, [&](int r) {
    FakeDevice& dev = devs[size_t(r)];
    auto backend = nccl::open(api, dev, r, n, id, true);
    Comm& comm = backend->world();
    const size_t count = 37, bytes = size_t(n) * count * 8;
    Buffers buf;
    buf.send = dev.alloc(bytes), buf.sendBytes = bytes;
    buf.recv = dev.alloc(bytes), buf.recvBytes = bytes;
    Progress prog;
    int i = 0;
    for (const Cell& c : list) {
      if (!comm.unsupported(*c.op, c.t, c.r, c.inPlace, count).empty()) continue;  // same on every rank
      MeasureSpec s;
      s.op = c.op, s.dtype = c.t, s.redop = c.r, s.root = c.root, s.count = count, s.inPlace = c.inPlace;
      s.iters = 2, s.warmup = 1, s.maxTimeSec = 30, s.window = 3, s.check = true;
      s.timing = ++i % 2 ? Timing::PerOp : Timing::Batch;
      s.matrix = testMatrix(*c.op, n, count);
      const MeasureResult res = measure(comm, dev, buf, s, prog);
      const bool hit = misroute && misrouted(c, n, count) == r;
      EXPECT(hit ? res.wrong > 0 : res.wrong == 0,
             std::string(tag) + (hit ? " misrouted" : "") + " n=" + std::to_string(n) + " rank " + std::to_string(r) +
                 " " + c.op->name + " " + dtypeInfo(c.t).name + " " + redOpName(c.r) + " root " +
                 std::to_string(c.root) + (c.inPlace ? " in place" : "") + ": " + std::to_string(res.wrong) + " wrong");
      if (r == 0) ++checked;
    }
    dev.release(buf.send);
    dev.release(buf.recv);
  });
  const auto calls = takeCalls();
  EXPECT(countFn(calls, "commDestroy") == n, std::string(tag) + ": one ncclCommDestroy per rank at a clean end");
  EXPECT(countFn(calls, "commAbort") == 0, std::string(tag) + ": no abort at a clean end");
  for (const FakeDevice& d : devs) EXPECT(d.allocs == d.releases, std::string(tag) + ": scratch memory released");
  return checked;
}

void splitTests(bool withSplit) {
  FakeLibrary lib;
  lib.split = withSplit;
  const gpu::NcclApi api = fakeApi(lib);
  const gpu::NcclUniqueId id = freshId();
  const int n = 4, k = 3;
  const gpu::NcclUniqueId subId = freshId();
  const std::vector<char> boot =
      withSplit ? std::vector<char>{} : std::vector<char>(subId.internal, subId.internal + sizeof subId.internal);
  std::vector<FakeDevice> devs(static_cast<size_t>(n));
  const char* tag = withSplit ? "split (ncclCommSplit)" : "split (fresh unique id)";
  takeCalls();
  onRanks(n, [&](int r) {
    FakeDevice& dev = devs[size_t(r)];
    auto backend = nccl::open(api, dev, r, n, id, true);
    std::unique_ptr<Comm> sub = backend->world().split(k, boot);
    EXPECT((sub != nullptr) == (r < k), std::string(tag) + ": membership of rank " + std::to_string(r));
    if (!sub) return;
    EXPECT(sub->rank() == r && sub->size() == k, std::string(tag) + ": sub rank/size");
    EXPECT(sub->maxAcross(r * 1.5) == (k - 1) * 1.5, std::string(tag) + ": maxAcross on the sub-communicator");
    Buffers buf;
    buf.send = dev.alloc(4096), buf.sendBytes = 4096;
    buf.recv = dev.alloc(4096), buf.recvBytes = 4096;
    MeasureSpec s;
    s.op = opByName("allgather"), s.count = 16, s.iters = 2, s.warmup = 1, s.check = true, s.inPlace = true;
    Progress prog;
    EXPECT(measure(*sub, dev, buf, s, prog).wrong == 0, std::string(tag) + ": allgather on the sub-communicator");
    dev.release(buf.send);
    dev.release(buf.recv);
  });
  const auto calls = takeCalls();
  for (const FakeCall& c : calls) {
    if (c.fn == "commSplit")
      EXPECT(c.peer == (c.thread < k ? 0 : -1) && c.key == c.thread && !c.recv,
             std::string(tag) + ": colour/key/config");
    if (c.fn == "commInitRank" && c.peer == k)
      EXPECT(c.key == c.thread && c.thread < k, std::string(tag) + ": member init");
  }
  EXPECT(countFn(calls, "commSplit") == (withSplit ? n : 0), tag);
  EXPECT(countFn(calls, "commInitRank") == n + (withSplit ? 0 : k), tag);
  EXPECT(countFn(calls, "commDestroy") == n + k, std::string(tag) + ": every communicator destroyed");

  if (withSplit) return;
  FakeDevice dev;  // neither ncclCommSplit nor an id: a clear internal error
  auto one = nccl::open(api, dev, 0, 1, freshId(), true);
  const std::string e = thrown([&] { one->world().split(1, {}); });
  EXPECT(has(e, "ncclCommSplit (NCCL 2.18.1+") && has(e, "got 0 bytes"), e);
  takeCalls();
}

// ccbench replay on NCCL: a sub-group of ranks in any order (ncclCommSplit, no-colour outside),
// an allreduce on it, a send/recv batch on the world (one group), each entry timed.
void replayTests() {
  FakeLibrary lib;
  lib.split = true;
  const gpu::NcclApi api = fakeApi(lib);
  const gpu::NcclUniqueId id = freshId();
  const int n = 4;
  const std::vector<int> members{3, 1};
  takeCalls();
  onRanks(n, [&](int r) {
    FakeDevice dev;
    auto backend = nccl::open(api, dev, r, n, id, true);
    std::unique_ptr<Comm> sub = backend->world().subgroup(1, members);
    EXPECT((sub != nullptr) == (r == 1 || r == 3), "replay: sub-group membership of rank " + std::to_string(r));
    if (sub) EXPECT(sub->rank() == (r == 3 ? 0 : 1) && sub->size() == 2, "replay: ranks in the group's order");
    Buffers buf;
    buf.send = dev.alloc(4096), buf.sendBytes = 4096;
    buf.recv = dev.alloc(4096), buf.recvBytes = 4096;
    std::vector<ReplayEntry> entries;
    if (sub) {
      ReplayEntry e;
      e.op = opByName("allreduce"), e.comm = 1, e.args.count = 64;
      entries.push_back(e);
    }
    for (bool send : {true, false}) {  // a ring exchange: to r+1, from r-1, one batch
      ReplayEntry e;
      e.kind = EntryKind::P2p;
      e.p2p = P2p{send, (r + (send ? 1 : n - 1)) % n, 0, 256};
      entries.push_back(e);
    }
    Progress prog;
    const ReplayResult res = replay({&backend->world(), sub.get()}, dev, buf, entries, 1, 2, false, prog);
    EXPECT(res.entryUs.size() == 2 * entries.size() && res.iterationUs.size() == 2, "replay: a time per entry");
    for (double us : res.entryUs) EXPECT(us >= 0, "replay: times");
    dev.release(buf.send);
    dev.release(buf.recv);
  });
  const auto calls = takeCalls();
  for (const FakeCall& c : calls)
    if (c.fn == "commSplit")
      EXPECT(c.thread == 3   ? c.peer == 1 && c.key == 0
             : c.thread == 1 ? c.peer == 1 && c.key == 1
                             : c.peer == -1,
             "replay: colour and key of rank " + std::to_string(c.thread));
  EXPECT(countFn(calls, "commSplit") == n, "replay: every rank calls ncclCommSplit");
  // 3 iterations (1 warm-up) × 4 ranks × one batch: a send and a receive inside one group each
  EXPECT(countFn(calls, "send") >= 12 && countFn(calls, "recv") >= 12, "replay: the batches' sends and receives");
  for (const FakeCall& c : calls)
    if (c.fn == "send" || c.fn == "recv") EXPECT(c.depth > 0, "replay: send/recv inside a group");
}

// --concurrent and --overlap on NCCL: two copies of a collective on two communicators, started
// without waiting (each on its own stream) and polled, both checked; and the op started, overlapped
// and finished.
void concurrentTests() {
  FakeLibrary lib;
  lib.split = true;
  const gpu::NcclApi api = fakeApi(lib);
  const gpu::NcclUniqueId id = freshId();
  const int n = 3;
  takeCalls();
  onRanks(n, [&](int r) {
    FakeDevice dev;
    auto backend = nccl::open(api, dev, r, n, id, true);
    std::unique_ptr<Comm> copy = backend->world().split(n, {});
    EXPECT(backend->world().cannotStart(*opByName("allreduce")).empty(), "concurrent: allreduce starts");
    EXPECT(!backend->world().cannotStart(*opByName("latency")).empty(), "concurrent: latency does not");
    const size_t bytes = 2 * size_t(n) * 64 * 8;
    Buffers buf;
    buf.send = dev.alloc(bytes), buf.sendBytes = bytes;
    buf.recv = dev.alloc(bytes), buf.recvBytes = bytes;
    for (const char* name : {"allreduce", "allgather", "alltoall"}) {
      MeasureSpec s;
      s.op = opByName(name), s.count = 16, s.iters = 3, s.warmup = 1, s.check = true;
      Progress prog;
      const MeasureResult res = measureConcurrent({&backend->world(), copy.get()}, dev, buf, s, prog);
      EXPECT(res.wrong == 0 && res.copyUs.size() == 2 && res.aloneUs >= 0,
             std::string("concurrent: two copies of ") + name + " checked, rank " + std::to_string(r));
      // --overlap through the same start / finish (the fake device has no competing work of its
      // own, so the host kernel competes)
      s.timing = Timing::Overlap;
      const MeasureResult o = measure(backend->world(), dev, buf, s, prog);
      EXPECT(o.wrong == 0 && o.pureUs >= 0 && o.computeUs >= 0,
             std::string("overlap: ") + name + " checked, rank " + std::to_string(r));
    }
    dev.release(buf.send);
    dev.release(buf.recv);
  });
  takeCalls();
}

// OSU's 0-byte point-to-point messages, as the TypeScript plan asks for them: count 0 in 0-byte
// buffers. Every data send and receive has count 0 (only bw's 1-byte ack carries a byte); sendrecv
// (minCount 1) is refused.
void zeroCountTests() {
  FakeLibrary lib;
  const gpu::NcclApi api = fakeApi(lib);
  for (int n : {2, 4}) {
    const gpu::NcclUniqueId id = freshId();
    std::vector<FakeDevice> devs(static_cast<size_t>(n));
    takeCalls();
    onRanks(n, [&](int r) {
      FakeDevice& dev = devs[size_t(r)];
      auto backend = nccl::open(api, dev, r, n, id, true);
      Buffers buf;
      buf.send = dev.alloc(0);
      buf.recv = dev.alloc(0);
      Progress prog;
      for (const char* name : {"latency", "bw", "bibw", "barrier"}) {
        MeasureSpec s;
        s.op = opByName(name), s.count = 0, s.iters = 2, s.warmup = 1, s.window = 3, s.check = true;
        const MeasureResult res = measure(backend->world(), dev, buf, s, prog);
        EXPECT(res.wrong == 0 && res.samplesUs.size() == 2, std::string("count 0: ") + name);
      }
      MeasureSpec s;
      s.op = opByName("sendrecv"), s.count = 0, s.iters = 1;
      EXPECT(has(thrown([&] { measure(backend->world(), dev, buf, s, prog); }), "needs a count of at least 1"),
             "count 0: sendrecv refused");
      dev.release(buf.send);
      dev.release(buf.recv);
    });
    int zero = 0, other = 0;
    for (const FakeCall& c : takeCalls()) {
      if (c.fn != "send" && c.fn != "recv") continue;
      const bool ack = c.count == 1 && c.dtype == 1;  // bw's 1-byte ncclUint8 acknowledgement
      if (!ack) ++(c.count == 0 ? zero : other);
    }
    EXPECT(zero > 0 && other == 0, "count 0: " + std::to_string(zero) + " empty sends and receives, " +
                                       std::to_string(other) + " others (n=" + std::to_string(n) + ")");
  }
}

}  // namespace

void engineTests() {
  const int before = failures();
  int cellsChecked = 0;
  for (int n = 1; n <= 4; ++n) {
    FakeLibrary fallback;  // NCCL 2.27: no ncclAlltoAll / ncclGather / ncclScatter
    fallback.minor = 27;
    cellsChecked += checkAll(n, fallback, "fallback");
    FakeLibrary native;
    native.allToAll = native.gather = native.scatter = true;
    cellsChecked += checkAll(n, native, "native");
  }
  std::printf("engine --check over the simulated library: %d cells on 1-4 ranks: %s\n", cellsChecked,
              failures() > before ? "FAILED" : "ok");
  const int beforeMisroute = failures();
  setenv("CCBENCH_FAULT_INJECT", "misroute", 1);
  for (int n = 1; n <= 4; ++n) {
    FakeLibrary native;
    native.allToAll = native.gather = native.scatter = true;
    checkAll(n, native, "native", true);
  }
  unsetenv("CCBENCH_FAULT_INJECT");
  std::printf("engine --check catches misrouted blocks (CCBENCH_FAULT_INJECT=misroute), 1-4 ranks: %s\n",
              failures() > beforeMisroute ? "FAILED" : "ok");
  const int beforeZero = failures();
  zeroCountTests();
  std::printf("count 0 (latency, bw, bibw, barrier) in 0-byte buffers: %s\n",
              failures() > beforeZero ? "FAILED" : "ok");
}

void lifecycleTests() {
  const int before = failures();
  splitTests(true);
  splitTests(false);
  replayTests();
  concurrentTests();

  FakeLibrary lib;
  const gpu::NcclApi api = fakeApi(lib);
  {  // an asynchronous error ends the wait, aborts the communicator, and names the error
    FakeDevice dev;
    takeCalls();
    auto b = nccl::open(api, dev, 0, 1, freshId(), true);
    Comm& c = b->world();
    dev.idleAnswer = false;
    setAsyncError(7);  // ncclInProgress is not an error: the wait goes on until the stream is idle
    std::thread later([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
      dev.idleAnswer = true;
    });
    c.complete(dev);
    later.join();
    EXPECT(dev.polls > 2, "complete() polls idle()");
    dev.idleAnswer = false;
    setAsyncError(6);  // ncclRemoteError
    const std::string e = thrown([&] { c.complete(dev); });
    setAsyncError(0);
    EXPECT(has(e, "asynchronous error") && has(e, "fake NCCL error (6)"), e);
    EXPECT(has(thrown([&] { c.barrier(); }), "aborted"), "nothing runs on an aborted communicator");
    c.abort();  // a second abort does nothing
    b.reset();  // nor does the destructor destroy an aborted communicator, or free its scratch
    const auto calls = takeCalls();
    EXPECT(countFn(calls, "commAbort") == 1 && countFn(calls, "commDestroy") == 0, "abort once, never destroy");
    EXPECT(dev.releases == 0, "scratch memory left alone after an abort");
  }
  {  // without ncclCommAbort (NCCL < 2.4.2) an abort only marks the communicator dead
    FakeLibrary old;
    old.minor = 3, old.patch = 7, old.abort = old.asyncError = old.p2p = false;
    const gpu::NcclApi oldApi = fakeApi(old);
    FakeDevice dev;
    auto b = nccl::open(oldApi, dev, 0, 1, freshId(), true);
    b->world().abort();
    b.reset();
    const auto calls = takeCalls();
    EXPECT(countFn(calls, "commAbort") == 0 && countFn(calls, "commDestroy") == 0, "old library: no abort, no destroy");
  }
  {  // maxAcross and barrier over 4 ranks
    const gpu::NcclUniqueId id = freshId();
    std::vector<FakeDevice> devs(4);
    takeCalls();
    onRanks(4, [&](int r) {
      auto b = nccl::open(api, devs[size_t(r)], r, 4, id, true);
      EXPECT(b->world().maxAcross(-r * 2.0 + 0.25) == 0.25, "maxAcross");
      b->world().barrier();
    });
    const auto calls = takeCalls();
    int tiny = 0;
    for (const FakeCall& c : calls) tiny += c.fn == "allReduce" && c.count == 1 && c.send == c.recv;
    EXPECT(tiny == 8, "maxAcross and barrier are 1-element in-place allreduces");
  }
  std::printf("split, maxAcross, errors, abort, teardown: %s\n", failures() > before ? "FAILED" : "ok");
}

// The abort request is process-wide and sticky, so this runs last.
void abortRequestTest() {
  const int before = failures();
  FakeLibrary lib;
  const gpu::NcclApi api = fakeApi(lib);
  FakeDevice dev;
  auto hung = nccl::open(api, dev, 0, 1, freshId(), true);
  auto healthy = nccl::open(api, dev, 0, 1, freshId(), true);
  takeCalls();
  dev.idleAnswer = false;  // a collective that never finishes
  std::thread js([] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    requestAbort();
  });
  const std::string e = thrown([&] { hung->world().complete(dev); });
  js.join();
  EXPECT(has(e, "aborted while waiting for NCCL"), e);
  hung.reset();
  healthy.reset();  // the job is ending: aborted locally, never the collective ncclCommDestroy
  const auto calls = takeCalls();
  EXPECT(countFn(calls, "commAbort") == 2 && countFn(calls, "commDestroy") == 0, "abort request: abort, no destroy");
  std::printf("abort request during a hung wait: %s\n", failures() > before ? "FAILED" : "ok");
}

}  // namespace ccbtest
