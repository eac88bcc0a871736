// What `ccbench info` reports about this node's GPUs, gathered through the runtime table only.
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "runtime.h"

namespace ccb::gpu {

struct GpuInfo {
  int index = 0;
  std::string name, pciBusId, arch;
  size_t totalBytes = 0;
  int multiprocessors = 0;  // SMs (NVIDIA) or compute units (AMD)
};

struct NodeGpuInfo {
  std::string runtime, runtimePath;  // "CUDA" / "HIP" and the library file; empty when none loaded
  int runtimeVersion = 0, driverVersion = 0;
  std::vector<GpuInfo> gpus;
  std::string error;  // why no GPU is listed: what was tried (empty when gpus were found)
};

// Never throws. Without a vendor: CUDA first, then HIP; the first that sees a GPU wins.
NodeGpuInfo probeGpus(std::optional<Vendor> vendor = {});

// "13.0" from 13000 (CUDA: 1000·major + 10·minor); "6.3" from 60342134 (HIP_VERSION:
// major·10⁷ + minor·10⁵ + patch).
std::string runtimeVersionString(Vendor v, int version);

// "79.2 GiB"
std::string gibString(size_t bytes);

}  // namespace ccb::gpu
