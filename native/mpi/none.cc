// Built when CMake found no MPI: the MPI backend and control plane report themselves unavailable.
#include "../common/error.h"
#include "mpi.h"

namespace ccb::mpi {
namespace {
[[noreturn]] void missing() { throw Error(ErrorKind::Unavailable, unavailableReason()); }
}  // namespace

bool available() { return false; }
std::string unavailableReason() {
  return "the MPI backend is unavailable: ccbench was built without MPI (no MPI was found at build "
         "time); install one (Debian/Ubuntu: apt-get install openmpi-bin libopenmpi-dev) and rebuild "
         "with npm run rebuild:native";
}
std::string libraryVersion() { return ""; }
void init() { missing(); }
bool initialized() { return false; }
void finalize() {}
int worldRank() { return 0; }
int worldSize() { return 1; }
void barrier() { missing(); }
std::vector<char> bcast(const std::vector<char>&, int) { missing(); }
std::vector<std::vector<char>> gather(const std::vector<char>&) { missing(); }
std::unique_ptr<Backend> makeBackend() { missing(); }

}  // namespace ccb::mpi
