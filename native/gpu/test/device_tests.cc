// makeGpuDevice() through the fake runtimes: the Device contract as the engine uses it.
#include <dlfcn.h>

#include <cstring>
#include <vector>

#include "../../device/device.h"
#include "../runtime.h"
#include "harness.h"

using namespace ccb::gpu;

namespace {

// The fake runtime's inspection hooks (fake_* in doubles/fake_gpurt.c), found in the loaded copy.
struct Hooks {
  long (*live)() = nullptr;
  unsigned (*streamFlags)() = nullptr;
  int (*captureMode)() = nullptr;
  int (*launches)() = nullptr;
  explicit Hooks(const Runtime& rt) {
    void* h = dlopen(rt.path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
    live = reinterpret_cast<long (*)()>(dlsym(h, "fake_live_objects"));
    streamFlags = reinterpret_cast<unsigned (*)()>(dlsym(h, "fake_last_stream_flags"));
    captureMode = reinterpret_cast<int (*)()>(dlsym(h, "fake_last_capture_mode"));
    launches = reinterpret_cast<int (*)()>(dlsym(h, "fake_graph_launches"));
  }
};

void exercise(Vendor v, const std::string& wantDescribe, const char* wantKind) {
  const Runtime& rt = runtime(v);
  const Hooks hooks(rt);
  if (!hooks.live) {
    t::check(false, "fake runtime hooks found");
    return;
  }
  {
    auto dev = ccb::makeGpuDevice(rt, 1);
    t::check(dev->describe() == wantDescribe, "describe()", dev->describe());
    t::check(std::strcmp(dev->kind(), wantKind) == 0 && dev->asynchronous() && !dev->hostAccessible() &&
                 dev->supportsGraphs() && dev->stream() != nullptr,
             "kind, asynchronous, not host-accessible, graphs, a stream");
    t::check(hooks.streamFlags() == 1, "the stream is created non-blocking");

    // Buffers: touched (zeroed) on allocation; copies both ways.
    auto* p = static_cast<unsigned char*>(dev->alloc(4096));
    bool zero = true;
    for (int i = 0; i < 4096; ++i) zero = zero && p[i] == 0;  // the fake's memory is host memory
    t::check(zero, "alloc() touches the buffer (fake memory starts as 0xab)");
    std::vector<unsigned char> in(4096), out(4096, 0);
    for (size_t i = 0; i < in.size(); ++i) in[i] = static_cast<unsigned char>(i * 7);
    dev->fromHost(p, in.data(), in.size());
    dev->toHost(out.data(), p, out.size());
    t::check(in == out, "fromHost / toHost round trip");

    ccb::ErrorKind kind = ccb::ErrorKind::Internal;
    std::string msg = t::errorOf([&] { dev->alloc(size_t(1) << 30); }, &kind);
    t::check(kind == ccb::ErrorKind::Usage && t::contains(msg, "could not allocate 1073741824 bytes on GPU 1 (free ") &&
                 t::contains(msg, " of 80.0 GiB); lower the largest size in --sizes"),
             "out of memory: a usage error with size, device and free memory", msg);

    // Marks: events created once, grown only; idle() reflects pending work.
    const long before = hooks.live();
    dev->reserveMarks(3);
    dev->reserveMarks(2);
    t::check(hooks.live() == before + 3, "reserveMarks grows only");
    dev->mark(0);
    t::check(!dev->idle() && dev->idle(), "idle(): false while the stream is busy, then true");
    dev->mark(1);
    dev->synchronize();
    t::check(dev->idle(), "idle() after synchronize()");
    t::check(dev->elapsedUs(0, 1) >= 0, "elapsedUs between two marks");
    msg = t::errorOf([&] { dev->mark(3); }, &kind);
    t::check(kind == ccb::ErrorKind::Internal && !msg.empty(), "a mark that was not reserved is an internal error");

    // Graphs: thread-local capture, instantiate, launch; a new capture replaces the old graph.
    msg = t::errorOf([&] { dev->launchGraph(); });
    t::check(!msg.empty(), "launchGraph() before any capture fails");
    dev->beginCapture();
    t::check(hooks.captureMode() == kCaptureThreadLocal, "capture mode is thread-local");
    dev->endCapture();
    const long withGraph = hooks.live();
    dev->launchGraph();
    dev->launchGraph();
    t::check(hooks.launches() == 2, "launchGraph() launches the instantiated graph");
    dev->beginCapture();
    dev->endCapture();
    t::check(hooks.live() == withGraph, "endCapture() destroys the previous graph and exec");
    dev->beginCapture();
    dev->synchronize();  // as after a failure inside a capture: the capture is abandoned
    t::check(hooks.live() == withGraph, "an abandoned capture leaves nothing behind");
    dev->beginCapture();
    dev->endCapture();
    dev->release(p);
  }
  t::check(hooks.live() == 0, "the destructor releases the stream, events, graph and exec",
           std::to_string(hooks.live()) + " left");

  ccb::ErrorKind kind = ccb::ErrorKind::Internal;
  const std::string msg = t::errorOf([&] { ccb::makeGpuDevice(rt, 2); }, &kind);
  t::check(kind == ccb::ErrorKind::Usage && msg == "GPU 2 does not exist: this process sees 2 GPUs (0 to 1)",
           "an index beyond the visible GPUs is a usage error", msg);
}

CHILD(cudaDevice, "device-cuda") {
  exercise(Vendor::Nvidia, "GPU 1: Fake H100 #1 (0000:18:00.0, sm_90, 80.0 GiB) via CUDA 13.0", "cuda");
}

CHILD(hipDevice, "device-hip") {
  exercise(Vendor::Amd, "GPU 1: Fake MI300X #1 (0000:c2:00.0, gfx942, 80.0 GiB) via HIP 6.3", "hip");
}

CHILD(noGpu, "device-no-gpu") {
  ccb::ErrorKind kind = ccb::ErrorKind::Internal;
  const std::string msg = t::errorOf([] { ccb::makeGpuDevice(runtime(Vendor::Nvidia), 0); }, &kind);
  t::check(kind == ccb::ErrorKind::Unavailable && t::contains(msg, "sees no GPU; check CUDA_VISIBLE_DEVICES"),
           "no GPU visible: Unavailable, naming CUDA_VISIBLE_DEVICES", msg);
}

}  // namespace

void runDeviceTests() {
  t::child(
      "device-cuda",
      {{"CCBENCH_CUDART", t::doubles("cuda13")}, {"LD_LIBRARY_PATH", t::doubles("driver")}, {"FAKE_DEVICES", "2"}});
  t::child("device-hip", {{"CCBENCH_HIPRT", t::doubles("hip6a")}, {"FAKE_DEVICES", "2"}});
  t::child("device-no-gpu", {{"CCBENCH_CUDART", t::doubles("cuda13")}});
}
