// Test doubles for the NCCL backend's logic test: a simulated NCCL (NcclApi function pointers
// that record every call and move host memory between rank threads in one process) and a fake
// Device (host memory, a distinct stream tag per rank, idle() under test control).
//
// The simulation follows NCCL's documented semantics, not its implementation: collectives meet at
// a barrier, read every rank's input, and write outputs only after all have read (so in-place
// layouts work exactly when the pointers follow NCCL's in-place definitions); sends are buffered
// and never block; a receive waits for the matching send (deferred to ncclGroupEnd inside a group).
#pragma once
#include <atomic>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "../../device/device.h"
#include "../../gpu/nccl_api.h"

namespace ccbtest {

// Which library the fake pretends to be: version and optional symbols present.
struct FakeLibrary {
  bool rccl = false;
  int major = 2, minor = 30, patch = 7;
  bool p2p = true;         // ncclSend / ncclRecv
  bool allToAll = false;   // ncclAlltoAll (or RCCL's ncclAllToAll)
  bool gather = false;     // ncclGather
  bool scatter = false;    // ncclScatter
  bool split = false;      // ncclCommSplit
  bool abort = true;       // ncclCommAbort
  bool asyncError = true;  // ncclCommGetAsyncError
};

// The returned table points into the fake; keep it alive while communicators use it.
ccb::gpu::NcclApi fakeApi(const FakeLibrary& lib);
ccb::gpu::NcclUniqueId freshId();

struct FakeCall {
  int thread = -1;  // the world rank of the calling test thread (setThreadRank)
  int rank = -1;    // the caller's rank in the communicator named (-1: no communicator)
  std::string fn;   // "allReduce", "send", "groupStart", "commSplit", ...
  const void* send = nullptr;
  const void* recv = nullptr;
  size_t count = 0;
  int dtype = -1, op = -1;
  int peer = -1;  // p2p peer; root of rooted collectives; colour for commSplit; nranks for commInitRank
  int key = -1;   // commSplit key; rank for commInitRank
  void* stream = nullptr;
  int depth = 0;  // group depth when issued
};

void setThreadRank(int rank);
std::vector<FakeCall> takeCalls();  // and forget them
void setAsyncError(int code);       // what ncclCommGetAsyncError reports from now on

class FakeDevice final : public ccb::Device {
 public:
  std::atomic<bool> idleAnswer{true};
  std::atomic<long> polls{0};
  std::atomic<long> allocs{0}, releases{0};
  FakeDevice() = default;
  ~FakeDevice() override;

  const char* kind() const override { return "fake"; }
  std::string describe() const override { return "fake device (host memory)"; }
  void* alloc(size_t bytes) override;
  void release(void* p) override;
  bool hostAccessible() const override { return true; }
  void toHost(void* dst, const void* src, size_t bytes) override;
  void fromHost(void* dst, const void* src, size_t bytes) override;
  void* stream() override { return &streamTag_; }
  bool asynchronous() const override { return true; }
  void synchronize() override {}
  bool idle() override {
    ++polls;
    return idleAnswer.load();
  }
  void reserveMarks(size_t count) override {
    if (marks_.size() < count) marks_.resize(count);
  }
  void mark(size_t index) override { marks_[index] = std::chrono::steady_clock::now(); }
  double elapsedUs(size_t from, size_t to) override {
    return std::chrono::duration<double, std::micro>(marks_[to] - marks_[from]).count();
  }

 private:
  int streamTag_ = 0;
  std::mutex mu_;
  std::set<void*> live_;
  std::vector<std::chrono::steady_clock::time_point> marks_;
};

}  // namespace ccbtest
