#include "comm.h"

#include <atomic>

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

InPlaceLayout Comm::inPlaceLayout(const OpInfo& op, int root, size_t count) const {
  return op.inPlace(rank(), root, count);
}

}  // namespace ccb
