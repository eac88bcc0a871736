// What each op issues on the stream (one timed iteration, no allocation, no host wait), and
// which combinations the library cannot run. Counts follow nccl-tests (metrics.md §3): per rank
// for gathered / scattered ops, per peer for alltoall.
#include <chrono>
#include <thread>

#include "../common/error.h"
#include "../device/device.h"
#include "nccl_impl.h"

namespace ccb::nccl {
namespace {

bool isFp8(Dtype t) { return t == Dtype::Float8e4m3 || t == Dtype::Float8e5m2; }

// Element `elems` of a buffer of `ts`-byte elements.
inline const void* at(const void* p, size_t elems, size_t ts) {
  return static_cast<const unsigned char*>(p) + elems * ts;
}
inline void* at(void* p, size_t elems, size_t ts) { return static_cast<unsigned char*>(p) + elems * ts; }

}  // namespace

bool NcclComm::needsPointToPoint(const OpInfo& op) const {
  switch (op.id) {
    case Op::SendRecv:
    case Op::Latency:
    case Op::Bw:
    case Op::Bibw: return true;
    case Op::AllToAll: return !api_.allToAll;
    case Op::AllToAllV: return true;  // NCCL has no alltoallv: grouped sends and receives
    case Op::Gather: return !api_.gather;
    case Op::Scatter: return !api_.scatter;
    case Op::AllReduce:
    case Op::AllGather:
    case Op::ReduceScatter:
    case Op::ReduceScatterV:
    case Op::Broadcast:
    case Op::Reduce:
    case Op::Barrier: return false;
  }
  return false;
}

std::string NcclComm::unsupported(const OpInfo& op, Dtype t, RedOp r, bool inPlace, size_t count) const {
  (void)count;  // NCCL counts are size_t: no limit below what the buffers already impose
  const std::string name = op.name;
  if (op.id == Op::ReduceScatterV)
    return label() + " has no reduce-scatter with a count per rank (MPI_Reduce_scatter); use reducescatter";
  if (inPlace && !op.hasInPlace) return name + " has no in-place form; drop --in-place";
  if (op.evenRanks && size_ % 2)
    return name + " pairs rank r with rank r + n/2 and needs an even number of ranks, not " + std::to_string(size_);
  if (needsPointToPoint(op) && !(api_.send && api_.recv))
    return name + " needs ncclSend/ncclRecv (NCCL 2.7.3 or later), which " + label() +
           " lacks; use a newer NCCL or --backend mpi";
  if (inPlace && op.id == Op::AllToAll)
    return "NCCL defines no in-place alltoall (and grouped sends and receives on one buffer would race); "
           "drop --in-place for alltoall";
  if (inPlace && op.id == Op::SendRecv)
    return "in-place sendrecv would send from and receive into one buffer in one group, which NCCL does not "
           "order (nccl-tests does not support it either); drop --in-place for sendrecv";
  if (op.shape != Shape::None) {
    if (t == Dtype::Bfloat16 && !api_.hasBf16())
      return "bfloat16 needs NCCL 2.10.3 or later (this is " + label() + "); use float16 or float32, or a newer NCCL";
    if (isFp8(t) && !api_.hasFp8())
      return std::string(dtypeInfo(t).name) + " needs NCCL 2.24.3 or RCCL 2.20.5 or later (this is " + label() +
             "); use float16 or bfloat16, or a newer library";
    if (isFp8(t) && !fp8Hardware_)
      return std::string(dtypeInfo(t).name) +
             " needs GPUs with fp8 support on every rank (NVIDIA compute capability 9.0+, AMD gfx942+); "
             "use float16 or bfloat16";
  }
  if (op.reduces && r == RedOp::Avg && !api_.hasAvg())
    return "the avg reduction needs NCCL 2.10.3 or later (this is " + label() +
           "); use --reduce-op sum, or a newer NCCL";
  return "";
}

// NCCL's in-place reduce-scatter reads the whole input from the start of the buffer and writes
// this rank's block where it lies in it: recvbuff == sendbuff + rank·recvcount. Everything else
// matches the default (allgather: sendbuff == recvbuff + rank·count; gather / scatter at the
// root: the root's block at root·count, which is ncclGather's and ncclScatter's definition).
InPlaceLayout NcclComm::inPlaceLayout(const OpInfo& op, int root, size_t count) const {
  if (op.id == Op::ReduceScatter) return {0, size_t(rank_) * count};
  return Comm::inPlaceLayout(op, root, count);
}

void NcclComm::run(const OpInfo& op, const OpArgs& a) { issue(op, a, dev_.stream()); }

// --concurrent and mixes: the op goes on this communicator's own stream, so copies on other
// communicators do not queue behind it; test() and finish() watch that stream.
std::string NcclComm::cannotStart(const OpInfo& op) const {
  if (op.pairwise || op.id == Op::SendRecv)
    return std::string(op.name) + " is point-to-point; non-blocking starts are for collectives";
  return "";
}

void NcclComm::start(const OpInfo& op, const OpArgs& a) {
  if (!own_) own_ = dev_.newStream();
  issue(op, a, own_ ? own_ : dev_.stream());
}

bool NcclComm::test() {
  ensureLive();
  checkAsyncError();
  return own_ ? dev_.streamIdle(own_) : dev_.idle();
}

void NcclComm::finish() {
  using Clock = std::chrono::steady_clock;
  const auto t0 = Clock::now();
  while (!test()) {
    if (abortRequested()) {
      abort();
      throw Error(ErrorKind::Internal, "aborted while waiting for " + label() + " to finish: the job is ending");
    }
    if (Clock::now() - t0 > std::chrono::seconds(1)) std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
}

void NcclComm::issue(const OpInfo& op, const OpArgs& a, void* s) {
  ensureLive();
  const int t = int(a.dtype), r = int(a.redop);  // ids equal NCCL's enums (dtype.h)
  switch (op.id) {
    case Op::AllReduce: ok(api_.allReduce(a.send, a.recv, a.count, t, r, comm_, s), "ncclAllReduce"); break;
    // Out of place the root sends from its send buffer; the other ranks' send pointer is unused.
    case Op::Broadcast: ok(api_.broadcast(a.send, a.recv, a.count, t, a.root, comm_, s), "ncclBroadcast"); break;
    case Op::Reduce: ok(api_.reduce(a.send, a.recv, a.count, t, r, a.root, comm_, s), "ncclReduce"); break;
    case Op::AllGather: ok(api_.allGather(a.send, a.recv, a.count, t, comm_, s), "ncclAllGather"); break;
    case Op::ReduceScatter: ok(api_.reduceScatter(a.send, a.recv, a.count, t, r, comm_, s), "ncclReduceScatter"); break;
    case Op::ReduceScatterV:  // refused by unsupported() before it gets here
      throw Error(ErrorKind::Usage, unsupported(op, a.dtype, a.redop, a.inPlace, a.count));
    case Op::AllToAll: allToAll(a, s); break;
    case Op::AllToAllV: allToAllV(a, s); break;
    case Op::Gather: gather(a, s); break;
    case Op::Scatter: scatter(a, s); break;
    case Op::SendRecv: sendRecv(a, s); break;
    case Op::Latency: pingPong(a, s); break;
    case Op::Bw: window(a, s); break;
    case Op::Bibw: biWindow(a, s); break;
    case Op::Barrier: {
      void* b = slot(kSlotBarrier);
      ok(api_.allReduce(b, b, 1, kNcclFloat32, kNcclSum, comm_, s), "ncclAllReduce");
      break;
    }
  }
}

// ncclAlltoAll (or RCCL's ncclAllToAll) when the library has it, else what nccl-tests does on
// older NCCL: one group with a send and a receive of block p for every peer p, itself included.
void NcclComm::allToAll(const OpArgs& a, void* s) {
  const int t = int(a.dtype);
  if (api_.allToAll) {
    ok(api_.allToAll(a.send, a.recv, a.count, t, comm_, s), "ncclAlltoAll");
    return;
  }
  const size_t ts = dtypeInfo(a.dtype).size;
  Group g(*this);
  for (int p = 0; p < size_; ++p) {
    ok(api_.send(at(a.send, size_t(p) * a.count, ts), a.count, t, p, comm_, s), "ncclSend");
    ok(api_.recv(at(a.recv, size_t(p) * a.count, ts), a.count, t, p, comm_, s), "ncclRecv");
  }
  g.end();
}

// alltoallv's blocks, back to back in peer order on both sides: built here, never in run().
void NcclComm::prepare(const OpInfo& op, const OpArgs& a) {
  if (op.id != Op::AllToAllV) return;
  const size_t n = size_t(size_), me = size_t(rank_);
  sendCount_.assign(n, 0), sendAt_.assign(n, 0), recvCount_.assign(n, 0), recvAt_.assign(n, 0);
  size_t out = 0, in = 0;
  for (size_t p = 0; p < n; ++p) {
    sendCount_[p] = a.matrix[me * n + p], sendAt_[p] = out, out += sendCount_[p];
    recvCount_[p] = a.matrix[p * n + me], recvAt_[p] = in, in += recvCount_[p];
  }
}

// As nccl-tests' alltoallv_perf: one group with a send and a receive per peer (itself included),
// an empty block issuing no call.
void NcclComm::allToAllV(const OpArgs& a, void* s) {
  const int t = int(a.dtype);
  const size_t ts = dtypeInfo(a.dtype).size;
  Group g(*this);
  for (int p = 0; p < size_; ++p) {
    const size_t q = size_t(p);
    if (sendCount_[q] > 0) ok(api_.send(at(a.send, sendAt_[q], ts), sendCount_[q], t, p, comm_, s), "ncclSend");
    if (recvCount_[q] > 0) ok(api_.recv(at(a.recv, recvAt_[q], ts), recvCount_[q], t, p, comm_, s), "ncclRecv");
  }
  g.end();
}

// ccbench replay's send / recv batch: one group, as NCCL's batch_isend_irecv would issue it.
void NcclComm::exchange(const std::vector<P2p>& ops, void* send, size_t, void* recv, size_t) {
  if (!(api_.send && api_.recv))
    throw Error(ErrorKind::Usage,
                "replaying send / recv needs ncclSend/ncclRecv (NCCL 2.7.3 or later), which " + label() + " lacks");
  void* s = dev_.stream();
  Group g(*this);
  for (const P2p& o : ops)
    if (o.send)
      ok(api_.send(at(send, o.offset, 1), o.bytes, kNcclUint8, o.peer, comm_, s), "ncclSend");
    else
      ok(api_.recv(at(recv, o.offset, 1), o.bytes, kNcclUint8, o.peer, comm_, s), "ncclRecv");
  g.end();
}

// Fallback: every rank sends its block to the root, which receives block p from rank p. In place
// the root's own block already sits at root·count, so the root skips its self-transfer.
void NcclComm::gather(const OpArgs& a, void* s) {
  const int t = int(a.dtype);
  if (api_.gather) {
    ok(api_.gather(a.send, a.recv, a.count, t, a.root, comm_, s), "ncclGather");
    return;
  }
  const size_t ts = dtypeInfo(a.dtype).size;
  const bool root = rank_ == a.root;
  Group g(*this);
  if (!(root && a.inPlace)) ok(api_.send(a.send, a.count, t, a.root, comm_, s), "ncclSend");
  if (root)
    for (int p = 0; p < size_; ++p)
      if (!(a.inPlace && p == rank_))
        ok(api_.recv(at(a.recv, size_t(p) * a.count, ts), a.count, t, p, comm_, s), "ncclRecv");
  g.end();
}

// Fallback: the root sends block p to rank p; every rank receives its block. In place the root's
// own block is already where its output goes (root·count), so the root skips its self-transfer.
void NcclComm::scatter(const OpArgs& a, void* s) {
  const int t = int(a.dtype);
  if (api_.scatter) {
    ok(api_.scatter(a.send, a.recv, a.count, t, a.root, comm_, s), "ncclScatter");
    return;
  }
  const size_t ts = dtypeInfo(a.dtype).size;
  const bool root = rank_ == a.root;
  Group g(*this);
  if (root)
    for (int p = 0; p < size_; ++p)
      if (!(a.inPlace && p == rank_))
        ok(api_.send(at(a.send, size_t(p) * a.count, ts), a.count, t, p, comm_, s), "ncclSend");
  if (!(root && a.inPlace)) ok(api_.recv(a.recv, a.count, t, a.root, comm_, s), "ncclRecv");
  g.end();
}

// nccl-tests' sendrecv: a ring, sending to r+1 and receiving from r−1 in one group (both must
// progress together, or every rank would wait in its send).
void NcclComm::sendRecv(const OpArgs& a, void* s) {
  const int t = int(a.dtype);
  const int next = (rank_ + 1) % size_, prev = (rank_ - 1 + size_) % size_;
  Group g(*this);
  ok(api_.send(a.send, a.count, t, next, comm_, s), "ncclSend");
  ok(api_.recv(a.recv, a.count, t, prev, comm_, s), "ncclRecv");
  g.end();
}

// osu_xccl_latency: not grouped; stream order alone makes the round trip (the initiator's receive
// starts after its send has finished, and its partner mirrors).
void NcclComm::pingPong(const OpArgs& a, void* s) {
  const int t = int(a.dtype);
  const int peer = pairPeer(rank_, size_);
  if (pairInitiator(rank_, size_)) {
    ok(api_.send(a.send, a.count, t, peer, comm_, s), "ncclSend");
    ok(api_.recv(a.recv, a.count, t, peer, comm_, s), "ncclRecv");
  } else {
    ok(api_.recv(a.recv, a.count, t, peer, comm_, s), "ncclRecv");
    ok(api_.send(a.send, a.count, t, peer, comm_, s), "ncclSend");
  }
}

// osu_xccl_bw: the window is deliberately not grouped. OSU's NCCL benchmark issues its window as
// separate ncclSend calls on one stream, so each message is its own launch that starts when the
// previous one ends; grouping would fuse the window into one launch and report a different (higher,
// for small messages) figure that could not be compared with OSU's. As with MPI, every message of
// the window lands in the same receive buffer. The 1-byte acknowledgement, queued behind the
// window on both streams, makes the initiator's iteration end only when the partner has it all.
void NcclComm::window(const OpArgs& a, void* s) {
  const int t = int(a.dtype);
  const int peer = pairPeer(rank_, size_);
  void* ack = slot(kSlotAck);
  if (pairInitiator(rank_, size_)) {
    for (int w = 0; w < a.window; ++w) ok(api_.send(a.send, a.count, t, peer, comm_, s), "ncclSend");
    ok(api_.recv(ack, 1, kNcclUint8, peer, comm_, s), "ncclRecv");
  } else {
    for (int w = 0; w < a.window; ++w) ok(api_.recv(a.recv, a.count, t, peer, comm_, s), "ncclRecv");
    ok(api_.send(ack, 1, kNcclUint8, peer, comm_, s), "ncclSend");
  }
}

// osu_xccl_bibw: both directions of the whole window in one group per iteration. A group is
// required here: ungrouped, both partners would start with a send and wait for each other.
void NcclComm::biWindow(const OpArgs& a, void* s) {
  const int t = int(a.dtype);
  const int peer = pairPeer(rank_, size_);
  Group g(*this);
  for (int w = 0; w < a.window; ++w) {
    ok(api_.send(a.send, a.count, t, peer, comm_, s), "ncclSend");
    ok(api_.recv(a.recv, a.count, t, peer, comm_, s), "ncclRecv");
  }
  g.end();
}

}  // namespace ccb::nccl
