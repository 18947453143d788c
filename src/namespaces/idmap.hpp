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
