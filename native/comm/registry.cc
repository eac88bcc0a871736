#include "registry.h"

#include "../common/error.h"
#include "../mpi/mpi.h"

namespace ccb {

std::vector<BackendStatus> backendStatus() {
  return {{"mpi", mpi::available(), mpi::unavailableReason()}};
}

std::unique_ptr<Backend> openBackend(const std::string& name, Device& dev) {
  (void)dev;  // the MPI backend uses host buffers; GPU backends bind to the device's stream
  if (name == "mpi") return mpi::makeBackend();
  throw Error(ErrorKind::Usage, "unknown backend '" + name + "'");
}

}  // namespace ccb
