// openLibrary(), pythonWheelDirs() and versionedDirs(): search order and messages.
#include <dlfcn.h>

#include "../loader.h"
#include "harness.h"

using ccb::gpu::Library;
using ccb::gpu::LibrarySpec;
using ccb::gpu::openLibrary;

namespace {

const char* kHow = "--nccl-lib or CCBENCH_NCCL_LIB";

LibrarySpec ncclLike() {
  LibrarySpec s;
  s.what = "NCCL";
  s.sonames = {"libnccl.so.2"};
  s.explicitHow = kHow;
  return s;
}

int versionOf(const Library& lib) {
  auto get = reinterpret_cast<int (*)(int*)>(dlsym(lib.handle, "ncclGetVersion"));
  int v = 0;
  if (get) get(&v);
  return v;
}

// In the children, LD_LIBRARY_PATH points at the 2.30.7 double unless a case says otherwise.
CHILD(explicitFile, "loader-explicit-file") {
  LibrarySpec s = ncclLike();
  s.explicitPath = t::doubles("nccl_old/libnccl.so.2");
  const Library lib = openLibrary(s);
  t::check(versionOf(lib) == 2708, "an explicit file wins over the loader path");
  t::check(lib.path == t::real(s.explicitPath), "Library.path is the file loaded", lib.path);
}

CHILD(explicitDir, "loader-explicit-dir") {
  LibrarySpec s = ncclLike();
  s.explicitPath = t::doubles("nccl_old");
  const Library lib = openLibrary(s);
  t::check(versionOf(lib) == 2708, "an explicit directory is searched for the soname");
}

CHILD(explicitMissing, "loader-explicit-missing") {
  LibrarySpec s = ncclLike();
  s.explicitPath = "/nonexistent/libnccl.so.2";
  ccb::ErrorKind kind = ccb::ErrorKind::Internal;
  const std::string msg = t::errorOf([&] { openLibrary(s); }, &kind);
  const std::string want =
      "NCCL was not found (tried: from --nccl-lib or CCBENCH_NCCL_LIB: /nonexistent/libnccl.so.2 (no such file)); "
      "point --nccl-lib or CCBENCH_NCCL_LIB at libnccl.so.2 or its directory";
  t::check(msg == want, "a missing explicit path is not replaced by another copy", msg);
  t::check(kind == ccb::ErrorKind::Unavailable, "the failure is Unavailable");
}

CHILD(dirsOrder, "loader-dirs-before-loader") {
  LibrarySpec s = ncclLike();
  t::makeDirs(t::tempDir() + "/empty");
  s.dirs = {t::tempDir() + "/empty", t::doubles("nccl_old"), t::doubles("nccl_new")};
  const Library lib = openLibrary(s);
  t::check(versionOf(lib) == 2708, "the first directory holding the soname wins, before LD_LIBRARY_PATH");
}

CHILD(loaderPath, "loader-ld-library-path") {
  LibrarySpec s = ncclLike();
  s.dirs = {t::tempDir() + "/empty", "/nonexistent/dir"};
  const Library lib = openLibrary(s);
  t::check(versionOf(lib) == 23007, "the soname is found through LD_LIBRARY_PATH");
  t::check(lib.path == t::real(t::doubles("nccl_new/libnccl.so.2")), "the path comes from the link map", lib.path);
}

CHILD(loadedCopy, "loader-loaded-copy") {
  void* pre = dlopen(t::doubles("nccl_old/libnccl.so.2").c_str(), RTLD_NOW | RTLD_LOCAL);
  LibrarySpec s = ncclLike();
  s.dirs = {t::doubles("nccl_new")};
  const Library lib = openLibrary(s);
  t::check(pre && lib.handle == pre, "a copy already loaded is reused before any directory");
  t::check(versionOf(lib) == 2708 && lib.path == t::real(t::doubles("nccl_old/libnccl.so.2")),
           "the reused copy reports its own file", lib.path);
}

CHILD(brokenSkipped, "loader-broken-candidate") {
  const std::string dir = t::tempDir() + "/broken";
  LibrarySpec s = ncclLike();
  s.dirs = {dir};
  const Library lib = openLibrary(s);
  t::check(versionOf(lib) == 23007, "a file that does not load is skipped for the next place");
}

CHILD(requiredSymbol, "loader-required-symbol") {
  LibrarySpec s = ncclLike();
  s.explicitPath = t::doubles("nccl_missing");
  const Library lib = openLibrary(s);
  t::check(ccb::gpu::symbol(lib, "ncclAllReduce", true) != nullptr, "symbol() resolves a present name");
  t::check(ccb::gpu::symbol(lib, "ncclBroadcast", false) == nullptr, "symbol() returns nullptr when optional");
  ccb::ErrorKind kind = ccb::ErrorKind::Internal;
  const std::string msg = t::errorOf([&] { ccb::gpu::symbol(lib, "ncclBroadcast", true); }, &kind);
  t::check(t::contains(msg, "ncclBroadcast") && t::contains(msg, lib.path) && kind == ccb::ErrorKind::Unavailable,
           "a required symbol names itself and the library", msg);
}

void wheelDirs() {
  const std::string tmp = t::tempDir();
  const std::string venv = tmp + "/venv", conda = tmp + "/conda", nopy = tmp + "/nopy";
  t::makeDirs(venv + "/bin");
  t::writeFile(venv + "/bin/python3", "#!/bin/sh\n", true);
  t::makeDirs(venv + "/lib/python3.12/site-packages/nvidia/nccl/lib");
  t::makeDirs(conda + "/bin");
  t::writeFile(conda + "/bin/python3", "#!/bin/sh\n", true);
  t::makeDirs(conda + "/lib/python3.11/site-packages/nvidia/nccl/lib");
  t::makeDirs(conda + "/lib/python3.11/site-packages/nvidia/cu13/lib");
  t::makeDirs(nopy + "/bin");  // no python3: its lib/ must be ignored
  t::makeDirs(nopy + "/lib/python3.12/site-packages/nvidia/nccl/lib");
  const std::string path = nopy + "/bin:" + venv + "/bin/:relative/bin::" + conda + "/bin:" + venv + "/bin";
  const auto dirs = ccb::gpu::pythonWheelDirs("nccl", path.c_str());
  const std::vector<std::string> want = {t::real(venv + "/lib/python3.12/site-packages/nvidia/nccl/lib"),
                                         t::real(conda + "/lib/python3.11/site-packages/nvidia/nccl/lib")};
  std::string got;
  for (const auto& d : dirs) got += d + " ";
  t::check(dirs == want, "pythonWheelDirs: PATH order, only environments with python3, no duplicates", got);
  const auto cu13 = ccb::gpu::pythonWheelDirs("cu13", path.c_str());
  t::check(cu13.size() == 1 && cu13[0] == t::real(conda + "/lib/python3.11/site-packages/nvidia/cu13/lib"),
           "pythonWheelDirs: another package's directory");
  t::check(ccb::gpu::pythonWheelDirs("nccl", "").empty(), "pythonWheelDirs: empty PATH");
}

void versioned() {
  const std::string root = t::tempDir() + "/versions";
  for (const char* v : {"cuda-11.8", "cuda-12.10", "cuda-12.9", "cuda-13.0"}) t::makeDirs(root + "/" + v + "/lib64");
  const auto dirs = ccb::gpu::versionedDirs(root + "/cuda-*/lib64");
  const std::vector<std::string> want = {root + "/cuda-13.0/lib64", root + "/cuda-12.10/lib64",
                                         root + "/cuda-12.9/lib64", root + "/cuda-11.8/lib64"};
  t::check(dirs == want, "versionedDirs: newest version first, numerically");
}

void messages() {
  const std::string tmp = t::tempDir();
  t::makeDirs(tmp + "/empty");
  LibrarySpec s;
  s.what = "NCCL";
  s.sonames = {"libccbench-none.so.2"};
  s.explicitHow = kHow;
  s.dirs = {tmp + "/empty", tmp + "/missing"};
  ccb::ErrorKind kind = ccb::ErrorKind::Internal;
  std::string msg = t::errorOf([&] { openLibrary(s); }, &kind);
  const std::string want = "NCCL was not found (tried: a copy already loaded: none; " + tmp +
                           "/empty/libccbench-none.so.2 (no such file); " + tmp +
                           "/missing (no such directory); libccbench-none.so.2 via the loader: cannot open shared "
                           "object file: No such file or directory); point --nccl-lib or CCBENCH_NCCL_LIB at "
                           "libccbench-none.so.2 or its directory";
  t::check(msg == want, "not found: every place tried, in order, and how to point at the library", msg);
  t::check(kind == ccb::ErrorKind::Unavailable, "not found: Unavailable");

  s.sonames = {"libccbench-none.so.13", "libccbench-none.so.12"};
  s.dirs = {tmp + "/empty"};
  msg = t::errorOf([&] { openLibrary(s); });
  t::check(t::contains(msg, tmp + "/empty/{libccbench-none.so.13,libccbench-none.so.12} (no such file)") &&
               t::contains(msg, "libccbench-none.so.13 via the loader") &&
               t::contains(msg, "libccbench-none.so.12 via the loader"),
           "not found: several sonames", msg);

  // A file with the right name that is not a library: its reason is in the message.
  t::makeDirs(tmp + "/broken");
  t::writeFile(tmp + "/broken/libccbench-bad.so.1", "not an ELF file, just text to fail dlopen\n");
  t::writeFile(tmp + "/broken/libnccl.so.2", "not an ELF file either, just text to fail dlopen\n");
  s.sonames = {"libccbench-bad.so.1"};
  s.dirs = {tmp + "/broken"};
  msg = t::errorOf([&] { openLibrary(s); });
  t::check(t::contains(msg, "NCCL could not be loaded (tried: ") &&
               t::contains(msg, tmp + "/broken/libccbench-bad.so.1 (") &&
               (t::contains(msg, "invalid ELF header") || t::contains(msg, "file too short")),
           "a file that does not load: dlerror's reason", msg);

  s.dirs.clear();
  s.explicitPath = tmp + "/empty";
  msg = t::errorOf([&] { openLibrary(s); });
  t::check(msg == "NCCL was not found (tried: from --nccl-lib or CCBENCH_NCCL_LIB: " + tmp +
                      "/empty/libccbench-bad.so.1 (no such file)); point --nccl-lib or CCBENCH_NCCL_LIB at "
                      "libccbench-bad.so.1 or its directory",
           "explicit directory without the library", msg);
}

}  // namespace

void runLoaderTests() {
  wheelDirs();
  versioned();
  messages();
  const t::Env ld = {{"LD_LIBRARY_PATH", t::doubles("nccl_new")}};
  t::child("loader-explicit-file", ld);
  t::child("loader-explicit-dir", ld);
  t::child("loader-explicit-missing", ld);
  t::child("loader-dirs-before-loader", ld);
  t::child("loader-ld-library-path", ld);
  t::child("loader-loaded-copy", ld);
  t::child("loader-broken-candidate", ld);
  t::child("loader-required-symbol", {});
}
