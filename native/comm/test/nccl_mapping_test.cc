// Logic test of the NCCL / RCCL backend without a GPU: the backend runs against a simulated NCCL
// (nccl_fake.h) on 1–4 rank threads. This file checks which calls each op issues (counts, peers,
// pointers, grouping, stream) and what unsupported() refuses; nccl_engine_test.cc runs the real
// engine with --check semantics, split, and the wait / abort paths. Build: nccl_mapping_test.sh.
#include <cstring>
#include <memory>

#include "../../common/error.h"
#include "../nccl.h"
#include "nccl_test_util.h"

namespace ccbtest {
void engineTests();       // nccl_engine_test.cc
void lifecycleTests();    // nccl_engine_test.cc
void abortRequestTest();  // nccl_engine_test.cc: last, the abort request cannot be undone
}  // namespace ccbtest

using namespace ccb;
using namespace ccbtest;

namespace {

struct Rank {
  FakeDevice dev;
  std::unique_ptr<Backend> backend;
  std::vector<unsigned char> send, recv;
  Comm& comm() { return backend->world(); }
};

// What one call must look like; nullptr pointers and -2 numbers match anything.
struct Want {
  const char* fn;
  const void* send = nullptr;
  const void* recv = nullptr;
  long count = -2;
  int peer = -2;
  int depth = 0;
  int dtype = -2;
};

class Harness {
 public:
  Harness(int n, const FakeLibrary& lib) : n_(n), api_(fakeApi(lib)), ranks_(size_t(n)) {
    const gpu::NcclUniqueId id = freshId();
    onRanks(n, [&](int r) {
      Rank& k = ranks_[size_t(r)];
      k.backend = nccl::open(api_, k.dev, r, n, id, true);
      k.send.assign(size_t(n) * 64 * 8, 0);
      k.recv.assign(size_t(n) * 64 * 8, 0);
    });
    takeCalls();
  }
  Rank& rank(int r) { return ranks_[size_t(r)]; }

  // Issues one iteration of `op` on every rank, placed as the engine places it, and returns each
  // rank's calls. a.send / a.recv per rank are left in args(r).
  std::vector<std::vector<FakeCall>> issue(const char* opName, size_t count, bool inPlace, int root, int window = 3) {
    const OpInfo& op = *opByName(opName);
    args_.assign(size_t(n_), OpArgs{});
    onRanks(n_, [&](int r) {
      Rank& k = rank(r);
      OpArgs& a = args_[size_t(r)];
      a.count = count;
      a.dtype = Dtype::Float32;
      a.root = root;
      a.inPlace = inPlace;
      a.window = window;
      a.send = k.send.data();
      a.recv = k.recv.data();
      if (inPlace) {
        const InPlaceLayout l = k.comm().inPlaceLayout(op, root, count);
        a.send = k.recv.data() + l.input * 4;
        a.recv = k.recv.data() + l.output * 4;
      }
      k.comm().run(op, a);
      k.comm().complete(k.dev);
    });
    std::vector<std::vector<FakeCall>> per(static_cast<size_t>(n_));
    for (FakeCall& c : takeCalls())
      if (c.thread >= 0) per[size_t(c.thread)].push_back(c);
    return per;
  }
  const OpArgs& args(int r) const { return args_[size_t(r)]; }

  void expectCalls(const char* what, int r, const std::vector<FakeCall>& got, const std::vector<Want>& want) {
    const std::string where = std::string(what) + " n=" + std::to_string(n_) + " rank " + std::to_string(r);
    EXPECT(got.size() == want.size(),
           where + ": " + std::to_string(got.size()) + " calls, want " + std::to_string(want.size()));
    for (size_t i = 0; i < got.size() && i < want.size(); ++i) {
      const FakeCall& g = got[i];
      const Want& w = want[i];
      const std::string at = where + " call " + std::to_string(i) + " (" + g.fn + ")";
      EXPECT(g.fn == w.fn, at + " want " + w.fn);
      EXPECT(!w.send || g.send == w.send, at + " send pointer");
      EXPECT(!w.recv || g.recv == w.recv, at + " recv pointer");
      EXPECT(w.count == -2 || long(g.count) == w.count, at + " count " + std::to_string(g.count));
      EXPECT(w.peer == -2 || g.peer == w.peer, at + " peer/root " + std::to_string(g.peer));
      EXPECT(g.depth == w.depth, at + " group depth " + std::to_string(g.depth));
      EXPECT(w.dtype == -2 || g.dtype == w.dtype, at + " dtype " + std::to_string(g.dtype));
      const bool grouping = g.fn == "groupStart" || g.fn == "groupEnd";
      EXPECT(grouping || g.stream == rank(r).dev.stream(), at + " not on the device's stream");
    }
  }

 private:
  int n_;
  gpu::NcclApi api_;
  std::vector<Rank> ranks_;
  std::vector<OpArgs> args_;
};

const unsigned char* off(const void* p, size_t elems) { return static_cast<const unsigned char*>(p) + elems * 4; }

void mappingTests(int n, bool native) {
  FakeLibrary lib;
  lib.allToAll = lib.gather = lib.scatter = native;
  Harness h(n, lib);
  const size_t c = 5;
  const int root = n - 1;
  const char* tag = native ? "[native]" : "[fallback]";
  auto S = [&](int r) { return static_cast<const void*>(h.rank(r).send.data()); };
  auto R = [&](int r) { return static_cast<const void*>(h.rank(r).recv.data()); };

  auto calls = h.issue("allreduce", c, false, 0);
  for (int r = 0; r < n; ++r) h.expectCalls("allreduce", r, calls[size_t(r)], {{"allReduce", S(r), R(r), long(c)}});
  calls = h.issue("allreduce", c, true, 0);
  for (int r = 0; r < n; ++r)
    h.expectCalls("allreduce in place", r, calls[size_t(r)], {{"allReduce", R(r), R(r), long(c)}});

  calls = h.issue("reducescatter", c, true, 0);  // NCCL: recvbuff == sendbuff + rank·recvcount
  for (int r = 0; r < n; ++r)
    h.expectCalls("reducescatter in place", r, calls[size_t(r)],
                  {{"reduceScatter", R(r), off(R(r), size_t(r) * c), long(c)}});
  calls = h.issue("allgather", c, true, 0);  // NCCL: sendbuff == recvbuff + rank·sendcount
  for (int r = 0; r < n; ++r)
    h.expectCalls("allgather in place", r, calls[size_t(r)], {{"allGather", off(R(r), size_t(r) * c), R(r), long(c)}});
  calls = h.issue("broadcast", c, false, root);
  for (int r = 0; r < n; ++r)
    h.expectCalls("broadcast", r, calls[size_t(r)], {{"broadcast", S(r), R(r), long(c), root}});
  calls = h.issue("reduce", c, true, root);
  for (int r = 0; r < n; ++r)
    h.expectCalls("reduce in place", r, calls[size_t(r)], {{"reduce", R(r), R(r), long(c), root}});

  calls = h.issue("alltoall", c, false, 0);
  for (int r = 0; r < n; ++r) {
    std::vector<Want> w;
    if (native) {
      w.push_back({"allToAll", S(r), R(r), long(c)});
    } else {  // one group: a send and a receive of block p with every peer p, itself included
      w.push_back({"groupStart"});
      for (int p = 0; p < n; ++p) {
        w.push_back({"send", off(S(r), size_t(p) * c), nullptr, long(c), p, 1});
        w.push_back({"recv", nullptr, off(R(r), size_t(p) * c), long(c), p, 1});
      }
      w.push_back({"groupEnd"});
    }
    h.expectCalls((std::string("alltoall ") + tag).c_str(), r, calls[size_t(r)], w);
  }

  for (bool inPlace : {false, true}) {
    const std::string how = inPlace ? " in place " : " ";
    calls = h.issue("gather", c, inPlace, root);
    for (int r = 0; r < n; ++r) {
      const OpArgs& a = h.args(r);
      if (inPlace && r == root) EXPECT(a.send == off(R(r), size_t(root) * c), "gather in-place layout");
      std::vector<Want> w;
      if (native) {
        w.push_back({"gather", a.send, a.recv, long(c), root});
      } else {
        w.push_back({"groupStart"});
        if (!(inPlace && r == root)) w.push_back({"send", a.send, nullptr, long(c), root, 1});
        if (r == root)
          for (int p = 0; p < n; ++p)
            if (!(inPlace && p == root)) w.push_back({"recv", nullptr, off(a.recv, size_t(p) * c), long(c), p, 1});
        w.push_back({"groupEnd"});
      }
      h.expectCalls(("gather" + how + tag).c_str(), r, calls[size_t(r)], w);
    }
    calls = h.issue("scatter", c, inPlace, root);
    for (int r = 0; r < n; ++r) {
      const OpArgs& a = h.args(r);
      if (inPlace && r == root) EXPECT(a.recv == off(R(r), size_t(root) * c), "scatter in-place layout");
      std::vector<Want> w;
      if (native) {
        w.push_back({"scatter", a.send, a.recv, long(c), root});
      } else {
        w.push_back({"groupStart"});
        if (r == root)
          for (int p = 0; p < n; ++p)
            if (!(inPlace && p == root)) w.push_back({"send", off(a.send, size_t(p) * c), nullptr, long(c), p, 1});
        if (!(inPlace && r == root)) w.push_back({"recv", nullptr, a.recv, long(c), root, 1});
        w.push_back({"groupEnd"});
      }
      h.expectCalls(("scatter" + how + tag).c_str(), r, calls[size_t(r)], w);
    }
  }

  calls = h.issue("sendrecv", c, false, 0);
  for (int r = 0; r < n; ++r)
    h.expectCalls("sendrecv", r, calls[size_t(r)],
                  {{"groupStart"},
                   {"send", S(r), nullptr, long(c), (r + 1) % n, 1},
                   {"recv", nullptr, R(r), long(c), (r - 1 + n) % n, 1},
                   {"groupEnd"}});

  calls = h.issue("barrier", 0, false, 0);
  for (int r = 0; r < n; ++r) {
    h.expectCalls("barrier op", r, calls[size_t(r)], {{"allReduce", nullptr, nullptr, 1}});
    if (!calls[size_t(r)].empty()) EXPECT(calls[size_t(r)][0].send == calls[size_t(r)][0].recv, "barrier in place");
  }

  if (n % 2) return;
  const int W = 3;
  calls = h.issue("latency", c, false, 0);  // not grouped: stream order makes the ping-pong
  for (int r = 0; r < n; ++r) {
    const int peer = pairPeer(r, n);
    if (pairInitiator(r, n))
      h.expectCalls("latency", r, calls[size_t(r)],
                    {{"send", S(r), nullptr, long(c), peer}, {"recv", nullptr, R(r), long(c), peer}});
    else
      h.expectCalls("latency", r, calls[size_t(r)],
                    {{"recv", nullptr, R(r), long(c), peer}, {"send", S(r), nullptr, long(c), peer}});
  }
  calls = h.issue("bw", c, false, 0, W);  // an ungrouped window, then a 1-byte acknowledgement
  for (int r = 0; r < n; ++r) {
    const int peer = pairPeer(r, n);
    std::vector<Want> w;
    const bool init = pairInitiator(r, n);
    for (int i = 0; i < W; ++i)
      w.push_back(init ? Want{"send", S(r), nullptr, long(c), peer, 0, 7}
                       : Want{"recv", nullptr, R(r), long(c), peer, 0, 7});
    w.push_back(init ? Want{"recv", nullptr, nullptr, 1, peer, 0, 1} : Want{"send", nullptr, nullptr, 1, peer, 0, 1});
    h.expectCalls("bw", r, calls[size_t(r)], w);
    const FakeCall& ack = calls[size_t(r)].back();
    EXPECT(ack.send != S(r) && ack.recv != R(r), "bw ack must not touch the data buffers");
  }
  calls = h.issue("bibw", c, false, 0, W);  // the whole window, both directions, in one group
  for (int r = 0; r < n; ++r) {
    const int peer = pairPeer(r, n);
    std::vector<Want> w{{"groupStart"}};
    for (int i = 0; i < W; ++i) {
      w.push_back({"send", S(r), nullptr, long(c), peer, 1});
      w.push_back({"recv", nullptr, R(r), long(c), peer, 1});
    }
    w.push_back({"groupEnd"});
    h.expectCalls("bibw", r, calls[size_t(r)], w);
  }
}

std::string why(Comm& c, const char* op, Dtype t = Dtype::Float32, RedOp r = RedOp::Sum, bool inPlace = false) {
  return c.unsupported(*opByName(op), t, r, inPlace, 16);
}

void unsupportedTests() {
  FakeDevice dev;
  FakeLibrary modern;
  const gpu::NcclApi api = fakeApi(modern);
  auto one = nccl::open(api, dev, 0, 1, freshId(), true);
  Comm& c = one->world();
  EXPECT(std::string(one->name()) == "nccl", one->name());
  for (const char* op : {"allreduce", "alltoall", "gather", "scatter", "sendrecv", "broadcast", "barrier"})
    EXPECT(why(c, op).empty(), std::string(op) + ": " + why(c, op));
  EXPECT(why(c, "allreduce", Dtype::Bfloat16, RedOp::Avg, true).empty(), "bf16 avg in place on 2.30");
  EXPECT(why(c, "allreduce", Dtype::Float8e4m3).empty(), "fp8 with fp8 hardware on 2.30");
  EXPECT(has(why(c, "alltoall", Dtype::Float32, RedOp::Sum, true), "in-place alltoall"),
         why(c, "alltoall", Dtype::Float32, RedOp::Sum, true));
  EXPECT(has(why(c, "sendrecv", Dtype::Float32, RedOp::Sum, true), "drop --in-place"), "in-place sendrecv");
  EXPECT(has(why(c, "latency", Dtype::Float32, RedOp::Sum, true), "no in-place form"), "latency in place");
  EXPECT(has(why(c, "latency"), "even number of ranks"), why(c, "latency"));
  EXPECT(why(c, "gather", Dtype::Float32, RedOp::Sum, true).empty(), "gather in place");
  auto noFp8Hw = nccl::open(api, dev, 0, 1, freshId(), false);
  EXPECT(has(why(noFp8Hw->world(), "allgather", Dtype::Float8e5m2), "compute capability 9.0"),
         why(noFp8Hw->world(), "allgather", Dtype::Float8e5m2));
  EXPECT(why(noFp8Hw->world(), "barrier", Dtype::Float8e5m2).empty(), "barrier moves no data");

  FakeLibrary old;  // NCCL 2.6.4: no send/recv, avg, bf16, fp8, abort or async errors
  old.major = 2, old.minor = 6, old.patch = 4;
  old.p2p = old.abort = old.asyncError = false;
  const gpu::NcclApi oldApi = fakeApi(old);
  auto o = nccl::open(oldApi, dev, 0, 1, freshId(), true);
  Comm& oc = o->world();
  EXPECT(has(why(oc, "sendrecv"), "ncclSend/ncclRecv (NCCL 2.7.3"), why(oc, "sendrecv"));
  EXPECT(has(why(oc, "alltoall"), "NCCL 2.6.4"), why(oc, "alltoall"));
  EXPECT(!why(oc, "gather").empty() && !why(oc, "scatter").empty(), "gather/scatter without send/recv");
  EXPECT(has(why(oc, "allreduce", Dtype::Float32, RedOp::Avg), "avg reduction needs NCCL 2.10.3"),
         why(oc, "allreduce", Dtype::Float32, RedOp::Avg));
  EXPECT(why(oc, "broadcast", Dtype::Float32, RedOp::Avg).empty(), "avg is irrelevant to broadcast");
  EXPECT(has(why(oc, "broadcast", Dtype::Bfloat16), "bfloat16 needs NCCL 2.10.3"),
         why(oc, "broadcast", Dtype::Bfloat16));
  EXPECT(has(why(oc, "broadcast", Dtype::Float8e4m3), "2.24.3"), why(oc, "broadcast", Dtype::Float8e4m3));
  EXPECT(why(oc, "allreduce", Dtype::Int64, RedOp::Prod).empty(), "plain types pass through");

  FakeLibrary rccl;  // RCCL 2.18.3 (ROCm 6.0): bf16 always, fp8 from 2.20.5
  rccl.rccl = true, rccl.minor = 18, rccl.patch = 3;
  const gpu::NcclApi rcclApi = fakeApi(rccl);
  auto rc = nccl::open(rcclApi, dev, 0, 1, freshId(), true);
  EXPECT(std::string(rc->name()) == "rccl", rc->name());
  EXPECT(why(rc->world(), "allreduce", Dtype::Bfloat16).empty(), "rccl bf16");
  EXPECT(has(why(rc->world(), "allreduce", Dtype::Float8e4m3), "RCCL 2.18.3"),
         why(rc->world(), "allreduce", Dtype::Float8e4m3));

  const gpu::NcclUniqueId id = freshId();  // three ranks, opened in turn (init does not block here)
  FakeDevice d3[3];
  std::unique_ptr<Backend> three[3];
  for (int r = 0; r < 3; ++r) three[r] = nccl::open(api, d3[r], r, 3, id, true);
  EXPECT(has(why(three[1]->world(), "bibw"), "not 3"), why(three[1]->world(), "bibw"));
  EXPECT(why(three[1]->world(), "sendrecv").empty(), "sendrecv on 3 ranks");
  takeCalls();
}

}  // namespace

int main() {
  for (int n = 1; n <= 4; ++n)
    for (bool native : {false, true}) mappingTests(n, native);
  std::printf("call mapping (1-4 ranks, native and fallback): %s\n", failures() ? "FAILED" : "ok");
  const int before = failures();
  unsupportedTests();
  std::printf("unsupported(): %s\n", failures() > before ? "FAILED" : "ok");
  engineTests();
  lifecycleTests();
  abortRequestTest();
  std::printf("%s\n", failures() ? "nccl_mapping_test: FAILED" : "nccl_mapping_test: all passed");
  return failures() ? 1 : 0;
}
