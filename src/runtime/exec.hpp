// `exec`: run a new process inside an existing container.
#pragma once

#include <map>
#include <string>

#include "spec/process.hpp"
#include "src/runtime/cli.hpp"

namespace berth::runtime {

struct ExecRequest {
  std::string id;
  spec::Process process;  // --process FILE, or the container's process with the flags applied
  std::string console_socket;
  std::string pid_file;
  std::string pidfd_socket;
  bool detach = false;
  bool ignore_paused = false;
  int preserve_fds = 0;
  // --cgroup: controller ("" for all) -> sub-cgroup of the container's.
  std::map<std::string, std::string> sub_cgroups;
};

// Runs the process; returns its exit status (128+signal when killed), or 0
// right after it started when detached.
Result<int> exec_process(Context& ctx, const ExecRequest& req);

}  // namespace berth::runtime
