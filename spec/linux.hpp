// config-linux.md "linux": namespaces, id mappings, devices, sysctl,
// filesystem paths and the other Linux process attributes.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "spec/mount.hpp"
#include "spec/reader.hpp"
#include "spec/resources.hpp"
#include "spec/seccomp.hpp"

namespace berth::spec {

enum class NamespaceType { kPid, kNetwork, kMount, kIpc, kUts, kUser, kCgroup, kTime };
inline constexpr size_t kNamespaceTypeCount = 8;

struct Namespace {
  NamespaceType type = NamespaceType::kPid;
  std::string path;  // empty: create a new one
};

struct TimeOffset {
  int64_t secs = 0;
  uint32_t nanosecs = 0;
};

struct Device {
  std::string path;
  char type = 'c';  // 'c', 'u', 'b' or 'p'
  int64_t major = 0, minor = 0;
  std::optional<uint32_t> file_mode;
  std::optional<uint32_t> uid, gid;
};

// MS_* propagation for rootfsPropagation: 0 when absent.
struct IntelRdt {
  std::string clos_id;
  std::string l3_cache_schema;
  std::string mem_bw_schema;
  std::vector<std::string> schemata;
  bool enable_cmt = false;
  bool enable_mbm = false;
  bool enable_monitoring = false;
};

enum class PersonalityDomain { kLinux, kLinux32 };
struct Personality {
  PersonalityDomain domain = PersonalityDomain::kLinux;
  std::vector<std::string> flags;
};

struct NetDevice {
  std::string name;  // new name inside the container; empty keeps the host name
};

enum class MemoryPolicyMode { kDefault, kBind, kInterleave, kWeightedInterleave, kPreferred, kPreferredMany, kLocal };
struct MemoryPolicy {
  MemoryPolicyMode mode = MemoryPolicyMode::kDefault;
  std::string nodes;
  std::vector<std::string> flags;  // MPOL_F_STATIC_NODES, MPOL_F_RELATIVE_NODES, MPOL_F_NUMA_BALANCING
};

struct Linux {
  std::vector<IdMapping> uid_mappings, gid_mappings;
  std::map<std::string, TimeOffset> time_offsets;  // "monotonic", "boottime"
  std::map<std::string, std::string> sysctl;
  std::optional<Resources> resources;
  std::string cgroups_path;
  std::vector<Namespace> namespaces;
  std::vector<Device> devices;
  std::optional<Seccomp> seccomp;
  unsigned long rootfs_propagation = 0;  // MS_* flags, 0 when absent
  std::string rootfs_propagation_name;   // as written
  std::vector<std::string> masked_paths, readonly_paths;
  std::string mount_label;
  std::optional<IntelRdt> intel_rdt;
  std::optional<Personality> personality;
  std::map<std::string, NetDevice> net_devices;
  std::optional<MemoryPolicy> memory_policy;

  const Namespace* find_namespace(NamespaceType t) const;
};

void read_linux(const Reader& r, Linux& out);

std::string_view namespace_type_name(NamespaceType t);
std::vector<std::string_view> namespace_type_names();

}  // namespace berth::spec
