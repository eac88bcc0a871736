// Built when CMake found no Gloo: the Gloo backend reports itself unavailable.
#include "../common/error.h"
#include "gloo.h"

namespace ccb::gloo {
namespace {
[[noreturn]] void missing() { throw Error(ErrorKind::Unavailable, unavailableReason()); }
}  // namespace

bool available() { return false; }
std::string unavailableReason() {
  return "the gloo backend is unavailable: ccbench was built without Gloo (no Gloo was found at build time); "
         "install libgloo-dev (Debian/Ubuntu: apt-get install libgloo-dev) and rebuild with npm run rebuild:native";
}
std::string libraryVersion() { missing(); }
std::vector<char> prepare(int, int, const std::string&) { missing(); }
std::unique_ptr<Backend> connect(const std::vector<std::vector<char>>&) { missing(); }

}  // namespace ccb::gloo
