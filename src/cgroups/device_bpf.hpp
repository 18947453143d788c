// cgroup2 device control: a BPF_PROG_TYPE_CGROUP_DEVICE program.
//
// cgroup2 has no devices controller files.  Since kernel 4.15 the device
// check (open of a device node, mknod) runs the eBPF programs attached to
// the task's cgroup and its ancestors, each of which may veto it.  runc
// (opencontainers/cgroups devices/devicefilter.go, after crun's ebpf.c)
// turns the rule list into such a program and attaches it on every apply;
// berth does the same, with its own generator and no libbpf.
//
// Semantics, for a list of linux.resources.devices rules in config order
// (after with_default_devices(): "deny all" first, the defaults last):
//   - a rule matches a device when its type is the device's type or 'a',
//     and its major and minor are the device's or absent (-1: any);
//   - each requested access bit (r, w, m) is decided by the LAST matching
//     rule whose access contains it; a bit no rule names is denied; the
//     access is granted only when every requested bit is.
// This is v1's outcome for every list the v1 kernel applies faithfully.
// Where v1 silently ignores a deny that would punch a hole in an earlier
// wildcard allow ("allow c *:* rwm" then "deny c 1:3 rwm"; runc's emulator
// refuses such lists), the program denies: the later rule wins.  A type 'a'
// rule keeps its numbers and access, as the spec reads (v1 ignores them).
#pragma once

#include <linux/bpf.h>

#include <cstdint>
#include <string>
#include <vector>

#include "spec/resources.hpp"
#include "src/runtime/base/result.hpp"

namespace berth::cgroups {

// The program's name (bpf_prog_info.name) marks it as berth's, so a later
// install replaces only programs berth attached.
inline constexpr const char* kDeviceProgramName = "berth_devices";

// The program for `rules`, in the order above.  Pure; errors name the rule
// ("c 4294967296:* rwm": major out of range).
Result<std::vector<bpf_insn>> device_program(const std::vector<spec::DeviceCgroupRule>& rules);

// Loads `insns` and attaches it to the cgroup2 directory `dir` with
// BPF_F_ALLOW_MULTI, then detaches the programs berth attached there
// before, so `update` replaces the rules with no moment of no filter (for
// that moment both apply, which can only deny more).  Needs CAP_SYS_ADMIN
// and a kernel with CONFIG_CGROUP_BPF; errors say which step failed, with
// the verifier's log when the load is refused.
Result<void> install_device_program(const std::string& dir, const std::vector<bpf_insn>& insns);

// The ids of the BPF_CGROUP_DEVICE programs attached directly to `dir`
// (not inherited), for tests and diagnostics.
Result<std::vector<uint32_t>> attached_device_programs(const std::string& dir);

}  // namespace berth::cgroups
