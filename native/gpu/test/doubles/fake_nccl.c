/* TEST DOUBLE, not NCCL: a stand-in for libnccl.so.2 / librccl.so.1 that exists only to exercise
 * ccbench's loader plumbing (search order, required and version-gated symbols, RCCL detection).
 * It communicates nothing. Built several times with different macros:
 *   FAKE_VERSION=<code>   what ncclGetVersion reports (e.g. 23007, 2708, 22105)
 *   FAKE_RCCL             also export RCCL's ncclAllToAll and ncclAllToAllv
 *   FAKE_OMIT_BROADCAST   leave out a required symbol (ncclBroadcast)
 *   FAKE_LINK_HIP         call into libamdhip64 so the library NEEDs it, as the real RCCL does
 * Every other entry point ccbench knows is exported whatever the version, so that the loader's
 * version gating, not the symbol table, is what the tests observe. */
#include <stddef.h>
#include <string.h>

#ifndef FAKE_VERSION
#error "define FAKE_VERSION"
#endif

#define EXPORT __attribute__((visibility("default")))

typedef struct {
  char internal[128];
} FakeId;
typedef void* Comm;
typedef void* Stream;

#ifdef FAKE_LINK_HIP
extern int hipGetDeviceCount(int* count);
#endif

EXPORT int ncclGetVersion(int* version) {
  *version = FAKE_VERSION;
  return 0;
}
EXPORT int ncclGetUniqueId(FakeId* id) {
  memset(id, 0x42, sizeof *id);
#ifdef FAKE_LINK_HIP
  int n = 0;
  hipGetDeviceCount(&n);
#endif
  return 0;
}
EXPORT int ncclCommInitRank(Comm* comm, int nranks, FakeId id, int rank) {
  (void)nranks;
  (void)id;
  (void)rank;
  *comm = NULL;
  return 0;
}
EXPORT int ncclCommDestroy(Comm comm) {
  (void)comm;
  return 0;
}
EXPORT const char* ncclGetErrorString(int result) { return result == 5 ? "fake: invalid usage" : "fake: some error"; }
EXPORT int ncclCommCount(const Comm comm, int* count) {
  (void)comm;
  *count = 1;
  return 0;
}
EXPORT int ncclCommUserRank(const Comm comm, int* rank) {
  (void)comm;
  *rank = 0;
  return 0;
}
EXPORT int ncclGroupStart(void) { return 0; }
EXPORT int ncclGroupEnd(void) { return 0; }
EXPORT int ncclAllReduce(const void* s, void* r, size_t n, int t, int op, Comm c, Stream st) {
  (void)s;
  (void)r;
  (void)n;
  (void)t;
  (void)op;
  (void)c;
  (void)st;
  return 0;
}
#ifndef FAKE_OMIT_BROADCAST
EXPORT int ncclBroadcast(const void* s, void* r, size_t n, int t, int root, Comm c, Stream st) {
  (void)s;
  (void)r;
  (void)n;
  (void)t;
  (void)root;
  (void)c;
  (void)st;
  return 0;
}
#endif
EXPORT int ncclReduce(const void* s, void* r, size_t n, int t, int op, int root, Comm c, Stream st) {
  (void)s;
  (void)r;
  (void)n;
  (void)t;
  (void)op;
  (void)root;
  (void)c;
  (void)st;
  return 0;
}
EXPORT int ncclAllGather(const void* s, void* r, size_t n, int t, Comm c, Stream st) {
  (void)s;
  (void)r;
  (void)n;
  (void)t;
  (void)c;
  (void)st;
  return 0;
}
EXPORT int ncclReduceScatter(const void* s, void* r, size_t n, int t, int op, Comm c, Stream st) {
  (void)s;
  (void)r;
  (void)n;
  (void)t;
  (void)op;
  (void)c;
  (void)st;
  return 0;
}

/* Optional entries (gated by version in the loader). */
EXPORT int ncclCommAbort(Comm c) {
  (void)c;
  return 0;
}
EXPORT int ncclCommGetAsyncError(Comm c, int* result) {
  (void)c;
  *result = 0;
  return 0;
}
EXPORT int ncclSend(const void* b, size_t n, int t, int peer, Comm c, Stream st) {
  (void)b;
  (void)n;
  (void)t;
  (void)peer;
  (void)c;
  (void)st;
  return 0;
}
EXPORT int ncclRecv(void* b, size_t n, int t, int peer, Comm c, Stream st) {
  (void)b;
  (void)n;
  (void)t;
  (void)peer;
  (void)c;
  (void)st;
  return 0;
}
EXPORT const char* ncclGetLastError(Comm c) {
  (void)c;
  return "fake last error\n";
}
EXPORT int ncclCommFinalize(Comm c) {
  (void)c;
  return 0;
}
EXPORT int ncclCommSplit(Comm c, int color, int key, Comm* out, void* config) {
  (void)c;
  (void)color;
  (void)key;
  (void)config;
  *out = NULL;
  return 0;
}
EXPORT int ncclAlltoAll(const void* s, void* r, size_t n, int t, Comm c, Stream st) {
  (void)s;
  (void)r;
  (void)n;
  (void)t;
  (void)c;
  (void)st;
  return 0;
}
EXPORT int ncclGather(const void* s, void* r, size_t n, int t, int root, Comm c, Stream st) {
  (void)s;
  (void)r;
  (void)n;
  (void)t;
  (void)root;
  (void)c;
  (void)st;
  return 0;
}
EXPORT int ncclScatter(const void* s, void* r, size_t n, int t, int root, Comm c, Stream st) {
  (void)s;
  (void)r;
  (void)n;
  (void)t;
  (void)root;
  (void)c;
  (void)st;
  return 0;
}

#ifdef FAKE_RCCL
/* RCCL's own spellings (gpu-abi.md §8). A distinct body from ncclAlltoAll keeps the addresses apart. */
EXPORT int ncclAllToAll(const void* s, void* r, size_t n, int t, Comm c, Stream st) {
  (void)s;
  (void)r;
  (void)n;
  (void)t;
  (void)c;
  (void)st;
  return 1;
}
EXPORT int ncclAllToAllv(const void* s, const size_t* sc, const size_t* sd, void* r, const size_t* rc, const size_t* rd,
                         int t, Comm c, Stream st) {
  (void)s;
  (void)sc;
  (void)sd;
  (void)r;
  (void)rc;
  (void)rd;
  (void)t;
  (void)c;
  (void)st;
  return 0;
}
#endif
