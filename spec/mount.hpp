// config.md "mounts" and the mount option vocabulary of mount(8).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "spec/reader.hpp"

namespace berth::spec {

struct IdMapping {
  uint32_t container_id = 0;
  uint32_t host_id = 0;
  uint32_t size = 0;
};

// A mount's options, classified once at parse time so later stages never
// re-parse strings.
struct MountOptions {
  unsigned long flags = 0;        // MS_* set by the options (MS_RDONLY, MS_NOSUID, ...)
  unsigned long clear_flags = 0;  // MS_* cleared ("rw", "suid", "dev", ...)
  unsigned long propagation = 0;  // MS_SHARED|MS_SLAVE|MS_PRIVATE|MS_UNBINDABLE, maybe |MS_REC
  uint64_t attr_set = 0;          // MOUNT_ATTR_* applied recursively ("rro", "rnosuid", ...)
  uint64_t attr_clr = 0;
  bool bind = false;              // "bind" or "rbind"
  bool recursive_bind = false;    // "rbind"
  bool idmap = false;             // "idmap" or "ridmap"
  bool recursive_idmap = false;   // "ridmap"
  bool tmpcopyup = false;
  bool copy_symlink = false;      // "copy-symlink" (crun)
  std::string data;               // filesystem-specific options, comma separated ("size=64m,mode=755")
};

struct Mount {
  std::string destination;
  std::string type;
  std::string source;
  std::vector<std::string> options;  // as written
  MountOptions parsed;
  std::vector<IdMapping> uid_mappings, gid_mappings;
};

void read_id_mapping(const Reader& r, IdMapping& out);
void read_mount(const Reader& r, Mount& out);

// Classifies one option into `out`; options apply in order, so "ro" then "rw"
// is read-write, and the last propagation or recursive atime option wins.
// `fs_type` is the mount's type, or "bind" for any bind mount (type "bind" or
// a "bind"/"rbind" option anywhere in the list).  The data rule:
//  - a known flag (known_mount_options()) sets flags, never data;
//  - an option containing '=' goes to `data` (the kernel judges its value);
//  - a bare word goes to `data` only where the filesystem takes it: the
//    words mount.cpp lists for devpts ("newinstance"), tmpfs, overlay, cgroup
//    (controller names) and cgroup2; none at all on proc, sysfs, mqueue,
//    types "" and "none", or bind mounts (the kernel drops data there, so a
//    typo would vanish); filesystems berth does not track (ext4, nfs, fuse.*,
//    ...) pass every bare word to the kernel, which rejects bad ones;
//  - anything else, the empty string included, is an error:
//    `unknown mount option "foo"`, returned false with it in `error`.
bool classify_mount_option(std::string_view opt, std::string_view fs_type, MountOptions& out,
                           std::string& error);
// Every option name classify_mount_option() accepts as a flag (features.md
// "mountOptions").
std::vector<std::string_view> known_mount_options();

}  // namespace berth::spec
