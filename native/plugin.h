// Backends that link a library at build time (MPI, Gloo) live in plugins next to the addon, loaded
// on first use. One build then loads anywhere — the portable bundle on a GPU node without MPI, a
// cluster whose MPI differs — and a backend whose library is missing reports itself unavailable
// with the loader's reason instead of the whole addon failing to load.
#pragma once
#include <string>

namespace ccb {

enum class PluginState { Loaded, NotBuilt, NotLoadable };

struct Plugin {
  PluginState state = PluginState::NotBuilt;
  void* handle = nullptr;
  std::string path;
  std::string error;  // dlerror() when NotLoadable
};

// Opens <directory of this addon>/<file> (RTLD_NOW | RTLD_LOCAL).
Plugin openPlugin(const char* file);

}  // namespace ccb
