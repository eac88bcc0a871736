// Loading NCCL or RCCL and resolving its entry points (gpu-abi.md §2–§8). Optional entries are
// gated by the version the library reports, so a symbol that resolves in a library too old to
// define it (an accident of some build, or a stub) is never called.
#include "nccl_api.h"

#include <dlfcn.h>

#include <cstdlib>
#include <memory>
#include <mutex>
#include <tuple>
#include <vector>

#include "../common/error.h"
#include "loader.h"

namespace ccb::gpu {

NcclVersion decodeNcclVersion(int code) {
  NcclVersion v;
  v.code = code;
  if (code <= 0) return v;
  if (code >= 10000) {  // NCCL_VERSION since 2.9: X·10000 + Y·100 + Z
    v.major = code / 10000;
    v.minor = (code / 100) % 100;
  } else {  // up to 2.8: X·1000 + Y·100 + Z
    v.major = code / 1000;
    v.minor = (code / 100) % 10;
  }
  v.patch = code % 100;
  return v;
}

namespace {

bool atLeast(const NcclVersion& v, int major, int minor, int patch) {
  return std::tie(v.major, v.minor, v.patch) >= std::tie(major, minor, patch);
}

std::string versionText(const NcclVersion& v) {
  return std::to_string(v.major) + "." + std::to_string(v.minor) + "." + std::to_string(v.patch);
}

// ncclResult_t names; values were only ever appended (§4).
const char* resultName(int code) {
  static const char* const names[] = {"ncclSuccess",       "ncclUnhandledCudaError", "ncclSystemError",
                                      "ncclInternalError", "ncclInvalidArgument",    "ncclInvalidUsage",
                                      "ncclRemoteError",   "ncclInProgress",         "ncclTimeout"};
  return code >= 0 && code < int(sizeof names / sizeof names[0]) ? names[code] : "ncclResult";
}

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

template <class F>
void required(F& fn, const Library& lib, const char* name) {
  fn = reinterpret_cast<F>(symbol(lib, name, true));
}

template <class F>
void optional(F& fn, const Library& lib, const char* name, bool versionAllows) {
  fn = versionAllows ? reinterpret_cast<F>(symbol(lib, name, false)) : nullptr;
}

std::string fileOf(void* address) {
  Dl_info info{};
  return address && dladdr(address, &info) && info.dli_fname ? info.dli_fname : "an unknown file";
}

// RCCL must share the process's one HIP runtime (§9). A libamdhip64 of another soname loaded
// earlier (by the HIP runtime table) would be a second runtime whose streams RCCL cannot use.
void checkOneHipRuntime(const Library& lib) {
  void* mine = dlsym(lib.handle, "hipMalloc");
  if (!mine) return;
  for (const char* so : {"libamdhip64.so.7", "libamdhip64.so.6", "libamdhip64.so.5"}) {
    void* h = dlopen(so, RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
    if (!h) continue;
    void* other = dlsym(h, "hipMalloc");
    dlclose(h);
    if (other && other != mine)
      throw Error(ErrorKind::Unavailable, "RCCL (" + lib.path + ") uses the HIP runtime " + fileOf(mine) +
                                              ", but another HIP runtime, " + fileOf(other) +
                                              ", is already loaded in this process; point CCBENCH_HIPRT at " +
                                              fileOf(mine) + " or --nccl-lib at an RCCL of the same ROCm");
  }
}

LibrarySpec specFor(bool rccl, const std::string& explicitPath) {
  LibrarySpec spec;
  if (!rccl) {
    spec.what = "NCCL";
    spec.sonames = {"libnccl.so.2"};
    spec.explicitPath = explicitPath.empty() ? env("CCBENCH_NCCL_LIB") : explicitPath;
    spec.explicitHow = "--nccl-lib or CCBENCH_NCCL_LIB";
    spec.dirs = pythonWheelDirs("nccl");
    if (!env("CUDA_HOME").empty()) spec.dirs.push_back(env("CUDA_HOME") + "/lib64");
    spec.dirs.push_back("/usr/local/cuda/lib64");
  } else {
    spec.what = "RCCL";
    spec.sonames = {"librccl.so.1"};
    spec.explicitPath = explicitPath.empty() ? env("CCBENCH_RCCL_LIB") : explicitPath;
    spec.explicitHow = "--nccl-lib or CCBENCH_RCCL_LIB";
    if (!env("ROCM_PATH").empty()) spec.dirs.push_back(env("ROCM_PATH") + "/lib");
    spec.dirs.push_back("/opt/rocm/lib");
    for (const std::string& d : versionedDirs("/opt/rocm-*/lib")) spec.dirs.push_back(d);
  }
  return spec;
}

std::unique_ptr<NcclApi> load(bool rccl, const std::string& explicitPath) {
  const LibrarySpec spec = specFor(rccl, explicitPath);
  const Library lib = openLibrary(spec);
  auto api = std::make_unique<NcclApi>();
  api->path = lib.path;

  required(api->getVersion, lib, "ncclGetVersion");
  required(api->getUniqueId, lib, "ncclGetUniqueId");
  required(api->commInitRank, lib, "ncclCommInitRank");
  required(api->commDestroy, lib, "ncclCommDestroy");
  required(api->getErrorString, lib, "ncclGetErrorString");
  required(api->commCount, lib, "ncclCommCount");
  required(api->commUserRank, lib, "ncclCommUserRank");
  required(api->groupStart, lib, "ncclGroupStart");
  required(api->groupEnd, lib, "ncclGroupEnd");
  required(api->allReduce, lib, "ncclAllReduce");
  required(api->broadcast, lib, "ncclBroadcast");
  required(api->reduce, lib, "ncclReduce");
  required(api->allGather, lib, "ncclAllGather");
  required(api->reduceScatter, lib, "ncclReduceScatter");

  int code = 0;
  const int rc = api->getVersion(&code);
  if (rc != kNcclSuccess || code <= 0)
    throw Error(ErrorKind::Unavailable, spec.what + " (" + lib.path +
                                            ") did not report its version (ncclGetVersion returned " +
                                            std::to_string(rc) + ")");
  api->version = decodeNcclVersion(code);
  // NCCL has never exported an all-to-all-v; RCCL has since ROCm 4.0, and newer RCCL also under
  // NCCL-style spelling (§8).
  const std::string file = lib.path.substr(lib.path.rfind('/') + 1);
  api->rccl = rccl || file.compare(0, 10, "librccl.so") == 0 || symbol(lib, "ncclAllToAllv", false) ||
              symbol(lib, "ncclAlltoAllv", false);

  const NcclVersion& v = api->version;
  const bool r = api->rccl;
  optional(api->commAbort, lib, "ncclCommAbort", atLeast(v, 2, 4, 2));
  optional(api->commGetAsyncError, lib, "ncclCommGetAsyncError", atLeast(v, 2, 4, 2));
  optional(api->send, lib, "ncclSend", atLeast(v, 2, 7, 3));
  optional(api->recv, lib, "ncclRecv", atLeast(v, 2, 7, 3));
  optional(api->getLastError, lib, "ncclGetLastError", atLeast(v, 2, 13, 4));
  optional(api->commFinalize, lib, "ncclCommFinalize", atLeast(v, 2, 14, 3));
  optional(api->commSplit, lib, "ncclCommSplit", r ? atLeast(v, 2, 18, 3) : atLeast(v, 2, 18, 1));
  // RCCL kept Gather/Scatter/AllToAll from NCCL 1.x (rocm-3.7.0 = 2.7.6); NCCL restored them in 2.28.3.
  const bool rcclLegacyOps = r && atLeast(v, 2, 7, 6);
  optional(api->gather, lib, "ncclGather", rcclLegacyOps || atLeast(v, 2, 28, 3));
  optional(api->scatter, lib, "ncclScatter", rcclLegacyOps || atLeast(v, 2, 28, 3));
  optional(api->allToAll, lib, "ncclAlltoAll", atLeast(v, 2, 28, 3));
  if (!api->allToAll) optional(api->allToAll, lib, "ncclAllToAll", rcclLegacyOps);

  if (r) checkOneHipRuntime(lib);
  return api;
}

}  // namespace

bool NcclApi::hasAvg() const { return atLeast(version, 2, 10, 3); }
bool NcclApi::hasBf16() const { return rccl || atLeast(version, 2, 10, 3); }
bool NcclApi::hasFp8() const { return rccl ? atLeast(version, 2, 20, 5) : atLeast(version, 2, 24, 3); }

std::string NcclApi::describe() const {
  return std::string(rccl ? "RCCL " : "NCCL ") + versionText(version) + " (" + path + ")";
}

std::string NcclApi::error(int code, void* comm) const {
  const char* text = getErrorString ? getErrorString(code) : nullptr;
  std::string out = std::string(resultName(code)) + ": " + (text && *text ? text : "unknown error") + " (" +
                    std::to_string(code) + ")";
  // One process-wide buffer in NCCL (comm is ignored); often names the failing peer or call.
  const char* last = getLastError ? getLastError(comm) : nullptr;
  if (last && *last) {
    std::string detail = last;
    for (char& c : detail)
      if (c == '\n' || c == '\r') c = ' ';
    while (!detail.empty() && detail.back() == ' ') detail.pop_back();
    if (!detail.empty()) out += "; last error: " + detail;
  }
  return out;
}

const NcclApi& ncclApi(bool rccl, const std::string& explicitPath) {
  // Same reasoning as runtime(): a mutex, and failures not cached. Once loaded, a library stays:
  // two copies of NCCL in one process would not share communicators.
  static std::mutex lock;
  static std::unique_ptr<NcclApi> loaded[2];
  std::lock_guard<std::mutex> guard(lock);
  std::unique_ptr<NcclApi>& slot = loaded[rccl ? 1 : 0];
  if (!slot) slot = load(rccl, explicitPath);
  return *slot;
}

}  // namespace ccb::gpu
