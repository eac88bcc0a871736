// Small helpers shared by the NCCL backend's logic tests: thread-safe expectations and running
// one function per simulated rank, each on its own thread (as each rank has its own engine thread).
#pragma once
#include <atomic>
#include <cstdio>
#include <exception>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "nccl_fake.h"

namespace ccbtest {

inline std::atomic<int>& failures() {
  static std::atomic<int> n{0};
  return n;
}

inline void fail(const std::string& what) {
  static std::mutex mu;
  std::lock_guard<std::mutex> lock(mu);
  if (++failures() <= 40) std::fprintf(stderr, "FAIL %s\n", what.c_str());
}

#define EXPECT(cond, what)                                                                                         \
  do {                                                                                                             \
    if (!(cond))                                                                                                   \
      ::ccbtest::fail(std::string(__FILE__ ":") + std::to_string(__LINE__) + " " #cond " — " + std::string(what)); \
  } while (0)

// Runs f(rank) on n threads at once; an exception on any rank is a failure.
template <class F>
void onRanks(int n, F f) {
  std::vector<std::thread> ts;
  for (int r = 0; r < n; ++r)
    ts.emplace_back([&f, r] {
      setThreadRank(r);
      try {
        f(r);
      } catch (const std::exception& e) {
        fail("rank " + std::to_string(r) + " threw: " + e.what());
      }
    });
  for (auto& t : ts) t.join();
}

// The message of what f throws, or "" when it returns.
template <class F>
std::string thrown(F f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

inline bool has(const std::string& s, const char* part) { return s.find(part) != std::string::npos; }

}  // namespace ccbtest
