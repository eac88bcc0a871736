// runtime(), detectVendor() and probeGpus() against the fake CUDA and HIP runtimes: the driver
// checks, the vendor attribute tables, device names and arch, and one HIP runtime per process.
#include <dlfcn.h>
#include <glob.h>
#include <unistd.h>

#include "../info.h"
#include "../nccl_api.h"
#include "../runtime.h"
#include "harness.h"

using namespace ccb::gpu;

namespace {

std::string loadError(Vendor v, ccb::ErrorKind* kind = nullptr) {
  return t::errorOf([v] { runtime(v); }, kind);
}

CHILD(driverTooOld, "cuda-driver-too-old") {
  ccb::ErrorKind kind = ccb::ErrorKind::Internal;
  const std::string msg = loadError(Vendor::Nvidia, &kind);
  t::check(kind == ccb::ErrorKind::Unavailable && t::contains(msg, "the CUDA runtime 13.0 (") &&
               t::contains(msg, "supports CUDA 12.8") && t::contains(msg, "driver 580 or newer") &&
               t::contains(msg, "libcudart.so.12"),
           "a 13.0 runtime on a 12.8 driver is refused with both versions and the way out", msg);
}

CHILD(minorCompat, "cuda-minor-version-compat") {
  const std::string msg = loadError(Vendor::Nvidia);
  t::check(msg.empty(), "a 13.2 runtime runs on a 13.0 driver (minor-version compatibility)", msg);
  if (msg.empty()) t::check(runtime(Vendor::Nvidia).runtimeVersion == 13020, "runtime version read");
}

CHILD(noDriver, "cuda-no-driver") {
  const std::string msg = loadError(Vendor::Nvidia);
  t::check(t::contains(msg, "found no NVIDIA driver") && t::contains(msg, "CUDA 13.x needs driver 580 or newer"),
           "driver version 0: no driver", msg);
}

CHILD(insufficient, "cuda-insufficient-driver") {
  const std::string msg = loadError(Vendor::Nvidia);
  t::check(t::contains(msg, "refuses this node's driver"), "cudaErrorInsufficientDriver (35) is refused", msg);
}

CHILD(stub, "cuda-stub-driver") {
  const std::string msg = loadError(Vendor::Nvidia);
  t::check(t::contains(msg, "stub libcuda.so"), "cudaErrorStubLibrary (34) is explained", msg);
}

CHILD(picks12, "cuda-driver-picks-runtime") {
  const std::string msg = loadError(Vendor::Nvidia);
  t::check(msg.empty() && runtime(Vendor::Nvidia).path == t::real(t::doubles("cuda12/libcudart.so.12")),
           "a 12.8 driver skips libcudart.so.13 for libcudart.so.12", msg);
}

CHILD(cudaNone, "cuda-not-found") {
  ccb::ErrorKind kind = ccb::ErrorKind::Internal;
  const std::string msg = loadError(Vendor::Nvidia, &kind);
  t::check(msg == "the CUDA runtime was not found (tried: from CCBENCH_CUDART: /nonexistent/libcudart.so.13 (no such "
                  "file)); point CCBENCH_CUDART at libcudart.so.13 or its directory" &&
               kind == ccb::ErrorKind::Unavailable,
           "no runtime: the explicit path and the variable", msg);
}

CHILD(probeNone, "probe-no-runtime") {
  const NodeGpuInfo info = probeGpus();
  t::check(info.gpus.empty() && info.runtime.empty(), "probeGpus: nothing loaded");
  t::check(
      t::contains(info.error, "CUDA: the CUDA runtime was not found (tried: from CCBENCH_CUDART: /nonexistent/a") &&
          t::contains(info.error, "HIP: the HIP runtime was not found (tried: from CCBENCH_HIPRT: /nonexistent/b"),
      "probeGpus: the error says where it looked for each vendor", info.error);
  const std::string msg = t::errorOf([] { detectVendor(); });
  t::check(t::contains(msg, "no GPU was found (CUDA: ") && t::contains(msg, "; HIP: "), "detectVendor throws", msg);
}

CHILD(probeZero, "probe-zero-devices") {
  const NodeGpuInfo nv = probeGpus(Vendor::Nvidia);
  t::check(nv.runtime == "CUDA" && nv.runtimePath == t::real(t::doubles("cuda13/libcudart.so.13")) &&
               nv.runtimeVersion == 13000 && nv.driverVersion == 13000 && nv.gpus.empty(),
           "probeGpus(Nvidia): the runtime is described, no GPU listed");
  t::check(t::contains(nv.error, "the CUDA runtime 13.0 (") && t::contains(nv.error, "sees no GPU: cudaErrorNoDevice"),
           "probeGpus(Nvidia): the error says the runtime sees no GPU", nv.error);
  const NodeGpuInfo any = probeGpus();
  t::check(any.runtime == "CUDA" && t::contains(any.error, "CUDA: the CUDA runtime 13.0") &&
               t::contains(any.error, "HIP: the HIP runtime was not found"),
           "probeGpus(): reports the runtime that loaded and both reasons", any.error);
}

CHILD(probeTwo, "probe-two-cuda-gpus") {
  const NodeGpuInfo info = probeGpus();
  t::check(info.error.empty() && info.gpus.size() == 2, "probeGpus: two GPUs", info.error);
  if (info.gpus.size() != 2) return;
  const GpuInfo& g = info.gpus[1];
  t::check(g.index == 1 && g.name == "Fake H100 #1", "name through the driver's CUdevice handle", g.name);
  t::check(g.pciBusId == "0000:18:00.0" && g.arch == "sm_90" && g.multiprocessors == 132,
           "PCI id, sm_90 and SM count from CUDA's attribute numbers", g.pciBusId + " " + g.arch);
  t::check(g.totalBytes == (size_t(80) << 30), "total memory from memGetInfo");
  t::check(detectVendor() == Vendor::Nvidia, "detectVendor: NVIDIA");
  const Runtime& rt = runtime(Vendor::Nvidia);
  t::check(rt.error(2) == "cudaErrorMemoryAllocation: fake: out of memory (2)", "Runtime::error", rt.error(2));
  const std::string msg = t::errorOf([&] { rt.check(rt.setDevice(7), "cudaSetDevice"); });
  t::check(msg == "cudaSetDevice failed: cudaErrorInvalidDevice: fake: error (101)", "Runtime::check", msg);
}

CHILD(hipTable, "hip-runtime") {
  const Runtime& rt = runtime(Vendor::Amd);
  t::check(
      rt.name == "HIP" && rt.runtimeVersion == 60342134 && rt.path == t::real(t::doubles("hip6a/libamdhip64.so.6")),
      "HIP runtime loaded from CCBENCH_HIPRT");
  t::check(rt.deviceName(1) == "Fake MI300X #1", "hipDeviceGetName gets a hipDevice_t from hipDeviceGet",
           rt.deviceName(1));
  t::check(rt.arch(0) == "gfx942", "arch from gcnArchName at offset 1160 of the R0600 props", rt.arch(0));
  t::check(rt.pciBusId(1) == "0000:c2:00.0", "PCI id", rt.pciBusId(1));
  const NodeGpuInfo info = probeGpus(Vendor::Amd);
  t::check(info.gpus.size() == 2 && info.gpus[0].multiprocessors == 304 && info.gpus[0].arch == "gfx942",
           "probeGpus(Amd): HIP's attribute numbers");
  t::check(runtimeVersionString(Vendor::Amd, rt.runtimeVersion) == "6.3", "HIP version 6.3");
}

CHILD(hipPciAttrs, "hip-pci-from-attributes") {
  const Runtime& rt = runtime(Vendor::Amd);
  t::check(rt.pciBusId(0) == "0000:c1:00.0", "PCI id from attributes 69/67/68 when the string call fails",
           rt.pciBusId(0));
}

CHILD(hip5, "hip5-no-r0600") {
  const Runtime& rt = runtime(Vendor::Amd);
  t::check(rt.arch(0) == "unknown", "no hipGetDevicePropertiesR0600: arch unknown, plain props never called");
}

CHILD(oneHip, "hip-same-runtime-as-rccl") {
  const NcclApi& api = ncclApi(true, t::doubles("rccl_hip"));
  const Runtime& rt = runtime(Vendor::Amd);
  t::check(api.rccl && rt.path == t::real(t::doubles("hip6a/libamdhip64.so.6")) && rt.runtimeVersion == 60342134,
           "with RCCL loaded, its libamdhip64 is used and CCBENCH_HIPRT is ignored", rt.path);
}

CHILD(loadedHip, "hip-loaded-copy-first") {
  void* pre = dlopen(t::doubles("hip6a/libamdhip64.so.6").c_str(), RTLD_NOW | RTLD_LOCAL);
  const Runtime& rt = runtime(Vendor::Amd);
  t::check(pre && rt.path == t::real(t::doubles("hip6a/libamdhip64.so.6")),
           "a libamdhip64 already in the process wins over CCBENCH_HIPRT", rt.path);
}

CHILD(twoHip, "hip-second-runtime-refused") {
  const Runtime& rt = runtime(Vendor::Amd);
  ccb::ErrorKind kind = ccb::ErrorKind::Internal;
  const std::string msg = t::errorOf([] { ncclApi(true, t::doubles("rccl_hip")); }, &kind);
  t::check(rt.runtimeVersion == 70000000 && kind == ccb::ErrorKind::Unavailable &&
               t::contains(msg, "another HIP runtime") && t::contains(msg, "hip7/libamdhip64.so.7") &&
               t::contains(msg, "hip6a/libamdhip64.so.6"),
           "RCCL needing another libamdhip64 than the one loaded is refused", msg);
}

CHILD(realCudart, "real-cudart-without-driver") {
  const std::string msg = loadError(Vendor::Nvidia);
  t::check(t::contains(msg, "found no NVIDIA driver") || t::contains(msg, "refuses this node's driver"),
           "the real libcudart.so.13 on a machine without a driver is refused clearly", msg);
}

bool anyFile(const char* pattern) {
  glob_t g{};
  const bool found = ::glob(pattern, 0, nullptr, &g) == 0 && g.gl_pathc > 0;
  ::globfree(&g);
  return found;
}

}  // namespace

void runRuntimeTests() {
  t::check(
      runtimeVersionString(Vendor::Nvidia, 13000) == "13.0" && runtimeVersionString(Vendor::Nvidia, 12080) == "12.8" &&
          runtimeVersionString(Vendor::Amd, 60342134) == "6.3" && runtimeVersionString(Vendor::Amd, 70000000) == "7.0",
      "runtimeVersionString for CUDA and HIP codes");
  const std::string cuda13 = t::doubles("cuda13"), hip6a = t::doubles("hip6a");
  t::child("cuda-driver-too-old", {{"CCBENCH_CUDART", cuda13}, {"FAKE_DRIVER_VERSION", "12080"}});
  t::child("cuda-minor-version-compat",
           {{"CCBENCH_CUDART", cuda13}, {"FAKE_RUNTIME_VERSION", "13020"}, {"FAKE_DRIVER_VERSION", "13000"}});
  t::child("cuda-no-driver", {{"CCBENCH_CUDART", cuda13}, {"FAKE_DRIVER_VERSION", "0"}});
  t::child("cuda-insufficient-driver", {{"CCBENCH_CUDART", cuda13}, {"FAKE_COUNT_ERROR", "35"}});
  t::child("cuda-stub-driver", {{"CCBENCH_CUDART", cuda13}, {"FAKE_COUNT_ERROR", "34"}});
  // Needs the fake libcudart.so.12 to be the first one found: skip where a real one is installed.
  if (anyFile("/usr/local/cuda/lib64/libcudart.so.12") || anyFile("/usr/local/cuda-*/lib64/libcudart.so.12"))
    t::skip("cuda-driver-picks-runtime", "a real libcudart.so.12 is installed under /usr/local");
  else
    t::child("cuda-driver-picks-runtime",
             {{"LD_LIBRARY_PATH", t::doubles("driver") + ":" + cuda13 + ":" + t::doubles("cuda12")},
              {"FAKE_DRIVER_VERSION", "12080"}});
  t::child("cuda-not-found", {{"CCBENCH_CUDART", "/nonexistent/libcudart.so.13"}});
  t::child("probe-no-runtime", {{"CCBENCH_CUDART", "/nonexistent/a"}, {"CCBENCH_HIPRT", "/nonexistent/b"}});
  t::child("probe-zero-devices", {{"CCBENCH_CUDART", cuda13}, {"CCBENCH_HIPRT", "/nonexistent/b"}});
  t::child("probe-two-cuda-gpus",
           {{"CCBENCH_CUDART", cuda13}, {"LD_LIBRARY_PATH", t::doubles("driver")}, {"FAKE_DEVICES", "2"}});
  t::child("hip-runtime", {{"CCBENCH_HIPRT", hip6a}, {"FAKE_DEVICES", "2"}});
  t::child("hip-pci-from-attributes", {{"CCBENCH_HIPRT", hip6a}, {"FAKE_DEVICES", "1"}, {"FAKE_NO_PCI_STRING", "1"}});
  t::child("hip5-no-r0600", {{"CCBENCH_HIPRT", t::doubles("hip5")}, {"FAKE_DEVICES", "1"}});
  t::child("hip-same-runtime-as-rccl", {{"CCBENCH_HIPRT", t::doubles("hip6b")}});
  t::child("hip-loaded-copy-first", {{"CCBENCH_HIPRT", t::doubles("hip6b")}});
  t::child("hip-second-runtime-refused", {{"CCBENCH_HIPRT", t::doubles("hip7")}});

  // The real CUDA runtime of this machine, when there is one and no driver.
  const char* real = "/usr/local/cuda/lib64/libcudart.so.13";
  void* driver = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (access(real, R_OK) != 0)
    t::skip("real-cudart-without-driver", "no /usr/local/cuda/lib64/libcudart.so.13");
  else if (driver)
    t::skip("real-cudart-without-driver", "an NVIDIA driver is installed");
  else
    t::child("real-cudart-without-driver", {{"CCBENCH_CUDART", real}});
  if (driver) dlclose(driver);
}
