// A CUDA or HIP GPU behind the Device interface, one class for both through the Runtime table.
// Every call after construction must come from the constructing thread (gpu-abi.md §9).
#include <memory>
#include <string>
#include <vector>

#include "../common/error.h"
#include "../gpu/info.h"
#include "../gpu/runtime.h"
#include "device.h"

namespace ccb {
namespace {

using gpu::Runtime;
using gpu::Vendor;

constexpr int kOutOfMemory = 2;  // cudaErrorMemoryAllocation == hipErrorOutOfMemory
constexpr int kNoDevice = 100;   // cudaErrorNoDevice == hipErrorNoDevice

class GpuDevice final : public Device {
 public:
  GpuDevice(const Runtime& rt, int index)
      : rt_(rt), index_(index), prefix_(rt.vendor == Vendor::Nvidia ? "cuda" : "hip") {
    int n = 0;
    const int rc = rt_.getDeviceCount(&n);
    if (rc != gpu::kSuccess && rc != kNoDevice) rt_.check(rc, call("GetDeviceCount").c_str());
    if (n <= 0)
      throw Error(
          ErrorKind::Unavailable,
          "the " + rt_.name + " runtime (" + rt_.path + ") sees no GPU; check " +
              (rt_.vendor == Vendor::Nvidia ? "CUDA_VISIBLE_DEVICES" : "HIP_VISIBLE_DEVICES and ROCR_VISIBLE_DEVICES"));
    if (index < 0 || index >= n)
      throw Error(ErrorKind::Usage, "GPU " + std::to_string(index) + " does not exist: this process sees " +
                                        std::to_string(n) + " GPU" + (n == 1 ? "" : "s") + " (0 to " +
                                        std::to_string(n - 1) + ")");
    rt_.check(rt_.setDevice(index), call("SetDevice").c_str());
    name_ = rt_.deviceName(index);
    pci_ = rt_.pciBusId(index);
    arch_ = rt_.arch(index);
    size_t freeBytes = 0, total = 0;
    if (rt_.memGetInfo(&freeBytes, &total) == gpu::kSuccess) total_ = total;
    rt_.check(rt_.streamCreateWithFlags(&stream_, gpu::kStreamNonBlocking), call("StreamCreateWithFlags").c_str());
  }

  ~GpuDevice() override {
    // Best effort and silent: a destructor cannot report, and the context may already be broken.
    rt_.setDevice(index_);
    abandonCapture();
    rt_.streamSynchronize(stream_);
    destroyGraph();
    for (void* e : events_) rt_.eventDestroy(e);
    rt_.streamDestroy(stream_);
    if (work_) {
      rt_.streamSynchronize(work_);
      rt_.streamDestroy(work_);
      rt_.free(scratch_);
    }
  }

  GpuDevice(const GpuDevice&) = delete;
  GpuDevice& operator=(const GpuDevice&) = delete;

  const char* kind() const override { return rt_.vendor == Vendor::Nvidia ? "cuda" : "hip"; }

  std::string describe() const override {
    return "GPU " + std::to_string(index_) + ": " + name_ + " (" + pci_ + ", " + arch_ + ", " + gpu::gibString(total_) +
           ") via " + rt_.name + " " + gpu::runtimeVersionString(rt_.vendor, rt_.runtimeVersion);
  }

  void* alloc(size_t bytes) override {
    const size_t n = bytes ? bytes : 1;  // a real allocation even for 0 bytes, as on the host
    void* p = nullptr;
    const int rc = rt_.malloc(&p, n);
    if (rc == kOutOfMemory) {
      size_t freeBytes = 0, total = 0;
      const bool known = rt_.memGetInfo(&freeBytes, &total) == gpu::kSuccess;
      throw Error(ErrorKind::Usage,
                  "could not allocate " + std::to_string(bytes) + " bytes on GPU " + std::to_string(index_) +
                      (known ? " (free " + gpu::gibString(freeBytes) + " of " + gpu::gibString(total) + ")" : "") +
                      "; lower the largest size in --sizes");
    }
    rt_.check(rc, call("Malloc").c_str());
    // Touch every page now, and wait: the fill runs on the legacy default stream, which our
    // non-blocking stream does not wait for.
    int touch = rt_.memset(p, 0, n);
    if (touch == gpu::kSuccess) touch = rt_.deviceSynchronize();
    if (touch != gpu::kSuccess) {
      rt_.free(p);
      rt_.check(touch, call("Memset").c_str());
    }
    return p;
  }

  void release(void* p) override {
    if (p) rt_.free(p);  // errors here would only repeat an earlier, already reported failure
  }

  bool hostAccessible() const override { return false; }

  // Plain memcpy runs on the legacy default stream, which is not ordered with ours: finish our
  // stream's work first, and (host to device) wait for the copy before anything is issued on it.
  void toHost(void* dst, const void* src, size_t bytes) override {
    if (bytes == 0) return;
    synchronize();
    rt_.check(rt_.memcpy(dst, src, bytes, gpu::kMemcpyDeviceToHost), call("Memcpy").c_str());
  }
  void fromHost(void* dst, const void* src, size_t bytes) override {
    if (bytes == 0) return;
    synchronize();
    rt_.check(rt_.memcpy(dst, src, bytes, gpu::kMemcpyHostToDevice), call("Memcpy").c_str());
    rt_.check(rt_.streamSynchronize(nullptr), call("StreamSynchronize").c_str());
  }

  void* stream() override { return stream_; }
  bool asynchronous() const override { return true; }

  void synchronize() override {
    abandonCapture();  // only after a failure inside a capture; see beginCapture()
    rt_.check(rt_.streamSynchronize(stream_), call("StreamSynchronize").c_str());
  }

  bool idle() override { return streamIdle(stream_); }

  void* newStream() override {
    void* s = nullptr;
    rt_.check(rt_.streamCreateWithFlags(&s, gpu::kStreamNonBlocking), call("StreamCreateWithFlags").c_str());
    return s;
  }
  bool streamIdle(void* s) override {
    const int rc = rt_.streamQuery(s);
    if (rc == gpu::kSuccess) return true;
    if (rc == gpu::kNotReady) return false;
    rt_.check(rc, call("StreamQuery").c_str());
    return false;
  }
  // The scratch buffer and stream are made on first use, outside any timed loop (the engine
  // calibrates first).
  bool startCompeting(int rounds) override {
    if (!rt_.memsetAsync) return false;
    if (!work_) {
      rt_.check(rt_.malloc(&scratch_, kScratch), call("Malloc").c_str());
      rt_.check(rt_.streamCreateWithFlags(&work_, gpu::kStreamNonBlocking), call("StreamCreateWithFlags").c_str());
    }
    for (int i = 0; i < rounds; ++i)
      rt_.check(rt_.memsetAsync(scratch_, i & 0xff, kScratch, work_), call("MemsetAsync").c_str());
    return true;
  }
  bool competingIdle() override { return !work_ || streamIdle(work_); }

  void releaseStream(void* s) override {
    if (!s) return;
    rt_.streamSynchronize(s);  // best effort: a released stream has nothing left to wait for
    rt_.streamDestroy(s);
  }

  void reserveMarks(size_t count) override {
    while (events_.size() < count) {
      void* e = nullptr;
      // Default flags: DisableTiming events cannot be measured.
      rt_.check(rt_.eventCreateWithFlags(&e, gpu::kEventDefault), call("EventCreateWithFlags").c_str());
      events_.push_back(e);
    }
  }

  void mark(size_t index) override {
    if (index >= events_.size())
      throw Error(ErrorKind::Internal, "mark " + std::to_string(index) + " was not reserved");
    rt_.check(rt_.eventRecord(events_[index], stream_), call("EventRecord").c_str());
  }

  double elapsedUs(size_t from, size_t to) override {
    if (from >= events_.size() || to >= events_.size())
      throw Error(ErrorKind::Internal, "elapsedUs on marks that were not reserved");
    float ms = 0;
    rt_.check(rt_.eventElapsedTime(&ms, events_[from], events_[to]), call("EventElapsedTime").c_str());
    return double(ms) * 1000.0;
  }

  bool supportsGraphs() const override { return true; }

  void beginCapture() override {
    abandonCapture();
    // Thread-local mode, as nccl-tests: global mode would forbid NCCL's lazy allocations elsewhere.
    rt_.check(rt_.streamBeginCapture(stream_, gpu::kCaptureThreadLocal), call("StreamBeginCapture").c_str());
    capturing_ = true;
  }

  void endCapture() override {
    capturing_ = false;
    void* graph = nullptr;
    const int rc = rt_.streamEndCapture(stream_, &graph);
    if (rc != gpu::kSuccess) {
      if (graph) rt_.graphDestroy(graph);
      rt_.check(rc, call("StreamEndCapture").c_str());
    }
    destroyGraph();
    graph_ = graph;
    void* exec = nullptr;
    const int inst = rt_.graphInstantiateWithFlags(&exec, graph_, 0);
    if (inst != gpu::kSuccess) {
      destroyGraph();
      rt_.check(inst, call("GraphInstantiateWithFlags").c_str());
    }
    exec_ = exec;
  }

  void launchGraph() override {
    if (!exec_) throw Error(ErrorKind::Internal, "launchGraph() without a captured graph");
    rt_.check(rt_.graphLaunch(exec_, stream_), call("GraphLaunch").c_str());
  }

 private:
  std::string call(const char* fn) const { return prefix_ + fn; }

  // An exception between beginCapture() and endCapture() leaves the stream capturing, and every
  // later call on it would fail: end that capture and drop what it recorded.
  void abandonCapture() {
    if (!capturing_) return;
    capturing_ = false;
    void* graph = nullptr;
    rt_.streamEndCapture(stream_, &graph);
    if (graph) rt_.graphDestroy(graph);
  }

  void destroyGraph() {
    if (exec_) rt_.graphExecDestroy(exec_);
    if (graph_) rt_.graphDestroy(graph_);
    exec_ = nullptr;
    graph_ = nullptr;
  }

  const Runtime& rt_;
  const int index_;
  const std::string prefix_;  // "cuda" / "hip": names the failing call in messages
  std::string name_, pci_, arch_;
  size_t total_ = 0;
  void* stream_ = nullptr;
  static constexpr size_t kScratch = size_t(1) << 20;  // one round of --overlap's competing work
  void* work_ = nullptr;                               // ... and its stream
  void* scratch_ = nullptr;
  std::vector<void*> events_;
  void* graph_ = nullptr;
  void* exec_ = nullptr;
  bool capturing_ = false;
};

}  // namespace

std::unique_ptr<Device> makeGpuDevice(const gpu::Runtime& rt, int index) {
  return std::make_unique<GpuDevice>(rt, index);
}

}  // namespace ccb
