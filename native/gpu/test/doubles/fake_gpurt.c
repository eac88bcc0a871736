/* TEST DOUBLE, not a GPU runtime: a stand-in for libcudart.so.N (or, with FAKE_HIP, for
 * libamdhip64.so.N) that exists only to exercise ccbench's runtime table, its checks and the GPU
 * Device class without a GPU. "Device memory" is host memory; streams, events and graphs are
 * small host objects. Behaviour comes from macros (defaults) and environment variables:
 *   FAKE_RUNTIME / FAKE_RUNTIME_VERSION   what *RuntimeGetVersion reports
 *   FAKE_DRIVER  / FAKE_DRIVER_VERSION    what *DriverGetVersion reports (0 = no driver)
 *   FAKE_DEVICES                          device count (default 0: returns the no-device error)
 *   FAKE_COUNT_ERROR                      a code *GetDeviceCount returns instead
 *   FAKE_MEM_LIMIT                        largest allocation that succeeds (default 64 MiB)
 *   FAKE_NO_PCI_STRING                    make *DeviceGetPCIBusId fail (attribute fallback)
 *   FAKE_R0600 (macro, HIP)               export hipGetDevicePropertiesR0600 (ROCm 6+)
 * Functions named fake_* let the tests look inside. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define EXPORT __attribute__((visibility("default")))
#ifdef FAKE_HIP
#define API(name) hip##name
#define VENDOR "hip"
#else
#define API(name) cuda##name
#define VENDOR "cuda"
#endif

enum {
  kSuccess = 0,
  kInvalidValue = 1,
  kOutOfMemory = 2,
  kNoDevice = 100,
  kInvalidDevice = 101,
  kNotReady = 600,
  kCaptureUnsupported = 900
};

typedef struct {
  int pending, capturing;
  unsigned flags;
} Stream;
typedef struct {
  double t;
  int recorded;
  unsigned flags;
} Event;
typedef struct {
  int unused;
} Graph;

static long live = 0; /* streams, events, graphs, execs and allocations not yet released */
static unsigned lastStreamFlags = 0xffffffffu;
static int lastCaptureMode = -1, launches = 0, current = 0;
static size_t used = 0;
static const size_t kTotal = (size_t)80 << 30;

static long envLong(const char* name, long fallback) {
  const char* v = getenv(name);
  return v && *v ? strtol(v, NULL, 10) : fallback;
}
static int devices(void) { return (int)envLong("FAKE_DEVICES", 0); }
static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

EXPORT long fake_live_objects(void) { return live; }
EXPORT unsigned fake_last_stream_flags(void) { return lastStreamFlags; }
EXPORT int fake_last_capture_mode(void) { return lastCaptureMode; }
EXPORT int fake_graph_launches(void) { return launches; }

EXPORT int API(RuntimeGetVersion)(int* v) {
  *v = (int)envLong("FAKE_RUNTIME_VERSION", FAKE_RUNTIME);
  return 0;
}
EXPORT int API(DriverGetVersion)(int* v) {
  *v = (int)envLong("FAKE_DRIVER_VERSION", FAKE_DRIVER);
  return 0;
}

EXPORT int API(GetDeviceCount)(int* n) {
  const long forced = envLong("FAKE_COUNT_ERROR", 0);
  *n = forced ? 0 : devices();
  if (forced) return (int)forced;
  return *n > 0 ? kSuccess : kNoDevice;
}
EXPORT int API(SetDevice)(int d) {
  if (d < 0 || d >= devices()) return kInvalidDevice;
  current = d;
  return kSuccess;
}
EXPORT int API(GetDevice)(int* d) {
  *d = current;
  return kSuccess;
}

/* Only the vendor's own attribute numbers are known, as in the real runtimes. */
EXPORT int API(DeviceGetAttribute)(int* v, int attr, int dev) {
  if (dev < 0 || dev >= devices()) return kInvalidDevice;
#ifdef FAKE_HIP
  switch (attr) {
    case 63: *v = 304; return kSuccess;        /* MultiprocessorCount */
    case 67: *v = 0xc1 + dev; return kSuccess; /* PciBusId */
    case 68: *v = 0; return kSuccess;          /* PciDeviceId */
    case 69: *v = 0; return kSuccess;          /* PciDomainId */
    case 23: *v = 9; return kSuccess;          /* ComputeCapabilityMajor */
    case 61: *v = 4; return kSuccess;          /* ComputeCapabilityMinor */
  }
#else
  switch (attr) {
    case 16: *v = 132; return kSuccess;
    case 33: *v = 0x17 + dev; return kSuccess;
    case 34: *v = 0; return kSuccess;
    case 50: *v = 0; return kSuccess;
    case 75: *v = 9; return kSuccess;
    case 76: *v = 0; return kSuccess;
  }
#endif
  return kInvalidValue;
}
EXPORT int API(DeviceGetPCIBusId)(char* buf, int len, int dev) {
  if (getenv("FAKE_NO_PCI_STRING")) return kInvalidValue;
  if (dev < 0 || dev >= devices()) return kInvalidDevice;
#ifdef FAKE_HIP
  snprintf(buf, (size_t)len, "0000:%02x:00.0", 0xc1 + dev);
#else
  snprintf(buf, (size_t)len, "0000:%02x:00.0", 0x17 + dev);
#endif
  return kSuccess;
}
EXPORT int API(MemGetInfo)(size_t* freeBytes, size_t* total) {
  *total = kTotal;
  *freeBytes = kTotal - used;
  return kSuccess;
}

/* Each block carries its size in front, so that free memory can be reported. */
EXPORT int API(Malloc)(void** p, size_t bytes) {
  if (bytes > (size_t)envLong("FAKE_MEM_LIMIT", 64L << 20)) return kOutOfMemory;
  unsigned char* b = malloc(bytes + 16);
  if (!b) return kOutOfMemory;
  memcpy(b, &bytes, sizeof bytes);
  memset(b + 16, 0xab, bytes); /* garbage, so that a missing touch shows */
  used += bytes;
  ++live;
  *p = b + 16;
  return kSuccess;
}
EXPORT int API(Free)(void* p) {
  if (!p) return kSuccess;
  unsigned char* b = (unsigned char*)p - 16;
  size_t bytes;
  memcpy(&bytes, b, sizeof bytes);
  used -= bytes;
  --live;
  free(b);
  return kSuccess;
}
EXPORT int API(Memcpy)(void* dst, const void* src, size_t n, int kind) {
  if (kind != 1 && kind != 2) return kInvalidValue;
  memcpy(dst, src, n);
  return kSuccess;
}
EXPORT int API(Memset)(void* p, int v, size_t n) {
  memset(p, v, n);
  return kSuccess;
}
EXPORT int API(DeviceSynchronize)(void) { return kSuccess; }

EXPORT int API(StreamCreateWithFlags)(void** s, unsigned flags) {
  Stream* st = calloc(1, sizeof *st);
  st->flags = lastStreamFlags = flags;
  ++live;
  *s = st;
  return kSuccess;
}
EXPORT int API(StreamSynchronize)(void* s) {
  Stream* st = s;
  if (st && st->capturing) return kCaptureUnsupported;
  if (st) st->pending = 0;
  return kSuccess;
}
EXPORT int API(StreamQuery)(void* s) {
  Stream* st = s;
  if (st && st->pending) {
    st->pending = 0;
    return kNotReady;
  } /* busy once, then done */
  return kSuccess;
}
EXPORT int API(StreamDestroy)(void* s) {
  free(s);
  --live;
  return kSuccess;
}

EXPORT int API(EventCreateWithFlags)(void** e, unsigned flags) {
  Event* ev = calloc(1, sizeof *ev);
  ev->flags = flags;
  ++live;
  *e = ev;
  return kSuccess;
}
EXPORT int API(EventRecord)(void* e, void* s) {
  Event* ev = e;
  ev->t = now();
  ev->recorded = 1;
  if (s) ((Stream*)s)->pending = 1;
  return kSuccess;
}
EXPORT int API(EventSynchronize)(void* e) {
  (void)e;
  return kSuccess;
}
EXPORT int API(EventElapsedTime)(float* ms, void* a, void* b) {
  Event *x = a, *y = b;
  if (!x->recorded || !y->recorded) return kNotReady;
  if ((x->flags | y->flags) & 2) return kInvalidValue; /* DisableTiming */
  *ms = (float)((y->t - x->t) * 1e3);
  return kSuccess;
}
EXPORT int API(EventDestroy)(void* e) {
  free(e);
  --live;
  return kSuccess;
}

EXPORT int API(StreamBeginCapture)(void* s, int mode) {
  Stream* st = s;
  lastCaptureMode = mode;
  if (st->capturing) return kInvalidValue;
  st->capturing = 1;
  return kSuccess;
}
EXPORT int API(StreamEndCapture)(void* s, void** graph) {
  Stream* st = s;
  if (!st->capturing) return kInvalidValue;
  st->capturing = 0;
  *graph = calloc(1, sizeof(Graph));
  ++live;
  return kSuccess;
}
EXPORT int API(GraphInstantiateWithFlags)(void** exec, void* graph, unsigned long long flags) {
  (void)flags;
  if (!graph) return kInvalidValue;
  *exec = calloc(1, sizeof(Graph));
  ++live;
  return kSuccess;
}
EXPORT int API(GraphLaunch)(void* exec, void* s) {
  if (!exec) return kInvalidValue;
  ++launches;
  ((Stream*)s)->pending = 1;
  return kSuccess;
}
EXPORT int API(GraphExecDestroy)(void* exec) {
  free(exec);
  --live;
  return kSuccess;
}
EXPORT int API(GraphDestroy)(void* graph) {
  free(graph);
  --live;
  return kSuccess;
}

static const char* errorName(int code) {
  switch (code) {
    case kSuccess: return VENDOR "Success";
    case kInvalidValue: return VENDOR "ErrorInvalidValue";
    case kOutOfMemory: return VENDOR "ErrorMemoryAllocation";
    case 35: return VENDOR "ErrorInsufficientDriver";
    case kNoDevice: return VENDOR "ErrorNoDevice";
    case kInvalidDevice: return VENDOR "ErrorInvalidDevice";
    case kNotReady: return VENDOR "ErrorNotReady";
  }
  return VENDOR "ErrorUnknown";
}
EXPORT const char* API(GetErrorName)(int code) { return errorName(code); }
EXPORT const char* API(GetErrorString)(int code) {
  switch (code) {
    case kOutOfMemory: return "fake: out of memory";
    case kNoDevice: return "fake: no device";
    case kNotReady: return "fake: not ready";
  }
  return "fake: error";
}

/* The struct-returning call must never be used through a dynamic loader (gpu-abi.md §7.3). */
EXPORT int API(GetDeviceProperties)(void* props, int dev) {
  (void)props;
  (void)dev;
  abort();
}

#ifdef FAKE_HIP
/* hipDeviceGetName takes a hipDevice_t; handles here are ordinal + 1000, so passing an ordinal fails. */
EXPORT int hipDeviceGet(int* handle, int ordinal) {
  if (ordinal < 0 || ordinal >= devices()) return kInvalidDevice;
  *handle = ordinal + 1000;
  return kSuccess;
}
EXPORT int hipDeviceGetName(char* name, int len, int handle) {
  if (handle < 1000 || handle - 1000 >= devices()) return kInvalidDevice;
  snprintf(name, (size_t)len, "Fake MI300X #%d", handle - 1000);
  return kSuccess;
}
#ifdef FAKE_R0600
/* Writes only within sizeof(hipDeviceProp_tR0600) = 1472: name at 0, gcnArchName at 1160. */
EXPORT int hipGetDevicePropertiesR0600(void* props, int dev) {
  if (dev < 0 || dev >= devices()) return kInvalidDevice;
  unsigned char* p = props;
  memset(p, 0, 1472);
  snprintf((char*)p, 256, "Fake MI300X #%d", dev);
  snprintf((char*)p + 1160, 256, "gfx942:sramecc+:xnack-");
  return kSuccess;
}
#endif
#endif
