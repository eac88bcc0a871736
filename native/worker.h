// The engine thread: one OS thread runs every backend and device call, in order. GPU libraries
// require the thread that set the device to issue every collective, and MPI is only ever called
// from it; the JavaScript thread stays free for heartbeats and timeouts.
#pragma once
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace ccb {

class Worker {
 public:
  Worker() : thread_([this] { loop(); }) { thread_.detach(); }
  void post(std::function<void()> job) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      jobs_.push_back(std::move(job));
    }
    cv_.notify_one();
  }

 private:
  void loop() {
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [this] { return !jobs_.empty(); });
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      job();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  std::thread thread_;  // detached: a rank may exit while a peer is hung inside a library call
};

}  // namespace ccb
