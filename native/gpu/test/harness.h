// A minimal test harness for the GPU loader tests. Cases that load libraries run in a child
// process (this program re-executed with --child NAME) with an environment built from scratch,
// because a library once loaded stays visible to RTLD_NOLOAD for the rest of the process.
#pragma once
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "../../common/error.h"

namespace t {

using Env = std::vector<std::pair<std::string, std::string>>;

void check(bool ok, const std::string& name, const std::string& detail = "");
void skip(const std::string& name, const std::string& why);
int failures();

// Runs child case `name` with only `env` set (plus HOME and a PATH holding no Python), prints
// its output and a PASS/FAIL line for the child as a whole.
void child(const std::string& name, const Env& env);

// Registers child cases; each runs its own checks.
struct Child {
  Child(const char* name, void (*fn)());
};
#define CHILD(id, name)                      \
  static void id();                          \
  static t::Child id##_registered(name, id); \
  static void id()

std::string doubles(const std::string& rel);  // a file or directory under the built doubles
std::string real(const std::string& path);    // realpath, or the path itself
std::string tempDir();                        // made once per process, removed by the run script
void makeDirs(const std::string& path);
void writeFile(const std::string& path, const std::string& text, bool executable = false);
void link(const std::string& target, const std::string& path);  // a symbolic link, replacing any file
bool contains(const std::string& s, const std::string& part);

// Runs f; returns the message of the ccb::Error it throws ("" if none) and its kind.
std::string errorOf(const std::function<void()>& f, ccb::ErrorKind* kind = nullptr);

}  // namespace t
