// The GPU runtime (CUDA or HIP), loaded at run time through our own declarations. CUDA and HIP
// share the call shapes used here (gpu-abi.md §7); their device-attribute numbers differ (§7.1),
// so each vendor fills its own. Handles (streams, events, graphs) are opaque pointers; every call
// returns the runtime's error code (0 = success, 600 = not ready).
#pragma once
#include <cstddef>
#include <string>

namespace ccb::gpu {

enum class Vendor { Nvidia, Amd };

constexpr int kSuccess = 0;
constexpr int kNotReady = 600;  // cudaErrorNotReady / hipErrorNotReady
constexpr int kMemcpyHostToDevice = 1;
constexpr int kMemcpyDeviceToHost = 2;
constexpr unsigned kStreamNonBlocking = 1;
constexpr unsigned kEventDefault = 0;
constexpr int kCaptureThreadLocal = 1;  // as nccl-tests: global mode forbids NCCL's lazy allocations

struct Runtime {
  Vendor vendor;
  std::string name;                           // "CUDA" or "HIP"
  std::string path;                           // the library loaded
  int runtimeVersion = 0, driverVersion = 0;  // as the runtime reports them (CUDA: 1000·major + 10·minor)

  int (*getDeviceCount)(int*);
  int (*setDevice)(int);
  int (*getDevice)(int*);
  int (*deviceGetAttribute)(int* value, int attr, int device);
  int (*deviceGetPCIBusId)(char* busId, int len, int device);
  int (*memGetInfo)(size_t* free, size_t* total);
  int (*malloc)(void** p, size_t bytes);
  int (*free)(void* p);
  int (*memcpy)(void* dst, const void* src, size_t bytes, int kind);
  int (*memset)(void* p, int value, size_t bytes);
  int (*memsetAsync)(void* p, int value, size_t bytes, void* stream) = nullptr;  // optional: --overlap's work
  int (*deviceSynchronize)();
  int (*streamCreateWithFlags)(void** stream, unsigned flags);
  int (*streamSynchronize)(void* stream);
  int (*streamQuery)(void* stream);
  int (*streamDestroy)(void* stream);
  int (*eventCreateWithFlags)(void** event, unsigned flags);
  int (*eventRecord)(void* event, void* stream);
  int (*eventSynchronize)(void* event);
  int (*eventElapsedTime)(float* ms, void* start, void* end);
  int (*eventDestroy)(void* event);
  int (*streamBeginCapture)(void* stream, int mode);
  int (*streamEndCapture)(void* stream, void** graph);
  int (*graphInstantiateWithFlags)(void** exec, void* graph,
                                   unsigned long long flags);  // one signature since CUDA 11.4 (§7.2)
  int (*graphLaunch)(void* exec, void* stream);
  int (*graphExecDestroy)(void* exec);
  int (*graphDestroy)(void* graph);
  const char* (*getErrorString)(int);

  // Vendor attribute numbers (§7.1).
  int attrPciBusId, attrPciDeviceId, attrPciDomainId, attrCcMajor, attrCcMinor, attrSmCount;

  std::string deviceName(int device) const;      // CUDA: driver cuDeviceGetName; HIP: hipDeviceGetName
  std::string arch(int device) const;            // "sm_90" from compute capability; "gfx942" from the R0600 props
  std::string pciBusId(int device) const;        // "0000:17:00.0"
  std::string error(int code) const;             // "<name>: <string> (code)"
  void check(int code, const char* what) const;  // throws ccb::Error(Internal) naming the call
};

// Loads the vendor's runtime once (thread-safe) and returns it; throws ccb::Error(Unavailable)
// listing where it looked. CUDA: CCBENCH_CUDART, a loaded copy, pip wheel dirs (cu13, cuda_runtime),
// $CUDA_HOME/lib64, /usr/local/cuda/lib64 and /usr/local/cuda-*/lib64, then libcudart.so.13/.12/.11.0;
// sonames of a CUDA major newer than the driver (libcuda.so.1 cuDriverGetVersion) are skipped. HIP:
// the copy librccl already loaded, else any libamdhip64 already loaded (one HIP runtime per process,
// §9), CCBENCH_HIPRT, $ROCM_PATH/lib, /opt/rocm/lib and /opt/rocm-*/lib, then libamdhip64.so.7/.6/.5.
// A CUDA runtime whose driver is too old (no driver, a driver of an older CUDA major — same-major
// minor-version compatibility is allowed —, or cudaErrorInsufficientDriver 35) is refused with the
// versions in the message.
const Runtime& runtime(Vendor v);
// The vendor of the GPUs on this node: NVIDIA if a CUDA runtime loads and sees a device, else AMD
// if HIP does, else throws Unavailable saying what was tried.
Vendor detectVendor();

}  // namespace ccb::gpu
