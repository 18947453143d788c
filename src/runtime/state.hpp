// Container state on disk, under --root: one directory per container.
//
//   <root>/<id>/            created with mkdirat: EEXIST means the id is taken
//   <root>/<id>/state.json  ContainerState, written atomically
//   <root>/<id>/config.json the validated config, stored at create so later
//                           verbs never reread the bundle
//   <root>/<id>/exec.fifo   present from create until start
//
// Verbs on one id serialise on flock(LOCK_EX) of the directory fd.  The
// status is never stored: it is derived from the kernel each time (pid alive
// with the same start time, exec fifo present, cgroup frozen).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "src/runtime/base/result.hpp"
#include "src/runtime/base/unique_fd.hpp"

namespace berth::runtime {

// runc's rule: ^[\w+\-.]+$, and never "." or "..".
Result<void> check_container_id(std::string_view id);

enum class Status { kCreating, kCreated, kRunning, kPaused, kStopped };
std::string_view status_name(Status s);

struct ContainerState {
  std::string id;
  std::string oci_version;
  pid_t pid = 0;
  uint64_t pid_start_time = 0;  // /proc/<pid>/stat field 22, guards against pid reuse
  std::string bundle;           // absolute
  std::string rootfs;           // absolute
  std::string created;          // RFC 3339
  uint32_t owner = 0;           // uid that created the container
  std::map<std::string, std::string> annotations;
  std::string cgroup;           // opaque string of the cgroup manager, may be empty
};

std::string state_to_json(const ContainerState& s);
Result<ContainerState> state_from_json(std::string_view text);

// The OCI state (runtime.md "State") plus runc's rootfs, created and owner.
std::string oci_state_json(const ContainerState& s, Status status);

// Start time of a process in clock ticks since boot, or 0 if it is gone.
uint64_t process_start_time(pid_t pid);

enum class LockMode { kExclusive, kShared };

class ContainerDir {
 public:
  // Creates <root>/<id> (and root with its missing parents, 0700) and locks it.
  static Result<ContainerDir> create(const std::string& root, std::string_view id);
  // Opens and locks an existing container.  Error: container "x" does not exist.
  // kShared for verbs that only read (state, list).
  static Result<ContainerDir> open(const std::string& root, std::string_view id,
                                   LockMode mode = LockMode::kExclusive);
  // Ids of every container under root (sorted); none when root is missing.
  static Result<std::vector<std::string>> list(const std::string& root);

  const std::string& id() const { return id_; }
  const std::string& path() const { return path_; }
  int fd() const { return fd_.get(); }

  Result<void> write_state(const ContainerState& s) const;
  Result<ContainerState> read_state() const;
  Result<void> write_config(std::string_view text) const;
  Result<std::string> read_config() const;
  bool has_exec_fifo() const;

  // Status from the kernel; `frozen` comes from the cgroup manager.
  Status status(const ContainerState& s, bool frozen) const;

  // Gives up the lock (and the fd); the object is empty afterwards.
  void unlock() { fd_.reset(); }

  // Removes the directory and everything in it.  The lock goes with the fd.
  Result<void> remove();

 private:
  ContainerDir(std::string id, std::string path, UniqueFd fd)
      : id_(std::move(id)), path_(std::move(path)), fd_(std::move(fd)) {}
  std::string id_;
  std::string path_;
  UniqueFd fd_;
};

inline constexpr const char* kExecFifo = "exec.fifo";

}  // namespace berth::runtime
