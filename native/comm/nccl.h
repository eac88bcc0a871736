// The NCCL / RCCL communication backend: every op issued on the device's stream through the
// function table of a library loaded at run time (native/gpu/nccl_api.h), nothing linked.
#pragma once
#include <memory>

#include "../gpu/nccl_api.h"
#include "comm.h"

namespace ccb::nccl {

// Creates this rank's communicator (ncclCommInitRank) from the id rank 0 made with
// api.getUniqueId and the control plane broadcast. The GPU is already selected on the calling
// thread (the engine thread), which must make every later call. `fp8Hardware`: every rank's GPU
// computes in fp8 (compute capability 9.0+ / gfx942+). name() is "nccl" or "rccl"; library() is
// api.describe(). `api` and `dev` must outlive the backend and every communicator split from it.
std::unique_ptr<Backend> open(const gpu::NcclApi& api, Device& dev, int rank, int size, const gpu::NcclUniqueId& id,
                              bool fp8Hardware);

}  // namespace ccb::nccl
