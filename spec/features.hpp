// features.md / features-linux.md: the JSON `berth features` prints.
// Name lists (hooks, mountOptions, namespaces, capabilities, seccomp names)
// are what the config parser recognizes, as the spec defines them; the
// "enabled"/cgroup booleans are implementation status, filled by the runtime
// from what is really implemented, never from what is merely parsed.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace berth::spec {

struct SeccompFeatures {
  bool enabled = false;
  std::vector<std::string> actions, operators, archs, known_flags, supported_flags;
};

struct Features {
  std::string oci_version_min = "1.0.0";
  std::string oci_version_max;
  std::vector<std::string> hooks;
  std::vector<std::string> mount_options;
  std::vector<std::string> namespaces;
  std::vector<std::string> capabilities;
  bool cgroup_v1 = false, cgroup_v2 = false, cgroup_systemd = false, cgroup_systemd_user = false,
       cgroup_rdma = false;
  SeccompFeatures seccomp;
  bool apparmor = false, selinux = false, intel_rdt = false, idmap_mounts = false, net_devices = false;
  std::map<std::string, std::string> annotations;
  std::vector<std::string> potentially_unsafe_annotations;
};

// Pretty-printed, newline-terminated, keys in features.md order.
std::string features_json(const Features& f);

}  // namespace berth::spec
