#include "plugin.h"

#include <dlfcn.h>
#include <sys/stat.h>

namespace ccb {

Plugin openPlugin(const char* file) {
  Plugin p;
  Dl_info self{};
  dladdr(reinterpret_cast<void*>(&openPlugin), &self);
  std::string dir = self.dli_fname ? self.dli_fname : "";
  dir = dir.substr(0, dir.find_last_of('/') + 1);
  p.path = dir + file;
  struct stat st {};
  if (stat(p.path.c_str(), &st) != 0) return p;  // NotBuilt
  p.handle = dlopen(p.path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!p.handle) {
    p.state = PluginState::NotLoadable;
    const char* e = dlerror();
    p.error = e ? e : "unknown dlopen error";
    return p;
  }
  p.state = PluginState::Loaded;
  return p;
}

}  // namespace ccb
