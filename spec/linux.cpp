#include "spec/linux.hpp"

#include <sys/mount.h>

#include <iterator>

namespace berth::spec {

namespace {

template <class E>
using Name = Reader::Name<E>;

// In NamespaceType order: namespace_type_names() is what `berth features`
// lists.
constexpr Name<NamespaceType> kNamespaceTypes[] = {
    {"pid", NamespaceType::kPid},       {"network", NamespaceType::kNetwork},
    {"mount", NamespaceType::kMount},   {"ipc", NamespaceType::kIpc},
    {"uts", NamespaceType::kUts},       {"user", NamespaceType::kUser},
    {"cgroup", NamespaceType::kCgroup}, {"time", NamespaceType::kTime},
};
static_assert(std::size(kNamespaceTypes) == kNamespaceTypeCount);

// The spec names only the four plain forms; runc and crun also take the
// recursive ones, which clients copy from mount options.
constexpr Name<unsigned long> kPropagations[] = {
    {"shared", MS_SHARED},
    {"slave", MS_SLAVE},
    {"private", MS_PRIVATE},
    {"unbindable", MS_UNBINDABLE},
    {"rshared", MS_SHARED | MS_REC},
    {"rslave", MS_SLAVE | MS_REC},
    {"rprivate", MS_PRIVATE | MS_REC},
    {"runbindable", MS_UNBINDABLE | MS_REC},
};

constexpr Name<char> kDeviceTypes[] = {{"c", 'c'}, {"u", 'u'}, {"b", 'b'}, {"p", 'p'}};

// time_namespaces(7): only these two clocks can be offset.
constexpr std::string_view kTimeClocks[] = {"monotonic", "boottime"};

constexpr Name<PersonalityDomain> kPersonalityDomains[] = {
    {"LINUX", PersonalityDomain::kLinux},
    {"LINUX32", PersonalityDomain::kLinux32},
};

constexpr Name<MemoryPolicyMode> kMemoryPolicyModes[] = {
    {"MPOL_DEFAULT", MemoryPolicyMode::kDefault},
    {"MPOL_BIND", MemoryPolicyMode::kBind},
    {"MPOL_INTERLEAVE", MemoryPolicyMode::kInterleave},
    {"MPOL_WEIGHTED_INTERLEAVE", MemoryPolicyMode::kWeightedInterleave},
    {"MPOL_PREFERRED", MemoryPolicyMode::kPreferred},
    {"MPOL_PREFERRED_MANY", MemoryPolicyMode::kPreferredMany},
    {"MPOL_LOCAL", MemoryPolicyMode::kLocal},
};

constexpr std::string_view kMemoryPolicyFlags[] = {
    "MPOL_F_STATIC_NODES",
    "MPOL_F_RELATIVE_NODES",
    "MPOL_F_NUMA_BALANCING",
};

constexpr uint32_t kNanosecsPerSec = 1'000'000'000;

template <class E, size_t N>
void require_enum(const Reader& r, const Name<E> (&table)[N], std::string_view what, E& out) {
  if (!r.present()) {
    r.fail("required");
    return;
  }
  r.get_enum<E>(out, table, what);
}

template <size_t N>
bool one_of(const std::string_view (&names)[N], std::string_view s) {
  for (auto n : names)
    if (n == s) return true;
  return false;
}

void read_namespace(const Reader& r, Namespace& out) {
  if (!r.expect_element_object()) return;
  require_enum(r["type"], kNamespaceTypes, "namespace type", out.type);
  r["path"].get(out.path);
}

void read_time_offsets(const Reader& r, std::map<std::string, TimeOffset>& out) {
  r.each_member([&](std::string_view clock, const Reader& e) {
    if (!one_of(kTimeClocks, clock)) {
      r.fail_value("unknown time namespace clock", clock);
      return;
    }
    if (!e.expect_element_object()) return;
    TimeOffset& t = out[std::string(clock)];
    e["secs"].get(t.secs);
    // Written to /proc/<pid>/timens_offsets, where the kernel rejects a
    // nanosecond part of a full second or more.
    if (auto n = e["nanosecs"]; n.get(t.nanosecs) && t.nanosecs >= kNanosecsPerSec)
      n.fail("value " + std::to_string(t.nanosecs) + " out of range (max " +
             std::to_string(kNanosecsPerSec - 1) + ")");
  });
}

void read_device(const Reader& r, Device& out) {
  if (!r.expect_element_object()) return;
  r["path"].require(out.path);
  require_enum(r["type"], kDeviceTypes, "device type", out.type);
  // A FIFO has no device number; every other type needs both.
  if (out.type == 'p') {
    r["major"].get(out.major);
    r["minor"].get(out.minor);
  } else {
    r["major"].require(out.major);
    r["minor"].require(out.minor);
  }
  r["fileMode"].get(out.file_mode);
  r["uid"].get(out.uid);
  r["gid"].get(out.gid);
}

void read_intel_rdt(const Reader& r, IntelRdt& out) {
  if (!r.expect_object()) return;
  r["closID"].get(out.clos_id);
  r["l3CacheSchema"].get(out.l3_cache_schema);
  r["memBwSchema"].get(out.mem_bw_schema);
  r["schemata"].get(out.schemata);
  // enableCMT and enableMBM (1.1 to 1.2) became enableMonitoring in 1.3;
  // all three are kept so either generation of clients is understood.
  r["enableCMT"].get(out.enable_cmt);
  r["enableMBM"].get(out.enable_mbm);
  r["enableMonitoring"].get(out.enable_monitoring);
}

void read_personality(const Reader& r, Personality& out) {
  if (!r.expect_object()) return;
  require_enum(r["domain"], kPersonalityDomains, "personality domain", out.domain);
  r["flags"].get(out.flags);
}

void read_net_devices(const Reader& r, std::map<std::string, NetDevice>& out) {
  r.each_member([&](std::string_view host_name, const Reader& e) {
    if (!e.expect_element_object()) return;
    e["name"].get(out[std::string(host_name)].name);
  });
}

void read_memory_policy(const Reader& r, MemoryPolicy& out) {
  if (!r.expect_object()) return;
  require_enum(r["mode"], kMemoryPolicyModes, "memory policy mode", out.mode);
  r["nodes"].get(out.nodes);
  if (!r["flags"].get(out.flags)) return;
  for (size_t i = 0; i < out.flags.size(); ++i)
    if (!one_of(kMemoryPolicyFlags, out.flags[i])) {
      r["flags"].at(i).fail_value("unknown memory policy flag", out.flags[i]);
      return;
    }
}

// Optional sub-objects: absent or null leaves the optional empty.
template <class T, class F>
void read_optional(const Reader& r, std::optional<T>& out, F&& read) {
  if (r.present()) read(r, out.emplace());
}

}  // namespace

void read_linux(const Reader& r, Linux& out) {
  if (!r.expect_object()) return;
  r["uidMappings"].each(
      [&](const Reader& m) { read_id_mapping(m, out.uid_mappings.emplace_back()); });
  r["gidMappings"].each(
      [&](const Reader& m) { read_id_mapping(m, out.gid_mappings.emplace_back()); });
  read_time_offsets(r["timeOffsets"], out.time_offsets);
  r["sysctl"].get(out.sysctl);
  read_optional(r["resources"], out.resources, read_resources);
  r["cgroupsPath"].get(out.cgroups_path);
  r["namespaces"].each([&](const Reader& n) { read_namespace(n, out.namespaces.emplace_back()); });
  r["devices"].each([&](const Reader& d) { read_device(d, out.devices.emplace_back()); });
  read_optional(r["seccomp"], out.seccomp, read_seccomp);
  if (auto p = r["rootfsPropagation"]; p.get(out.rootfs_propagation_name))
    p.get_enum<unsigned long>(out.rootfs_propagation, kPropagations, "rootfs propagation");
  r["maskedPaths"].get(out.masked_paths);
  r["readonlyPaths"].get(out.readonly_paths);
  r["mountLabel"].get(out.mount_label);
  read_optional(r["intelRdt"], out.intel_rdt, read_intel_rdt);
  read_optional(r["personality"], out.personality, read_personality);
  read_net_devices(r["netDevices"], out.net_devices);
  read_optional(r["memoryPolicy"], out.memory_policy, read_memory_policy);
}

const Namespace* Linux::find_namespace(NamespaceType t) const {
  for (const auto& n : namespaces)
    if (n.type == t) return &n;
  return nullptr;
}

std::string_view namespace_type_name(NamespaceType t) {
  for (const auto& n : kNamespaceTypes)
    if (n.value == t) return n.name;
  return "";
}

std::vector<std::string_view> namespace_type_names() {
  std::vector<std::string_view> out;
  out.reserve(std::size(kNamespaceTypes));
  for (const auto& n : kNamespaceTypes) out.push_back(n.name);
  return out;
}

}  // namespace berth::spec
