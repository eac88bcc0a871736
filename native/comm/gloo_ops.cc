// The Gloo communicator: each ccbench op mapped onto Gloo's collectives (or, for point-to-point
// ops, onto its tagged unbound-buffer sends and receives). prepare() builds the Gloo option
// objects, buffers and scratch an op needs; run() only issues and waits.
#include <gloo/allgather.h>
#include <gloo/allreduce.h>
#include <gloo/alltoall.h>
#include <gloo/alltoallv.h>
#include <gloo/barrier.h>
#include <gloo/broadcast.h>
#include <gloo/gather.h>
#include <gloo/reduce.h>
#include <gloo/scatter.h>

#include <algorithm>
#include <climits>
#include <cstring>

#include "gloo_impl.h"

namespace ccb::gloo {
namespace {

namespace transport = ::gloo::transport;
using Buf = std::unique_ptr<transport::UnboundBuffer>;

constexpr uint32_t kTagOps = 1, kTagControl = 2;

// Gloo's option setters take the element type only for its size.
template <class F>
void withElementSize(size_t ts, F&& f) {
  switch (ts) {
    case 1: f(uint8_t{}); break;
    case 2: f(uint16_t{}); break;
    case 4: f(uint32_t{}); break;
    default: f(uint64_t{}); break;
  }
}

bool sameArgs(const OpArgs& x, const OpArgs& y) {
  return x.send == y.send && x.recv == y.recv && x.count == y.count && x.dtype == y.dtype && x.redop == y.redop &&
         x.root == y.root && x.inPlace == y.inPlace && x.window == y.window;
}

// Everything run() needs for one prepared op.
struct Plan {
  const OpInfo* op = nullptr;
  OpArgs args;
  size_t bytes = 0;  // count · element size: one rank's (or one peer's) chunk
  std::unique_ptr<::gloo::AllreduceOptions> allreduce;
  std::unique_ptr<::gloo::ReduceOptions> reduce;
  std::unique_ptr<::gloo::BroadcastOptions> broadcast;
  std::unique_ptr<::gloo::AllgatherOptions> allgather;
  std::unique_ptr<::gloo::AlltoallOptions> alltoall;
  std::unique_ptr<::gloo::AlltoallvOptions> alltoallv;
  std::unique_ptr<::gloo::GatherOptions> gather;
  std::unique_ptr<::gloo::ScatterOptions> scatter;
  std::unique_ptr<ReduceScatter> reduceScatter;
  Buf send, recv, ack;
  std::vector<unsigned char> scratch;
};

class GlooComm final : public Comm {
 public:
  explicit GlooComm(std::shared_ptr<::gloo::Context> ctx)
      : ctx_(std::move(ctx)), rank_(ctx_->rank), size_(ctx_->size), barrier_(ctx_), max_(ctx_) {
    barrier_.setTag(kTagControl);
    max_.setTag(kTagControl);
    max_.setOutput(&maxValue_, 1);
    max_.setReduceFunction(kernelFor(Dtype::Float64, RedOp::Max));
  }
  int rank() const override { return rank_; }
  int size() const override { return size_; }

  std::string unsupported(const OpInfo& op, Dtype t, RedOp r, bool inPlace, size_t count) const override {
    if (op.reduces && r == RedOp::Avg)
      return "Gloo has no average reduction (--reduce-op avg); use sum, or a GPU backend (nccl, rccl)";
    if (op.reduces && !kernelFor(t, r)) return std::string("the gloo backend cannot reduce ") + dtypeInfo(t).name;
    if (inPlace && !op.hasInPlace) return std::string(op.name) + " has no in-place form; drop --in-place";
    if (op.evenRanks && size_ % 2) return std::string(op.name) + " needs an even number of ranks";
    if (count == 0 && op.shape != Shape::None && !op.pairwise && op.id != Op::SendRecv)
      return std::string("the gloo backend cannot run a 0-byte ") + op.name +
             " (Gloo skips it or divides by its size); start --sizes at one element or more";
    if ((op.id == Op::ReduceScatter || op.id == Op::ReduceScatterV) &&
        count > size_t(INT_MAX) / (size_t(size_) * dtypeInfo(t).size))
      return "Gloo's reduce-scatter counts bytes in 32-bit integers, so count x ranks x element size must stay "
             "under 2 GiB; use a smaller size";
    return "";
  }

  void prepare(const OpInfo& op, const OpArgs& a) override {
    try {
      if (keep_ > 0)  // a replay: the same call again reuses its plan
        for (auto& p : kept_)
          if (p->op == &op && sameArgs(p->args, a)) {
            plan_ = p.get();
            return;
          }
      plan_ = nullptr;
      // Room for the new plan: the oldest go (a sweep keeps none but the current). Our last
      // reduce-scatter may still have notifications queued from its buffers; each peer waits for
      // them before it finishes, so after a barrier those buffers can go.
      while (!kept_.empty() && kept_.size() >= std::max<size_t>(keep_, 1)) {
        if (kept_.front()->reduceScatter) barrier();
        kept_.erase(kept_.begin());
      }
      auto p = std::make_unique<Plan>();
      p->op = &op;
      p->args = a;
      p->bytes = a.count * dtypeInfo(a.dtype).size;
      withElementSize(dtypeInfo(a.dtype).size, [&](auto s) { build<decltype(s)>(*p, op, a); });
      kept_.push_back(std::move(p));
      plan_ = kept_.back().get();
      // Gloo's halving-doubling sends to buffers it registers at construction; without this a
      // fast peer's first message would find none and spin the receiver's I/O thread meanwhile.
      if (plan_->reduceScatter) barrier();
    } catch (...) {
      plan_ = nullptr;
      rethrow(std::string("Gloo: preparing ") + op.name);
    }
  }

  // ccbench replay's calls alternate between ops: up to n prepared plans stay (0: only the current).
  void retainPrepared(size_t n) override { keep_ = n; }

  void run(const OpInfo& op, const OpArgs& a) override {
    try {
      if (!plan_ || plan_->op != &op || !sameArgs(plan_->args, a))
        throw Error(ErrorKind::Internal, "gloo: run() without a matching prepare()");
      runPrepared(*plan_);
    } catch (...) {
      rethrow(std::string("Gloo ") + op.name);
    }
  }

  void barrier() override {
    try {
      ::gloo::barrier(barrier_);
    } catch (...) {
      rethrow("Gloo barrier");
    }
  }

  double maxAcross(double v) override {
    try {
      maxValue_ = v;
      ::gloo::allreduce(max_);
      return maxValue_;
    } catch (...) {
      rethrow("Gloo allreduce (max)");
    }
  }

  std::unique_ptr<Comm> split(int k, const std::vector<char>&) override {
    k = std::min(k, size_);  // as MPI_Comm_split: members are the ranks below k
    std::shared_ptr<::gloo::Context> sub;
    try {
      std::vector<int> first(static_cast<size_t>(k));
      for (int r = 0; r < k; ++r) first[size_t(r)] = r;
      sub = splitContext(*ctx_, first);
    } catch (...) {
      rethrow("Gloo: splitting off ranks [0, " + std::to_string(k) + ")");
    }
    barrier();  // collective over this comm, like MPI_Comm_split: every rank leaves together
    return sub ? makeComm(std::move(sub)) : nullptr;
  }

  std::unique_ptr<Comm> subgroup(int color, const std::vector<int>& members) override {
    std::shared_ptr<::gloo::Context> sub;
    try {
      sub = splitContext(*ctx_, members);  // nullptr outside the members
    } catch (...) {
      rethrow("Gloo: forming sub-group " + std::to_string(color));
    }
    barrier();
    return sub && color >= 0 ? makeComm(std::move(sub)) : nullptr;
  }

  void exchange(const std::vector<P2p>& ops, void* send, size_t sendBytes, void* recv, size_t recvBytes) override {
    try {
      // One unbound buffer over each whole buffer, made once; every transfer is a slice of it.
      if (!p2pSend_ || p2pSendAt_ != send || p2pSend_->size != sendBytes) p2pSend_ = buffer(send, sendBytes);
      if (!p2pRecv_ || p2pRecvAt_ != recv || p2pRecv_->size != recvBytes) p2pRecv_ = buffer(recv, recvBytes);
      p2pSendAt_ = send;
      p2pRecvAt_ = recv;
      size_t sends = 0, recvs = 0;
      for (const P2p& o : ops)
        if (o.send)
          p2pSend_->send(o.peer, kSlotP2p, o.offset, o.bytes), ++sends;
        else
          p2pRecv_->recv(o.peer, kSlotP2p, o.offset, o.bytes), ++recvs;
      for (; recvs > 0; --recvs) wait(p2pRecv_->waitRecv());
      for (; sends > 0; --sends) wait(p2pSend_->waitSend());
    } catch (...) {
      rethrow("Gloo send / recv");
    }
  }

 private:
  Buf buffer(const void* p, size_t bytes) { return ctx_->createUnboundBuffer(const_cast<void*>(p), bytes); }

  template <class S>
  void build(Plan& p, const OpInfo& op, const OpArgs& a) {
    const size_t b = p.bytes, n = size_t(size_);
    const bool root = rank_ == a.root;
    const Kernel k = op.reduces ? kernelFor(a.dtype, a.redop) : nullptr;
    switch (op.id) {
      case Op::AllReduce: {  // ring; in place: no input, the output is reduced where it lies
        auto o = std::make_unique<::gloo::AllreduceOptions>(ctx_);
        if (!a.inPlace) o->setInput<S>(buffer(a.send, b));
        o->setOutput<S>(buffer(a.recv, b));
        o->setReduceFunction(k);
        o->setTag(kTagOps);
        p.allreduce = std::move(o);
        break;
      }
      case Op::Reduce: {  // ring reduce-scatter, then chunks to the root; non-roots' output is scratch
        auto o = std::make_unique<::gloo::ReduceOptions>(ctx_);
        if (!a.inPlace) o->setInput<S>(buffer(a.send, b));
        o->setOutput<S>(buffer(a.recv, b));
        o->setRoot(a.root);
        o->setReduceFunction(k);
        o->setTag(kTagOps);
        p.reduce = std::move(o);
        break;
      }
      case Op::Broadcast: {  // binomial tree; the root sends straight from its input, as MPI does
        auto o = std::make_unique<::gloo::BroadcastOptions>(ctx_);
        o->setOutput<S>(buffer(root && !a.inPlace ? a.send : a.recv, b));
        o->setRoot(a.root);
        o->setTag(kTagOps);
        p.broadcast = std::move(o);
        break;
      }
      case Op::AllGather: {  // ring; in place, this rank's chunk already sits at rank·b
        auto o = std::make_unique<::gloo::AllgatherOptions>(ctx_);
        if (!a.inPlace) o->setInput<S>(buffer(a.send, b));
        o->setOutput<S>(buffer(a.recv, n * b));
        o->setTag(kTagOps);
        p.allgather = std::move(o);
        break;
      }
      case Op::AllToAll: {  // pairwise; Gloo has no in-place form, so in place sends from a copy
        auto o = std::make_unique<::gloo::AlltoallOptions>(ctx_);
        if (a.inPlace) p.scratch.resize(n * b);
        o->setInput<S>(buffer(a.inPlace ? p.scratch.data() : a.send, n * b));
        o->setOutput<S>(buffer(a.recv, n * b));
        o->setTag(kTagOps);
        p.alltoall = std::move(o);
        break;
      }
      case Op::AllToAllV: {  // pairwise, one block per peer (this rank's row out, its column in)
        std::vector<int64_t> out(n), in(n);
        for (size_t q = 0; q < n; ++q) {
          out[q] = int64_t(a.matrix[size_t(rank_) * n + q]);
          in[q] = int64_t(a.matrix[q * n + size_t(rank_)]);
        }
        auto o = std::make_unique<::gloo::AlltoallvOptions>(ctx_);
        o->setInput<S>(static_cast<S*>(const_cast<void*>(a.send)), std::move(out));
        o->setOutput<S>(static_cast<S*>(a.recv), std::move(in));
        o->setTag(kTagOps);
        p.alltoallv = std::move(o);
        break;
      }
      case Op::Gather: {  // direct to the root; in place, Gloo copies the root's chunk onto itself
        auto o = std::make_unique<::gloo::GatherOptions>(ctx_);
        o->setInput<S>(buffer(a.send, b));
        if (root) o->setOutput<S>(buffer(a.recv, n * b));
        o->setRoot(a.root);
        o->setTag(kTagOps);
        p.gather = std::move(o);
        break;
      }
      case Op::Scatter: {  // direct from the root, one input buffer per destination
        auto o = std::make_unique<::gloo::ScatterOptions>(ctx_);
        if (root) {
          std::vector<Buf> in;
          for (size_t i = 0; i < n; ++i) in.push_back(buffer(static_cast<const unsigned char*>(a.send) + i * b, b));
          o->setInputs<S>(std::move(in));
        }
        o->setOutput<S>(buffer(a.recv, b));
        o->setRoot(a.root);
        o->setTag(kTagOps);
        p.scatter = std::move(o);
        break;
      }
      case Op::ReduceScatter:
      case Op::ReduceScatterV: {  // halving-doubling (per-rank counts, all equal), in place on n·b, result at the front
        void* work = a.recv;
        if (!a.inPlace) {  // it overwrites its input: work on a copy so a.send stays intact
          p.scratch.resize(n * b);
          work = p.scratch.data();
        }
        p.reduceScatter = makeReduceScatter(ctx_, work, a.count, a.dtype, a.redop);
        break;
      }
      case Op::SendRecv:
        if (a.inPlace) p.scratch.resize(b);  // receive beside the data being sent, then copy
        p.send = buffer(a.inPlace ? a.recv : a.send, b);
        p.recv = buffer(a.inPlace ? p.scratch.data() : a.recv, b);
        break;
      case Op::Latency:
      case Op::Bw:
      case Op::Bibw:
        p.send = buffer(a.send, b);
        p.recv = buffer(a.recv, b);
        p.ack = buffer(&ack_, sizeof(ack_));
        break;
      case Op::Barrier: break;
    }
  }

  void runPrepared(Plan& p) {
    const OpArgs& a = p.args;
    const size_t n = size_t(size_);
    switch (p.op->id) {
      case Op::AllReduce: ::gloo::allreduce(*p.allreduce); break;
      case Op::Reduce: ::gloo::reduce(*p.reduce); break;
      case Op::Broadcast: ::gloo::broadcast(*p.broadcast); break;
      case Op::AllGather: ::gloo::allgather(*p.allgather); break;
      case Op::AllToAll:
        if (a.inPlace) std::memcpy(p.scratch.data(), a.recv, n * p.bytes);
        ::gloo::alltoall(*p.alltoall);
        break;
      case Op::AllToAllV: ::gloo::alltoallv(*p.alltoallv); break;
      case Op::Gather: ::gloo::gather(*p.gather); break;
      case Op::Scatter: ::gloo::scatter(*p.scatter); break;
      case Op::ReduceScatter:
      case Op::ReduceScatterV:  // Gloo's one reduce-scatter takes a count per rank: both are it
        if (!a.inPlace) std::memcpy(p.scratch.data(), a.send, n * p.bytes);
        p.reduceScatter->run();
        if (!a.inPlace) std::memcpy(a.recv, p.scratch.data(), p.bytes);
        break;
      case Op::SendRecv: sendRecv(p); break;
      case Op::Latency: pingPong(p); break;
      case Op::Bw: window(p, false); break;
      case Op::Bibw: window(p, true); break;
      case Op::Barrier: ::gloo::barrier(barrier_); break;
    }
  }

  static void wait(bool ok) {
    if (!ok) throw Error(ErrorKind::Internal, "a Gloo send or receive was aborted");
  }

  // Ring: to rank+1, from rank-1, both in flight at once. Alone, a rank sends to itself.
  void sendRecv(Plan& p) {
    const OpArgs& a = p.args;
    if (size_ == 1) {
      if (!a.inPlace) std::memcpy(a.recv, a.send, p.bytes);
      return;
    }
    p.recv->recv((rank_ - 1 + size_) % size_, kSlotData);
    p.send->send((rank_ + 1) % size_, kSlotData);
    wait(p.recv->waitRecv());
    wait(p.send->waitSend());
    if (a.inPlace) std::memcpy(a.recv, p.scratch.data(), p.bytes);
  }

  // osu_latency. Gloo sends only once the receiver has posted its receive, so each side posts
  // its receive first: the data then leaves as soon as it is sent, not a round trip later.
  void pingPong(Plan& p) {
    const int peer = pairPeer(rank_, size_);
    p.recv->recv(peer, kSlotData);
    if (pairInitiator(rank_, size_)) {
      p.send->send(peer, kSlotData);
      wait(p.send->waitSend());
      wait(p.recv->waitRecv());
    } else {
      wait(p.recv->waitRecv());
      p.send->send(peer, kSlotData);
      wait(p.send->waitSend());
    }
  }

  // osu_bw / osu_bibw: a window of messages, all received into one buffer as in OSU, then
  // (uni-directional) a small ack from the receiver.
  void window(Plan& p, bool both) {
    const int peer = pairPeer(rank_, size_);
    const bool sender = pairInitiator(rank_, size_);
    const int w = p.args.window;
    if (sender && !both) p.ack->recv(peer, kSlotAck);
    if (both || !sender)
      for (int i = 0; i < w; ++i) p.recv->recv(peer, kSlotData);
    if (both || sender)
      for (int i = 0; i < w; ++i) p.send->send(peer, kSlotData);
    if (both || sender)
      for (int i = 0; i < w; ++i) wait(p.send->waitSend());
    if (both || !sender)
      for (int i = 0; i < w; ++i) wait(p.recv->waitRecv());
    if (both) return;
    if (sender) {
      wait(p.ack->waitRecv());
    } else {
      p.ack->send(peer, kSlotAck);
      wait(p.ack->waitSend());
    }
  }

  std::shared_ptr<::gloo::Context> ctx_;
  int rank_, size_;
  ::gloo::BarrierOptions barrier_;
  double maxValue_ = 0;
  ::gloo::AllreduceOptions max_;
  int32_t ack_ = 0;
  std::vector<std::unique_ptr<Plan>> kept_;  // oldest first; plan_ is one of them
  size_t keep_ = 0;
  Plan* plan_ = nullptr;
  Buf p2pSend_, p2pRecv_;  // exchange()'s, over the buffers at these addresses
  void* p2pSendAt_ = nullptr;
  void* p2pRecvAt_ = nullptr;
};

}  // namespace

std::unique_ptr<Comm> makeComm(std::shared_ptr<::gloo::Context> ctx) {
  try {
    return std::make_unique<GlooComm>(std::move(ctx));
  } catch (...) {
    rethrow("Gloo: creating a communicator");
  }
}

}  // namespace ccb::gloo
