// process.terminal: the pseudo-terminal of a container process.
//
// runc's protocol with --console-socket: the runtime opens a pty pair, makes
// the slave the process's controlling terminal and stdio, and sends the
// master to the unix socket named by --console-socket in one SCM_RIGHTS
// message whose data is the pty's path (containerd and conmon read it so).
#pragma once

#include <optional>
#include <string>

#include "spec/process.hpp"
#include "src/runtime/base/result.hpp"
#include "src/runtime/base/unique_fd.hpp"

namespace berth::runtime {

struct Pty {
  UniqueFd master;
  UniqueFd slave;
  std::string slave_path;  // "/dev/pts/3" as seen by the opener
};

// Opens a pty pair through `ptmx_path` (inside the container after pivot_root:
// "/dev/ptmx"), unlocks it and applies the console size.
Result<Pty> open_pty(const std::string& ptmx_path, const std::optional<spec::ConsoleSize>& size);

// In the process that will exec: new session, slave as controlling
// terminal, dup2 onto 0, 1, 2.
Result<void> make_controlling_terminal(int slave_fd);

// Connects to the unix stream socket `socket_path` and sends `fd` with
// `data` in one SCM_RIGHTS message (console socket: the pty name; pidfd
// socket; seccomp listener: the containerProcessState JSON).
Result<void> send_fd(const std::string& socket_path, int fd, const std::string& data);

}  // namespace berth::runtime
