// Host memory "device": page-aligned buffers, no stream, marks from the monotonic clock.
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "../common/error.h"
#include "device.h"

namespace ccb {
namespace {

using Clock = std::chrono::steady_clock;

class HostDevice final : public Device {
 public:
  const char* kind() const override { return "host"; }
  std::string describe() const override { return "host memory"; }

  void* alloc(size_t bytes) override {
    const size_t page = 4096;
    size_t rounded = (bytes + page - 1) / page * page;
    if (rounded == 0) rounded = page;  // 0 bytes (a 0-byte sweep) still gets a real, distinct buffer
    void* p = std::aligned_alloc(page, rounded);
    if (!p)
      throw Error(ErrorKind::Usage, "could not allocate " + std::to_string(bytes) +
                                        " bytes of host memory; lower the largest size in --sizes");
    std::memset(p, 0, rounded);
    return p;
  }
  void release(void* p) override { std::free(p); }
  bool hostAccessible() const override { return true; }
  void toHost(void* dst, const void* src, size_t bytes) override {
    if (dst != src) std::memcpy(dst, src, bytes);
  }
  void fromHost(void* dst, const void* src, size_t bytes) override {
    if (dst != src) std::memcpy(dst, src, bytes);
  }
  void* stream() override { return nullptr; }
  bool asynchronous() const override { return false; }
  void synchronize() override {}
  bool idle() override { return true; }

  void reserveMarks(size_t count) override {
    if (marks_.size() < count) marks_.resize(count);
  }
  void mark(size_t index) override { marks_[index] = Clock::now(); }
  double elapsedUs(size_t from, size_t to) override {
    return std::chrono::duration<double, std::micro>(marks_[to] - marks_[from]).count();
  }

 private:
  std::vector<Clock::time_point> marks_;
};

}  // namespace

std::unique_ptr<Device> makeHostDevice() { return std::make_unique<HostDevice>(); }

namespace {
[[noreturn]] void noGraphs() {
  throw Error(ErrorKind::Usage, "--graph needs GPU buffers (a CUDA or HIP device); drop --graph for host memory");
}
}  // namespace

void Device::beginCapture() { noGraphs(); }
void Device::endCapture() { noGraphs(); }
void Device::launchGraph() { noGraphs(); }

}  // namespace ccb
