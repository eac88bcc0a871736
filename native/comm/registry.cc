#include "registry.h"

#include <cstring>

#include "../common/error.h"
#include "../device/device.h"
#include "../gpu/nccl_api.h"
#include "../mpi/mpi.h"
#include "gloo.h"
#include "nccl.h"

namespace ccb {

namespace {
BackendStatus library(const char* name, bool rccl) {
  try {
    gpu::ncclApi(rccl, "");
    return {name, true, ""};
  } catch (const std::exception& e) {
    return {name, false, e.what()};
  }
}
}  // namespace

std::vector<BackendStatus> backendStatus() {
  return {{"mpi", mpi::available(), mpi::unavailableReason()},
          {"gloo", gloo::available(), gloo::unavailableReason()},
          library("nccl", false),
          library("rccl", true)};
}

std::unique_ptr<Backend> openBackend(const OpenRequest& r) {
  if (r.name == "mpi") return mpi::makeBackend(!r.device->hostAccessible());
  if (r.name == "gloo") {
    if (r.peers.empty()) throw Error(ErrorKind::Internal, "gloo needs every rank's address (glooPrepare, then open)");
    return gloo::connect(r.peers);
  }
  if (r.name == "nccl" || r.name == "rccl") {
    gpu::NcclUniqueId id{};
    if (r.ncclId.size() != sizeof id.internal)
      throw Error(ErrorKind::Internal, r.name + " needs rank 0's 128-byte unique id");
    std::memcpy(id.internal, r.ncclId.data(), sizeof id.internal);
    return nccl::open(gpu::ncclApi(r.name == "rccl", r.ncclLib), *r.device, r.rank, r.size, id, r.fp8Hardware);
  }
  throw Error(ErrorKind::Usage, "unknown backend '" + r.name + "'");
}

}  // namespace ccb
