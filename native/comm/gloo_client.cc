// The addon's side of the Gloo plugin: gloo.h's functions, forwarded to ccbench_gloo.so once loaded.
#include <dlfcn.h>

#include "../common/error.h"
#include "../plugin.h"
#include "gloo.h"
#include "gloo_table.h"

namespace ccb::gloo {
namespace {

struct Loaded {
  const Table* table = nullptr;
  std::string why;
};

const Loaded& loaded() {
  static const Loaded l = [] {
    Loaded r;
    const Plugin p = openPlugin("ccbench_gloo.so");
    if (p.state == PluginState::NotBuilt) {
      r.why = "the gloo backend is unavailable: ccbench was built without Gloo (no Gloo was found at build time); "
              "install libgloo-dev (Debian/Ubuntu: apt-get install libgloo-dev) and rebuild with npm run rebuild:native";
    } else if (p.state == PluginState::NotLoadable) {
      r.why = "the gloo backend is unavailable: its plugin does not load (" + p.error +
              "); install Gloo (libgloo-dev) or rebuild with npm run rebuild:native";
    } else {
      auto get = reinterpret_cast<const Table* (*)()>(dlsym(p.handle, "ccbench_gloo_table"));
      r.table = get ? get() : nullptr;
      if (!r.table || r.table->abi != kTableAbi) {
        r.table = nullptr;
        r.why = "the gloo backend is unavailable: " + p.path + " is from another ccbench build; rebuild with npm run rebuild:native";
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
std::string libraryVersion() { return t().libraryVersion(); }
std::vector<char> prepare(int rank, int size, const std::string& host) { return t().prepare(rank, size, host); }
std::unique_ptr<Backend> connect(const std::vector<std::vector<char>>& blobs) { return t().connect(blobs); }

}  // namespace ccb::gloo
