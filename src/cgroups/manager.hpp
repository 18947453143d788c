// The cgroup Manager: one interface, one implementation per host layout.
//
//   fs2 (fs_v2.cpp)  unified hierarchy only.
//   fs1 (fs_v1.cpp)  v1 hierarchies, each controller wherever it is mounted;
//                    on a hybrid host also the cgroup2 mount, which takes the
//                    controllers no v1 hierarchy has (hugetlb on the
//                    development machine) and linux.resources.unified.
//   systemd (systemd_manager.cpp, systemd.hpp)  a transient systemd unit
//                    started over D-Bus, around an fs1/fs2 manager for the
//                    unit's directories; its own cgroupsPath form.
//
// make_manager() picks one from the Layout; the lead stores persist() in
// state.json and later verbs reopen it with open_manager().  Nothing here
// reads the bundle: resources come typed from spec/.
//
// cgroupsPath rules (runc's cgroupfs driver, libcontainer/specconv and
// opencontainers/cgroups internal/path.Inner, fs/paths.go, fs2/defaultpath.go):
//   - the path is cleaned lexically as if rooted at "/", so ".." cannot
//     climb out of a hierarchy;
//   - absolute: taken from each hierarchy's root;
//   - relative: beneath the runtime's own cgroup in each v1 hierarchy and in
//     the cgroup2 mount of a hybrid host; on a pure cgroup2 host beneath the
//     *parent* of the runtime's own cgroup, because cgroup2's "no internal
//     processes" rule keeps controllers from being enabled below a cgroup
//     that holds processes (the runtime itself);
//   - empty: the container id, as a relative path (runc sets Name = id).
// A path that cleans to a hierarchy root is refused: destroy() would
// remove the host's processes' cgroups.
#pragma once

#include <sys/types.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "spec/resources.hpp"
#include "src/cgroups/layout.hpp"
#include "src/cgroups/oom.hpp"
#include "src/cgroups/stats.hpp"
#include "src/runtime/base/result.hpp"
#include "src/runtime/base/unique_fd.hpp"

namespace berth::cgroups {

// The container's cgroup in one hierarchy.
struct CgroupDir {
  std::string mount;                     // hierarchy mount point (a temp dir in tests)
  std::string path;                      // below the mount: "/a/b"
  std::vector<std::string> controllers;  // v1: the hierarchy's controllers; cgroup2: empty

  std::string dir() const { return mount + path; }
  bool operator==(const CgroupDir&) const = default;
};

// exec --cgroup [CONTROLLER[,CONTROLLER]:]PATH, parsed: controller -> path.
using SubCgroups = std::map<std::string, std::string>;

// The sub-cgroup directory `sub` below `dir`, refusing anything that would
// leave it ("..", absolute paths).
Result<std::string> sub_cgroup_dir(const std::string& dir, std::string_view sub);

// How a new process can join the container's cgroup without the parent
// writing its pid to cgroup.procs.  That write (either version) takes
// cgroup_threadgroup_rwsem for writing, which waits for an RCU grace period
// whenever the lock was idle: 6-17 ms per container start on the development
// VM, the largest single cost of one (runc and crun pay it too).  Two ways
// skip the lock: clone3(CLONE_INTO_CGROUP) into a cgroup2 directory, and a
// single-threaded process writing "0" (itself) to a v1 hierarchy's "tasks"
// file (kernel 5.13, cgroup_procs_write_start: a lone thread migrating
// itself needs no threadgroup stability).  Permission is checked with the
// credentials the file was opened with, so the parent opens, the child
// writes, from any namespace.  Before Linux 5.7 (no CLONE_INTO_CGROUP) the
// child joins cgroup2 the same way through its "cgroup.procs", which takes
// the lock but works.
struct Placement {
  UniqueFd v2_dir;                   // for CLONE_INTO_CGROUP; invalid: none
  std::vector<UniqueFd> join_files;  // opened O_WRONLY; the child writes "0" to each
  bool parent_places = false;        // neither: the caller calls add_process() after clone
};

class Manager {
 public:
  virtual ~Manager() = default;

  // Makes the directories (existing ones are joined).  On cgroup2 also
  // enables the available controllers down the ancestors' subtree_control;
  // on v1 gives a fresh cpuset cgroup its parent's cpus and mems, without
  // which no task may join it.
  virtual Result<void> create() = 0;
  // An O_RDONLY|O_DIRECTORY fd of the cgroup2 directory, for
  // clone3(CLONE_INTO_CGROUP) (kernel 5.7).  An invalid fd (not an error)
  // from the v1/hybrid manager: move the child with add_process() there.
  // `sub`: a sub-cgroup of the container's (exec --cgroup), which must exist.
  virtual Result<UniqueFd> open_v2_dir(std::string_view sub = {}) const = 0;
  // Writes pid to cgroup.procs of every hierarchy.
  // `sub` (exec --cgroup): controller -> sub-cgroup of the container's;
  // the key "" applies to every hierarchy without its own entry.
  virtual Result<void> add_process(pid_t pid, const SubCgroups& sub = {}) = 0;
  // How a new process joins the cgroup (Placement).  The default, for a
  // manager that cannot let the child place itself: open_v2_dir() for
  // CLONE_INTO_CGROUP, else parent_places.  `sub` as for add_process.
  virtual Result<Placement> open_placement(const SubCgroups& sub = {}) const;
  // Translates (plan_v1/plan_v2) and writes resources; used by create and
  // update.  Errors name the spec field, or the file, value and directory.
  // Device rules: devices.allow/deny on v1 and hybrid hosts, an eBPF
  // program (device_bpf.hpp) on pure cgroup2; none leaves them as they are.
  virtual Result<void> apply(const spec::Resources& r) = 0;
  // cgroup.freeze (kernel 5.2) or the v1 freezer; returns once the kernel
  // reports the new state.
  virtual Result<void> set_frozen(bool frozen) = 0;
  // True only when the kernel reports the cgroup frozen (not "freezing").
  virtual Result<bool> frozen() const = 0;
  // Processes in the cgroup and every cgroup below it.
  virtual Result<std::vector<pid_t>> pids() const = 0;
  // Resource usage now (runc's GetStats, stats.hpp): each controller from the
  // hierarchy that has it; on a hybrid host the cgroup2 side for those no
  // v1 hierarchy has.  Files the host lacks leave their fields zero.
  virtual Result<Stats> stats() const = 0;
  // OOM notifications of the memory controller (oom.hpp): the v1 memory
  // hierarchy's eventfd, else cgroup2's memory.events.
  virtual Result<std::unique_ptr<OomWatch>> watch_oom() const = 0;
  // Signals every process.  SIGKILL uses cgroup.kill where present (kernel
  // 5.14), which cannot race with forks; otherwise each pid is signalled
  // (inside a frozen cgroup on v1, so new children cannot slip out).
  virtual Result<void> kill_all(int sig) = 0;
  // Removes the cgroup and its children in every hierarchy.  EBUSY is
  // retried briefly; already-gone is success.
  virtual Result<void> destroy() = 0;
  // What state.json keeps to reopen the manager (JSON text).
  virtual std::string persist() const = 0;
  // The cgroup path, "/a/b" (of the cgroup2 dir, else the first v1 one).
  virtual std::string path() const = 0;
};

// Lexical cleaning of linux.cgroupsPath as runc does it ("a/../../b" ->
// "b", "/a//b/" -> "/a/b"); "" stays "".  Relative results stay relative.
std::string clean_cgroups_path(std::string_view p);

// The container's directory in each hierarchy, by the rules above.
// `self` is parse_proc_cgroup() of /proc/self/cgroup.
Result<std::vector<CgroupDir>> resolve_v1_dirs(const Layout& layout,
                                               const std::map<std::string, std::string>& self,
                                               std::string_view cgroups_path, std::string_view id);
Result<CgroupDir> resolve_v2_dir(const Layout& layout,
                                 const std::map<std::string, std::string>& self,
                                 std::string_view cgroups_path, std::string_view id);

// clone_into_cgroup: whether open_placement offers CLONE_INTO_CGROUP (the
// running kernel's answer unless a test says otherwise).
std::unique_ptr<Manager> make_fs2_manager(CgroupDir unified,
                                          bool clone_into_cgroup = kernel_has_clone_into_cgroup());
std::unique_ptr<Manager> make_fs1_manager(std::vector<CgroupDir> v1,
                                          std::optional<CgroupDir> unified);

// The factory: fs2 on a cgroup2-only host, fs1 on v1 and hybrid hosts.
Result<std::unique_ptr<Manager>> make_manager(const Layout& layout,
                                              const std::map<std::string, std::string>& self,
                                              std::string_view cgroups_path, std::string_view id);
// Same, for this host: reads /proc/self/mountinfo and /proc/self/cgroup.
Result<std::unique_ptr<Manager>> make_manager(std::string_view cgroups_path, std::string_view id);
// The systemd driver (--cgroup-manager systemd): cgroups_path is
// "slice:prefix:name" (systemd.hpp).  Nothing talks to systemd until
// create().
Result<std::unique_ptr<Manager>> make_systemd_manager(const Layout& layout,
                                                      const std::map<std::string, std::string>& self,
                                                      std::string_view cgroups_path, std::string_view id);
Result<std::unique_ptr<Manager>> make_systemd_manager(std::string_view cgroups_path, std::string_view id);
// Reopens a manager from persist()'s text (any driver).
Result<std::unique_ptr<Manager>> open_manager(std::string_view persisted);

}  // namespace berth::cgroups
