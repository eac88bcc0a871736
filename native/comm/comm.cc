#include "comm.h"

#include <atomic>

#include "../common/error.h"
#include "../device/device.h"

namespace ccb {

namespace {
std::atomic<bool> gAbort{false};
}  // namespace

bool abortRequested() { return gAbort.load(std::memory_order_relaxed); }
void requestAbort() { gAbort.store(true, std::memory_order_relaxed); }

void Comm::complete(Device& dev) {
  if (dev.asynchronous()) dev.synchronize();
}

std::string Comm::cannotStart(const OpInfo& op) const {
  return std::string("this backend has no non-blocking form of ") + op.name +
         " (--overlap needs one; use --backend mpi)";
}

void Comm::start(const OpInfo& op, const OpArgs&) { throw Error(ErrorKind::Usage, cannotStart(op)); }

void Comm::finish() {}

std::unique_ptr<Comm> Comm::subgroup(int, const std::vector<int>&) {
  throw Error(ErrorKind::Usage,
              "this backend cannot form disjoint sub-groups yet (--groups): use --backend mpi or gloo");
}

void Comm::exchange(const std::vector<P2p>&, void*, size_t, void*, size_t) {
  throw Error(ErrorKind::Usage,
              "this backend cannot replay point-to-point entries yet (send / recv): use --backend mpi or gloo");
}

InPlaceLayout Comm::inPlaceLayout(const OpInfo& op, int root, size_t count) const {
  return op.inPlace(rank(), root, count);
}

}  // namespace ccb
