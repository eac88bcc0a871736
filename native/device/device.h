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

  // Iteration boundaries for batch timing: host clock reads here, stream events on GPUs.
  virtual void reserveMarks(size_t count) = 0;
  virtual void mark(size_t index) = 0;
  virtual double elapsedUs(size_t from, size_t to) = 0;  // valid after synchronize()
};

std::unique_ptr<Device> makeHostDevice();

}  // namespace ccb
