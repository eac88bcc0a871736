// Finding and opening GPU libraries at run time (shared/reference/gpu-abi.md §1). Nothing
// GPU-related is linked at build time: one build runs on NVIDIA and AMD nodes and builds on a
// login node without a GPU toolkit.
#pragma once
#include <string>
#include <vector>

namespace ccb::gpu {

struct Library {
  void* handle = nullptr;
  std::string path;  // the file actually loaded (from dlinfo / /proc/self/maps), for run metadata
};

struct LibrarySpec {
  std::string what;  // "NCCL", "the CUDA runtime": used in messages
  std::vector<std::string>
      sonames;               // in order of preference, e.g. {"libcudart.so.13", "libcudart.so.12", "libcudart.so.11.0"}
  std::string explicitPath;  // a file or a directory from an option or variable ("" = none)
  std::string explicitHow;   // how the user sets it, named in the error, e.g. "--nccl-lib or CCBENCH_NCCL_LIB"
  std::vector<std::string> dirs;  // extra directories, tried after a copy already loaded and before the loader's search
};

// Tries, in order: explicitPath (a file, or a directory holding one of the sonames — when given,
// nothing else is tried); a copy already loaded in this process (dlopen RTLD_NOLOAD per soname);
// each of dirs; each soname through the loader's default search (LD_LIBRARY_PATH, ld.so cache).
// Opens with RTLD_NOW | RTLD_LOCAL. Throws ccb::Error(ErrorKind::Unavailable) whose message
// names `what`, lists every place tried (with dlerror()'s reason for files that exist but do not
// load), and says how to point at the library (explicitHow).
Library openLibrary(const LibrarySpec& spec);

// Directories where pip puts NVIDIA wheels' libraries for the Python environments on `path`
// (default: $PATH): for each entry holding a python3 executable, <entry>/../lib/python3*/
// site-packages/nvidia/<sub>/lib that exist (e.g. sub "nccl", "cu13", "cuda_runtime").
std::vector<std::string> pythonWheelDirs(const std::string& sub, const char* path = nullptr);

// Directories matching a glob pattern such as "/usr/local/cuda-*/lib64", newest version first
// (compared by the numbers in each path), so that a search prefers the most recent install.
std::vector<std::string> versionedDirs(const std::string& pattern);

// dlsym; nullptr when absent and not required; throws Unavailable naming the library when required.
void* symbol(const Library& lib, const char* name, bool required);

}  // namespace ccb::gpu
