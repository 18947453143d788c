// Path work inside a container's root filesystem, without ever leaving it.
//
// Every lookup goes through openat2(RESOLVE_IN_ROOT): ".." and absolute
// symlinks resolve against the rootfs, so a symlink planted in the image
// cannot send a mount onto the host (CVE-2021-30465, and the 2025 runc mask
// races).  Mounts then target the resolved O_PATH fd through its
// /proc/self/fd/N name, so nothing re-resolves the path by string.
#pragma once

#include <string>
#include <string_view>

#include "src/runtime/base/result.hpp"
#include "src/runtime/base/unique_fd.hpp"

namespace berth::ns {

// openat2(root, path, flags, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS).
// `path` is container-absolute ("/dev/pts") or relative to the root.
Result<UniqueFd> open_in_root(int rootfd, std::string_view path, int flags);

enum class NodeKind { kDirectory, kFile };

// Resolves `path` inside root, creating missing components as directories
// (the last one as `kind`), and returns an O_PATH fd to it.  Existing
// components may be symlinks, dangling ones included: they resolve inside
// the root, and a missing target is created there.
Result<UniqueFd> make_in_root(int rootfd, std::string_view path, NodeKind kind, unsigned mode = 0755,
                              int depth = 0);

// "/proc/self/fd/N" for mount(2) and friends.
std::string fd_path(int fd);

// Normalises a container path lexically: "/a//b/./c/" -> "/a/b/c".  ".."
// components are kept for openat2 to resolve inside the root.
std::string clean_path(std::string_view path);

}  // namespace berth::ns
