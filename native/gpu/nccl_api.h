// NCCL and RCCL, loaded at run time through our own declarations (gpu-abi.md §2–§8). Enum values
// only ever grew (§4), so ids pass through unchanged; symbols newer than the library's version are
// treated as absent even if they happen to resolve.
#pragma once
#include <string>

namespace ccb::gpu {

struct NcclUniqueId {  // NCCL_UNIQUE_ID_BYTES = 128, passed by value (§4)
  char internal[128];
};

struct NcclVersion {
  int code = 0, major = 0, minor = 0, patch = 0;
};
// Both formulas (§5): code ≥ 10000 → X·10000 + Y·100 + Z (2.9+), else X·1000 + Y·100 + Z.
NcclVersion decodeNcclVersion(int code);

constexpr int kNcclSuccess = 0;
constexpr int kNcclInProgress = 7;

struct NcclApi {
  bool rccl = false;  // librccl.so.1, or a library exporting ncclAllToAllv (§8)
  std::string path;
  NcclVersion version;

  // Required (all in NCCL ≤ 2.3.5 and every RCCL).
  int (*getVersion)(int*);
  int (*getUniqueId)(NcclUniqueId*);
  int (*commInitRank)(void** comm, int nranks, NcclUniqueId id, int rank);
  int (*commDestroy)(void* comm);
  const char* (*getErrorString)(int);
  int (*commCount)(const void* comm, int* count);
  int (*commUserRank)(const void* comm, int* rank);
  int (*groupStart)();
  int (*groupEnd)();
  int (*allReduce)(const void* send, void* recv, size_t count, int dtype, int op, void* comm, void* stream);
  int (*broadcast)(const void* send, void* recv, size_t count, int dtype, int root, void* comm, void* stream);
  int (*reduce)(const void* send, void* recv, size_t count, int dtype, int op, int root, void* comm, void* stream);
  int (*allGather)(const void* send, void* recv, size_t sendcount, int dtype, void* comm, void* stream);
  int (*reduceScatter)(const void* send, void* recv, size_t recvcount, int dtype, int op, void* comm, void* stream);

  // Optional, gated by version (§3.1): nullptr when absent or newer than the library.
  int (*commAbort)(void* comm) = nullptr;                                                               // 2.4.2
  int (*commGetAsyncError)(void* comm, int* result) = nullptr;                                          // 2.4.2
  int (*send)(const void* buf, size_t count, int dtype, int peer, void* comm, void* stream) = nullptr;  // 2.7.3
  int (*recv)(void* buf, size_t count, int dtype, int peer, void* comm, void* stream) = nullptr;        // 2.7.3
  const char* (*getLastError)(void* comm) = nullptr;                                                    // 2.13.4
  int (*commFinalize)(void* comm) = nullptr;                                                            // 2.14.3
  int (*commSplit)(void* comm, int color, int key, void** newcomm, void* config) = nullptr;             // 2.18.1
  // All-to-all: ncclAlltoAll (NCCL ≥ 2.28.3, RCCL ≥ 2.28.3), else RCCL's ncclAllToAll; count per peer.
  int (*allToAll)(const void* send, void* recv, size_t count, int dtype, void* comm, void* stream) = nullptr;
  int (*gather)(const void* send, void* recv, size_t count, int dtype, int root, void* comm,
                void* stream) = nullptr;  // NCCL 2.28.3; RCCL always
  int (*scatter)(const void* send, void* recv, size_t count, int dtype, int root, void* comm,
                 void* stream) = nullptr;  // NCCL 2.28.3; RCCL always

  bool hasAvg() const;                            // ncclAvg: 2.10.3
  bool hasBf16() const;                           // ncclBfloat16: 2.10.3 (RCCL always)
  bool hasFp8() const;                            // float8 e4m3/e5m2: NCCL 2.24.3, RCCL 2.20.5
  std::string describe() const;                   // "NCCL 2.30.7 (/path/libnccl.so.2)"
  std::string error(int code, void* comm) const;  // getErrorString + getLastError when present
};

// Loads NCCL (rccl = false: libnccl.so.2) or RCCL (librccl.so.1) once; throws Unavailable listing
// where it looked. NCCL search: explicitPath (--nccl-lib / CCBENCH_NCCL_LIB, read here when the
// argument is empty), a loaded copy, the pip wheel dirs for "nccl" of the Python environments on
// PATH, $CUDA_HOME/lib64, /usr/local/cuda/lib64, then the loader. RCCL: explicitPath
// (--nccl-lib / CCBENCH_RCCL_LIB), a loaded copy, $ROCM_PATH/lib, /opt/rocm/lib, /opt/rocm-*/lib, the loader.
// Later calls return the library first loaded, whatever path they pass.
const NcclApi& ncclApi(bool rccl, const std::string& explicitPath);

}  // namespace ccb::gpu
