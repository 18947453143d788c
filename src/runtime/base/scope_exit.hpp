// ScopeExit runs a callable when the scope ends unless dismissed.
// Rollback is a stack of undo actions that only the process that built it
// may run: after fork/clone the child's copy is inert, so a failing child can
// never delete the parent's cgroup or state directory.
#pragma once

#include <unistd.h>

#include <functional>
#include <utility>
#include <vector>

namespace berth {

template <class F>
class ScopeExit {
 public:
  explicit ScopeExit(F f) : f_(std::move(f)) {}
  ScopeExit(const ScopeExit&) = delete;
  ScopeExit& operator=(const ScopeExit&) = delete;
  ~ScopeExit() {
    if (armed_) f_();
  }
  void dismiss() { armed_ = false; }

 private:
  F f_;
  bool armed_ = true;
};

class Rollback {
 public:
  Rollback() : owner_(::getpid()) {}
  Rollback(const Rollback&) = delete;
  Rollback& operator=(const Rollback&) = delete;
  ~Rollback() { run(); }

  void push(std::function<void()> undo) { undo_.push_back(std::move(undo)); }
  // Success: forget every undo action.
  void commit() { undo_.clear(); }
  // Failure: undo in reverse order, but only in the process that pushed them.
  void run() {
    if (::getpid() != owner_) {
      undo_.clear();
      return;
    }
    while (!undo_.empty()) {
      auto f = std::move(undo_.back());
      undo_.pop_back();
      f();
    }
  }

 private:
  pid_t owner_;
  std::vector<std::function<void()>> undo_;
};

}  // namespace berth
