// The systemd cgroup driver (--systemd-cgroup, --cgroup-manager systemd):
// the container's cgroup is a transient unit that systemd creates, so
// systemd knows about it and never moves or removes it behind the
// runtime's back.  runc's opencontainers/cgroups/systemd is the reference.
//
// linux.cgroupsPath has the form "slice:prefix:name" (runc's specconv):
//   - slice: the parent slice, "" meaning "system.slice"; "a-b.slice" is
//     the cgroup /a.slice/a-b.slice (systemd's naming: each "-" nests);
//   - the unit is "prefix-name.scope" ("name.scope" with no prefix), or
//     "name" itself when that ends in ".slice" (a slice unit);
//   - an empty cgroupsPath is "system.slice:berth:<container id>".
// The cgroup is <slice path>/<unit> from the root of every hierarchy (the
// name=systemd one and, with Delegate=yes, each v1 controller's).
//
// Everything in this header is pure and unit-tested; systemd_manager.cpp
// talks to systemd over D-Bus (dbus_conn.hpp).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "spec/resources.hpp"
#include "src/cgroups/dbus_wire.hpp"
#include "src/runtime/base/result.hpp"

namespace berth::cgroups::systemd {

struct UnitPath {
  std::string slice;  // "system.slice"
  std::string unit;   // "berth-abc.scope", or "x.slice"
  std::string path;   // "/system.slice/berth-abc.scope": below the hierarchy's (PID 1's) root
  bool is_slice() const { return unit.ends_with(".slice"); }
  bool operator==(const UnitPath&) const = default;
};

// "a-b.slice" -> "/a.slice/a-b.slice"; "-.slice" -> "/".  Errors for names
// that are not slices, contain "/", or have empty components ("a--b.slice").
Result<std::string> expand_slice(std::string_view slice);

// Parses linux.cgroupsPath for the systemd driver.  Errors name
// linux.cgroupsPath and the value.
Result<UnitPath> parse_cgroups_path(std::string_view cgroups_path, std::string_view id);

// The leading version number of systemd's Manager.Version property
// ("252.22-1~deb12u1" -> 252, "v245.4-1.fc32" -> 245); -1 when none.
int parse_version(std::string_view v);

// The properties of StartTransientUnit (runc's Apply): description, the
// parent (Slice= for a scope, Wants= for a slice), Delegate, the pid (none
// when 0), accounting for every controller, DefaultDependencies=no (a
// container's scope must not be ordered against shutdown.target etc.).
std::vector<dbus::Property> unit_properties(const UnitPath& u, std::string_view id, pid_t pid,
                                            bool v2);

// systemd's CPUQuotaPerSecUSec for a CFS quota and period (runc's
// addCPUQuota): UINT64_MAX ("infinity") for quota <= 0; systemd keeps the
// quota as whole percents, so the value is rounded up to 10ms and
// `rounded_quota` gets the quota that matches it, which the cgroupfs writes
// must use too or systemd's and the file's values would differ.
uint64_t cpu_quota_per_sec(int64_t quota, uint64_t period, int64_t& rounded_quota);

// "0-3,8" -> the little-endian bit mask AllowedCPUs/AllowedMemoryNodes
// take (byte i bit j = cpu 8i+j).  Errors for malformed lists.
Result<std::vector<uint8_t>> cpu_list_mask(std::string_view list);

// linux.resources as unit properties (runc's genV2ResourcesProperties and
// genV1ResourcesProperties).  systemd-unknown resources (hugetlb, rdma, io
// throttling, device rules, ...) produce none: the cgroupfs writers apply
// every resource afterwards anyway.  `version`: systemd's, which gates
// CPUQuotaPeriodUSec (242) and AllowedCPUs/AllowedMemoryNodes (244).  `r`'s
// cpu quota is rounded as cpu_quota_per_sec() says.  Errors name the field.
Result<std::vector<dbus::Property>> resource_properties(spec::Resources& r, bool v2, int version);

// Device rules (in order, as with_default_devices() completes them) as
// DevicePolicy= and DeviceAllow= (runc's devices/systemd.go), used on v1
// hosts.  There systemd owns the unit's devices.allow/deny as soon as the
// unit has any device property (an administrator's `systemctl
// set-property`, older systemd versions on daemon-reload) and then writes
// its own list: the unit must carry the container's rules, so that what
// systemd writes is what the cgroupfs writes wrote.  (On cgroup2 a
// systemd device program is attached beside berth's eBPF one, and both
// must allow an access: nothing systemd does there can widen the rules.)
//   - the rules are replayed from "deny everything" into an allow list;
//     an allow-all result is DevicePolicy=auto with an empty list;
//   - "c 1:3" is /dev/char/1:3, "c 136:*" the /proc/devices group
//     "char-pts", "c *:*" "char-*"; "c *:3" has no systemd form and is
//     left out (the cgroup writes still allow it);
//   - a deny that cuts into an earlier wildcard allow cannot be expressed
//     as an allow list: then DevicePolicy=strict with no entries, as runc
//     does, and the devices cgroup files hold the exact rules.
// `proc_devices`: the text of /proc/devices.
std::vector<dbus::Property> device_properties(const std::vector<spec::DeviceCgroupRule>& rules,
                                              std::string_view proc_devices);

}  // namespace berth::cgroups::systemd
