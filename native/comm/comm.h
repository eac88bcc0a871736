// The communication backend interface. A Comm is one communicator (the world or a sub-group);
// run() issues exactly one timed iteration of an op, so the engine's loop is written once for all
// backends. Everything else here (barrier, maxAcross, split) is control work outside timed spans.
#pragma once
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "../common/dtype.h"
#include "../ops/op.h"

namespace ccb {

class Device;

struct OpArgs {
  const void* send = nullptr;
  void* recv = nullptr;
  size_t count = 0;  // the op's count argument (per-rank / per-peer for chunked ops)
  Dtype dtype = Dtype::Float32;
  RedOp redop = RedOp::Sum;
  int root = 0;
  bool inPlace = false;
  int window = 1;  // messages per iteration for bw / bibw
  // alltoallv: n × n element counts, row = sender (OpCall::matrix); backends derive their
  // per-peer counts and offsets from it in prepare().
  const size_t* matrix = nullptr;
};

// One half of a point-to-point transfer (ccbench replay's send / recv entries): bytes to or from
// `peer` (a rank of this comm), at `offset` in the send or receive buffer.
struct P2p {
  bool send = false;
  int peer = 0;
  size_t offset = 0;
  size_t bytes = 0;
};

class Comm {
 public:
  virtual ~Comm() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;

  // "" when the combination is supported, else one sentence saying why not.
  virtual std::string unsupported(const OpInfo& op, Dtype t, RedOp r, bool inPlace, size_t count) const = 0;
  // Where in-place input and output lie in the buffer: the op's own (MPI_IN_PLACE) layout unless
  // the library defines another.
  virtual InPlaceLayout inPlaceLayout(const OpInfo& op, int root, size_t count) const;

  // Called once per size before warm-up: anything run() needs is allocated here, never in run().
  virtual void prepare(const OpInfo& op, const OpArgs& a) {
    (void)op;
    (void)a;
  }
  virtual void run(const OpInfo& op, const OpArgs& a) = 0;
  // A replay prepares many different calls in turn: a backend whose prepare() is costly may keep
  // up to n of them and reuse one when the same call comes again (0: keep none but the current).
  virtual void retainPrepared(size_t n) { (void)n; }
  // --overlap (OSU's non-blocking collectives): start() issues the op and returns, finish() waits
  // for it; "" from cannotStart() when this backend has a non-blocking form of the op, else why not.
  virtual std::string cannotStart(const OpInfo& op) const;
  // Whether the ops run on device streams (NCCL, RCCL): --overlap's competing work is then the GPU's.
  virtual bool onDeviceStreams() const { return false; }
  virtual void start(const OpInfo& op, const OpArgs& a);
  virtual void finish();
  // Whether the started op is done, without waiting (it progresses the library); once true, the
  // op is finished. The default waits.
  virtual bool test() {
    finish();
    return true;
  }
  virtual void barrier() = 0;
  virtual double maxAcross(double v) = 0;
  // Waits until the work this rank issued is done. Library backends poll here, so that a hang
  // ends when abortRequested() and asynchronous errors surface; the default waits on the device.
  virtual void complete(Device& dev);
  // Tears the communicator down without the other ranks (a peer died or the job is ending).
  virtual void abort() {}
  // A communicator of ranks [0, k); nullptr on ranks outside it. Collective over this comm.
  // `bootstrap`: backend-specific bytes the control plane distributed for it (a fresh NCCL
  // unique id when the library cannot split); empty otherwise.
  virtual std::unique_ptr<Comm> split(int k, const std::vector<char>& bootstrap) = 0;
  // Sub-groups: every rank calls it with a group's color and members (ranks of this comm, in the
  // group's rank order); collective over this comm. --groups: disjoint groups, each rank in its
  // own; ccbench replay: one group at a time, nullptr on the ranks outside it (color < 0).
  virtual std::unique_ptr<Comm> subgroup(int color, const std::vector<int>& members);
  // The transfers of one batch at once (non-blocking, then all waited for: a trace's consecutive
  // send / recv entries, as batch_isend_irecv and NCCL groups issue them); buffers: the caller's.
  virtual void exchange(const std::vector<P2p>& ops, void* send, size_t sendBytes, void* recv, size_t recvBytes);
};

// Set by the JavaScript side (addon.requestAbort) when the job is ending; backends that can
// interrupt a wait check it while they poll.
bool abortRequested();
void requestAbort();

class Backend {
 public:
  virtual ~Backend() = default;
  virtual const char* name() const = 0;
  virtual std::string library() const = 0;  // implementation and version, for run metadata
  virtual Comm& world() = 0;
};

}  // namespace ccb
