// plan_v1: linux.resources -> legacy (v1) cgroup file writes.  The spec's
// fields were modelled on these files, so this is mostly a rename; the
// ordering is the interesting part and is explained where it matters.
#include "src/cgroups/plan.hpp"

namespace berth::cgroups {

using plan_detail::device_number;
using plan_detail::write;

namespace {

Write with_retry(Write w, bool retry) {
  w.retry_on_einval = retry;
  return w;
}

Result<void> plan_memory(const spec::Memory& m, std::vector<Write>& out) {
  int64_t limit = m.limit.value_or(0), swap = m.swap.value_or(0);
  if (limit > 0 && swap > 0 && swap < limit)
    return fail("linux.resources.memory.swap: memory+swap limit " + std::to_string(swap) +
                " must be >= memory limit " + std::to_string(limit));
  // The kernel keeps memory <= memsw at every step, checked against the
  // current other value: lowering both works memory first, raising both
  // memsw first.  Each may be deferred once on EINVAL to cover both orders.
  bool both = limit != 0 && swap != 0;
  if (limit != 0)
    out.push_back(
        with_retry(write("memory", "memory.limit_in_bytes", std::to_string(limit)), both));
  if (swap != 0) {
    out.push_back(
        with_retry(write("memory", "memory.memsw.limit_in_bytes", std::to_string(swap)), both));
  } else if (limit == -1) {
    // "Unlimited memory, swap unset" means both unlimited (runc), when swap
    // accounting exists at all.
    Write w = write("memory", "memory.memsw.limit_in_bytes", "-1");
    w.best_effort = true;
    out.push_back(std::move(w));
  }
  if (m.kernel && *m.kernel != 0) {
    // Deprecated in 5.4, writes other than -1 refused since 5.16, file gone
    // in later kernels: best effort, as crun (runc ignores the field).
    Write w = write("memory", "memory.kmem.limit_in_bytes", std::to_string(*m.kernel));
    w.best_effort = true;
    out.push_back(std::move(w));
  }
  if (m.kernel_tcp && *m.kernel_tcp != 0)
    out.push_back(write("memory", "memory.kmem.tcp.limit_in_bytes", std::to_string(*m.kernel_tcp)));
  if (m.reservation && *m.reservation != 0)
    out.push_back(write("memory", "memory.soft_limit_in_bytes", std::to_string(*m.reservation)));
  if (m.disable_oom_killer)
    out.push_back(write("memory", "memory.oom_control", *m.disable_oom_killer ? "1" : "0"));
  if (m.swappiness) {
    if (*m.swappiness > 100)
      return fail("linux.resources.memory.swappiness: invalid value " +
                  std::to_string(*m.swappiness) + " (valid range is 0-100)");
    out.push_back(write("memory", "memory.swappiness", std::to_string(*m.swappiness)));
  }
  return {};
}

void plan_cpu(const spec::Cpu& c, std::vector<Write>& out) {
  if (c.shares && *c.shares != 0)
    out.push_back(write("cpu", "cpu.shares", std::to_string(*c.shares)));
  int64_t quota = c.quota.value_or(0);
  // A shorter period can be refused (EINVAL) while the old quota is in
  // place, because old_quota/new_period would exceed the parent's bandwidth;
  // it is then retried after the quota.
  if (c.period && *c.period != 0)
    out.push_back(
        with_retry(write("cpu", "cpu.cfs_period_us", std::to_string(*c.period)), quota != 0));
  if (c.burst) {
    // Kernel 5.14; burst <= quota is checked against the current quota.
    Write w = with_retry(write("cpu", "cpu.cfs_burst_us", std::to_string(*c.burst)), quota != 0);
    w.best_effort = true;
    out.push_back(std::move(w));
  }
  if (quota != 0) out.push_back(write("cpu", "cpu.cfs_quota_us", std::to_string(quota)));
  if (c.idle) out.push_back(write("cpu", "cpu.idle", std::to_string(*c.idle)));  // kernel 5.15
  // Same dependency between the real-time pair: runtime <= period.
  bool runtime = c.realtime_runtime && *c.realtime_runtime != 0;
  if (c.realtime_period && *c.realtime_period != 0)
    out.push_back(
        with_retry(write("cpu", "cpu.rt_period_us", std::to_string(*c.realtime_period)), runtime));
  if (runtime)
    out.push_back(write("cpu", "cpu.rt_runtime_us", std::to_string(*c.realtime_runtime)));
}

std::string device_rule(const spec::DeviceCgroupRule& d) {
  auto num = [](std::optional<int64_t> v) { return v ? std::to_string(*v) : std::string("*"); };
  std::string rule(1, d.type);
  rule += " " + num(d.major) + ":" + num(d.minor) + " " + (d.access.empty() ? "rwm" : d.access);
  return rule;
}

// The v1 device controller is an allow/deny list applied write by write:
// start from "deny everything" and replay the config's rules in order, so
// later rules win as the spec says.
void plan_devices(const std::vector<spec::DeviceCgroupRule>& devices, std::vector<Write>& out) {
  if (devices.empty()) return;
  out.push_back(write("devices", "devices.deny", "a"));
  for (const auto& d : devices)
    out.push_back(write("devices", d.allow ? "devices.allow" : "devices.deny", device_rule(d)));
}

void plan_blkio(const spec::BlockIo& b, const HostFacts& host, std::vector<Write>& out) {
  // With BFQ (kernel 4.12+ with CONFIG_BFQ_GROUP_IOSCHED) the weights live
  // in blkio.bfq.*; CFQ's blkio.weight is gone from 5.0 kernels.
  const std::string weight = host.bfq ? "blkio.bfq.weight" : "blkio.weight";
  if (b.weight && *b.weight != 0) out.push_back(write("blkio", weight, std::to_string(*b.weight)));
  if (b.leaf_weight && *b.leaf_weight != 0)
    out.push_back(write("blkio", "blkio.leaf_weight", std::to_string(*b.leaf_weight)));
  for (const auto& d : b.weight_device) {
    std::string dev = device_number(d.major, d.minor) + " ";
    if (d.weight && *d.weight != 0)
      out.push_back(write("blkio", weight + "_device", dev + std::to_string(*d.weight)));
    if (d.leaf_weight && *d.leaf_weight != 0)
      out.push_back(
          write("blkio", "blkio.leaf_weight_device", dev + std::to_string(*d.leaf_weight)));
  }
  auto throttle = [&](const std::vector<spec::ThrottleDevice>& v, const char* file) {
    for (const auto& t : v)
      out.push_back(
          write("blkio", file, device_number(t.major, t.minor) + " " + std::to_string(t.rate)));
  };
  throttle(b.throttle_read_bps, "blkio.throttle.read_bps_device");
  throttle(b.throttle_write_bps, "blkio.throttle.write_bps_device");
  throttle(b.throttle_read_iops, "blkio.throttle.read_iops_device");
  throttle(b.throttle_write_iops, "blkio.throttle.write_iops_device");
}

Result<void> plan_network(const spec::Network& n, std::vector<Write>& out) {
  if (n.class_id) out.push_back(write("net_cls", "net_cls.classid", std::to_string(*n.class_id)));
  for (size_t i = 0; i < n.priorities.size(); ++i) {
    const auto& p = n.priorities[i];
    if (p.name.empty() || p.name.find_first_of(" \t\n") != std::string::npos)
      return fail("linux.resources.network.priorities[" + std::to_string(i) +
                  "].name: invalid interface name " + quote(p.name));
    out.push_back(
        write("net_prio", "net_prio.ifpriomap", p.name + " " + std::to_string(p.priority)));
  }
  return {};
}

}  // namespace

Result<std::vector<Write>> plan_v1(const spec::Resources& r, const HostFacts& host) {
  if (!r.unified.empty() && !host.unified_mount)
    return fail(
        "linux.resources.unified: needs cgroup v2, and this host has only cgroup v1 hierarchies");
  std::vector<Write> out;
  // runc's subsystem order: cpuset, devices, memory, cpu, pids, blkio,
  // hugetlb, net_cls, net_prio, rdma; unified entries last.
  if (r.cpu) {
    if (!r.cpu->cpus.empty()) out.push_back(write("cpuset", "cpuset.cpus", r.cpu->cpus));
    if (!r.cpu->mems.empty()) out.push_back(write("cpuset", "cpuset.mems", r.cpu->mems));
  }
  plan_devices(r.devices, out);
  if (r.memory) BERTH_TRY(plan_memory(*r.memory, out));
  if (r.cpu) plan_cpu(*r.cpu, out);
  if (r.pids && r.pids->limit)
    out.push_back(
        write("pids", "pids.max", *r.pids->limit > 0 ? std::to_string(*r.pids->limit) : "max"));
  if (r.block_io) plan_blkio(*r.block_io, host, out);
  BERTH_TRY(plan_detail::plan_hugetlb(r.hugepage_limits, host, "limit_in_bytes", out));
  if (r.network) BERTH_TRY(plan_network(*r.network, out));
  BERTH_TRY(plan_detail::plan_rdma(r.rdma, out));
  BERTH_TRY(plan_detail::plan_unified(r.unified, true, out));
  return out;
}

namespace {

spec::DeviceCgroupRule allow(char type, std::optional<int64_t> major, std::optional<int64_t> minor,
                             const char* access) {
  spec::DeviceCgroupRule d;
  d.allow = true;
  d.type = type;
  d.major = major;
  d.minor = minor;
  d.access = access;
  return d;
}

}  // namespace

std::vector<spec::DeviceCgroupRule> default_device_rules() {
  return {
      allow('c', std::nullopt, std::nullopt, "m"),  // mknod, any char device
      allow('b', std::nullopt, std::nullopt, "m"),  // mknod, any block device
      allow('c', 1, 3, "rwm"),                      // /dev/null
      allow('c', 1, 5, "rwm"),                      // /dev/zero
      allow('c', 1, 7, "rwm"),                      // /dev/full
      allow('c', 1, 8, "rwm"),                      // /dev/random
      allow('c', 1, 9, "rwm"),                      // /dev/urandom
      allow('c', 5, 0, "rwm"),                      // /dev/tty
      allow('c', 5, 1, "rwm"),                      // /dev/console
      allow('c', 5, 2, "rwm"),                      // /dev/ptmx
      allow('c', 136, std::nullopt, "rwm"),         // /dev/pts/*
  };
}

spec::Resources with_default_devices(const spec::Resources& r) {
  spec::Resources out = r;
  spec::DeviceCgroupRule deny_all;
  deny_all.allow = false;
  deny_all.type = 'a';
  deny_all.access = "rwm";
  out.devices.clear();
  out.devices.push_back(deny_all);
  out.devices.insert(out.devices.end(), r.devices.begin(), r.devices.end());
  auto defaults = default_device_rules();
  out.devices.insert(out.devices.end(), defaults.begin(), defaults.end());
  return out;
}

}  // namespace berth::cgroups
