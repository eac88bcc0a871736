// decodeNcclVersion and ncclApi(): required symbols, version gating, RCCL detection and spelling.
#include <dlfcn.h>

#include "../nccl_api.h"
#include "harness.h"

using ccb::gpu::decodeNcclVersion;
using ccb::gpu::NcclApi;
using ccb::gpu::ncclApi;

namespace {

void* sym(const NcclApi& api, const char* name) {
  void* h = dlopen(api.path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
  void* p = h ? dlsym(h, name) : nullptr;
  if (h) dlclose(h);
  return p;
}

template <class F>
bool is(F fn, const NcclApi& api, const char* name) {
  return fn && reinterpret_cast<void*>(fn) == sym(api, name);
}

void decode() {
  struct Case {
    int code, major, minor, patch;
    const char* what;
  };
  const Case cases[] = {
      {2804, 2, 8, 4, "NCCL 2.8.4 (old formula)"},
      {2708, 2, 7, 8, "NCCL 2.7.8 (old formula)"},
      {21003, 2, 10, 3, "NCCL 2.10.3 (new formula)"},
      {22305, 2, 23, 5, "NCCL 2.23.5"},
      {23007, 2, 30, 7, "NCCL 2.30.7"},
      {21803, 2, 18, 3, "RCCL 2.18.3 (ROCm 6.0)"},
      {22105, 2, 21, 5, "RCCL 2.21.5 (ROCm 6.3)"},
      {22707, 2, 27, 7, "RCCL 2.27.7 (ROCm 7.1)"},
      {2706, 2, 7, 6, "RCCL 2.7.6 (rocm-3.7.0)"},
      {0, 0, 0, 0, "0 (no version)"},
  };
  for (const Case& c : cases) {
    const auto v = decodeNcclVersion(c.code);
    t::check(v.code == c.code && v.major == c.major && v.minor == c.minor && v.patch == c.patch,
             std::string("decodeNcclVersion: ") + c.what,
             std::to_string(v.major) + "." + std::to_string(v.minor) + "." + std::to_string(v.patch));
  }
}

CHILD(ncclNew, "nccl-2.30.7") {
  const NcclApi& api = ncclApi(false, t::doubles("nccl_new"));
  t::check(!api.rccl && api.version.code == 23007, "NCCL 2.30.7 loaded, not RCCL");
  t::check(api.describe() == "NCCL 2.30.7 (" + t::real(t::doubles("nccl_new/libnccl.so.2")) + ")", "describe()",
           api.describe());
  t::check(is(api.commAbort, api, "ncclCommAbort") && is(api.commGetAsyncError, api, "ncclCommGetAsyncError") &&
               is(api.send, api, "ncclSend") && is(api.recv, api, "ncclRecv") &&
               is(api.getLastError, api, "ncclGetLastError") && is(api.commFinalize, api, "ncclCommFinalize") &&
               is(api.commSplit, api, "ncclCommSplit"),
           "every optional entry of a new library is bound");
  t::check(
      is(api.allToAll, api, "ncclAlltoAll") && is(api.gather, api, "ncclGather") && is(api.scatter, api, "ncclScatter"),
      "2.28.3 collectives bound with NCCL's spelling");
  t::check(api.hasAvg() && api.hasBf16() && api.hasFp8(), "avg, bf16 and fp8 available");
  t::check(api.error(5, nullptr) == "ncclInvalidUsage: fake: invalid usage (5); last error: fake last error",
           "error(): name, text, code and the last error on one line", api.error(5, nullptr));
  t::check(t::contains(api.error(8, nullptr), "ncclTimeout") && t::contains(api.error(42, nullptr), "(42)"),
           "error(): names appended later and unknown codes");
  t::check(&ncclApi(false, "") == &api, "loaded once: a later call returns the same table");
}

CHILD(ncclOld, "nccl-2.7.8") {
  const NcclApi& api = ncclApi(false, t::doubles("nccl_old"));
  t::check(api.version.major == 2 && api.version.minor == 7 && api.version.patch == 8, "NCCL 2.7.8 decoded");
  t::check(sym(api, "ncclCommSplit") != nullptr && api.commSplit == nullptr,
           "ncclCommSplit exported by a 2.7.8 library is still treated as absent");
  t::check(!api.getLastError && !api.commFinalize && !api.allToAll && !api.gather && !api.scatter,
           "entries newer than 2.7.8 are nulled");
  t::check(api.send && api.recv && api.commAbort && api.commGetAsyncError, "2.4.2 and 2.7.3 entries are bound");
  t::check(!api.hasAvg() && !api.hasBf16() && !api.hasFp8(), "no avg, bf16 or fp8 before 2.10");
  t::check(api.error(5, nullptr) == "ncclInvalidUsage: fake: invalid usage (5)", "error() without getLastError",
           api.error(5, nullptr));
}

CHILD(ncclEnv, "nccl-env") {
  const NcclApi& api = ncclApi(false, "");
  t::check(api.version.code == 2708, "CCBENCH_NCCL_LIB is read when no path is passed");
}

CHILD(ncclWheel, "nccl-python-wheel") {
  const NcclApi& api = ncclApi(false, "");
  t::check(api.path == t::real(t::doubles("nccl_new/libnccl.so.2")) && api.version.code == 23007,
           "found in a pip wheel of a Python environment on PATH", api.path);
}

CHILD(ncclMissing, "nccl-missing-required") {
  ccb::ErrorKind kind = ccb::ErrorKind::Internal;
  const std::string msg = t::errorOf([] { ncclApi(false, t::doubles("nccl_missing")); }, &kind);
  t::check(kind == ccb::ErrorKind::Unavailable && t::contains(msg, "ncclBroadcast is missing from ") &&
               t::contains(msg, t::real(t::doubles("nccl_missing/libnccl.so.2"))),
           "a missing required symbol is named with the library", msg);
}

CHILD(ncclNotFound, "nccl-not-found") {
  const std::string msg = t::errorOf([] { ncclApi(false, ""); });
  const std::string wheel = t::real(t::tempDir() + "/venv/lib/python3.12/site-packages/nvidia/nccl/lib");
  t::check(t::contains(msg, "NCCL was not found (tried: a copy already loaded: none; " + wheel +
                                "/libnccl.so.2 (no such file); ") &&
               t::contains(msg, "/usr/local/cuda/lib64") && t::contains(msg, "libnccl.so.2 via the loader: ") &&
               t::contains(msg, "); point --nccl-lib or CCBENCH_NCCL_LIB at libnccl.so.2 or its directory"),
           "not found: wheel dir, CUDA dir and the loader listed, the option and variable named", msg);
}

CHILD(rcclNotFound, "rccl-not-found") {
  const std::string msg = t::errorOf([] { ncclApi(true, ""); });
  t::check(t::contains(msg, "RCCL was not found (tried: a copy already loaded: none; " + t::tempDir() +
                                "/rocm/lib (no such directory); /opt/rocm/lib") &&
               t::contains(msg, "librccl.so.1 via the loader: ") &&
               t::contains(msg, "); point --nccl-lib or CCBENCH_RCCL_LIB at librccl.so.1 or its directory"),
           "RCCL not found: $ROCM_PATH/lib, /opt/rocm/lib and the loader listed", msg);
}

CHILD(rccl, "rccl-2.21.5") {
  const NcclApi& api = ncclApi(true, t::doubles("rccl"));
  t::check(api.rccl && api.describe() == "RCCL 2.21.5 (" + t::real(t::doubles("rccl/librccl.so.1")) + ")",
           "RCCL 2.21.5 loaded", api.describe());
  t::check(is(api.allToAll, api, "ncclAllToAll") && sym(api, "ncclAlltoAll") != nullptr,
           "all-to-all is RCCL's ncclAllToAll before 2.28.3, even when ncclAlltoAll resolves");
  t::check(is(api.gather, api, "ncclGather") && is(api.scatter, api, "ncclScatter"), "RCCL gather/scatter bound");
  t::check(is(api.commSplit, api, "ncclCommSplit"), "ncclCommSplit bound at RCCL 2.21.5");
  t::check(api.hasFp8() && api.hasBf16() && api.hasAvg(), "RCCL 2.21.5: fp8 (from 2.20.5), bf16, avg");
}

CHILD(rcclOldSplit, "rccl-2.18.1") {
  const NcclApi& api = ncclApi(true, "");
  t::check(api.rccl && api.version.code == 21801, "RCCL found through CCBENCH_RCCL_LIB");
  t::check(!api.commSplit && sym(api, "ncclCommSplit"), "RCCL gates ncclCommSplit at 2.18.3 (NCCL: 2.18.1)");
  t::check(!api.hasFp8() && api.hasBf16(), "RCCL 2.18: no fp8, bf16 always");
}

CHILD(ncclIsRccl, "nccl-name-but-rccl") {
  const NcclApi& api = ncclApi(false, t::doubles("nccl_isrccl"));
  t::check(api.rccl && t::contains(api.describe(), "RCCL 2.21.5"),
           "a libnccl.so.2 exporting ncclAllToAllv is recognised as RCCL");
}

}  // namespace

void runNcclTests() {
  decode();
  t::child("nccl-2.30.7", {});
  t::child("nccl-2.7.8", {{"LD_LIBRARY_PATH", t::doubles("nccl_new")}});
  t::child("nccl-env", {{"CCBENCH_NCCL_LIB", t::doubles("nccl_old/libnccl.so.2")}});
  // A second Python environment whose wheel directory holds (a link to) the 2.30.7 double.
  const std::string venv2 = t::tempDir() + "/venv2", lib = venv2 + "/lib/python3.12/site-packages/nvidia/nccl/lib";
  t::makeDirs(venv2 + "/bin");
  t::makeDirs(lib);
  t::writeFile(venv2 + "/bin/python3", "#!/bin/sh\n", true);
  t::link(t::doubles("nccl_new/libnccl.so.2"), lib + "/libnccl.so.2");
  t::child("nccl-python-wheel", {{"PATH", venv2 + "/bin"}});
  t::child("nccl-missing-required", {});
  t::child("nccl-not-found", {{"PATH", t::tempDir() + "/venv/bin"}});
  t::child("rccl-not-found", {{"ROCM_PATH", t::tempDir() + "/rocm"}});
  t::child("rccl-2.21.5", {});
  t::child("rccl-2.18.1", {{"CCBENCH_RCCL_LIB", t::doubles("rccl_2181")}});
  t::child("nccl-name-but-rccl", {});
}
