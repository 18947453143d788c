#include <catch2/catch.hpp>

#include "src/cgroups/layout.hpp"

using namespace berth::cgroups;

TEST_CASE("layout: hybrid host (v1 controllers + cgroup2 at unified)", "[cgroups]") {
  // This development machine's /proc/self/mountinfo.
  const char* mi =
      "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
      "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
      "33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
      "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
      "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd\n"
      "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";
  Layout l = parse_layout(mi);
  CHECK(l.kind == LayoutKind::kHybrid);
  CHECK(l.unified_mount == "/sys/fs/cgroup/unified");
  REQUIRE(l.find_v1("memory") != nullptr);
  CHECK(l.find_v1("memory")->mount_point == "/sys/fs/cgroup/memory");
  REQUIRE(l.find_v1("name=systemd") != nullptr);
  CHECK(l.find_v1("xattr") == nullptr);
  CHECK(l.find_v1("pids") == nullptr);
}

TEST_CASE("layout: pure v2, co-mounted v1, escapes, duplicates", "[cgroups]") {
  Layout v2 = parse_layout(
      "25 1 0:22 / /sys/fs/cgroup rw,nosuid shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n");
  CHECK(v2.kind == LayoutKind::kV2);
  CHECK(v2.unified_mount == "/sys/fs/cgroup");

  Layout v1 = parse_layout(
      "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
      "90 80 0:29 /sub /mnt/with\\040space rw - cgroup cgroup rw,cpu,cpuacct\n");
  CHECK(v1.kind == LayoutKind::kV1);
  REQUIRE(v1.v1.size() == 1);
  CHECK(v1.find_v1("cpuacct")->mount_point == "/sys/fs/cgroup/cpu,cpuacct");

  Layout esc = parse_layout("90 80 0:29 /sub /mnt/with\\040space rw - cgroup cgroup rw,pids\n");
  CHECK(esc.find_v1("pids")->mount_point == "/mnt/with space");
  CHECK(esc.find_v1("pids")->root == "/sub");
  CHECK(parse_layout("garbage\n\n1 2 3\n").kind == LayoutKind::kNone);
}

TEST_CASE("layout: this host is detected", "[cgroups]") {
  auto l = detect_layout();
  REQUIRE(l);
  CHECK(l->kind != LayoutKind::kNone);
}

TEST_CASE("proc cgroup: v1, named and v2 lines", "[cgroups]") {
  auto m = parse_proc_cgroup(
      "9:name=systemd:/\n4:memory:/process_api/abc\n2:cpu,cpuacct:/x\n0::/user.slice\n");
  CHECK(m.at("memory") == "/process_api/abc");
  CHECK(m.at("cpu") == "/x");
  CHECK(m.at("cpuacct") == "/x");
  CHECK(m.at("name=systemd") == "/");
  CHECK(m.at("") == "/user.slice");
  Layout l = parse_layout(
      "35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
      "41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n");
  CHECK(hierarchy_dir(l, "memory", "/process_api/abc") == "/sys/fs/cgroup/memory/process_api/abc");
  CHECK(hierarchy_dir(l, "", "/") == "/sys/fs/cgroup/unified");
  CHECK(hierarchy_dir(l, "pids", "/") == "");
}

TEST_CASE("kernel_release_at_least: CLONE_INTO_CGROUP needs 5.7", "[cgroup-layout]") {
  using berth::cgroups::kernel_release_at_least;
  CHECK(kernel_release_at_least("6.1.0-56-amd64", 5, 7));
  CHECK(kernel_release_at_least("5.7.0", 5, 7));
  CHECK(kernel_release_at_least("5.10", 5, 7));
  CHECK_FALSE(kernel_release_at_least("5.6.19-300.fc32.x86_64", 5, 7));
  CHECK_FALSE(kernel_release_at_least("5.4.0-150-generic", 5, 7));
  CHECK_FALSE(kernel_release_at_least("4.18.0-513.el8.x86_64", 5, 7));
  CHECK(kernel_release_at_least("10.0", 5, 7));
  CHECK_FALSE(kernel_release_at_least("", 5, 7));
  CHECK_FALSE(kernel_release_at_least("6", 5, 7));
  CHECK_FALSE(kernel_release_at_least("x.y", 5, 7));
}
