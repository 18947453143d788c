// Validation rules about mounts, namespaces, linux.*, seccomp, hooks and annotations
// (see validate.cpp for the table that orders them).
#include "spec/validate_rules.hpp"

namespace berth::spec::rules {

// --- hostname, mounts ---------------------------------------------------------

// The spec only says the hostname is set in the container's UTS namespace,
// "which may be the runtime's".  Like runc, berth refuses to rename the host:
// a uts entry (new or joined) is required.  HOST_NAME_MAX and the domainname
// limit are both 64 bytes (__NEW_UTS_LEN).
void check_uts(const Config& c, ValidateFor, Out& out) {
  const std::pair<std::string_view, const std::string*> fields[] = {{"hostname", &c.hostname},
                                                                    {"domainname", &c.domainname}};
  for (const auto& [name, value] : fields) {
    if (value->empty()) continue;
    if (!find_ns(c, NamespaceType::kUts))
      report(out, std::string(name), requires_ns(NamespaceType::kUts));
    if (value->size() > 64)
      report(out, std::string(name),
             "length " + std::to_string(value->size()) + " exceeds 64 bytes");
  }
}

// Relative destinations are accepted: 1.2.0 made them legal again on Linux
// ("MAY be a relative path ... interpreted as relative to /"), after runc had
// to revert rejecting them twice.  The mount code resolves every destination
// inside the rootfs anyway.
void check_mounts(const Config& c, ValidateFor, Out& out) {
  for (size_t i = 0; i < c.mounts.size(); ++i) {
    const Mount& m = c.mounts[i];
    const std::string base = at("mounts", i);
    if (m.destination.empty()) report(out, base + ".destination", "must not be empty");
    const std::pair<std::string_view, const std::string*> fields[] = {
        {".destination", &m.destination}, {".source", &m.source}, {".type", &m.type}};
    for (const auto& [name, value] : fields)
      if (has_nul(*value)) report(out, base + std::string(name), "contains a NUL byte");
    // The kernel ignores filesystem data on a bind mount: "size=1m" would be
    // silently dropped (runc refuses it for the same reason).
    if (m.parsed.bind && !m.parsed.data.empty())
      report(out, base + ".options",
             "bind mounts take no filesystem options, got " + quote(m.parsed.data));
    // crun's extensions: each means something for one kind of mount only.
    if (m.parsed.tmpcopyup && m.type != "tmpfs")
      report(out, base + ".options", "\"tmpcopyup\" needs type \"tmpfs\", got " + quote(m.type));
    if (m.parsed.copy_symlink && !m.parsed.bind)
      report(out, base + ".options", "\"copy-symlink\" needs a bind mount (\"bind\" or \"rbind\")");
  }
}

// user_namespaces(7): a map has at most 340 lines; each range is non-empty,
// ends below 2^32 - 1 (the kernel refuses first + count overflowing u32) and
// overlaps no other range on either side.
void check_id_ranges(const std::string& base, const std::vector<IdMapping>& maps, Out& out) {
  if (maps.size() > 340) report(out, base, "more than 340 entries (the kernel's limit)");
  constexpr uint64_t kMax = std::numeric_limits<uint32_t>::max();
  auto overlap = [](uint64_t a, uint64_t n, uint64_t b, uint64_t m) {
    return a < b + m && b < a + n;
  };
  for (size_t j = 0; j < maps.size(); ++j) {
    const IdMapping& m = maps[j];
    const std::string p = at(base, j);
    if (m.size == 0) {
      report(out, p + ".size", "must be greater than 0");
      continue;
    }
    if (uint64_t{m.container_id} + m.size > kMax || uint64_t{m.host_id} + m.size > kMax) {
      report(out, p, "range overflows the 32-bit id space");
      continue;
    }
    for (size_t k = 0; k < j; ++k) {
      const IdMapping& o = maps[k];
      if (overlap(m.container_id, m.size, o.container_id, o.size) ||
          overlap(m.host_id, m.size, o.host_id, o.size)) {
        report(out, p, "overlaps " + at(base, k));
        break;
      }
    }
  }
}

// config.md, mounts uidMappings/gidMappings: each MUST come with the other;
// idmap/ridmap without mappings need the container's user namespace ("If
// there are no uidMappings and gidMappings specified and the container isn't
// using user namespaces, an error MUST be returned").  The option is only a
// SHOULD next to mappings, so mappings alone mean an idmapped mount, as in
// runc.  MOUNT_ATTR_IDMAP is applied to a detached bind mount (open_tree), so
// only bind mounts can carry it.
void check_mount_idmap(const Config& c, ValidateFor, Out& out) {
  for (size_t i = 0; i < c.mounts.size(); ++i) {
    const Mount& m = c.mounts[i];
    const std::string base = at("mounts", i);
    if (!m.uid_mappings.empty() && m.gid_mappings.empty())
      report(out, base + ".gidMappings", "required with uidMappings");
    if (m.uid_mappings.empty() && !m.gid_mappings.empty())
      report(out, base + ".uidMappings", "required with gidMappings");
    check_id_ranges(base + ".uidMappings", m.uid_mappings, out);
    check_id_ranges(base + ".gidMappings", m.gid_mappings, out);
    bool has_maps = !m.uid_mappings.empty() || !m.gid_mappings.empty();
    if (!m.parsed.idmap && !has_maps) continue;
    if (!m.parsed.bind)
      report(out, base, "id-mapped mounts must be bind mounts (\"bind\" or \"rbind\")");
    if (!has_maps && !find_ns(c, NamespaceType::kUser)) {
      std::string opt = m.parsed.recursive_idmap ? "ridmap" : "idmap";
      report(
          out, base + ".options",
          quote(opt) + " without uidMappings and gidMappings " + requires_ns(NamespaceType::kUser));
    }
  }
}

// --- namespaces ---------------------------------------------------------------

// config-linux.md: duplicated types MUST be an error; path MUST be absolute.
void check_namespaces(const Config& c, ValidateFor, Out& out) {
  if (!c.linux) return;
  std::array<bool, kNamespaceTypeCount> seen{};
  const auto& ns = c.linux->namespaces;
  for (size_t i = 0; i < ns.size(); ++i) {
    auto idx = static_cast<size_t>(ns[i].type);
    if (idx < seen.size() && seen[idx])
      report(out, at("linux.namespaces", i),
             "duplicate namespace " + quote(namespace_type_name(ns[i].type)));
    if (idx < seen.size()) seen[idx] = true;
    if (!ns[i].path.empty() && !is_absolute(ns[i].path))
      report(out, at("linux.namespaces", i) + ".path", not_absolute(ns[i].path));
  }
}

// Mappings are written to a new user namespace; one joined by path comes
// with its own (create compares them, as runc does).  A new user namespace
// without both maps would leave the process running as the overflow id.
void check_user_namespace(const Config& c, ValidateFor, Out& out) {
  if (!c.linux) return;
  const Linux& l = *c.linux;
  const Namespace* user = l.find_namespace(NamespaceType::kUser);
  const std::pair<std::string, const std::vector<IdMapping>*> maps[] = {
      {"linux.uidMappings", &l.uid_mappings}, {"linux.gidMappings", &l.gid_mappings}};
  for (const auto& [path, list] : maps) {
    if (!user && !list->empty()) report(out, path, requires_ns(NamespaceType::kUser));
    if (user && user->path.empty() && list->empty())
      report(out, path, "required for a new user namespace");
    check_id_ranges(path, *list, out);
  }
}

// time_namespaces(7): offsets are written before the first process enters
// a new time namespace; a joined one already has its offsets.
void check_time_namespace(const Config& c, ValidateFor, Out& out) {
  if (!c.linux || c.linux->time_offsets.empty()) return;
  const Namespace* t = c.linux->find_namespace(NamespaceType::kTime);
  if (!t)
    report(out, "linux.timeOffsets", requires_ns(NamespaceType::kTime));
  else if (!t->path.empty())
    report(out, "linux.timeOffsets",
           "cannot be set when joining a time namespace (" + quote(t->path) + ")");
}

// sysctl(8) accepts '/' as the separator, and then a '.' belongs to a name
// ("net/ipv4/conf/eno2.100/rp_filter").  Returns the dotted form (runc's
// convertSysctlVariableToDotsSeparator).
static std::string sysctl_dotted(std::string_view key) {
  std::string s(key);
  size_t first = s.find_first_of("./");
  if (first == std::string::npos || s[first] == '.') return s;
  for (char& ch : s) ch = ch == '.' ? '/' : ch == '/' ? '.' : ch;
  return s;
}

// /proc/sys is only partly namespaced: runc's whitelist.  IPC knobs need an
// ipc namespace, net.* a network namespace (a joined one might still be the
// host's: create checks that), user.* a user namespace, kernel.domainname a
// uts one; kernel.hostname is the "hostname" field's job.  Anything else would
// change the host.  A key whose path has "." or ".." components could walk out
// of the namespaced subtree ("net/../kernel/core_pattern").
void check_sysctl(const Config& c, ValidateFor, Out& out) {
  if (!c.linux) return;
  static constexpr std::string_view kIpcSysctls[] = {
      "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
      "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced"};
  for (const auto& [key, value] : c.linux->sysctl) {
    std::string s = sysctl_dotted(key);
    std::string as_path = s;
    for (char& ch : as_path) ch = ch == '.' ? '/' : ch == '/' ? '.' : ch;
    auto parts = split(as_path, '/');
    if (has_nul(key) || std::any_of(parts.begin(), parts.end(), [](std::string_view p) {
          return p.empty() || p == "." || p == "..";
        })) {
      report(out, "linux.sysctl", "invalid key " + quote(key));
      continue;
    }
    std::optional<NamespaceType> need;
    std::string_view sv = s;
    if (std::find(std::begin(kIpcSysctls), std::end(kIpcSysctls), sv) != std::end(kIpcSysctls) ||
        sv.starts_with("fs.mqueue."))
      need = NamespaceType::kIpc;
    else if (sv.starts_with("net."))
      need = NamespaceType::kNetwork;
    else if (sv == "kernel.domainname" || sv == "kernel.hostname")
      need = NamespaceType::kUts;
    else if (sv.starts_with("user."))
      need = NamespaceType::kUser;
    if (!need) {
      report(out, "linux.sysctl",
             quote(key) + " is not namespaced: setting it would change the host");
    } else if (!find_ns(c, *need)) {
      report(out, "linux.sysctl", quote(key) + " " + requires_ns(*need));
    } else if (sv == "kernel.hostname") {
      report(out, "linux.sysctl", quote(key) + " conflicts with the \"hostname\" field");
    }
  }
}

// --- linux paths, devices, cgroups ----------------------------------------------

// config-linux.md: the path is a "full path" and MAY be outside /dev.  Linux
// dev_t has a 12-bit major and a 20-bit minor.  Two entries with one path
// would race each other in mknod.
void check_devices(const Config& c, ValidateFor, Out& out) {
  if (!c.linux) return;
  std::map<std::string_view, size_t> seen;
  const auto& devs = c.linux->devices;
  for (size_t i = 0; i < devs.size(); ++i) {
    const Device& d = devs[i];
    const std::string base = at("linux.devices", i);
    if (!is_absolute(d.path))
      report(out, base + ".path", not_absolute(d.path));
    else if (auto [it, fresh] = seen.emplace(d.path, i); !fresh)
      report(
          out, base + ".path",
          "duplicate device " + quote(d.path) + " (also " + at("linux.devices", it->second) + ")");
    if (d.type == 'p') continue;
    if (d.major < 0 || d.major > 4095)
      report(out, base + ".major", out_of_range(d.major, "0", "4095"));
    if (d.minor < 0 || d.minor > 1048575)
      report(out, base + ".minor", out_of_range(d.minor, "0", "1048575"));
  }
}

// config-linux.md lets runtimes refuse cgroupsPath values; ".." would escape
// the cgroup root (or the systemd slice) berth was told to use.
void check_cgroups_path(const Config& c, ValidateFor, Out& out) {
  if (!c.linux) return;
  const std::string& p = c.linux->cgroups_path;
  auto parts = split(p, '/');
  if (std::find(parts.begin(), parts.end(), "..") != parts.end())
    report(out, "linux.cgroupsPath", "\"..\" component in " + quote(p));
  else if (has_nul(p))
    report(out, "linux.cgroupsPath", "contains a NUL byte");
}

static const Resources* resources(const Config& c) {
  return c.linux && c.linux->resources ? &*c.linux->resources : nullptr;
}

// unified keys are file names inside the container's cgroup directory.
void check_cgroup_unified(const Config& c, ValidateFor, Out& out) {
  const Resources* r = resources(c);
  if (!r) return;
  for (const auto& [key, value] : r->unified)
    if (key.empty() || key == "." || key == ".." || key.find('/') != std::string::npos ||
        has_nul(key))
      report(out, "linux.resources.unified", "invalid file name " + quote(key));
}

// swap is memory+swap (the v1 memsw limit): it needs a finite memory limit
// and cannot be below it (memsw.limit_in_bytes EINVAL on v1; runc's
// ConvertMemorySwapToCgroupV2Value refuses the same on v2).
void check_memory_swap(const Config& c, ValidateFor, Out& out) {
  const Resources* r = resources(c);
  if (!r || !r->memory || !r->memory->swap || *r->memory->swap <= 0) return;
  int64_t swap = *r->memory->swap;
  int64_t limit = r->memory->limit.value_or(0);
  if (limit <= 0)
    report(out, "linux.resources.memory.swap",
           "requires a memory limit (linux.resources.memory.limit)");
  else if (swap < limit)
    report(out, "linux.resources.memory.swap",
           "value " + std::to_string(swap) + " below memory limit " + std::to_string(limit) +
               " (swap counts memory plus swap)");
}

// config-linux.md: a positive quota MUST be no smaller than burst.
void check_cpu_burst(const Config& c, ValidateFor, Out& out) {
  const Resources* r = resources(c);
  if (!r || !r->cpu || !r->cpu->burst || !r->cpu->quota || *r->cpu->quota <= 0) return;
  if (*r->cpu->burst > static_cast<uint64_t>(*r->cpu->quota))
    report(out, "linux.resources.cpu.burst",
           "value " + std::to_string(*r->cpu->burst) + " exceeds quota " +
               std::to_string(*r->cpu->quota));
}

// config-linux.md: weightDevice entries MUST have weight or leafWeight; rdma
// entries MUST have hcaHandles or hcaObjects.
void check_blockio_rdma(const Config& c, ValidateFor, Out& out) {
  const Resources* r = resources(c);
  if (!r) return;
  if (r->block_io) {
    const auto& wd = r->block_io->weight_device;
    for (size_t i = 0; i < wd.size(); ++i)
      if (!wd[i].weight && !wd[i].leaf_weight)
        report(out, at("linux.resources.blockIO.weightDevice", i), "needs weight or leafWeight");
  }
  for (const auto& [dev, rdma] : r->rdma)
    if (!rdma.hca_handles && !rdma.hca_objects)
      report(out, "linux.resources.rdma",
             "device " + quote(dev) + " needs hcaHandles or hcaObjects");
}

// config-linux.md: masked and readonly paths MUST be absolute.
void check_masked_readonly(const Config& c, ValidateFor, Out& out) {
  if (!c.linux) return;
  const std::pair<std::string_view, const std::vector<std::string>*> lists[] = {
      {"linux.maskedPaths", &c.linux->masked_paths},
      {"linux.readonlyPaths", &c.linux->readonly_paths}};
  for (const auto& [name, list] : lists)
    for (size_t i = 0; i < list->size(); ++i)
      if (!is_absolute((*list)[i])) report(out, at(name, i), not_absolute((*list)[i]));
}

// Masking, read-only remounts and rootfs propagation change mounts: in the
// runtime's mount namespace they would change the host's (runc: "unable to
// restrict sys entries without a private MNT namespace").
void check_mount_namespace(const Config& c, ValidateFor, Out& out) {
  if (c.linux && find_ns(c, NamespaceType::kMount)) return;
  // Without a mount namespace every mount, device node or remount would
  // land in the host's mount table: such a container gets its root
  // directory and nothing else.
  if (!c.mounts.empty()) report(out, "mounts", requires_ns(NamespaceType::kMount));
  if (c.root && c.root->readonly) report(out, "root.readonly", requires_ns(NamespaceType::kMount));
  if (!c.linux) return;
  if (!c.linux->devices.empty()) report(out, "linux.devices", requires_ns(NamespaceType::kMount));
  if (!c.linux->masked_paths.empty())
    report(out, "linux.maskedPaths", requires_ns(NamespaceType::kMount));
  if (!c.linux->readonly_paths.empty())
    report(out, "linux.readonlyPaths", requires_ns(NamespaceType::kMount));
  if (!c.linux->rootfs_propagation_name.empty())
    report(out, "linux.rootfsPropagation", requires_ns(NamespaceType::kMount));
}

// --- seccomp ------------------------------------------------------------------

// SCMP_ACT_NOTIFY hands the listener fd to an agent at listenerPath.  As the
// default action it would trap the runtime's own setup syscalls, and on
// write(2) it deadlocks the child, which writes the fd number to the parent
// after loading the filter (runc refuses both).  listenerMetadata MUST NOT be
// set without listenerPath.
void check_seccomp_notify(const Config& c, ValidateFor, Out& out) {
  if (!c.linux || !c.linux->seccomp) return;
  const Seccomp& s = *c.linux->seccomp;
  if (s.default_action == SeccompAction::kNotify)
    report(out, "linux.seccomp.defaultAction", "SCMP_ACT_NOTIFY cannot be the default action");
  std::optional<size_t> first_notify;
  for (size_t i = 0; i < s.syscalls.size(); ++i) {
    if (s.syscalls[i].action != SeccompAction::kNotify) continue;
    if (!first_notify) first_notify = i;
    const auto& names = s.syscalls[i].names;
    for (size_t j = 0; j < names.size(); ++j)
      if (names[j] == "write")
        report(out, at(at("linux.seccomp.syscalls", i) + ".names", j),
               "SCMP_ACT_NOTIFY cannot be used for \"write\" (the runtime needs it to pass the "
               "listener)");
  }
  if (first_notify && s.listener_path.empty())
    report(out, "linux.seccomp.listenerPath",
           "required by SCMP_ACT_NOTIFY (" + at("linux.seccomp.syscalls", *first_notify) + ")");
  if (!s.listener_path.empty() && !is_absolute(s.listener_path))
    report(out, "linux.seccomp.listenerPath", not_absolute(s.listener_path));
  if (!s.listener_metadata.empty() && s.listener_path.empty())
    report(out, "linux.seccomp.listenerMetadata", "set without linux.seccomp.listenerPath");
}

// config-linux.md: "When the action doesn't support an errno, the runtime
// MUST print and error and fail."  Only ERRNO and TRACE carry one, in the 16
// data bits of the filter's return value.
void check_seccomp_errno(const Config& c, ValidateFor, Out& out) {
  if (!c.linux || !c.linux->seccomp) return;
  const Seccomp& s = *c.linux->seccomp;
  auto check = [&](const std::string& path, SeccompAction a, const std::optional<uint32_t>& ret) {
    if (!ret) return;
    if (a != SeccompAction::kErrno && a != SeccompAction::kTrace)
      report(
          out, path,
          "only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not " + quote(seccomp_action_name(a)));
    else if (*ret > 0xffff)
      report(out, path, out_of_range(*ret, "0", "65535"));
  };
  check("linux.seccomp.defaultErrnoRet", s.default_action, s.default_errno_ret);
  for (size_t i = 0; i < s.syscalls.size(); ++i)
    check(at("linux.seccomp.syscalls", i) + ".errnoRet", s.syscalls[i].action,
          s.syscalls[i].errno_ret);
}

// --- hooks, personality, netDevices, intelRdt, memoryPolicy, annotations -------

// config.md: hook paths MUST be absolute; a timeout MUST be greater than zero.
void check_hooks(const Config& c, ValidateFor, Out& out) {
  if (!c.hooks) return;
  const std::pair<std::string_view, const std::vector<Hook>*> kinds[] = {
      {"hooks.prestart", &c.hooks->prestart},
      {"hooks.createRuntime", &c.hooks->create_runtime},
      {"hooks.createContainer", &c.hooks->create_container},
      {"hooks.startContainer", &c.hooks->start_container},
      {"hooks.poststart", &c.hooks->poststart},
      {"hooks.poststop", &c.hooks->poststop},
  };
  for (const auto& [name, list] : kinds)
    for (size_t i = 0; i < list->size(); ++i) {
      const Hook& h = (*list)[i];
      if (!is_absolute(h.path)) report(out, at(name, i) + ".path", not_absolute(h.path));
      if (h.timeout && *h.timeout <= 0)
        report(out, at(name, i) + ".timeout",
               "must be greater than 0, got " + std::to_string(*h.timeout));
    }
}

// config-linux.md: "Currently no flag values are supported."
void check_personality(const Config& c, ValidateFor, Out& out) {
  if (!c.linux || !c.linux->personality) return;
  const auto& flags = c.linux->personality->flags;
  for (size_t i = 0; i < flags.size(); ++i)
    report(out, at("linux.personality.flags", i), "unknown personality flag " + quote(flags[i]));
}

// The kernel's dev_valid_name(): 1..15 bytes (IFNAMSIZ includes the NUL), not
// "." or "..", no '/', ':' or whitespace.  "%d" templates pass.
static bool valid_ifname(std::string_view n) {
  if (n.empty() || n.size() > 15 || n == "." || n == "..") return false;
  return std::none_of(n.begin(), n.end(), [](char ch) {
    return ch == '/' || ch == ':' || ch == ' ' || (ch >= '\t' && ch <= '\r') || ch == '\0';
  });
}

// config-linux.md (1.3.0) netDevices: devices move into the container's
// network namespace, so there must be one; two devices may not end up with
// the same name unless it is a "%d" template.
void check_net_devices(const Config& c, ValidateFor, Out& out) {
  if (!c.linux || c.linux->net_devices.empty()) return;
  if (!find_ns(c, NamespaceType::kNetwork))
    report(out, "linux.netDevices", requires_ns(NamespaceType::kNetwork));
  std::map<std::string_view, std::string_view> final_names;
  for (const auto& [host, dev] : c.linux->net_devices) {
    if (!valid_ifname(host))
      report(out, "linux.netDevices", "invalid interface name " + quote(host));
    if (!dev.name.empty() && !valid_ifname(dev.name))
      report(out, "linux.netDevices",
             "invalid interface name " + quote(dev.name) + " for " + quote(host));
    std::string_view name = dev.name.empty() ? std::string_view(host) : std::string_view(dev.name);
    if (name.find('%') != std::string_view::npos) continue;
    if (auto [it, fresh] = final_names.emplace(name, host); !fresh)
      report(out, "linux.netDevices",
             quote(it->second) + " and " + quote(host) + " would both be named " + quote(name));
  }
}

// config-linux.md intelRdt: memBwSchema MUST start with "MB:", it and the
// schemata lines MUST NOT contain newlines; closID names a resctrl directory
// ("/" meaning the root), so it cannot be "." or ".." or contain '/'.
void check_intel_rdt(const Config& c, ValidateFor, Out& out) {
  if (!c.linux || !c.linux->intel_rdt) return;
  const IntelRdt& r = *c.linux->intel_rdt;
  const std::string& clos = r.clos_id;
  if (clos == "." || clos == ".." || (clos.size() > 1 && clos.find('/') != std::string::npos))
    report(out, "linux.intelRdt.closID", "invalid CLOS name " + quote(clos));
  if (!r.mem_bw_schema.empty() && !r.mem_bw_schema.starts_with("MB:"))
    report(out, "linux.intelRdt.memBwSchema",
           "must start with \"MB:\", got " + quote(r.mem_bw_schema));
  else if (r.mem_bw_schema.find('\n') != std::string::npos)
    report(out, "linux.intelRdt.memBwSchema", "must not contain a newline");
  for (size_t i = 0; i < r.schemata.size(); ++i)
    if (r.schemata[i].find('\n') != std::string::npos)
      report(out, at("linux.intelRdt.schemata", i), "must not contain a newline");
}

// In MemoryPolicyMode order.
constexpr std::string_view kMpolNames[] = {
    "MPOL_DEFAULT",   "MPOL_BIND",           "MPOL_INTERLEAVE", "MPOL_WEIGHTED_INTERLEAVE",
    "MPOL_PREFERRED", "MPOL_PREFERRED_MANY", "MPOL_LOCAL"};

// set_mempolicy(2): DEFAULT and LOCAL take no nodes; BIND, INTERLEAVE,
// WEIGHTED_INTERLEAVE and PREFERRED_MANY need at least one; STATIC_NODES and
// RELATIVE_NODES exclude each other (EINVAL).
void check_memory_policy(const Config& c, ValidateFor, Out& out) {
  if (!c.linux || !c.linux->memory_policy) return;
  const MemoryPolicy& mp = *c.linux->memory_policy;
  const std::string mode(kMpolNames[static_cast<size_t>(mp.mode)]);
  bool any = !mp.nodes.empty();  // a valid non-empty list names at least one node
  if (!valid_id_list(mp.nodes)) {
    report(out, "linux.memoryPolicy.nodes", "invalid node list " + quote(mp.nodes));
  } else {
    switch (mp.mode) {
      case MemoryPolicyMode::kDefault:
      case MemoryPolicyMode::kLocal:
        if (any)
          report(out, "linux.memoryPolicy.nodes", mode + " takes no nodes, got " + quote(mp.nodes));
        break;
      case MemoryPolicyMode::kBind:
      case MemoryPolicyMode::kInterleave:
      case MemoryPolicyMode::kWeightedInterleave:
      case MemoryPolicyMode::kPreferredMany:
        if (!any) report(out, "linux.memoryPolicy.nodes", mode + " requires at least one node");
        break;
      case MemoryPolicyMode::kPreferred:
        break;
    }
  }
  auto has = [&](std::string_view f) {
    return std::find(mp.flags.begin(), mp.flags.end(), f) != mp.flags.end();
  };
  if (has("MPOL_F_STATIC_NODES") && has("MPOL_F_RELATIVE_NODES"))
    report(out, "linux.memoryPolicy.flags",
           "MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES exclude each other");
}

// config.md: annotation keys MUST NOT be empty.
void check_annotations(const Config& c, ValidateFor, Out& out) {
  if (c.annotations.contains("")) report(out, "annotations", "empty key");
}


}  // namespace berth::spec::rules
