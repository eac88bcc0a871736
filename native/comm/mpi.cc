// The MPI communication backend (host buffers now; device buffers with a GPU-aware MPI later).
#include <mpi.h>

#include <algorithm>
#include <climits>
#include <cstdint>

#include "../common/error.h"
#include "../mpi/check_mpi.h"
#include "../mpi/mpi.h"
#include "comm.h"

namespace ccb::mpi {
namespace {

constexpr int kTagData = 7001;
constexpr int kTagAck = 7002;
constexpr int kTagP2p = 7003;  // ccbench replay's send / recv entries

// A function of r, not a switch on reduce16's template argument: GCC does not check a switch over
// a constant for missing cases. Inlined into reduce16, the switch folds away.
inline float combine(RedOp r, float x, float y) {
  switch (r) {
    case RedOp::Sum: return x + y;
    case RedOp::Prod: return x * y;
    case RedOp::Max: return x > y ? x : y;
    case RedOp::Min: return x < y ? x : y;
    case RedOp::Avg: break;  // refused by unsupported(): no such MPI op is created
  }
  return 0;
}

// MPI has no 16-bit float types: fp16 / bf16 travel as MPI_UINT16_T and reduce through
// user-defined ops that widen to float, combine, and round back (nearest even).
template <float (*Load)(uint16_t), uint16_t (*Store)(float), RedOp R>
void reduce16(void* in, void* inout, int* len, MPI_Datatype*) {
  const auto* a = static_cast<const uint16_t*>(in);
  auto* b = static_cast<uint16_t*>(inout);
  for (int i = 0; i < *len; ++i) b[i] = Store(combine(R, Load(a[i]), Load(b[i])));
}

struct HalfOps {
  MPI_Op half[4], bf16[4];
  HalfOps() {
    MPI_Op_create(&reduce16<halfToFloat, floatToHalf, RedOp::Sum>, 1, &half[0]);
    MPI_Op_create(&reduce16<halfToFloat, floatToHalf, RedOp::Prod>, 1, &half[1]);
    MPI_Op_create(&reduce16<halfToFloat, floatToHalf, RedOp::Max>, 1, &half[2]);
    MPI_Op_create(&reduce16<halfToFloat, floatToHalf, RedOp::Min>, 1, &half[3]);
    MPI_Op_create(&reduce16<bf16ToFloat, floatToBf16, RedOp::Sum>, 1, &bf16[0]);
    MPI_Op_create(&reduce16<bf16ToFloat, floatToBf16, RedOp::Prod>, 1, &bf16[1]);
    MPI_Op_create(&reduce16<bf16ToFloat, floatToBf16, RedOp::Max>, 1, &bf16[2]);
    MPI_Op_create(&reduce16<bf16ToFloat, floatToBf16, RedOp::Min>, 1, &bf16[3]);
  }
};

MPI_Datatype mpiType(Dtype t) {
  switch (t) {
    case Dtype::Int8: return MPI_INT8_T;
    case Dtype::Uint8: return MPI_UINT8_T;
    case Dtype::Int32: return MPI_INT32_T;
    case Dtype::Uint32: return MPI_UINT32_T;
    case Dtype::Int64: return MPI_INT64_T;
    case Dtype::Uint64: return MPI_UINT64_T;
    case Dtype::Float16:
    case Dtype::Bfloat16: return MPI_UINT16_T;
    case Dtype::Float32: return MPI_FLOAT;
    case Dtype::Float64: return MPI_DOUBLE;
    case Dtype::Float8e4m3:
    case Dtype::Float8e5m2: return MPI_DATATYPE_NULL;  // no MPI type; refused
  }
  return MPI_DATATYPE_NULL;
}

class MpiComm final : public Comm {
 public:
  MpiComm(MPI_Comm c, const HalfOps& h, bool deviceMemory) : comm_(c), half_(h), device_(deviceMemory) {
    MPI_Comm_rank(c, &rank_);
    MPI_Comm_size(c, &size_);
    MPI_Comm_set_errhandler(c, MPI_ERRORS_RETURN);
  }
  ~MpiComm() override {
    if (comm_ != MPI_COMM_WORLD && initialized()) MPI_Comm_free(&comm_);
  }
  int rank() const override { return rank_; }
  int size() const override { return size_; }

  std::string unsupported(const OpInfo& op, Dtype t, RedOp r, bool inPlace, size_t count) const override {
    if (op.shape != Shape::None && mpiType(t) == MPI_DATATYPE_NULL)
      return std::string("the mpi backend has no ") + dtypeInfo(t).name + " type; use --backend nccl";
    if (op.reduces && r == RedOp::Avg)
      return "MPI has no average reduction (--reduce-op avg); use sum, or a GPU backend (nccl, rccl)";
    if (op.reduces && device_ && (t == Dtype::Float16 || t == Dtype::Bfloat16))
      return std::string("MPI reduces ") + dtypeInfo(t).name +
             " with a host-side operator, which cannot read GPU buffers; use --mem host or --backend nccl/rccl";
    if (inPlace && !op.hasInPlace) return std::string(op.name) + " has no in-place form; drop --in-place";
    if (op.evenRanks && size_ % 2) return std::string(op.name) + " needs an even number of ranks";
    if (count > size_t(INT_MAX))
      return "MPI counts are limited to 2^31-1 elements per call; use a wider --dtype or a smaller size";
    return "";
  }

  void run(const OpInfo& op, const OpArgs& a) override {
    const MPI_Datatype dt = mpiType(a.dtype);
    const int c = int(a.count);
    const bool root = rank_ == a.root;
    const void* s = a.inPlace ? MPI_IN_PLACE : a.send;
    switch (op.id) {
      case Op::AllReduce: check(MPI_Allreduce(s, a.recv, c, dt, mpiOp(a), comm_), "MPI_Allreduce"); break;
      case Op::Reduce:
        check(MPI_Reduce(a.inPlace && !root ? a.send : s, a.recv, c, dt, mpiOp(a), a.root, comm_), "MPI_Reduce");
        break;
      case Op::Broadcast:  // out of place: the root sends from its send buffer
        check(MPI_Bcast(root && !a.inPlace ? const_cast<void*>(a.send) : a.recv, c, dt, a.root, comm_), "MPI_Bcast");
        break;
      case Op::AllGather: check(MPI_Allgather(s, c, dt, a.recv, c, dt, comm_), "MPI_Allgather"); break;
      case Op::ReduceScatter:
        check(MPI_Reduce_scatter_block(s, a.recv, c, dt, mpiOp(a), comm_), "MPI_Reduce_scatter_block");
        break;
      case Op::ReduceScatterV:
        check(MPI_Reduce_scatter(s, a.recv, counts_.data(), dt, mpiOp(a), comm_), "MPI_Reduce_scatter");
        break;
      case Op::AllToAll: check(MPI_Alltoall(s, c, dt, a.recv, c, dt, comm_), "MPI_Alltoall"); break;
      case Op::AllToAllV:
        check(MPI_Alltoallv(a.send, sendCounts_.data(), sendDispls_.data(), dt, a.recv, recvCounts_.data(),
                            recvDispls_.data(), dt, comm_),
              "MPI_Alltoallv");
        break;
      case Op::Gather:
        check(MPI_Gather(a.inPlace && !root ? a.send : s, c, dt, a.recv, c, dt, a.root, comm_), "MPI_Gather");
        break;
      case Op::Scatter:
        check(MPI_Scatter(a.send, c, dt, a.inPlace && root ? MPI_IN_PLACE : a.recv, c, dt, a.root, comm_),
              "MPI_Scatter");
        break;
      case Op::SendRecv: {
        const int next = (rank_ + 1) % size_, prev = (rank_ - 1 + size_) % size_;
        if (a.inPlace)
          check(MPI_Sendrecv_replace(a.recv, c, dt, next, kTagData, prev, kTagData, comm_, MPI_STATUS_IGNORE),
                "MPI_Sendrecv_replace");
        else
          check(MPI_Sendrecv(a.send, c, dt, next, kTagData, a.recv, c, dt, prev, kTagData, comm_, MPI_STATUS_IGNORE),
                "MPI_Sendrecv");
        break;
      }
      case Op::Latency: pingPong(a, dt, c); break;
      case Op::Bw: window(a, dt, c, false); break;
      case Op::Bibw: window(a, dt, c, true); break;
      case Op::Barrier: check(MPI_Barrier(comm_), "MPI_Barrier"); break;
    }
  }

  std::string cannotStart(const OpInfo& op) const override {
    if (op.pairwise || op.id == Op::SendRecv)
      return std::string(op.name) + " is point-to-point; --overlap times MPI's non-blocking collectives (OSU's osu_i*)";
    return "";
  }

  // The non-blocking twin of run()'s collectives: the same buffers, MPI_I* and a request.
  void start(const OpInfo& op, const OpArgs& a) override {
    const MPI_Datatype dt = mpiType(a.dtype);
    const int c = int(a.count);
    const bool root = rank_ == a.root;
    const void* s = a.inPlace ? MPI_IN_PLACE : a.send;
    MPI_Request* r = &pending_;
    switch (op.id) {
      case Op::AllReduce: check(MPI_Iallreduce(s, a.recv, c, dt, mpiOp(a), comm_, r), "MPI_Iallreduce"); break;
      case Op::Reduce:
        check(MPI_Ireduce(a.inPlace && !root ? a.send : s, a.recv, c, dt, mpiOp(a), a.root, comm_, r), "MPI_Ireduce");
        break;
      case Op::Broadcast:
        check(MPI_Ibcast(root && !a.inPlace ? const_cast<void*>(a.send) : a.recv, c, dt, a.root, comm_, r),
              "MPI_Ibcast");
        break;
      case Op::AllGather: check(MPI_Iallgather(s, c, dt, a.recv, c, dt, comm_, r), "MPI_Iallgather"); break;
      case Op::ReduceScatter:
        check(MPI_Ireduce_scatter_block(s, a.recv, c, dt, mpiOp(a), comm_, r), "MPI_Ireduce_scatter_block");
        break;
      case Op::ReduceScatterV:
        check(MPI_Ireduce_scatter(s, a.recv, counts_.data(), dt, mpiOp(a), comm_, r), "MPI_Ireduce_scatter");
        break;
      case Op::AllToAll: check(MPI_Ialltoall(s, c, dt, a.recv, c, dt, comm_, r), "MPI_Ialltoall"); break;
      case Op::AllToAllV:
        check(MPI_Ialltoallv(a.send, sendCounts_.data(), sendDispls_.data(), dt, a.recv, recvCounts_.data(),
                             recvDispls_.data(), dt, comm_, r),
              "MPI_Ialltoallv");
        break;
      case Op::Gather:
        check(MPI_Igather(a.inPlace && !root ? a.send : s, c, dt, a.recv, c, dt, a.root, comm_, r), "MPI_Igather");
        break;
      case Op::Scatter:
        check(MPI_Iscatter(a.send, c, dt, a.inPlace && root ? MPI_IN_PLACE : a.recv, c, dt, a.root, comm_, r),
              "MPI_Iscatter");
        break;
      case Op::Barrier: check(MPI_Ibarrier(comm_, r), "MPI_Ibarrier"); break;
      case Op::SendRecv:
      case Op::Latency:
      case Op::Bw:
      case Op::Bibw: throw Error(ErrorKind::Usage, cannotStart(op));
    }
  }

  void finish() override { check(MPI_Wait(&pending_, MPI_STATUS_IGNORE), "MPI_Wait"); }

  bool test() override {
    int done = 0;
    check(MPI_Test(&pending_, &done, MPI_STATUS_IGNORE), "MPI_Test");
    return done != 0;
  }

  void prepare(const OpInfo& op, const OpArgs& a) override {
    if (reqs_.size() < size_t(2 * a.window)) reqs_.resize(size_t(2 * a.window));
    counts_.assign(size_t(size_), int(a.count));  // MPI_Reduce_scatter's per-rank counts, all equal
    if (op.id == Op::AllToAllV) alltoallvCounts(a.matrix);
  }

  void barrier() override { check(MPI_Barrier(comm_), "MPI_Barrier"); }

  double maxAcross(double v) override {
    double out = v;
    check(MPI_Allreduce(&v, &out, 1, MPI_DOUBLE, MPI_MAX, comm_), "MPI_Allreduce");
    return out;
  }

  std::unique_ptr<Comm> subgroup(int color, const std::vector<int>& members) override {
    const auto me = std::find(members.begin(), members.end(), rank_);
    const bool in = color >= 0 && me != members.end();
    MPI_Comm sub = MPI_COMM_NULL;
    // key: the position among the members, so group ranks follow the group's own order
    check(MPI_Comm_split(comm_, in ? color : MPI_UNDEFINED, in ? int(me - members.begin()) : 0, &sub),
          "MPI_Comm_split");
    if (sub == MPI_COMM_NULL) return nullptr;
    return std::make_unique<MpiComm>(sub, half_, device_);
  }

  void exchange(const std::vector<P2p>& ops, void* send, size_t, void* recv, size_t) override {
    if (reqs_.size() < ops.size()) reqs_.resize(ops.size());  // grows once, to the largest batch
    int n = 0;
    for (const P2p& o : ops) {
      if (o.bytes > size_t(INT_MAX))
        throw Error(ErrorKind::Usage, "a point-to-point entry over 2 GiB does not fit MPI's int count");
      unsigned char* base = static_cast<unsigned char*>(o.send ? send : recv) + o.offset;
      if (o.send)
        check(MPI_Isend(base, int(o.bytes), MPI_BYTE, o.peer, kTagP2p, comm_, &reqs_[size_t(n++)]), "MPI_Isend");
      else
        check(MPI_Irecv(base, int(o.bytes), MPI_BYTE, o.peer, kTagP2p, comm_, &reqs_[size_t(n++)]), "MPI_Irecv");
    }
    check(MPI_Waitall(n, reqs_.data(), MPI_STATUSES_IGNORE), "MPI_Waitall");
  }

  std::unique_ptr<Comm> split(int k, const std::vector<char>&) override {
    MPI_Comm sub = MPI_COMM_NULL;
    check(MPI_Comm_split(comm_, rank_ < k ? 0 : MPI_UNDEFINED, rank_, &sub), "MPI_Comm_split");
    if (sub == MPI_COMM_NULL) return nullptr;
    return std::make_unique<MpiComm>(sub, half_, device_);
  }

 private:
  MPI_Request pending_ = MPI_REQUEST_NULL;  // the op start() issued

  MPI_Op mpiOp(const OpArgs& a) const {
    const int i = static_cast<int>(a.redop);
    if (a.dtype == Dtype::Float16) return half_.half[i];
    if (a.dtype == Dtype::Bfloat16) return half_.bf16[i];
    static const MPI_Op ops[] = {MPI_SUM, MPI_PROD, MPI_MAX, MPI_MIN};
    return ops[i];
  }

  // MPI_Alltoallv's counts and displacements (in elements, ints): this rank's row and column of
  // the matrix, each rank's blocks back to back in rank order.
  void alltoallvCounts(const size_t* m) {
    const size_t n = size_t(size_), me = size_t(rank_);
    sendCounts_.assign(n, 0), sendDispls_.assign(n, 0), recvCounts_.assign(n, 0), recvDispls_.assign(n, 0);
    size_t sendAt = 0, recvAt = 0;
    for (size_t p = 0; p < n; ++p) {
      const size_t out = m[me * n + p], in = m[p * n + me];
      if (sendAt + out > size_t(INT_MAX) || recvAt + in > size_t(INT_MAX))
        throw Error(ErrorKind::Usage,
                    "MPI_Alltoallv counts and displaces in 32-bit ints, so what one rank sends or receives must stay "
                    "under 2^31 elements; use a wider --dtype or a smaller size");
      sendCounts_[p] = int(out), sendDispls_[p] = int(sendAt), recvCounts_[p] = int(in), recvDispls_[p] = int(recvAt);
      sendAt += out, recvAt += in;
    }
  }

  // osu_latency: the initiator sends then receives; its partner mirrors.
  void pingPong(const OpArgs& a, MPI_Datatype dt, int c) {
    const int peer = pairPeer(rank_, size_);
    if (pairInitiator(rank_, size_)) {
      check(MPI_Send(a.send, c, dt, peer, kTagData, comm_), "MPI_Send");
      check(MPI_Recv(a.recv, c, dt, peer, kTagData, comm_, MPI_STATUS_IGNORE), "MPI_Recv");
    } else {
      check(MPI_Recv(a.recv, c, dt, peer, kTagData, comm_, MPI_STATUS_IGNORE), "MPI_Recv");
      check(MPI_Send(a.send, c, dt, peer, kTagData, comm_), "MPI_Send");
    }
  }

  // osu_bw / osu_bibw: a window of non-blocking messages, then (uni-directional) a small ack.
  // As in OSU, the window's receives share one buffer: every message carries the same data.
  void window(const OpArgs& a, MPI_Datatype dt, int c, bool both) {
    const int peer = pairPeer(rank_, size_);
    const bool sender = pairInitiator(rank_, size_);
    int n = 0;
    if (both || !sender)
      for (int w = 0; w < a.window; ++w)
        check(MPI_Irecv(a.recv, c, dt, peer, kTagData, comm_, &reqs_[size_t(n++)]), "MPI_Irecv");
    if (both || sender)
      for (int w = 0; w < a.window; ++w)
        check(MPI_Isend(a.send, c, dt, peer, kTagData, comm_, &reqs_[size_t(n++)]), "MPI_Isend");
    check(MPI_Waitall(n, reqs_.data(), MPI_STATUSES_IGNORE), "MPI_Waitall");
    if (both) return;
    int ack = 0;
    if (sender)
      check(MPI_Recv(&ack, 1, MPI_INT, peer, kTagAck, comm_, MPI_STATUS_IGNORE), "MPI_Recv");
    else
      check(MPI_Send(&ack, 1, MPI_INT, peer, kTagAck, comm_), "MPI_Send");
  }

  MPI_Comm comm_;
  const HalfOps& half_;
  bool device_;
  int rank_ = 0, size_ = 1;
  std::vector<MPI_Request> reqs_;
  std::vector<int> counts_;
  std::vector<int> sendCounts_, sendDispls_, recvCounts_, recvDispls_;  // alltoallv
};

class MpiBackend final : public Backend {
 public:
  explicit MpiBackend(bool deviceMemory) : world_(MPI_COMM_WORLD, half_, deviceMemory) {}
  const char* name() const override { return "mpi"; }
  std::string library() const override { return libraryVersion(); }
  Comm& world() override { return world_; }

 private:
  HalfOps half_;
  MpiComm world_;
};

}  // namespace

std::unique_ptr<Backend> makeBackend(bool deviceMemory) {
  init();
  return std::make_unique<MpiBackend>(deviceMemory);
}

}  // namespace ccb::mpi
