// The container's root filesystem, in the order runc established (see
// rootfs.cpp for why each step sits where it does):
//
//   prepare_rootfs   (before createContainer hooks)
//     propagation of "/" -> slave (or rootfsPropagation), bind rootfs onto
//     itself, config mounts, /dev nodes and links
//   enter_rootfs     pivot_root (or MS_MOVE + chroot with --no-pivot)
//   finish_rootfs    maskedPaths, readonlyPaths, root.readonly, final propagation
#pragma once

#include <map>
#include <string>

#include "spec/config.hpp"
#include "src/namespaces/mounts.hpp"
#include "src/runtime/base/result.hpp"

namespace berth::ns {

struct RootfsOptions {
  std::string rootfs;  // absolute host path
  std::string bundle;  // absolute
  bool no_pivot = false;
  bool in_user_ns = false;
  CgroupView cgroups;
  bool host_network = false;  // the container shares the host's network namespace
  // Detached mount trees made by the parent (idmap.hpp), by mounts[] index.
  std::map<size_t, int> premade_mounts;
};

Result<void> prepare_rootfs(const spec::Config& cfg, const RootfsOptions& opt);
Result<void> enter_rootfs(const RootfsOptions& opt);
Result<void> finish_rootfs(const spec::Config& cfg, const RootfsOptions& opt);

}  // namespace berth::ns
