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

PluginEntry loadPluginTable(const char* file, const char* symbol, int abi, const std::string& backend,
                            const std::string& notBuilt, const std::string& fix) {
  PluginEntry r;
  const std::string unavailable = "the " + backend + " backend is unavailable: ";
  const Plugin p = openPlugin(file);
  if (p.state == PluginState::NotBuilt) {
    r.why = unavailable + notBuilt;
  } else if (p.state == PluginState::NotLoadable) {
    r.why = unavailable + "its plugin does not load (" + p.error + "); " + fix;
  } else {
    auto get = reinterpret_cast<const void* (*)()>(dlsym(p.handle, symbol));
    const void* table = get ? get() : nullptr;
    if (table && *static_cast<const int*>(table) == abi)
      r.table = table;
    else
      r.why = unavailable + p.path + " is from another ccbench build; rebuild with npm run rebuild:native";
  }
  return r;
}

}  // namespace ccb
