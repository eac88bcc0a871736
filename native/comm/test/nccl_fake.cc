// The simulated NCCL behind nccl_fake.h (test double; see there for its semantics).
#include "nccl_fake.h"

#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>

#include "../../common/dtype.h"

namespace ccbtest {
namespace {

using ccb::gpu::NcclUniqueId;
constexpr int kInvalidUsage = 5;
constexpr auto kHang = std::chrono::seconds(20);  // a simulated wait this long is a test bug

[[noreturn]] void hang(const char* what) {
  std::fprintf(stderr, "fake NCCL: %s waited %lld s; the ranks disagree on the calls\n", what,
               (long long)kHang.count());
  std::abort();
}

struct Deposit {
  const void* send;
  void* recv;
  size_t count;
  int dtype, op, root;
};

struct World {
  explicit World(int size) : n(size), slots(size_t(size)), splitSlots(size_t(size)) {}
  const int n;
  std::mutex mu;
  std::condition_variable cv;
  int arrived = 0;
  long generation = 0;
  std::vector<Deposit> slots;
  std::map<std::pair<int, int>, std::deque<std::vector<unsigned char>>> mail;  // (src, dst)
  std::vector<std::pair<int, int>> splitSlots;                                 // (colour, key)
  std::map<std::pair<int, int>, std::shared_ptr<World>> children;              // (split #, colour)

  void barrier() {
    std::unique_lock<std::mutex> lock(mu);
    const long g = generation;
    if (++arrived == n) {
      arrived = 0;
      ++generation;
      cv.notify_all();
      return;
    }
    if (!cv.wait_for(lock, kHang, [&] { return generation != g; })) hang("a collective");
  }
};

struct FakeComm {
  std::shared_ptr<World> world;
  int rank;
  int splits = 0;
};

std::mutex gMu;
std::vector<FakeCall> gCalls;
std::map<std::string, std::shared_ptr<World>> gWorlds;  // by unique id bytes
auto* gCreated = new std::vector<void*>;                // never freed, so it still holds them at exit
std::atomic<int> gAsync{0};
std::atomic<long> gIds{0};
thread_local int tRank = -1;
thread_local int tDepth = 0;
struct PendingRecv {
  FakeComm* c;
  void* buf;
  size_t bytes;
  int peer;
};
thread_local std::vector<PendingRecv> tPending;

FakeComm* fc(const void* comm) { return static_cast<FakeComm*>(const_cast<void*>(comm)); }

void record(FakeCall call, const void* comm) {
  call.thread = tRank;
  call.rank = comm ? fc(comm)->rank : -1;
  call.depth = tDepth;
  std::lock_guard<std::mutex> lock(gMu);
  gCalls.push_back(std::move(call));
}

size_t typeSize(int dtype) { return ccb::dtypeInfo(ccb::Dtype(dtype)).size; }

// Every rank deposits its arguments, then computes its output from all ranks' inputs, and only
// writes it once every rank has finished reading (so in place works as NCCL defines it).
using Compute = std::function<std::vector<unsigned char>(World&, int me)>;
int collective(void* comm, const Deposit& d, const Compute& compute) {
  if (tDepth > 0) return kInvalidUsage;  // the backend never groups collectives
  FakeComm* c = fc(comm);
  World& w = *c->world;
  {
    std::lock_guard<std::mutex> lock(w.mu);
    w.slots[size_t(c->rank)] = d;
  }
  w.barrier();
  const std::vector<unsigned char> out = compute(w, c->rank);
  w.barrier();
  if (!out.empty()) std::memcpy(d.recv, out.data(), out.size());
  return 0;
}

const unsigned char* bytes(const void* p, size_t elems, size_t ts) {
  return static_cast<const unsigned char*>(p) + elems * ts;
}

// out[i] = reduction over ranks of element (first + i) of every rank's send buffer.
std::vector<unsigned char> reduceBlock(World& w, size_t first, const Deposit& d) {
  const ccb::Dtype t = ccb::Dtype(d.dtype);
  std::vector<unsigned char> out(d.count * typeSize(d.dtype));
  for (size_t i = 0; i < d.count; ++i) {
    double acc = ccb::loadElement(t, w.slots[0].send, first + i);
    for (int r = 1; r < w.n; ++r) {
      const double v = ccb::loadElement(t, w.slots[size_t(r)].send, first + i);
      switch (ccb::RedOp(d.op)) {
        case ccb::RedOp::Sum:
        case ccb::RedOp::Avg: acc += v; break;
        case ccb::RedOp::Prod: acc *= v; break;
        case ccb::RedOp::Max: acc = v > acc ? v : acc; break;
        case ccb::RedOp::Min: acc = v < acc ? v : acc; break;
      }
    }
    if (ccb::RedOp(d.op) == ccb::RedOp::Avg) {
      acc /= w.n;
      if (!ccb::dtypeInfo(t).isFloat) acc = double(static_cast<long long>(acc));
    }
    ccb::storeElement(t, out.data(), i, acc);
  }
  return out;
}

// Concatenates block `block` (of `count` elements) of every rank's send buffer, rank order.
std::vector<unsigned char> gatherBlocks(World& w, size_t count, size_t ts, size_t block) {
  std::vector<unsigned char> out(size_t(w.n) * count * ts);
  for (int r = 0; r < w.n; ++r)
    std::memcpy(out.data() + size_t(r) * count * ts, bytes(w.slots[size_t(r)].send, block * count, ts), count * ts);
  return out;
}

// ---- the NcclApi entry points ----

int fGetVersion(int* v) {
  *v = 23007;
  return 0;
}
int fGetUniqueId(NcclUniqueId* id) {
  *id = freshId();
  return 0;
}
int fInitRank(void** comm, int n, NcclUniqueId id, int rank) {
  std::shared_ptr<World> w;
  {
    std::lock_guard<std::mutex> lock(gMu);
    auto& slot = gWorlds[std::string(id.internal, sizeof id.internal)];
    if (!slot) slot = std::make_shared<World>(n);
    w = slot;
  }
  if (w->n != n || rank < 0 || rank >= n) return kInvalidUsage;
  *comm = new FakeComm{w, rank};
  {  // a communicator the backend can neither destroy nor abort (no ncclCommAbort) stays reachable
    std::lock_guard<std::mutex> lock(gMu);
    gCreated->push_back(*comm);
  }
  record({-1, -1, "commInitRank", nullptr, nullptr, 0, -1, -1, n, rank}, *comm);
  return 0;
}
int fDestroy(void* comm) {
  record({-1, -1, "commDestroy"}, comm);
  delete fc(comm);
  return 0;
}
std::vector<std::unique_ptr<FakeComm>> gAborted;  // kept, never used again: a later touch is a bug
int fAbort(void* comm) {
  record({-1, -1, "commAbort"}, comm);
  std::lock_guard<std::mutex> lock(gMu);
  gAborted.emplace_back(fc(comm));
  return 0;
}
int fAsyncError(void*, int* state) {
  *state = gAsync.load();
  return 0;
}
const char* fErrorString(int) { return "fake NCCL error"; }
const char* fLastError(void*) { return "fake detail"; }
int fCount(const void* comm, int* n) {
  *n = fc(comm)->world->n;
  return 0;
}
int fUserRank(const void* comm, int* r) {
  *r = fc(comm)->rank;
  return 0;
}
int fGroupStart() {
  record({-1, -1, "groupStart"}, nullptr);
  ++tDepth;
  return 0;
}
int receiveNow(const PendingRecv& p) {
  World& w = *p.c->world;
  std::unique_lock<std::mutex> lock(w.mu);
  auto& q = w.mail[{p.peer, p.c->rank}];
  if (!w.cv.wait_for(lock, kHang, [&] { return !q.empty(); })) hang("a receive");
  std::vector<unsigned char> m = std::move(q.front());
  q.pop_front();
  if (m.size() != p.bytes) return kInvalidUsage;
  if (!m.empty()) std::memcpy(p.buf, m.data(), m.size());  // a 0-byte message may have no data pointer
  return 0;
}
int fGroupEnd() {
  if (tDepth == 0) return kInvalidUsage;
  --tDepth;
  record({-1, -1, "groupEnd"}, nullptr);
  if (tDepth > 0) return 0;
  std::vector<PendingRecv> pending;
  pending.swap(tPending);
  for (const PendingRecv& p : pending)
    if (int rc = receiveNow(p)) return rc;
  return 0;
}
int fSend(const void* buf, size_t count, int dtype, int peer, void* comm, void* stream) {
  record({-1, -1, "send", buf, nullptr, count, dtype, -1, peer, -1, stream}, comm);
  FakeComm* c = fc(comm);
  if (peer < 0 || peer >= c->world->n) return kInvalidUsage;
  const auto* p = static_cast<const unsigned char*>(buf);
  std::vector<unsigned char> m(p, p + count * typeSize(dtype));
  std::lock_guard<std::mutex> lock(c->world->mu);
  c->world->mail[{c->rank, peer}].push_back(std::move(m));
  c->world->cv.notify_all();
  return 0;
}
int fRecv(void* buf, size_t count, int dtype, int peer, void* comm, void* stream) {
  record({-1, -1, "recv", nullptr, buf, count, dtype, -1, peer, -1, stream}, comm);
  if (peer < 0 || peer >= fc(comm)->world->n) return kInvalidUsage;
  const PendingRecv p{fc(comm), buf, count * typeSize(dtype), peer};
  if (tDepth > 0) {
    tPending.push_back(p);
    return 0;
  }
  return receiveNow(p);
}
int fAllReduce(const void* s, void* r, size_t n, int t, int op, void* comm, void* st) {
  record({-1, -1, "allReduce", s, r, n, t, op, -1, -1, st}, comm);
  const Deposit d{s, r, n, t, op, -1};
  return collective(comm, d, [&](World& w, int) { return reduceBlock(w, 0, d); });
}
int fBroadcast(const void* s, void* r, size_t n, int t, int root, void* comm, void* st) {
  record({-1, -1, "broadcast", s, r, n, t, -1, root, -1, st}, comm);
  return collective(comm, {s, r, n, t, -1, root}, [&](World& w, int) {
    const auto* p = bytes(w.slots[size_t(root)].send, 0, 1);
    return std::vector<unsigned char>(p, p + n * typeSize(t));
  });
}
int fReduce(const void* s, void* r, size_t n, int t, int op, int root, void* comm, void* st) {
  record({-1, -1, "reduce", s, r, n, t, op, root, -1, st}, comm);
  const Deposit d{s, r, n, t, op, root};
  return collective(comm, d,
                    [&](World& w, int me) { return me == root ? reduceBlock(w, 0, d) : std::vector<unsigned char>{}; });
}
int fAllGather(const void* s, void* r, size_t n, int t, void* comm, void* st) {
  record({-1, -1, "allGather", s, r, n, t, -1, -1, -1, st}, comm);
  return collective(comm, {s, r, n, t, -1, -1}, [&](World& w, int) { return gatherBlocks(w, n, typeSize(t), 0); });
}
int fReduceScatter(const void* s, void* r, size_t n, int t, int op, void* comm, void* st) {
  record({-1, -1, "reduceScatter", s, r, n, t, op, -1, -1, st}, comm);
  const Deposit d{s, r, n, t, op, -1};
  return collective(comm, d, [&](World& w, int me) { return reduceBlock(w, size_t(me) * n, d); });
}
int fAllToAll(const void* s, void* r, size_t n, int t, void* comm, void* st) {
  record({-1, -1, "allToAll", s, r, n, t, -1, -1, -1, st}, comm);
  return collective(comm, {s, r, n, t, -1, -1},
                    [&](World& w, int me) { return gatherBlocks(w, n, typeSize(t), size_t(me)); });
}
int fGather(const void* s, void* r, size_t n, int t, int root, void* comm, void* st) {
  record({-1, -1, "gather", s, r, n, t, -1, root, -1, st}, comm);
  return collective(comm, {s, r, n, t, -1, root}, [&](World& w, int me) {
    return me == root ? gatherBlocks(w, n, typeSize(t), 0) : std::vector<unsigned char>{};
  });
}
int fScatter(const void* s, void* r, size_t n, int t, int root, void* comm, void* st) {
  record({-1, -1, "scatter", s, r, n, t, -1, root, -1, st}, comm);
  return collective(comm, {s, r, n, t, -1, root}, [&](World& w, int me) {
    const size_t ts = typeSize(t);
    const auto* p = bytes(w.slots[size_t(root)].send, size_t(me) * n, ts);
    return std::vector<unsigned char>(p, p + n * ts);
  });
}
int fSplit(void* comm, int colour, int key, void** out, void* config) {
  record({-1, -1, "commSplit", nullptr, config, 0, -1, -1, colour, key}, comm);
  FakeComm* c = fc(comm);
  World& w = *c->world;
  const int gen = c->splits++;
  {
    std::lock_guard<std::mutex> lock(w.mu);
    w.splitSlots[size_t(c->rank)] = {colour, key};
  }
  w.barrier();
  *out = nullptr;
  if (colour >= 0) {
    int size = 0, newRank = 0;
    for (int r = 0; r < w.n; ++r) {
      const auto& sl = w.splitSlots[size_t(r)];
      if (sl.first != colour) continue;
      ++size;
      if (sl.second < key || (sl.second == key && r < c->rank)) ++newRank;
    }
    std::lock_guard<std::mutex> lock(w.mu);
    auto& child = w.children[{gen, colour}];
    if (!child) child = std::make_shared<World>(size);
    *out = new FakeComm{child, newRank};
  }
  w.barrier();
  return 0;
}

}  // namespace

ccb::gpu::NcclUniqueId freshId() {
  NcclUniqueId id{};
  std::snprintf(id.internal, sizeof id.internal, "fake-id-%ld", ++gIds);
  return id;
}

ccb::gpu::NcclApi fakeApi(const FakeLibrary& lib) {
  ccb::gpu::NcclApi a{};
  a.rccl = lib.rccl;
  a.path = "(simulated)";
  a.version.major = lib.major;
  a.version.minor = lib.minor;
  a.version.patch = lib.patch;
  a.version.code = lib.major * 10000 + lib.minor * 100 + lib.patch;
  a.getVersion = fGetVersion;
  a.getUniqueId = fGetUniqueId;
  a.commInitRank = fInitRank;
  a.commDestroy = fDestroy;
  a.getErrorString = fErrorString;
  a.commCount = fCount;
  a.commUserRank = fUserRank;
  a.groupStart = fGroupStart;
  a.groupEnd = fGroupEnd;
  a.allReduce = fAllReduce;
  a.broadcast = fBroadcast;
  a.reduce = fReduce;
  a.allGather = fAllGather;
  a.reduceScatter = fReduceScatter;
  a.getLastError = fLastError;
  if (lib.abort) a.commAbort = fAbort;
  if (lib.asyncError) a.commGetAsyncError = fAsyncError;
  if (lib.p2p) {
    a.send = fSend;
    a.recv = fRecv;
  }
  if (lib.split) a.commSplit = fSplit;
  if (lib.allToAll) a.allToAll = fAllToAll;
  if (lib.gather) a.gather = fGather;
  if (lib.scatter) a.scatter = fScatter;
  return a;
}

void setThreadRank(int rank) { tRank = rank; }

std::vector<FakeCall> takeCalls() {
  std::lock_guard<std::mutex> lock(gMu);
  std::vector<FakeCall> out;
  out.swap(gCalls);
  return out;
}

void setAsyncError(int code) { gAsync.store(code); }

FakeDevice::~FakeDevice() {
  for (void* p : live_) std::free(p);  // what the backend leaves behind after an abort, by design
}
void* FakeDevice::alloc(size_t bytes) {
  ++allocs;
  void* p = std::calloc(bytes ? bytes : 1, 1);
  std::lock_guard<std::mutex> lock(mu_);
  live_.insert(p);
  return p;
}
void FakeDevice::release(void* p) {
  ++releases;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (live_.erase(p) != 1) std::fprintf(stderr, "fake device: release of unknown pointer %p\n", p), std::abort();
  }
  std::free(p);
}
void FakeDevice::toHost(void* dst, const void* src, size_t bytes) { std::memmove(dst, src, bytes); }
void FakeDevice::fromHost(void* dst, const void* src, size_t bytes) { std::memmove(dst, src, bytes); }

}  // namespace ccbtest

// ---- NcclApi's helpers, test-double definitions (the real ones are in native/gpu/nccl_api.cc,
// which this test does not link): the version gates of gpu-abi.md §3.1 and §8. ----
namespace ccb::gpu {
namespace {
bool atLeast(const NcclVersion& v, int major, int minor, int patch) {
  return v.major * 10000 + v.minor * 100 + v.patch >= major * 10000 + minor * 100 + patch;
}
}  // namespace
bool NcclApi::hasAvg() const { return atLeast(version, 2, 10, 3); }
bool NcclApi::hasBf16() const { return rccl || atLeast(version, 2, 10, 3); }
bool NcclApi::hasFp8() const { return rccl ? atLeast(version, 2, 20, 5) : atLeast(version, 2, 24, 3); }
std::string NcclApi::describe() const {
  return std::string(rccl ? "RCCL " : "NCCL ") + std::to_string(version.major) + "." + std::to_string(version.minor) +
         "." + std::to_string(version.patch) + " " + path;
}
std::string NcclApi::error(int code, void* comm) const {
  std::string s = std::string(getErrorString(code)) + " (" + std::to_string(code) + ")";
  if (getLastError) s += ": " + std::string(getLastError(comm));
  return s;
}
}  // namespace ccb::gpu
