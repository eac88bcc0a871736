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
  // --overlap (OSU's non-blocking collectives): start() issues the op and returns, finish() waits
  // for it; "" from cannotStart() when this backend has a non-blocking form of the op, else why not.
  virtual std::string cannotStart(const OpInfo& op) const;
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
  // Disjoint sub-groups (--groups): every rank calls it with its group's color and members (ranks
  // of this comm, ascending, itself among them); collective over this comm.
  virtual std::unique_ptr<Comm> subgroup(int color, const std::vector<int>& members);
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
