#include "spec/resources.hpp"

namespace berth::spec {

namespace {

template <class E>
using Name = Reader::Name<E>;

constexpr Name<char> kRuleTypes[] = {{"a", 'a'}, {"c", 'c'}, {"b", 'b'}};

// The devices controller takes each of r, w and m at most once; the kernel
// rejects anything else only when the rule is written, long after create.
bool valid_access(std::string_view access) {
  bool seen_r = false, seen_w = false, seen_m = false;
  for (char c : access) {
    bool* seen = c == 'r' ? &seen_r : c == 'w' ? &seen_w : c == 'm' ? &seen_m : nullptr;
    if (seen == nullptr || *seen) return false;
    *seen = true;
  }
  return true;
}

void read_device_rule(const Reader& r, DeviceCgroupRule& out) {
  if (!r.expect_element_object()) return;
  r["allow"].require(out.allow);
  r["type"].get_enum<char>(out.type, kRuleTypes, "device type");
  r["major"].get(out.major);
  r["minor"].get(out.minor);
  if (auto a = r["access"]; a.get(out.access) && !valid_access(out.access))
    a.fail_value("invalid device access", out.access);
}

void read_memory(const Reader& r, Memory& out) {
  if (!r.expect_object()) return;
  r["limit"].get(out.limit);
  r["reservation"].get(out.reservation);
  r["swap"].get(out.swap);
  r["kernel"].get(out.kernel);
  r["kernelTCP"].get(out.kernel_tcp);
  r["swappiness"].get(out.swappiness);
  r["disableOOMKiller"].get(out.disable_oom_killer);
  r["useHierarchy"].get(out.use_hierarchy);
  r["checkBeforeUpdate"].get(out.check_before_update);
}

void read_cpu(const Reader& r, Cpu& out) {
  if (!r.expect_object()) return;
  r["shares"].get(out.shares);
  r["quota"].get(out.quota);
  r["burst"].get(out.burst);
  r["period"].get(out.period);
  r["realtimeRuntime"].get(out.realtime_runtime);
  r["realtimePeriod"].get(out.realtime_period);
  r["cpus"].get(out.cpus);
  r["mems"].get(out.mems);
  r["idle"].get(out.idle);
}

void read_pids(const Reader& r, Pids& out) {
  if (!r.expect_object()) return;
  // Optional since runtime-spec 1.3; 1.2 required it, so older clients
  // always send it.
  r["limit"].get(out.limit);
}

void read_weight_device(const Reader& r, WeightDevice& out) {
  if (!r.expect_element_object()) return;
  r["major"].require(out.major);
  r["minor"].require(out.minor);
  r["weight"].get(out.weight);
  r["leafWeight"].get(out.leaf_weight);
}

void read_throttle_devices(const Reader& r, std::vector<ThrottleDevice>& out) {
  r.each([&](const Reader& e) {
    if (!e.expect_element_object()) return;
    ThrottleDevice& d = out.emplace_back();
    e["major"].require(d.major);
    e["minor"].require(d.minor);
    e["rate"].require(d.rate);
  });
}

void read_block_io(const Reader& r, BlockIo& out) {
  if (!r.expect_object()) return;
  r["weight"].get(out.weight);
  r["leafWeight"].get(out.leaf_weight);
  r["weightDevice"].each(
      [&](const Reader& e) { read_weight_device(e, out.weight_device.emplace_back()); });
  read_throttle_devices(r["throttleReadBpsDevice"], out.throttle_read_bps);
  read_throttle_devices(r["throttleWriteBpsDevice"], out.throttle_write_bps);
  read_throttle_devices(r["throttleReadIOPSDevice"], out.throttle_read_iops);
  read_throttle_devices(r["throttleWriteIOPSDevice"], out.throttle_write_iops);
}

// "<size><unit-prefix>B" as the hugetlb controller names its files
// (hugetlb.2MB.max, hugetlb.64KB.limit_in_bytes).  A malformed size would
// only surface as a missing cgroup file, so it is rejected here.
bool valid_hugepage_size(std::string_view s) {
  size_t digits = 0;
  while (digits < s.size() && s[digits] >= '0' && s[digits] <= '9') ++digits;
  if (digits == 0 || s[0] == '0') return false;
  std::string_view unit = s.substr(digits);
  return unit == "KB" || unit == "MB" || unit == "GB" || unit == "TB" || unit == "PB";
}

void read_hugepage_limit(const Reader& r, HugepageLimit& out) {
  if (!r.expect_element_object()) return;
  if (auto p = r["pageSize"]; p.require(out.page_size) && !valid_hugepage_size(out.page_size))
    p.fail_value("invalid hugepage size", out.page_size);
  r["limit"].require(out.limit);
}

void read_network(const Reader& r, Network& out) {
  if (!r.expect_object()) return;
  r["classID"].get(out.class_id);
  r["priorities"].each([&](const Reader& e) {
    if (!e.expect_element_object()) return;
    InterfacePriority& p = out.priorities.emplace_back();
    e["name"].require(p.name);
    e["priority"].require(p.priority);
  });
}

void read_rdma(const Reader& r, std::map<std::string, Rdma>& out) {
  r.each_member([&](std::string_view device, const Reader& e) {
    if (!e.expect_element_object()) return;
    Rdma& d = out[std::string(device)];
    e["hcaHandles"].get(d.hca_handles);
    e["hcaObjects"].get(d.hca_objects);
  });
}

}  // namespace

void read_resources(const Reader& r, Resources& out) {
  if (!r.expect_object()) return;
  r["devices"].each([&](const Reader& e) { read_device_rule(e, out.devices.emplace_back()); });
  if (auto m = r["memory"]; m.present()) read_memory(m, out.memory.emplace());
  if (auto c = r["cpu"]; c.present()) read_cpu(c, out.cpu.emplace());
  if (auto p = r["pids"]; p.present()) read_pids(p, out.pids.emplace());
  if (auto b = r["blockIO"]; b.present()) read_block_io(b, out.block_io.emplace());
  r["hugepageLimits"].each(
      [&](const Reader& e) { read_hugepage_limit(e, out.hugepage_limits.emplace_back()); });
  if (auto n = r["network"]; n.present()) read_network(n, out.network.emplace());
  read_rdma(r["rdma"], out.rdma);
  r["unified"].get(out.unified);
}

}  // namespace berth::spec
