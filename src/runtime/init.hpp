// The container init: what the cloned child does between clone3 and execve.
//
// It runs in a copy of the parent's memory (no CLONE_VM), single-threaded,
// and never returns into the parent's frames: every path ends in execve or
// _exit.  Failures go to the parent as a kError frame on the sync socket.
#pragma once

#include <string>
#include <vector>

#include "spec/config.hpp"
#include "src/namespaces/plan.hpp"
#include "src/namespaces/rootfs.hpp"
#include "src/runtime/sync.hpp"
#include "src/seccomp/program.hpp"

namespace berth::runtime {

struct InitArgs {
  const spec::Config* cfg = nullptr;
  const ns::Plan* plan = nullptr;
  ns::RootfsOptions rootfs;
  const SyncSocket* sync = nullptr;
  int exec_fifo = -1;      // opened O_RDWR by the parent: read blocks until `start`
  int trampoline = -1;     // sealed exec trampoline memfd (trampoline.hpp), or -1: direct exec
  int preserve_fds = 0;    // fds 3 .. 3+N-1 pass to the container (listen fds included)
  int listen_fds = 0;      // the first of them are berth's own socket activation
  bool no_new_keyring = false;
  std::string id;
  const seccomp::BpfProgram* seccomp = nullptr;  // compiled by the parent
  std::vector<int> cgroup_tasks;  // v1 "tasks" files to write "0" to: we join those cgroups ourselves
  bool wait_placed = false;    // the parent moves us into the cgroup, then sends kCgroupPlaced
  bool late_cgroupns = false;  // unshare the cgroup namespace once placed
};

[[noreturn]] void container_init(const InitArgs& a);

}  // namespace berth::runtime
