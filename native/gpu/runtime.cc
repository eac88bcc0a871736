// Loading the CUDA or HIP runtime and filling the Runtime table (gpu-abi.md §1, §7, §9).
#include "runtime.h"

#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>

#include "../common/error.h"
#include "info.h"
#include "loader.h"

namespace ccb::gpu {
namespace {

// Entry points the table does not carry; resolved once while loading, read-only afterwards.
struct Extras {
  const char* (*getErrorName)(int) = nullptr;
  // CUDA device names come from the driver API (libcuda.so.1). None of these three is renamed
  // by cuda.h macros, so the plain names are the current entries (§7.3).
  int (*cuInit)(unsigned) = nullptr;
  int (*cuDeviceGet)(int* dev, int ordinal) = nullptr;
  int (*cuDeviceGetName)(char* name, int len, int dev) = nullptr;
  std::once_flag cuInitOnce;
  int cuInitResult = -1;
  // HIP: the name call takes a hipDevice_t from hipDeviceGet, not an ordinal (§7).
  int (*hipDeviceGet)(int* dev, int ordinal) = nullptr;
  int (*hipDeviceGetName)(char* name, int len, int dev) = nullptr;
  // Only the R0600 export has the layout below; the plain hipGetDeviceProperties keeps the
  // pre-6.0 one, and a CUDA-sized struct would be overrun (§7.3). Never bound.
  int (*hipGetDevicePropertiesR0600)(void* props, int device) = nullptr;
};

constexpr size_t kR0600PropsBytes = 1472;
constexpr size_t kR0600GcnArchName = 1160;
constexpr int kCudaErrorStubLibrary = 34;
constexpr int kCudaErrorInsufficientDriver = 35;
constexpr int kCudaErrorSystemDriverMismatch = 803;

Extras& extras(Vendor v) {
  static Extras e[2];
  return e[v == Vendor::Nvidia ? 0 : 1];
}

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

template <class F>
void bind(F& fn, const Library& lib, const std::string& name) {
  fn = reinterpret_cast<F>(symbol(lib, name.c_str(), true));
}

template <class F>
void bindOptional(F& fn, void* handle, const char* name) {
  fn = handle ? reinterpret_cast<F>(dlsym(handle, name)) : nullptr;
}

// The shared call shapes: the same names after the "cuda" / "hip" prefix (§7).
void bindTable(Runtime& rt, const Library& lib, const std::string& p) {
  bind(rt.getDeviceCount, lib, p + "GetDeviceCount");
  bind(rt.setDevice, lib, p + "SetDevice");
  bind(rt.getDevice, lib, p + "GetDevice");
  bind(rt.deviceGetAttribute, lib, p + "DeviceGetAttribute");
  bind(rt.deviceGetPCIBusId, lib, p + "DeviceGetPCIBusId");
  bind(rt.memGetInfo, lib, p + "MemGetInfo");
  bind(rt.malloc, lib, p + "Malloc");
  bind(rt.free, lib, p + "Free");
  bind(rt.memcpy, lib, p + "Memcpy");
  bind(rt.memset, lib, p + "Memset");
  bind(rt.deviceSynchronize, lib, p + "DeviceSynchronize");
  bind(rt.streamCreateWithFlags, lib, p + "StreamCreateWithFlags");
  bind(rt.streamSynchronize, lib, p + "StreamSynchronize");
  bind(rt.streamQuery, lib, p + "StreamQuery");
  bind(rt.streamDestroy, lib, p + "StreamDestroy");
  bind(rt.eventCreateWithFlags, lib, p + "EventCreateWithFlags");
  bind(rt.eventRecord, lib, p + "EventRecord");
  bind(rt.eventSynchronize, lib, p + "EventSynchronize");
  bind(rt.eventElapsedTime, lib, p + "EventElapsedTime");
  bind(rt.eventDestroy, lib, p + "EventDestroy");
  bind(rt.streamBeginCapture, lib, p + "StreamBeginCapture");
  bind(rt.streamEndCapture, lib, p + "StreamEndCapture");
  // Not "GraphInstantiate": its signature changed between CUDA 11 and 12 (§7.2).
  bind(rt.graphInstantiateWithFlags, lib, p + "GraphInstantiateWithFlags");
  bind(rt.graphLaunch, lib, p + "GraphLaunch");
  bind(rt.graphExecDestroy, lib, p + "GraphExecDestroy");
  bind(rt.graphDestroy, lib, p + "GraphDestroy");
  bind(rt.getErrorString, lib, p + "GetErrorString");
  rt.memsetAsync =
      reinterpret_cast<int (*)(void*, int, size_t, void*)>(symbol(lib, (p + "MemsetAsync").c_str(), false));
  extras(rt.vendor).getErrorName =
      reinterpret_cast<const char* (*)(int)>(symbol(lib, (p + "GetErrorName").c_str(), false));
}

void readVersions(Runtime& rt, const Library& lib, const std::string& p) {
  int (*runtimeGetVersion)(int*) = nullptr;
  int (*driverGetVersion)(int*) = nullptr;
  bind(runtimeGetVersion, lib, p + "RuntimeGetVersion");
  bind(driverGetVersion, lib, p + "DriverGetVersion");
  if (runtimeGetVersion(&rt.runtimeVersion) != kSuccess) rt.runtimeVersion = 0;
  if (driverGetVersion(&rt.driverVersion) != kSuccess) rt.driverVersion = 0;
}

// Minimum driver branch per CUDA major (NVIDIA CUDA Compatibility guide, §1).
std::string driverFloor(int cudaMajor) {
  switch (cudaMajor) {
    case 13: return "580";
    case 12: return "525";
    case 11: return "450";
    default: return "a matching";
  }
}

std::vector<std::string> cudaDirs() {
  std::vector<std::string> dirs;
  for (const char* sub : {"cu13", "cuda_runtime"})  // cu13: CUDA 13 wheels; cuda_runtime: 11 and 12
    for (const std::string& d : pythonWheelDirs(sub)) dirs.push_back(d);
  if (!env("CUDA_HOME").empty()) dirs.push_back(env("CUDA_HOME") + "/lib64");
  dirs.push_back("/usr/local/cuda/lib64");
  for (const std::string& d : versionedDirs("/usr/local/cuda-*/lib64")) dirs.push_back(d);
  return dirs;
}

std::unique_ptr<Runtime> loadCuda() {
  Extras& x = extras(Vendor::Nvidia);
  // The driver first: its CUDA level says which runtime majors can work here (a libcudart.so.13
  // loads on a 12.x driver and fails at the first call), and it names the devices.
  int driverCuda = 0;
  if (void* drv = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL)) {
    int (*cuDriverGetVersion)(int*) = nullptr;
    bindOptional(cuDriverGetVersion, drv, "cuDriverGetVersion");
    if (!cuDriverGetVersion || cuDriverGetVersion(&driverCuda) != 0) driverCuda = 0;
    bindOptional(x.cuInit, drv, "cuInit");
    bindOptional(x.cuDeviceGet, drv, "cuDeviceGet");
    bindOptional(x.cuDeviceGetName, drv, "cuDeviceGetName");
  }

  LibrarySpec spec;
  spec.what = "the CUDA runtime";
  spec.explicitPath = env("CCBENCH_CUDART");
  spec.explicitHow = "CCBENCH_CUDART";
  std::vector<std::string> skipped;
  for (const char* so : {"libcudart.so.13", "libcudart.so.12", "libcudart.so.11.0"}) {
    const int major = std::atoi(so + std::strlen("libcudart.so."));
    if (driverCuda > 0 && major > driverCuda / 1000)
      skipped.push_back(so);
    else
      spec.sonames.push_back(so);
  }
  if (spec.sonames.empty()) {  // a driver older than CUDA 11: let the version check explain
    spec.sonames = skipped;
    skipped.clear();
  }
  spec.dirs = cudaDirs();
  Library lib;
  try {
    lib = openLibrary(spec);
  } catch (const Error& e) {
    if (skipped.empty()) throw;
    std::string names;
    for (const std::string& s : skipped) names += (names.empty() ? "" : ", ") + s;
    throw Error(e.kind(), std::string(e.what()) + " (not considered: " + names +
                              ", newer than this node's driver, CUDA " +
                              runtimeVersionString(Vendor::Nvidia, driverCuda) + ")");
  }

  auto rt = std::make_unique<Runtime>(Runtime{});
  rt->vendor = Vendor::Nvidia;
  rt->name = "CUDA";
  rt->path = lib.path;
  bindTable(*rt, lib, "cuda");
  readVersions(*rt, lib, "cuda");
  rt->attrPciBusId = 33;
  rt->attrPciDeviceId = 34;
  rt->attrPciDomainId = 50;
  rt->attrCcMajor = 75;
  rt->attrCcMinor = 76;
  rt->attrSmCount = 16;

  const int rtMajor = rt->runtimeVersion / 1000;
  const std::string what =
      "the CUDA runtime " + runtimeVersionString(Vendor::Nvidia, rt->runtimeVersion) + " (" + rt->path + ")";
  const std::string need = "CUDA " + std::to_string(rtMajor) + ".x needs driver " + driverFloor(rtMajor) + " or newer";
  if (rt->driverVersion == 0)
    throw Error(ErrorKind::Unavailable,
                what + " found no NVIDIA driver on this node (" + need + "); run on a GPU node or install the driver");
  // Minor-version compatibility: any driver of the same CUDA major runs the runtime (§1).
  if (rt->driverVersion / 1000 < rtMajor)
    throw Error(ErrorKind::Unavailable, what + " is too new for this node's driver, which supports CUDA " +
                                            runtimeVersionString(Vendor::Nvidia, rt->driverVersion) + " (" + need +
                                            "); update the driver or point CCBENCH_CUDART at a libcudart.so." +
                                            std::to_string(rt->driverVersion / 1000));
  int count = 0;
  const int rc = rt->getDeviceCount(&count);
  if (rc == kCudaErrorInsufficientDriver)
    throw Error(ErrorKind::Unavailable, what + " refuses this node's driver (CUDA " +
                                            runtimeVersionString(Vendor::Nvidia, rt->driverVersion) + "; " + need +
                                            ")");
  if (rc == kCudaErrorStubLibrary)
    throw Error(ErrorKind::Unavailable, what +
                                            " reached the toolkit's stub libcuda.so instead of the driver; "
                                            "remove the CUDA stubs directory from LD_LIBRARY_PATH");
  if (rc == kCudaErrorSystemDriverMismatch)
    throw Error(ErrorKind::Unavailable, what +
                                            ": the NVIDIA kernel module and driver library versions differ "
                                            "(a driver update without a reboot?): " +
                                            rt->error(rc));
  return rt;
}

// The file of the HIP runtime already in this process: the one librccl uses (dlsym on a handle
// also searches its dependencies), else any libamdhip64 loaded. "" when none.
std::string hipInProcess(const std::vector<std::string>& sonames) {
  auto fileOf = [](void* handle) {
    std::string file;
    Dl_info info{};
    if (void* f = dlsym(handle, "hipMalloc"))
      if (dladdr(f, &info) && info.dli_fname) file = info.dli_fname;
    dlclose(handle);  // drops only the reference RTLD_NOLOAD added
    return file;
  };
  if (void* rccl = dlopen("librccl.so.1", RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD)) {
    const std::string f = fileOf(rccl);
    if (!f.empty()) return f;
  }
  for (const std::string& so : sonames)
    if (void* h = dlopen(so.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD)) {
      const std::string f = fileOf(h);
      if (!f.empty()) return f;
    }
  return "";
}

std::unique_ptr<Runtime> loadHip() {
  LibrarySpec spec;
  spec.what = "the HIP runtime";
  spec.sonames = {"libamdhip64.so.7", "libamdhip64.so.6", "libamdhip64.so.5"};
  // One HIP runtime per process (§9): HIP streams are objects of the runtime that made them, so
  // ours must be RCCL's. A second copy loaded from another path would be a separate runtime.
  const std::string inUse = hipInProcess(spec.sonames);
  if (!inUse.empty()) {
    spec.explicitPath = inUse;
    spec.explicitHow = "the HIP runtime already loaded";
  } else {
    spec.explicitPath = env("CCBENCH_HIPRT");
    spec.explicitHow = "CCBENCH_HIPRT";
  }
  if (!env("ROCM_PATH").empty()) spec.dirs.push_back(env("ROCM_PATH") + "/lib");
  spec.dirs.push_back("/opt/rocm/lib");
  for (const std::string& d : versionedDirs("/opt/rocm-*/lib")) spec.dirs.push_back(d);
  const Library lib = openLibrary(spec);

  auto rt = std::make_unique<Runtime>(Runtime{});
  rt->vendor = Vendor::Amd;
  rt->name = "HIP";
  rt->path = lib.path;
  bindTable(*rt, lib, "hip");
  readVersions(*rt, lib, "hip");
  // hipDeviceAttribute_t: positionally stable across HIP 5.2 … 7 (§7.1).
  rt->attrPciBusId = 67;
  rt->attrPciDeviceId = 68;
  rt->attrPciDomainId = 69;
  rt->attrCcMajor = 23;
  rt->attrCcMinor = 61;
  rt->attrSmCount = 63;
  Extras& x = extras(Vendor::Amd);
  x.hipDeviceGet = reinterpret_cast<int (*)(int*, int)>(symbol(lib, "hipDeviceGet", false));
  x.hipDeviceGetName = reinterpret_cast<int (*)(char*, int, int)>(symbol(lib, "hipDeviceGetName", false));
  x.hipGetDevicePropertiesR0600 =
      reinterpret_cast<int (*)(void*, int)>(symbol(lib, "hipGetDevicePropertiesR0600", false));
  return rt;
}

}  // namespace

std::string Runtime::deviceName(int device) const {
  Extras& x = extras(vendor);
  char buf[257] = {};
  const int len = int(sizeof buf) - 1;
  if (vendor == Vendor::Nvidia) {
    if (x.cuInit && x.cuDeviceGet && x.cuDeviceGetName) {
      std::call_once(x.cuInitOnce, [&x] { x.cuInitResult = x.cuInit(0); });
      int dev = 0;
      if (x.cuInitResult == 0 && x.cuDeviceGet(&dev, device) == 0 && x.cuDeviceGetName(buf, len, dev) == 0 && buf[0])
        return buf;
    }
  } else if (x.hipDeviceGet && x.hipDeviceGetName) {
    int dev = 0;
    if (x.hipDeviceGet(&dev, device) == kSuccess && x.hipDeviceGetName(buf, len, dev) == kSuccess && buf[0]) return buf;
  }
  return "unknown GPU";
}

std::string Runtime::arch(int device) const {
  if (vendor == Vendor::Nvidia) {
    int major = 0, minor = 0;
    if (deviceGetAttribute(&major, attrCcMajor, device) == kSuccess &&
        deviceGetAttribute(&minor, attrCcMinor, device) == kSuccess && major > 0)
      return "sm_" + std::to_string(major * 10 + minor);
    return "unknown";
  }
  const Extras& x = extras(vendor);
  if (!x.hipGetDevicePropertiesR0600) return "unknown";  // before ROCm 6.0
  // Generous headroom over sizeof(hipDeviceProp_tR0600) in case a later HIP grows it.
  std::unique_ptr<unsigned char[]> props(new unsigned char[4 * kR0600PropsBytes]());
  if (x.hipGetDevicePropertiesR0600(props.get(), device) != kSuccess) return "unknown";
  const char* gcn = reinterpret_cast<const char*>(props.get() + kR0600GcnArchName);
  std::string out(gcn, strnlen(gcn, 256));
  out = out.substr(0, out.find(':'));  // "gfx942:sramecc+:xnack-" → "gfx942"
  return out.empty() ? "unknown" : out;
}

std::string Runtime::pciBusId(int device) const {
  char buf[64] = {};
  if (deviceGetPCIBusId(buf, int(sizeof buf) - 1, device) == kSuccess && buf[0]) return buf;
  int domain = 0, bus = 0, dev = 0;
  if (deviceGetAttribute(&domain, attrPciDomainId, device) == kSuccess &&
      deviceGetAttribute(&bus, attrPciBusId, device) == kSuccess &&
      deviceGetAttribute(&dev, attrPciDeviceId, device) == kSuccess) {
    std::snprintf(buf, sizeof buf, "%04x:%02x:%02x.0", unsigned(domain), unsigned(bus), unsigned(dev));
    return buf;
  }
  return "unknown";
}

std::string Runtime::error(int code) const {
  const Extras& x = extras(vendor);
  const char* n = x.getErrorName ? x.getErrorName(code) : nullptr;
  const char* s = getErrorString ? getErrorString(code) : nullptr;
  std::string out = n && *n ? n : (vendor == Vendor::Nvidia ? "cudaError" : "hipError");
  out += ": ";
  out += s && *s ? s : "unknown error";
  return out + " (" + std::to_string(code) + ")";
}

void Runtime::check(int code, const char* what) const {
  if (code != kSuccess) throw Error(ErrorKind::Internal, std::string(what) + " failed: " + error(code));
}

const Runtime& runtime(Vendor v) {
  // A mutex rather than std::call_once: a failed load throws, and call_once with a throwing
  // callable has hung on some libstdc++ targets. Failures are not cached; a retry searches again.
  static std::mutex lock;
  static std::unique_ptr<Runtime> loaded[2];
  std::lock_guard<std::mutex> guard(lock);
  std::unique_ptr<Runtime>& slot = loaded[v == Vendor::Nvidia ? 0 : 1];
  if (!slot) slot = v == Vendor::Nvidia ? loadCuda() : loadHip();
  return *slot;
}

Vendor detectVendor() {
  std::string why[2];
  int i = 0;
  for (Vendor v : {Vendor::Nvidia, Vendor::Amd}) {
    try {
      const Runtime& rt = runtime(v);
      int n = 0;
      const int rc = rt.getDeviceCount(&n);
      if (rc == kSuccess && n > 0) return v;
      why[i] = "the " + rt.name + " runtime " + runtimeVersionString(v, rt.runtimeVersion) + " (" + rt.path +
               ") sees no GPU" + (rc != kSuccess ? ": " + rt.error(rc) : "");
    } catch (const std::exception& e) {
      why[i] = e.what();
    }
    ++i;
  }
  throw Error(ErrorKind::Unavailable, "no GPU was found (CUDA: " + why[0] + "; HIP: " + why[1] + ")");
}

}  // namespace ccb::gpu
