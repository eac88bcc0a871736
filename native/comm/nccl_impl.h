// Internals of the NCCL / RCCL backend, shared by nccl.cc (life cycle, control work, waiting)
// and nccl_ops.cc (what each op issues, and what is refused).
#pragma once
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "../gpu/nccl_api.h"
#include "comm.h"

namespace ccb::nccl {

// ncclDataType_t / ncclRedOp_t values used for the backend's own traffic (gpu-abi.md §4).
constexpr int kNcclUint8 = 1;
constexpr int kNcclFloat32 = 7;
constexpr int kNcclFloat64 = 8;
constexpr int kNcclSum = 0;
constexpr int kNcclMax = 2;
constexpr int kNcclSplitNoColor = -1;  // NCCL_SPLIT_NOCOLOR: this rank joins no new communicator

// A small device buffer allocated with the communicator, so that barrier(), maxAcross() and the
// bw acknowledgement never allocate. Slots are 64 bytes apart.
constexpr size_t kScratchBytes = 256;
constexpr size_t kSlotMax = 0;       // one double for maxAcross()
constexpr size_t kSlotBarrier = 64;  // one float for barrier() and the barrier op
constexpr size_t kSlotAck = 128;     // one byte for the bw acknowledgement

class NcclComm final : public Comm {
 public:
  // Takes ownership of `comm` (aborted, if the library can, when construction fails).
  NcclComm(const gpu::NcclApi& api, Device& dev, void* comm, bool fp8Hardware);
  ~NcclComm() override;
  NcclComm(const NcclComm&) = delete;
  NcclComm& operator=(const NcclComm&) = delete;

  int rank() const override { return rank_; }
  int size() const override { return size_; }

  std::string unsupported(const OpInfo& op, Dtype t, RedOp r, bool inPlace, size_t count) const override;
  InPlaceLayout inPlaceLayout(const OpInfo& op, int root, size_t count) const override;
  void prepare(const OpInfo& op, const OpArgs& a) override;
  void run(const OpInfo& op, const OpArgs& a) override;
  std::string cannotStart(const OpInfo& op) const override;
  bool onDeviceStreams() const override { return true; }
  void start(const OpInfo& op, const OpArgs& a) override;
  void finish() override;
  bool test() override;
  void barrier() override;
  double maxAcross(double v) override;
  void complete(Device& dev) override;
  void abort() override;
  std::unique_ptr<Comm> split(int k, const std::vector<char>& bootstrap) override;
  std::unique_ptr<Comm> subgroup(int color, const std::vector<int>& members) override;
  void exchange(const std::vector<P2p>& ops, void* send, size_t sendBytes, void* recv, size_t recvBytes) override;

  // Throws ccb::Error(Internal) naming `call` unless rc is ncclSuccess.
  void ok(int rc, const char* call) const;
  const gpu::NcclApi& api() const { return api_; }

 private:
  // "NCCL 2.30.7" / "RCCL 2.21.5", for messages.
  std::string label() const;
  void ensureLive() const;
  void* slot(size_t offset) const { return static_cast<unsigned char*>(scratch_) + offset; }
  bool needsPointToPoint(const OpInfo& op) const;

  void issue(const OpInfo& op, const OpArgs& a, void* stream);  // run() on the main stream, start() on own_
  void checkAsyncError();  // throws (and aborts) on the communicator's asynchronous error
  void allToAll(const OpArgs& a, void* stream);
  void allToAllV(const OpArgs& a, void* stream);
  void gather(const OpArgs& a, void* stream);
  void scatter(const OpArgs& a, void* stream);
  void sendRecv(const OpArgs& a, void* stream);
  void pingPong(const OpArgs& a, void* stream);
  void window(const OpArgs& a, void* stream);
  void biWindow(const OpArgs& a, void* stream);

  const gpu::NcclApi& api_;
  Device& dev_;
  void* comm_;
  int rank_ = 0, size_ = 1;
  bool fp8Hardware_;
  bool aborted_ = false;
  void* scratch_ = nullptr;
  void* own_ = nullptr;  // start()'s stream, made on first use
  // alltoallv, per peer (elements): what this rank sends and receives and where, from prepare().
  std::vector<size_t> sendCount_, sendAt_, recvCount_, recvAt_;
};

// ncclGroupStart on construction; end() issues ncclGroupEnd and checks it. When an exception
// leaves the scope first, the destructor still closes the group (unchecked), so that NCCL's
// per-thread group depth does not stay raised for every later call.
class Group {
 public:
  explicit Group(const NcclComm& c) : c_(c) {
    c_.ok(c_.api().groupStart(), "ncclGroupStart");
    open_ = true;
  }
  ~Group() {
    if (open_) c_.api().groupEnd();
  }
  Group(const Group&) = delete;
  Group& operator=(const Group&) = delete;
  void end() {
    open_ = false;
    c_.ok(c_.api().groupEnd(), "ncclGroupEnd");
  }

 private:
  const NcclComm& c_;
  bool open_ = false;
};

}  // namespace ccb::nccl
