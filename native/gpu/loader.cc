// Finding and opening GPU libraries (see loader.h for the order). Every place tried is recorded
// so that a failure can say exactly where we looked and why each candidate did not load.
#ifndef _GNU_SOURCE
#define _GNU_SOURCE  // dlinfo, RTLD_DI_LINKMAP
#endif
#include "loader.h"

#include <dlfcn.h>
#include <glob.h>
#include <limits.h>
#include <link.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <set>

#include "../common/error.h"

namespace ccb::gpu {
namespace {

constexpr int kOpenFlags = RTLD_NOW | RTLD_LOCAL;

bool isFile(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

bool isDir(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::string realPath(const std::string& p) {
  char buf[PATH_MAX];
  return ::realpath(p.c_str(), buf) ? std::string(buf) : p;
}

// dlopen() takes a name without '/' as a soname to search for; keep user paths as paths.
std::string asPath(const std::string& p) { return p.find('/') == std::string::npos ? "./" + p : p; }

std::string joinPath(const std::string& dir, const std::string& name) {
  return !dir.empty() && dir.back() == '/' ? dir + name : dir + "/" + name;
}

// dlerror() repeats the file name ("/x/libnccl.so.2: invalid ELF header"); keep only the reason.
std::string lastDlError(const std::string& name) {
  const char* e = dlerror();
  std::string s = e ? e : "unknown error";
  const std::string prefix = name + ": ";
  if (s.compare(0, prefix.size(), prefix) == 0) s.erase(0, prefix.size());
  return s;
}

// The file behind a handle, for run metadata: the loader's own record, with symlinks resolved.
std::string pathOf(void* handle, const std::string& fallback) {
  struct link_map* lm = nullptr;
  if (dlinfo(handle, RTLD_DI_LINKMAP, &lm) == 0 && lm && lm->l_name && lm->l_name[0]) return realPath(lm->l_name);
  return fallback;
}

// "{a,b,c}" or "a": how several sonames are written in one entry of the tried list.
std::string soList(const std::vector<std::string>& sonames) {
  if (sonames.size() == 1) return sonames[0];
  std::string s = "{";
  for (size_t i = 0; i < sonames.size(); ++i) s += (i ? "," : "") + sonames[i];
  return s + "}";
}

class Search {
 public:
  explicit Search(const LibrarySpec& spec) : spec_(spec) {}

  // Opens `file` (a path); records the reason when it exists and does not load.
  bool tryFile(const std::string& file, const std::string& label) {
    dlerror();
    void* h = dlopen(file.c_str(), kOpenFlags);
    if (h) return found(h, file);
    tried_.push_back(label + " (" + lastDlError(file) + ")");
    loadFailed_ = true;
    return false;
  }

  // Tries each soname inside `dir`; `how` is prepended to the entry ("" for plain directories).
  bool tryDir(const std::string& dir, const std::string& how) {
    if (!isDir(dir)) {
      tried_.push_back(how + dir + " (no such directory)");
      return false;
    }
    bool any = false;
    for (const std::string& so : spec_.sonames) {
      const std::string file = joinPath(dir, so);
      if (!isFile(file)) continue;
      any = true;
      if (tryFile(file, how + file)) return true;
    }
    if (!any) tried_.push_back(how + joinPath(dir, soList(spec_.sonames)) + " (no such file)");
    return false;
  }

  bool tryLoaded() {
    for (const std::string& so : spec_.sonames) {
      if (void* h = dlopen(so.c_str(), kOpenFlags | RTLD_NOLOAD)) return found(h, so);
    }
    tried_.push_back("a copy already loaded: none");
    return false;
  }

  bool tryLoader() {
    for (const std::string& so : spec_.sonames) {
      dlerror();
      if (void* h = dlopen(so.c_str(), kOpenFlags)) return found(h, so);
      tried_.push_back(so + " via the loader: " + lastDlError(so));
    }
    return false;
  }

  void record(const std::string& entry) { tried_.push_back(entry); }
  Library result() const { return lib_; }

  [[noreturn]] void fail() const {
    std::string msg = spec_.what + (loadFailed_ ? " could not be loaded (tried: " : " was not found (tried: ");
    for (size_t i = 0; i < tried_.size(); ++i) msg += (i ? "; " : "") + tried_[i];
    msg += "); point " + spec_.explicitHow + " at " + (spec_.sonames.empty() ? "the library" : spec_.sonames[0]) +
           " or its directory";
    throw Error(ErrorKind::Unavailable, msg);
  }

 private:
  bool found(void* h, const std::string& fallback) {
    lib_.handle = h;
    lib_.path = pathOf(h, fallback);
    return true;
  }

  const LibrarySpec& spec_;
  std::vector<std::string> tried_;
  bool loadFailed_ = false;
  Library lib_;
};

}  // namespace

Library openLibrary(const LibrarySpec& spec) {
  Search s(spec);
  if (!spec.explicitPath.empty()) {
    // The user chose a library: use it or say why not, never silently fall back to another.
    const std::string given = spec.explicitPath;
    const std::string how = "from " + spec.explicitHow + ": ";
    if (isDir(given)) {
      if (s.tryDir(given, how)) return s.result();
    } else if (isFile(given)) {
      if (s.tryFile(asPath(given), how + given)) return s.result();
    } else {
      s.record(how + given + " (no such file)");
    }
    s.fail();
  }
  if (s.tryLoaded()) return s.result();
  std::set<std::string> seen;
  for (const std::string& dir : spec.dirs) {
    if (dir.empty() || !seen.insert(dir).second) continue;
    if (s.tryDir(dir, "")) return s.result();
  }
  if (s.tryLoader()) return s.result();
  s.fail();
}

std::vector<std::string> pythonWheelDirs(const std::string& sub, const char* path) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  const char* p = path ? path : std::getenv("PATH");
  if (!p || sub.empty()) return out;
  const std::string all = p;
  size_t start = 0;
  while (start <= all.size()) {
    size_t end = all.find(':', start);
    if (end == std::string::npos) end = all.size();
    std::string entry = all.substr(start, end - start);
    start = end + 1;
    while (entry.size() > 1 && entry.back() == '/') entry.pop_back();
    // An empty entry means the working directory: not a Python environment we should trust.
    if (entry.empty() || entry[0] != '/' || ::access((entry + "/python3").c_str(), X_OK) != 0) continue;
    const std::string root = entry.substr(0, entry.rfind('/'));  // <env>/bin → <env>
    for (const char* pkgs : {"site-packages", "dist-packages"}) {
      const std::string pattern = root + "/lib/python3*/" + pkgs + "/nvidia/" + sub + "/lib";
      glob_t g{};
      if (::glob(pattern.c_str(), GLOB_ONLYDIR, nullptr, &g) == 0) {
        for (size_t i = 0; i < g.gl_pathc; ++i) {
          const std::string dir = realPath(g.gl_pathv[i]);
          if (isDir(dir) && seen.insert(dir).second) out.push_back(dir);
        }
      }
      ::globfree(&g);
    }
  }
  return out;
}

namespace {
std::vector<long> numbersIn(const std::string& s) {
  std::vector<long> v;
  for (size_t i = 0; i < s.size();) {
    if (s[i] >= '0' && s[i] <= '9') {
      size_t used = 0;
      v.push_back(std::stol(s.substr(i, 18), &used));
      i += used;
    } else {
      ++i;
    }
  }
  return v;
}
}  // namespace

std::vector<std::string> versionedDirs(const std::string& pattern) {
  std::vector<std::string> out;
  glob_t g{};
  if (::glob(pattern.c_str(), GLOB_ONLYDIR, nullptr, &g) == 0) {
    for (size_t i = 0; i < g.gl_pathc; ++i)
      if (isDir(g.gl_pathv[i])) out.push_back(g.gl_pathv[i]);
  }
  ::globfree(&g);
  // "cuda-12.10" after "cuda-12.9" as numbers, not as text; newest first.
  std::stable_sort(out.begin(), out.end(),
                   [](const std::string& a, const std::string& b) { return numbersIn(a) > numbersIn(b); });
  return out;
}

void* symbol(const Library& lib, const char* name, bool required) {
  void* p = lib.handle ? dlsym(lib.handle, name) : nullptr;
  if (!p && required)
    throw Error(ErrorKind::Unavailable, std::string(name) + " is missing from " + lib.path +
                                            "; the library is too old or not the one expected");
  return p;
}

}  // namespace ccb::gpu
