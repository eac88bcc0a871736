// The addon's side of the MPI plugin: mpi.h's functions, forwarded to ccbench_mpi.so once loaded.
#include "../common/error.h"
#include "../plugin.h"
#include "mpi.h"
#include "table.h"

namespace ccb::mpi {
namespace {

const PluginEntry& entry() {
  static const PluginEntry e = loadPluginTable(
      "ccbench_mpi.so", "ccbench_mpi_table", kTableAbi, "MPI",
      "ccbench was built without MPI (no MPI was found at build time); install one "
      "(Debian/Ubuntu: apt-get install openmpi-bin libopenmpi-dev) and rebuild with npm run rebuild:native",
      "install the MPI ccbench was built with, or rebuild against this machine's MPI with npm run rebuild:native");
  return e;
}

const Table& t() {
  if (!entry().table) throw Error(ErrorKind::Unavailable, entry().why);
  return *static_cast<const Table*>(entry().table);
}

}  // namespace

bool available() { return entry().table != nullptr; }
std::string unavailableReason() { return entry().why; }
std::string libraryVersion() { return available() ? t().libraryVersion() : ""; }
void init() { t().init(); }
bool initialized() { return available() && t().initialized(); }
void finalize() {
  if (available()) t().finalize();
}
int worldRank() { return t().worldRank(); }
int worldSize() { return t().worldSize(); }
void barrier() { t().barrier(); }
std::vector<char> bcast(const std::vector<char>& data, int root) { return t().bcast(data, root); }
std::vector<std::vector<char>> gather(const std::vector<char>& data) { return t().gather(data); }
std::unique_ptr<Backend> makeBackend(bool deviceMemory) { return t().makeBackend(deviceMemory); }
std::string gpuAwareness() { return available() && t().initialized() ? t().gpuAwareness() : ""; }

}  // namespace ccb::mpi
