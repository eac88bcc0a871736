// Compile-only check of the NCCL backend's public header: it must stand alone (no GPU headers,
// nothing GPU-specific instantiated). Built by check_nccl_builds.sh; never linked.
#include "../nccl.h"

#include <type_traits>

namespace {
using OpenFn = std::unique_ptr<ccb::Backend> (*)(const ccb::gpu::NcclApi&, ccb::Device&, int, int,
                                                 const ccb::gpu::NcclUniqueId&, bool);
static_assert(std::is_same_v<decltype(&ccb::nccl::open), OpenFn>, "ccb::nccl::open changed its signature");
static_assert(sizeof(ccb::gpu::NcclUniqueId) == 128, "NCCL_UNIQUE_ID_BYTES is 128 (gpu-abi.md §4)");
}  // namespace
