// Stand-in for Gloo's gloo/common/memory.h, which Debian's libgloo-dev (0.0~git20220518) does not
// ship although its tcp/pair.h and tcp/context.h include it. gloo_guard.cc needs those two
// headers; it calls none of these classes' functions, but their sizes fix tcp::Pair's layout, so
// they hold what Gloo's do (a shared_ptr, a weak_ptr), and gloo_guard.cc checks sizeof(tcp::Pair)
// against the library's. Found only after the system headers (-idirafter): a Gloo that ships the
// real header uses it.
#pragma once
#include <memory>

#define CCBENCH_GLOO_MEMORY_SHIM 1

namespace gloo {

template <typename T>
class ShareableNonOwningPtr final {
 public:
  explicit ShareableNonOwningPtr(T* ptr) : ptr_(ptr, [](T*) {}) {}

 private:
  std::shared_ptr<T> ptr_;
  template <typename U>
  friend class WeakNonOwningPtr;
};

template <typename T>
class NonOwningPtr final {
 public:
  NonOwningPtr() = default;
  explicit NonOwningPtr(std::shared_ptr<T> ptr) : ptr_(std::move(ptr)) {}

 private:
  std::shared_ptr<T> ptr_;
};

template <typename T>
class WeakNonOwningPtr final {
 public:
  WeakNonOwningPtr() = default;
  explicit WeakNonOwningPtr(const ShareableNonOwningPtr<T>& p) : ptr_(p.ptr_) {}

 private:
  std::weak_ptr<T> ptr_;
};

}  // namespace gloo
