// The addon's side of the Gloo plugin: gloo.h's functions, forwarded to ccbench_gloo.so once loaded.
#include "../common/error.h"
#include "../plugin.h"
#include "gloo.h"
#include "gloo_table.h"

namespace ccb::gloo {
namespace {

const PluginEntry& entry() {
  static const PluginEntry e =
      loadPluginTable("ccbench_gloo.so", "ccbench_gloo_table", kTableAbi, "gloo",
                      "ccbench was built without Gloo (no Gloo was found at build time); install libgloo-dev "
                      "(Debian/Ubuntu: apt-get install libgloo-dev) and rebuild with npm run rebuild:native",
                      "install Gloo (libgloo-dev) or rebuild with npm run rebuild:native");
  return e;
}

const Table& t() {
  if (!entry().table) throw Error(ErrorKind::Unavailable, entry().why);
  return *static_cast<const Table*>(entry().table);
}

}  // namespace

bool available() { return entry().table != nullptr; }
std::string unavailableReason() { return entry().why; }
std::string libraryVersion() { return t().libraryVersion(); }
std::vector<char> prepare(int rank, int size, const std::string& host) { return t().prepare(rank, size, host); }
std::unique_ptr<Backend> connect(const std::vector<std::vector<char>>& blobs) { return t().connect(blobs); }

}  // namespace ccb::gloo
