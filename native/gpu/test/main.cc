// Entry point of the GPU loader tests: the harness, and the list of parent-side test groups.
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>

#include "harness.h"

extern char** environ;

void runLoaderTests();
void runNcclTests();
void runRuntimeTests();
void runDeviceTests();

namespace t {
namespace {
int failed = 0;
std::map<std::string, void (*)()>& registry() {
  static std::map<std::string, void (*)()> r;
  return r;
}
}  // namespace

void check(bool ok, const std::string& name, const std::string& detail) {
  // CCB_TEST_VERBOSE=1 shows the detail (usually the message checked) of passing cases too.
  const bool show = !detail.empty() && (!ok || getenv("CCB_TEST_VERBOSE"));
  std::printf("%s %s%s%s\n", ok ? "PASS" : "FAIL", name.c_str(), show ? ": " : "", show ? detail.c_str() : "");
  std::fflush(stdout);
  if (!ok) ++failed;
}

void skip(const std::string& name, const std::string& why) {
  std::printf("SKIP %s: %s\n", name.c_str(), why.c_str());
  std::fflush(stdout);
}

int failures() { return failed; }

Child::Child(const char* name, void (*fn)()) { registry()[name] = fn; }

void child(const std::string& name, const Env& env) {
  std::fflush(stdout);
  const pid_t pid = fork();
  if (pid == 0) {
    std::map<std::string, std::string> given = {{"PATH", tempDir() + "/no-python-here"}, {"CCB_TEST_TMP", tempDir()}};
    for (const char* keep : {"HOME", "CCB_TEST_VERBOSE"})
      if (const char* v = getenv(keep)) given[keep] = v;
    for (const auto& kv : env) given[kv.first] = kv.second;
    std::vector<std::string> vars;
    for (const auto& kv : given) vars.push_back(kv.first + "=" + kv.second);
    std::vector<char*> envp;
    for (std::string& v : vars) envp.push_back(v.data());
    envp.push_back(nullptr);
    std::string self = "gpu_loader_tests", flag = "--child", caseName = name;
    char* argv[] = {self.data(), flag.data(), caseName.data(), nullptr};
    alarm(60);  // survives exec: a hung child dies instead of hanging the run
    execve("/proc/self/exe", argv, envp.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  std::string why;
  if (WIFSIGNALED(status))
    why = std::string("killed by signal ") + strsignal(WTERMSIG(status));
  else if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
    why = "exit status " + std::to_string(WEXITSTATUS(status));
  check(ok, "[child " + name + "]", why);
}

std::string doubles(const std::string& rel) { return std::string(CCB_DOUBLES) + "/" + rel; }

std::string real(const std::string& path) {
  char buf[PATH_MAX];
  return realpath(path.c_str(), buf) ? std::string(buf) : path;
}

std::string tempDir() {
  // Shared by parent and children (inherited through CCB_TEST_TMP), so fixtures made by the
  // parent are visible to the children.
  static std::string dir = [] {
    if (const char* d = getenv("CCB_TEST_TMP")) return std::string(d);
    char tmpl[] = "/tmp/ccb-gpu-tests.XXXXXX";
    const char* d = mkdtemp(tmpl);
    std::string s = d ? d : "/tmp";
    setenv("CCB_TEST_TMP", s.c_str(), 1);
    return s;
  }();
  return dir;
}

void makeDirs(const std::string& path) {
  for (size_t i = 1; i <= path.size(); ++i)
    if (i == path.size() || path[i] == '/') mkdir(path.substr(0, i).c_str(), 0755);
}

void writeFile(const std::string& path, const std::string& text, bool executable) {
  std::ofstream(path) << text;
  if (executable) chmod(path.c_str(), 0755);
}

void link(const std::string& target, const std::string& path) {
  unlink(path.c_str());
  if (symlink(target.c_str(), path.c_str()) != 0) std::perror(path.c_str());
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

std::string errorOf(const std::function<void()>& f, ccb::ErrorKind* kind) {
  try {
    f();
  } catch (const ccb::Error& e) {
    if (kind) *kind = e.kind();
    return e.what();
  }
  return "";
}

}  // namespace t

int main(int argc, char** argv) {
  if (argc == 3 && std::strcmp(argv[1], "--child") == 0) {
    auto it = t::registry().find(argv[2]);
    if (it == t::registry().end()) {
      std::printf("FAIL unknown child case %s\n", argv[2]);
      return 2;
    }
    it->second();
    return t::failures() ? 1 : 0;
  }
  std::printf("test directory: %s\n", t::tempDir().c_str());
  runLoaderTests();
  runNcclTests();
  runRuntimeTests();
  runDeviceTests();
  std::printf("%s: %d failure%s\n", t::failures() ? "FAILED" : "ALL PASSED", t::failures(),
              t::failures() == 1 ? "" : "s");
  return t::failures() ? 1 : 0;
}
