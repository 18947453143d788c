// The Container API the verbs stand on (STYLE.md: the CLI is thin, the
// library is the product).  Every operation takes the global options and
// the id, and returns an Error that names the container.
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "spec/config.hpp"
#include "src/cgroups/manager.hpp"
#include "src/namespaces/mounts.hpp"
#include "src/runtime/cli.hpp"
#include "src/runtime/state.hpp"
#include "src/runtime/sync.hpp"
#include "src/seccomp/program.hpp"

namespace berth::runtime {

struct CreateOptions {
  std::string id;
  std::string bundle;  // as given; made absolute by create
  std::string pid_file;
  std::string console_socket;
  std::string pidfd_socket;
  bool no_pivot = false;
  bool no_new_keyring = false;
  int preserve_fds = 0;
  // `run` without --console-socket: keep the pty master (Created::console)
  // instead of requiring a socket, and proxy it to berth's own stdio.
  bool keep_console = false;
};

struct Created {
  pid_t pid = 0;
  ContainerDir dir;  // still locked
  UniqueFd console;  // pty master, with keep_console and process.terminal
};

// runtime.md "create": the init is fully set up and blocked before the user
// program.  On failure nothing is left: no state dir, process or mount.
Result<Created> create_container(Context& ctx, const CreateOptions& opt);

// runtime.md "start": releases the user program, then runs poststart hooks.
Result<void> start_container(Context& ctx, ContainerDir& dir);

// The OCI state document of one container.
Result<std::string> container_state_json(Context& ctx, const std::string& id);

// runtime.md "kill".  `all`: every process of the container.
Result<void> kill_container(Context& ctx, const std::string& id, int signal, bool all);

// runtime.md "delete".  Without `force` only a stopped container may go;
// with it a missing id is success (containerd's shim relies on it).
Result<void> delete_container(Context& ctx, const std::string& id, bool force);
// Delete an opened container whose status is known to be stopped.
Result<void> destroy_container(Context& ctx, ContainerDir& dir);

// A pidfd of the container's init, empty if it is gone (the start time is
// checked after pidfd_open, so a reused pid is never signalled).
UniqueFd open_init_pidfd(const ContainerState& s);

// The container's cgroup manager, reopened from state.json; nullptr when
// it has none (--cgroup-manager disabled).
std::unique_ptr<cgroups::Manager> container_cgroup(const ContainerState& s);

// The status, with the cgroup freezer consulted for "paused".
Status container_status(const ContainerDir& dir, const ContainerState& s);

// The stored config of a container (the bundle may be gone by now).
Result<spec::Config> stored_config(const ContainerDir& dir);

// "TERM", "SIGTERM", "15", "RTMIN+3" -> signal number.
Result<int> parse_signal(std::string_view s);

// The host cgroup directories a "cgroup" mount binds: the calling process's
// own (the init calls it once placed in the container's cgroup).
ns::CgroupView cgroup_view(bool new_cgroupns);

// linux.seccomp compiled in the parent (nullopt when the config has none);
// warnings (unknown syscall names) go to the log.  Errors name `source`.
Result<std::optional<seccomp::BpfProgram>> compile_seccomp(Context& ctx, const spec::Config& cfg,
                                                           const std::string& source);

// Child side: installs the filter and hands a NOTIFY listener to the parent.
Result<void> load_seccomp(const seccomp::BpfProgram& p, const SyncSocket& sync);
// Child side of cgroups::Placement: joins the v1 cgroups whose "tasks"
// files the parent opened, by writing "0" (this single thread) to each.
Result<void> join_cgroups_by_tasks(const std::vector<int>& tasks_fds);

// STYLE.md: berth must be single-threaded when it clones; checked, not assumed.
Result<void> assert_single_threaded();

// config-linux.md "seccomp": the containerProcessState document sent with
// a notify listener fd to linux.seccomp.listenerPath.
std::string container_process_state(const spec::Config& cfg, pid_t pid, const std::string& state_json);

// The state JSON hooks get on stdin.
std::string hook_state_json(const ContainerState& s, Status status);

}  // namespace berth::runtime
