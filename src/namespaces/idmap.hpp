// Id maps: the container's user namespace maps (who writes them, below),
// and id-mapped mounts.
//
// Id-mapped mounts (config.md mounts: "idmap"/"ridmap", uidMappings and
// gidMappings; Linux 5.12).  Made by the parent, in the host's mount
// namespace, where it holds CAP_SYS_ADMIN over the source's file system (a
// mount cannot be id-mapped from inside a child user namespace), and handed
// to the container init as detached mount fds that it moves into place:
//
//   parent                                     child
//   user namespace: the mount's own mappings,
//     or the container's (after its maps)
//   open_tree(source, OPEN_TREE_CLONE)
//   mount_setattr(MOUNT_ATTR_IDMAP, userns)  --kMountFds-->  move_mount onto
//                                                             the destination
//
// A file owned by hostID on disk appears as containerID through the mount.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "spec/mount.hpp"
#include "src/runtime/base/result.hpp"
#include "src/runtime/base/unique_fd.hpp"

namespace berth::ns {

// uid_map/gid_map text: "containerID hostID size" per line.
std::string id_map_text(const std::vector<spec::IdMapping>& maps);

// Writes /proc/<pid>/<file> in one write(2): the kernel takes an id map
// (and setgroups, timens_offsets) only whole.
Result<void> write_proc_file(pid_t pid, const char* file, const std::string& text);

// ---- the container's own user namespace: who writes its maps ------------
//
// user_namespaces(7): a process with CAP_SETUID/CAP_SETGID over the parent
// namespace (berth as root) writes any map.  Without them, the namespace's
// owner may only write one line mapping its own effective id, size 1, and
// for gid_map only once setgroups is "deny".  Anything more (several ranges,
// subordinate ids from /etc/subuid and /etc/subgid) goes through the setuid
// helpers newuidmap(1)/newgidmap(1) of the shadow "uidmap" package, which
// check the ranges against those files.  newgidmap decides setgroups
// itself: it leaves "allow" for ranges the caller is entitled to in
// /etc/subgid and writes "deny" otherwise; berth denies setgroups only for
// a gid_map it writes directly, since denying it first would take
// setgroups(2) from the container for nothing.

enum class MapWriter {
  kDirect,  // berth writes /proc/<pid>/{uid,gid}_map
  kHelper,  // newuidmap / newgidmap do
};

struct IdMapPlan {
  MapWriter uid = MapWriter::kDirect;
  MapWriter gid = MapWriter::kDirect;
  bool deny_setgroups = false;  // write "deny" to /proc/<pid>/setgroups first
};

// Pure: the writers for these maps when berth runs with euid/egid.
IdMapPlan plan_id_maps(const std::vector<spec::IdMapping>& uids, const std::vector<spec::IdMapping>& gids,
                       uid_t euid, gid_t egid);

// The helper's command line: {tool, pid, containerID, hostID, size, ...}.
std::vector<std::string> id_map_helper_argv(const std::string& tool, pid_t pid,
                                            const std::vector<spec::IdMapping>& maps);

// `name` in the directories of `path_env` (PATH; the usual system
// directories when null): the first regular executable file.
Result<std::string> find_in_path(std::string_view name, const char* path_env);

// The helpers a plan needs, resolved before anything is created so that a
// missing one leaves nothing behind.  Empty where not needed.
struct IdMapHelpers {
  std::string newuidmap;
  std::string newgidmap;
};
// Errors name the mapping and the tool: `linux.uidMappings: ... needs
// "newuidmap" (package uidmap), which is not in PATH`.
Result<IdMapHelpers> find_id_map_helpers(const IdMapPlan& plan, const char* path_env);

// Writes pid's setgroups, uid_map and gid_map as the plan says (uid_map
// first).  A helper's failure reads `newuidmap 1234 0 1000 1: exit status
// 1: <its stderr>`.
Result<void> write_user_namespace_maps(pid_t pid, const std::vector<spec::IdMapping>& uids,
                                       const std::vector<spec::IdMapping>& gids, const IdMapPlan& plan,
                                       const IdMapHelpers& helpers);

// Whether mount m is to be id-mapped (the option, or mappings alone).
bool is_idmapped(const spec::Mount& m);

// A user namespace fd with these mappings ("containerID hostID size" per
// line, as uid_map takes them), held by no process: a short-lived helper
// is created in it and reaped.
Result<UniqueFd> user_namespace_with(const std::vector<spec::IdMapping>& uids,
                                     const std::vector<spec::IdMapping>& gids);

// The detached, id-mapped copy of m's source (bundle-relative sources taken
// from `bundle`).  userns_fd: the mapping to apply.
Result<UniqueFd> idmapped_tree(const spec::Mount& m, const std::string& bundle, int userns_fd);

}  // namespace berth::ns
