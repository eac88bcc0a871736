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

// A plugin's entry table (whose first member is its int ABI version), or why there is none: the
// plugin was not built (`notBuilt`), does not load (the loader's reason, then `fix`), or comes
// from another build.
struct PluginEntry {
  const void* table = nullptr;
  std::string why;
};
PluginEntry loadPluginTable(const char* file, const char* symbol, int abi, const std::string& backend,
                            const std::string& notBuilt, const std::string& fix);

}  // namespace ccb
