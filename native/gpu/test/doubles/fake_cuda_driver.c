/* TEST DOUBLE, not the NVIDIA driver: a stand-in for libcuda.so.1 that exists only to exercise
 * ccbench's use of the driver API (device names, the driver's CUDA level). Device handles are
 * ordinal + 500, so passing an ordinal where a CUdevice is expected fails.
 * FAKE_DRIVER_VERSION (environment): what cuDriverGetVersion reports (default 13000). */
#include <stdio.h>
#include <stdlib.h>

#define EXPORT __attribute__((visibility("default")))

static int initialised = 0;

static int devices(void) {
  const char* v = getenv("FAKE_DEVICES");
  return v ? atoi(v) : 0;
}

EXPORT int cuDriverGetVersion(int* v) {
  const char* e = getenv("FAKE_DRIVER_VERSION");
  *v = e ? atoi(e) : 13000;
  return 0;
}
EXPORT int cuInit(unsigned flags) {
  if (flags != 0) return 1;
  initialised = 1;
  return 0;
}
EXPORT int cuDeviceGet(int* dev, int ordinal) {
  if (!initialised) return 3; /* CUDA_ERROR_NOT_INITIALIZED */
  if (ordinal < 0 || ordinal >= devices()) return 101;
  *dev = ordinal + 500;
  return 0;
}
EXPORT int cuDeviceGetName(char* name, int len, int dev) {
  if (!initialised) return 3;
  if (dev < 500 || dev - 500 >= devices()) return 101;
  snprintf(name, (size_t)len, "Fake H100 #%d", dev - 500);
  return 0;
}
