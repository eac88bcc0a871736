// The NCCL / RCCL backend: communicator life cycle, control work outside timed spans, and the
// abortable wait. What each op issues lives in nccl_ops.cc.
#include "nccl.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <thread>

#include "../common/error.h"
#include "../device/device.h"
#include "nccl_impl.h"

namespace ccb::nccl {

NcclComm::NcclComm(const gpu::NcclApi& api, Device& dev, void* comm, bool fp8Hardware)
    : api_(api), dev_(dev), comm_(comm), fp8Hardware_(fp8Hardware) {
  try {
    ok(api_.commUserRank(comm_, &rank_), "ncclCommUserRank");
    ok(api_.commCount(comm_, &size_), "ncclCommCount");
    scratch_ = dev_.alloc(kScratchBytes);
    const unsigned char zeros[kScratchBytes] = {};  // barrier sums stay 0, never NaN or overflow
    dev_.fromHost(scratch_, zeros, kScratchBytes);
  } catch (...) {
    // No destructor runs for a half-built object: give the communicator back without the peers.
    if (api_.commAbort) api_.commAbort(comm_);
    if (scratch_) dev_.release(scratch_);
    throw;
  }
}

NcclComm::~NcclComm() {
  // ncclCommDestroy waits for the other ranks, so it belongs to a clean end only. When the job is
  // ending (a peer may be gone) abort locally instead; after an abort, work may still sit on the
  // device and freeing memory would wait for it, so the scratch buffer is left to process exit.
  if (!aborted_ && abortRequested()) abort();
  if (aborted_) return;
  api_.commDestroy(comm_);
  try {
    dev_.releaseStream(own_);
  } catch (...) {  // as below
  }
  try {
    dev_.release(scratch_);
  } catch (...) {  // a destructor must not throw; the memory goes with the process
  }
}

void NcclComm::ok(int rc, const char* call) const {
  if (rc != gpu::kNcclSuccess)
    throw Error(ErrorKind::Internal, std::string(call) + " failed: " + api_.error(rc, comm_));
}

std::string NcclComm::label() const {
  const gpu::NcclVersion& v = api_.version;
  return std::string(api_.rccl ? "RCCL " : "NCCL ") + std::to_string(v.major) + "." + std::to_string(v.minor) + "." +
         std::to_string(v.patch);
}

void NcclComm::ensureLive() const {
  if (aborted_)
    throw Error(ErrorKind::Internal, "the " + label() + " communicator was aborted; it cannot run anything more");
}

void NcclComm::barrier() {
  ensureLive();
  void* s = slot(kSlotBarrier);
  ok(api_.allReduce(s, s, 1, kNcclFloat32, kNcclSum, comm_, dev_.stream()), "ncclAllReduce");
  complete(dev_);
}

double NcclComm::maxAcross(double v) {
  ensureLive();
  void* s = slot(kSlotMax);
  dev_.fromHost(s, &v, sizeof v);
  ok(api_.allReduce(s, s, 1, kNcclFloat64, kNcclMax, comm_, dev_.stream()), "ncclAllReduce");
  complete(dev_);
  double out = v;
  dev_.toHost(&out, s, sizeof out);
  return out;
}

void NcclComm::complete(Device& dev) {
  ensureLive();
  if (dev.idle()) return;
  // Busy-poll like nccl-tests (a blocking stream sync could never be interrupted). After a second
  // the poll backs off to 100 µs sleeps: a hang then costs no core, and a wait that long is only
  // lengthened by 0.01 %.
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  bool backOff = false;
  for (;;) {
    if (abortRequested()) {
      abort();
      throw Error(ErrorKind::Internal, "aborted while waiting for " + label() + " to finish: the job is ending");
    }
    checkAsyncError();
    if (dev.idle()) return;
    if (backOff) {
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    } else if (Clock::now() - start > std::chrono::seconds(1)) {
      backOff = true;
    }
  }
}

void NcclComm::abort() {
  if (aborted_) return;
  aborted_ = true;
  // Without ncclCommAbort (NCCL < 2.4.2) nothing can stop the kernels: the communicator is only
  // marked dead, so that nothing is issued on it and the destructor leaves it alone.
  if (api_.commAbort) api_.commAbort(comm_);
}

void NcclComm::checkAsyncError() {
  if (!api_.commGetAsyncError) return;
  int state = gpu::kNcclSuccess;
  ok(api_.commGetAsyncError(comm_, &state), "ncclCommGetAsyncError");
  if (state != gpu::kNcclSuccess && state != gpu::kNcclInProgress) {
    const std::string why = api_.error(state, comm_);  // read before the abort clears anything
    abort();  // NCCL's rule after an asynchronous error: the communicator is unusable
    throw Error(ErrorKind::Internal, label() + " reported an asynchronous error: " + why);
  }
}

std::unique_ptr<Comm> NcclComm::split(int k, const std::vector<char>& bootstrap) {
  ensureLive();
  if (k < 1 || k > size_)
    throw Error(ErrorKind::Internal, "cannot split " + std::to_string(k) + " ranks out of " + std::to_string(size_));
  void* sub = nullptr;
  if (api_.commSplit) {  // collective over this communicator: every rank calls, non-members too
    ok(api_.commSplit(comm_, rank_ < k ? 0 : kNcclSplitNoColor, rank_, &sub, nullptr), "ncclCommSplit");
    if (!sub) return nullptr;
  } else if (bootstrap.size() == sizeof(gpu::NcclUniqueId)) {
    if (rank_ >= k) return nullptr;  // only the members meet in the new communicator
    gpu::NcclUniqueId id;
    std::memcpy(id.internal, bootstrap.data(), sizeof id.internal);
    ok(api_.commInitRank(&sub, k, id, rank_), "ncclCommInitRank");
  } else {
    throw Error(ErrorKind::Internal,
                "splitting a " + label() + " communicator needs ncclCommSplit (NCCL 2.18.1+, RCCL 2.18.3+) or a " +
                    std::to_string(sizeof(gpu::NcclUniqueId)) + "-byte unique id from the control plane; got " +
                    std::to_string(bootstrap.size()) + " bytes");
  }
  return std::make_unique<NcclComm>(api_, dev_, sub, fp8Hardware_);
}

// --groups and ccbench replay: members' ranks in the group's order (key = the position); the
// ranks outside the group call too, with NCCL's no-colour, and get nullptr.
std::unique_ptr<Comm> NcclComm::subgroup(int color, const std::vector<int>& members) {
  ensureLive();
  if (!api_.commSplit)
    throw Error(ErrorKind::Usage, "sub-groups of a " + label() +
                                      " communicator need ncclCommSplit (NCCL 2.18.1+, RCCL 2.18.3+); use a newer "
                                      "library or --backend mpi");
  const auto me = std::find(members.begin(), members.end(), rank_);
  const bool in = color >= 0 && me != members.end();
  void* sub = nullptr;
  ok(api_.commSplit(comm_, in ? color : kNcclSplitNoColor, in ? int(me - members.begin()) : 0, &sub, nullptr),
     "ncclCommSplit");
  if (!sub) return nullptr;
  return std::make_unique<NcclComm>(api_, dev_, sub, fp8Hardware_);
}

namespace {

class NcclBackend final : public Backend {
 public:
  NcclBackend(const gpu::NcclApi& api, std::unique_ptr<NcclComm> world) : api_(api), world_(std::move(world)) {}
  const char* name() const override { return api_.rccl ? "rccl" : "nccl"; }
  std::string library() const override { return api_.describe(); }
  Comm& world() override { return *world_; }

 private:
  const gpu::NcclApi& api_;
  std::unique_ptr<NcclComm> world_;
};

}  // namespace

std::unique_ptr<Backend> open(const gpu::NcclApi& api, Device& dev, int rank, int size, const gpu::NcclUniqueId& id,
                              bool fp8Hardware) {
  if (size < 1 || rank < 0 || rank >= size)
    throw Error(ErrorKind::Internal, "bad rank " + std::to_string(rank) + " of " + std::to_string(size));
  void* comm = nullptr;
  const int rc = api.commInitRank(&comm, size, id, rank);
  if (rc != gpu::kNcclSuccess) throw Error(ErrorKind::Internal, "ncclCommInitRank failed: " + api.error(rc, nullptr));
  auto world = std::make_unique<NcclComm>(api, dev, comm, fp8Hardware);
  if (world->rank() != rank || world->size() != size) {
    world->abort();  // the ranks disagree: a collective teardown could wait forever
    throw Error(ErrorKind::Internal, "ncclCommInitRank made rank " + std::to_string(world->rank()) + " of " +
                                         std::to_string(world->size()) + ", not " + std::to_string(rank) + " of " +
                                         std::to_string(size));
  }
  return std::make_unique<NcclBackend>(api, std::move(world));
}

}  // namespace ccb::nccl
