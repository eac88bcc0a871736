#include "registry.h"

#include "../common/error.h"
#include "../mpi/mpi.h"
#include "gloo.h"

namespace ccb {

std::vector<BackendStatus> backendStatus() {
  return {{"mpi", mpi::available(), mpi::unavailableReason()},
          {"gloo", gloo::available(), gloo::unavailableReason()}};
}

std::unique_ptr<Backend> openBackend(const std::string& name, Device& dev, const std::vector<std::vector<char>>& peers) {
  (void)dev;  // MPI and Gloo use host buffers; GPU backends bind to the device's stream
  if (name == "mpi") return mpi::makeBackend();
  if (name == "gloo") {
    if (peers.empty()) throw Error(ErrorKind::Internal, "gloo needs every rank's address (glooPrepare, then open)");
    return gloo::connect(peers);
  }
  throw Error(ErrorKind::Usage, "unknown backend '" + name + "'");
}

}  // namespace ccb
