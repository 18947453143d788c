// /dev inside the container: the default device nodes every container gets
// (runtime-spec config-linux.md "Default Devices"), linux.devices, and the
// standard symlinks.  Runs before pivot_root with the rootfs fd.
#pragma once

#include <vector>

#include "spec/linux.hpp"
#include "src/runtime/base/result.hpp"

namespace berth::ns {

// The six default nodes: null, zero, full, random, urandom, tty (0666 root).
const std::vector<spec::Device>& default_devices();

struct DevOptions {
  // In a user namespace mknod is not allowed: bind mount the host's node.
  bool bind_from_host = false;
};

// Creates `devices` (config order) then the defaults not already listed,
// then /dev/fd, /dev/std{in,out,err}, /dev/core and /dev/ptmx symlinks.
// An existing node at a path is left alone.
Result<void> setup_dev(int rootfd, const std::vector<spec::Device>& devices, const DevOptions& opt);

}  // namespace berth::ns
