#include "spec/features.hpp"

#include "berth_version.h"
#include "spec/linux.hpp"
#include "spec/mount.hpp"
#include "spec/process.hpp"
#include "spec/seccomp.hpp"
#include "src/runtime/base/fileio.hpp"
#include "src/runtime/commands.hpp"
#include "src/seccomp/support.hpp"

namespace berth::runtime {

namespace {

template <class V>
std::vector<std::string> strings(const V& v) {
  return {v.begin(), v.end()};
}

}  // namespace

spec::Features current_features() {
  spec::Features f;
  f.oci_version_max = BERTH_SPEC_VERSION;
  f.hooks = {"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"};
  f.mount_options = strings(spec::known_mount_options());
  f.namespaces = strings(spec::namespace_type_names());
  f.capabilities = strings(spec::capability_names());
  // Implementation status: each flips to true in the commit that makes it so.
  f.seccomp.enabled = true;
  f.seccomp.actions = strings(seccomp::supported_actions());
  f.seccomp.operators = strings(seccomp::supported_operators());
  f.seccomp.archs = strings(seccomp::supported_archs());
  f.seccomp.known_flags = strings(seccomp::supported_flags());
  f.seccomp.supported_flags = strings(seccomp::kernel_flags());
  // process.apparmorProfile is applied (process_attrs.cpp); SELinux needs
  // mountLabel too, which is not applied yet.
  f.apparmor = true;
  // linux.netDevices: moved by rtnetlink (src/namespaces/netdev.cpp).
  f.net_devices = true;
  // Id-mapped mounts: open_tree + MOUNT_ATTR_IDMAP in the parent, moved
  // into place by the init (src/namespaces/idmap.hpp; Linux 5.12).
  f.idmap_mounts = true;
  // cgroupfs managers for v1/hybrid and unified hosts, and the systemd
  // driver (src/cgroups/systemd.hpp; system instance only, no --rootless
  // user instance).
  f.cgroup_v1 = true;
  f.cgroup_v2 = true;
  f.cgroup_systemd = true;
  // features.md has no field for device control; like runc's
  // "org.opencontainers.runc.checkpoint.enabled", an annotation says that
  // linux.resources.devices is enforced on cgroup2 too (an eBPF program,
  // src/cgroups/device_bpf.hpp), not only by the v1 devices controller.
  f.annotations["org.berth.cgroup.v2.devices.enabled"] = "true";
  f.annotations["io.github.seccomp.libseccomp.version"] = seccomp::library_version();
  f.annotations["org.berth.version"] = BERTH_VERSION;
  f.annotations["org.berth.commit"] = BERTH_COMMIT;
  return f;
}

Result<int> cmd_features(Context&, const ParsedArgs&) {
  BERTH_TRY(write_all(1, spec::features_json(current_features()), "stdout"));
  return 0;
}

}  // namespace berth::runtime
