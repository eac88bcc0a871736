// GPU inventory for `ccbench info`. Errors become text: a node without GPUs is a normal answer.
#include "info.h"

#include <cstdio>
#include <exception>

namespace ccb::gpu {

std::string runtimeVersionString(Vendor v, int version) {
  if (version <= 0) return "unknown";
  int major = 0, minor = 0;
  if (v == Vendor::Nvidia) {
    major = version / 1000;
    minor = (version % 1000) / 10;
  } else {
    major = version / 10000000;
    minor = (version / 100000) % 100;
  }
  return std::to_string(major) + "." + std::to_string(minor);
}

std::string gibString(size_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f GiB", double(bytes) / double(1ull << 30));
  return buf;
}

namespace {

// True when the vendor's runtime loads and sees at least one GPU; `out` holds what was found.
bool probe(Vendor v, NodeGpuInfo& out) {
  try {
    const Runtime& rt = runtime(v);
    out.runtime = rt.name;
    out.runtimePath = rt.path;
    out.runtimeVersion = rt.runtimeVersion;
    out.driverVersion = rt.driverVersion;
    int n = 0;
    const int rc = rt.getDeviceCount(&n);
    if (rc != kSuccess || n <= 0) {
      out.error = "the " + rt.name + " runtime " + runtimeVersionString(v, rt.runtimeVersion) + " (" + rt.path +
                  ") sees no GPU" + (rc != kSuccess ? ": " + rt.error(rc) : "");
      return false;
    }
    int previous = -1;
    if (rt.getDevice(&previous) != kSuccess) previous = -1;
    for (int i = 0; i < n; ++i) {
      GpuInfo g;
      g.index = i;
      g.name = rt.deviceName(i);
      g.pciBusId = rt.pciBusId(i);
      g.arch = rt.arch(i);
      if (rt.deviceGetAttribute(&g.multiprocessors, rt.attrSmCount, i) != kSuccess) g.multiprocessors = 0;
      // No attribute holds the memory size (an int would overflow anyway): ask the device itself.
      size_t freeBytes = 0, total = 0;
      if (rt.setDevice(i) == kSuccess && rt.memGetInfo(&freeBytes, &total) == kSuccess) g.totalBytes = total;
      out.gpus.push_back(g);
    }
    if (previous >= 0) rt.setDevice(previous);
    return true;
  } catch (const std::exception& e) {
    out.error = e.what();
  } catch (...) {
    out.error = "unknown failure while probing GPUs";
  }
  return false;
}

}  // namespace

NodeGpuInfo probeGpus(std::optional<Vendor> vendor) {
  if (vendor) {
    NodeGpuInfo info;
    probe(*vendor, info);
    return info;
  }
  NodeGpuInfo nv;
  if (probe(Vendor::Nvidia, nv)) return nv;
  NodeGpuInfo amd;
  if (probe(Vendor::Amd, amd)) return amd;
  // Neither sees a GPU: report the runtime that did load (if any) and why both came up empty.
  NodeGpuInfo out = !nv.runtime.empty() || amd.runtime.empty() ? nv : amd;
  out.error = "CUDA: " + nv.error + "; HIP: " + amd.error;
  return out;
}

}  // namespace ccb::gpu
