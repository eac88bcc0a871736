// The device runtime interface: where buffers live and how completion and time are observed.
// Host memory now; CUDA and HIP runtimes (loaded with dlopen) implement the same interface.
#pragma once
#include <cstddef>
#include <memory>
#include <string>

namespace ccb {

class Device {
 public:
  virtual ~Device() = default;
  virtual const char* kind() const = 0;  // "host", "cuda", "hip"
  virtual std::string describe() const = 0;

  // Buffers. alloc() touches every page so first-touch faults stay out of timed loops.
  virtual void* alloc(size_t bytes) = 0;
  virtual void release(void* p) = 0;
  virtual bool hostAccessible() const = 0;  // buffers can be read and written by the CPU directly
  virtual void toHost(void* dst, const void* src, size_t bytes) = 0;
  virtual void fromHost(void* dst, const void* src, size_t bytes) = 0;

  // The stream operations are issued on (nullptr on the host) and waiting for it. Host ops are
  // complete when they return: asynchronous() false lets timed loops skip the call.
  virtual void* stream() = 0;
  virtual bool asynchronous() const = 0;
  virtual void synchronize() = 0;
  virtual bool idle() = 0;  // non-blocking: has the stream finished everything issued so far?
  // More streams, for work that must not queue behind the main one (a communicator's
  // non-blocking ops beside other communicators'). nullptr where there are no streams (the host:
  // ops complete as they return); streamIdle() is idle() for such a stream.
  virtual void* newStream() { return nullptr; }
  virtual bool streamIdle(void* s) {
    (void)s;
    return true;
  }
  virtual void releaseStream(void* s) { (void)s; }

  // --overlap on a GPU backend: competing work of the device's own, on a stream of its own —
  // `rounds` memsets of a scratch buffer (memory traffic, as a kernel's). False where the device
  // has none (the host: the engine computes on the core instead).
  virtual bool startCompeting(int rounds) {
    (void)rounds;
    return false;
  }
  virtual bool competingIdle() { return true; }

  // Iteration boundaries for batch timing: host clock reads here, stream events on GPUs.
  virtual void reserveMarks(size_t count) = 0;
  virtual void mark(size_t index) = 0;
  virtual double elapsedUs(size_t from, size_t to) = 0;  // valid after synchronize()

  // Graphs (CUDA / HIP): what is issued on the stream between beginCapture() and endCapture() is
  // recorded once and replayed by launchGraph(). Devices without graphs say so.
  virtual bool supportsGraphs() const { return false; }
  virtual void beginCapture();
  virtual void endCapture();
  virtual void launchGraph();
};

std::unique_ptr<Device> makeHostDevice();

namespace gpu {
struct Runtime;
}
// A CUDA or HIP device: selects `index` on the calling thread (the engine thread, which must
// issue every later call, gpu-abi.md §9), creates one non-blocking stream, events, graphs.
std::unique_ptr<Device> makeGpuDevice(const gpu::Runtime& rt, int index);

}  // namespace ccb
