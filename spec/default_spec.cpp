#include "spec/default_spec.hpp"

#include <nlohmann/json.hpp>

namespace berth::spec {

namespace {

using OJson = nlohmann::ordered_json;

OJson mount(const char* dest, const char* type, const char* source,
            std::initializer_list<const char*> options) {
  OJson m;
  m["destination"] = dest;
  m["type"] = type;
  m["source"] = source;
  if (options.size() == 0) return m;  // runc writes no "options" for /proc
  OJson opts = OJson::array();
  for (const char* o : options) opts.push_back(o);
  m["options"] = std::move(opts);
  return m;
}

OJson strings(std::initializer_list<const char*> l) {
  OJson a = OJson::array();
  for (const char* s : l) a.push_back(s);
  return a;
}

OJson id_map(uint32_t host) {
  return OJson::array({OJson{{"containerID", 0}, {"hostID", host}, {"size", 1}}});
}

}  // namespace

std::string default_spec_json(const DefaultSpecOptions& opt) {
  OJson caps = strings({"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"});
  OJson process;
  process["terminal"] = true;
  process["user"] = {{"uid", 0}, {"gid", 0}};
  process["args"] = strings({"sh"});
  process["env"] = strings({"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                            "TERM=xterm"});
  process["cwd"] = "/";
  process["capabilities"] = {{"bounding", caps}, {"effective", caps}, {"permitted", caps}};
  process["rlimits"] = OJson::array({{{"type", "RLIMIT_NOFILE"}, {"hard", 1024}, {"soft", 1024}}});
  process["noNewPrivileges"] = true;

  OJson mounts = OJson::array();
  mounts.push_back(mount("/proc", "proc", "proc", {}));
  mounts.push_back(mount("/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}));
  if (opt.rootless) {
    // A user namespace cannot own gid 5 unless it is mapped: drop gid=.
    mounts.push_back(mount("/dev/pts", "devpts", "devpts",
                           {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"}));
  } else {
    mounts.push_back(mount("/dev/pts", "devpts", "devpts",
                           {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}));
  }
  mounts.push_back(mount("/dev/shm", "tmpfs", "shm", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}));
  mounts.push_back(mount("/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}));
  if (opt.rootless) {
    // sysfs cannot be mounted without owning the network namespace: bind the host's.
    mounts.push_back(mount("/sys", "none", "/sys", {"rbind", "nosuid", "noexec", "nodev", "ro"}));
  } else {
    mounts.push_back(mount("/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro"}));
    mounts.push_back(mount("/sys/fs/cgroup", "cgroup", "cgroup", {"nosuid", "noexec", "nodev", "relatime", "ro"}));
  }

  OJson linux;
  if (opt.rootless) {
    linux["uidMappings"] = id_map(opt.host_uid);
    linux["gidMappings"] = id_map(opt.host_gid);
  } else {
    linux["resources"] = {{"devices", OJson::array({{{"allow", false}, {"access", "rwm"}}})}};
  }
  OJson ns = OJson::array();
  for (const char* t : {"pid", "network", "ipc", "uts", "mount", "cgroup"}) {
    // Rootless: the host network stays (no way to configure a new one
    // unprivileged); a user namespace is added.
    if (opt.rootless && std::string_view(t) == "network") continue;
    ns.push_back({{"type", t}});
  }
  if (opt.rootless) ns.push_back({{"type", "user"}});
  linux["namespaces"] = std::move(ns);
  linux["maskedPaths"] = strings({"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
                                  "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
                                  "/proc/sched_debug", "/sys/firmware", "/proc/scsi"});
  linux["readonlyPaths"] = strings({"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"});

  OJson doc;
  doc["ociVersion"] = "1.2.0";
  doc["process"] = std::move(process);
  doc["root"] = {{"path", "rootfs"}, {"readonly", true}};
  doc["hostname"] = "berth";
  doc["mounts"] = std::move(mounts);
  doc["linux"] = std::move(linux);
  return doc.dump(2) + "\n";
}

}  // namespace berth::spec
