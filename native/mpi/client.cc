// The addon's side of the MPI plugin: mpi.h's functions, forwarded to ccbench_mpi.so once loaded.
#include <dlfcn.h>

#include "../common/error.h"
#include "../plugin.h"
#include "mpi.h"
#include "table.h"

namespace ccb::mpi {
namespace {

struct Loaded {
  const Table* table = nullptr;
  std::string why;  // when table is null
};

const Loaded& loaded() {
  static const Loaded l = [] {
    Loaded r;
    const Plugin p = openPlugin("ccbench_mpi.so");
    if (p.state == PluginState::NotBuilt) {
      r.why = "the MPI backend is unavailable: ccbench was built without MPI (no MPI was found at build time); install one "
              "(Debian/Ubuntu: apt-get install openmpi-bin libopenmpi-dev) and rebuild with npm run rebuild:native";
    } else if (p.state == PluginState::NotLoadable) {
      r.why = "the MPI backend is unavailable: its plugin does not load (" + p.error +
              "); install the MPI ccbench was built with, or rebuild against this machine's MPI with npm run rebuild:native";
    } else {
      auto get = reinterpret_cast<const Table* (*)()>(dlsym(p.handle, "ccbench_mpi_table"));
      r.table = get ? get() : nullptr;
      if (!r.table || r.table->abi != kTableAbi) {
        r.table = nullptr;
        r.why = "the MPI backend is unavailable: " + p.path + " is from another ccbench build; rebuild with npm run rebuild:native";
      }
    }
    return r;
  }();
  return l;
}

const Table& t() {
  if (!loaded().table) throw Error(ErrorKind::Unavailable, loaded().why);
  return *loaded().table;
}

}  // namespace

bool available() { return loaded().table != nullptr; }
std::string unavailableReason() { return loaded().why; }
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
