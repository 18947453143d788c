// Cross-field rules of the runtime-spec (see validate.hpp).
//
// The parser has already rejected wrong types and unknown enum values; what is
// left here are the rules that involve more than one field or a value range
// the JSON type cannot express.  Each rule is a small function over the whole
// Config that appends every violation it finds; the table at the bottom fixes
// the order, which decides which error validate() reports first.
//
// Sources: config.md and config-linux.md of runtime-spec 1.2.1 (netDevices
// from 1.3.0), runc's libcontainer/configs/validate/validator.go for the
// namespace and sysctl policy, and the kernel where a value would otherwise
// fail late with a bare EINVAL (sched_setattr(2), user_namespaces(7)).
// No rule touches the filesystem: checks that need the host (is a joined
// netns the host's?) belong to create, not here.
#include "spec/validate.hpp"

#include "spec/validate_rules.hpp"

namespace berth::spec {

using namespace rules;

const std::vector<ValidationRule>& validation_rules() {
  static const std::vector<ValidationRule> rules = {
      {"oci-version", check_oci_version},
      {"create-required", check_create_required},
      {"root", check_root},
      {"process-args", check_process_args},
      {"process-cwd", check_process_cwd},
      {"process-env", check_process_env},
      {"rlimits", check_rlimits},
      {"oom-score-adj", check_oom_score_adj},
      {"scheduler", check_scheduler},
      {"io-priority", check_io_priority},
      {"exec-cpu-affinity", check_exec_cpu_affinity},
      {"uts", check_uts},
      {"mounts", check_mounts},
      {"mount-idmap", check_mount_idmap},
      {"namespaces", check_namespaces},
      {"user-namespace", check_user_namespace},
      {"user-mapped", check_user_mapped},
      {"time-namespace", check_time_namespace},
      {"sysctl", check_sysctl},
      {"devices", check_devices},
      {"cgroups-path", check_cgroups_path},
      {"cgroup-unified", check_cgroup_unified},
      {"memory-swap", check_memory_swap},
      {"cpu-burst", check_cpu_burst},
      {"blockio-rdma", check_blockio_rdma},
      {"masked-readonly-paths", check_masked_readonly},
      {"mount-namespace", check_mount_namespace},
      {"seccomp-notify", check_seccomp_notify},
      {"seccomp-errno", check_seccomp_errno},
      {"hooks", check_hooks},
      {"personality", check_personality},
      {"net-devices", check_net_devices},
      {"intel-rdt", check_intel_rdt},
      {"memory-policy", check_memory_policy},
      {"annotations", check_annotations},
  };
  return rules;
}

std::vector<Violation> check_config(const Config& c, ValidateFor mode) {
  std::vector<Violation> out;
  for (const auto& rule : validation_rules()) {
    size_t first = out.size();
    rule.check(c, mode, out);
    for (size_t i = first; i < out.size(); ++i) out[i].rule = rule.name;
  }
  return out;
}

namespace {

Result<void> first_violation(const std::vector<Violation>& v, const std::string& source) {
  if (v.empty()) return {};
  std::string m = source + ": ";
  if (!v.front().path.empty()) m += v.front().path + ": ";
  m += v.front().message;
  return berth::fail(std::move(m));
}

}  // namespace

Result<void> validate(const Config& c, ValidateFor mode, const std::string& source) {
  return first_violation(check_config(c, mode), source);
}

Result<void> validate_rootless(const Config& c, const std::string& source) {
  return first_violation(check_rootless(c), source);
}

}  // namespace berth::spec
