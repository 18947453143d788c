// Rootless: who writes a user namespace's maps (direct or newuidmap),
// the helpers' command lines and errors, PATH lookup, the --root default,
// --rootless auto, when a missing cgroup may be ignored, and the rootless
// validation rules.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "spec/validate.hpp"
#include "src/namespaces/idmap.hpp"
#include "src/runtime/base/fileio.hpp"
#include "src/runtime/rootless.hpp"

using namespace berth;
using ns::MapWriter;
using spec::IdMapping;

namespace {

std::vector<IdMapping> maps(std::initializer_list<IdMapping> l) {
  return l;
}

// A temp dir removed at scope end.
struct TempDir {
  std::string path;
  TempDir() {
    char t[] = "/tmp/berth-unit-rootless.XXXXXX";
    path = ::mkdtemp(t);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

void write_script(const std::string& path, const std::string& body) {
  std::ofstream(path) << "#!/bin/sh\n" << body;
  ::chmod(path.c_str(), 0755);
}

}  // namespace

TEST_CASE("plan_id_maps: root writes every map itself", "[rootless]") {
  auto p =
      ns::plan_id_maps(maps({{0, 100000, 65536}, {65536, 5, 1}}), maps({{0, 100000, 65536}}), 0, 0);
  CHECK(p.uid == MapWriter::kDirect);
  CHECK(p.gid == MapWriter::kDirect);
  CHECK_FALSE(p.deny_setgroups);
}

TEST_CASE("plan_id_maps: one's own ids, size 1, are written directly", "[rootless]") {
  auto p = ns::plan_id_maps(maps({{0, 1000, 1}}), maps({{0, 1001, 1}}), 1000, 1001);
  CHECK(p.uid == MapWriter::kDirect);
  CHECK(p.gid == MapWriter::kDirect);
  // The kernel takes an unprivileged gid_map only after setgroups "deny".
  CHECK(p.deny_setgroups);
  // The container id may be anything.
  p = ns::plan_id_maps(maps({{1000, 1000, 1}}), maps({{5, 1001, 1}}), 1000, 1001);
  CHECK(p.uid == MapWriter::kDirect);
  CHECK(p.gid == MapWriter::kDirect);
}

TEST_CASE("plan_id_maps: anything more goes through newuidmap/newgidmap", "[rootless]") {
  // several ranges
  auto p = ns::plan_id_maps(maps({{0, 1000, 1}, {1, 100000, 65536}}),
                            maps({{0, 1000, 1}, {1, 100000, 65536}}), 1000, 1000);
  CHECK(p.uid == MapWriter::kHelper);
  CHECK(p.gid == MapWriter::kHelper);
  // newgidmap decides setgroups itself; a "deny" first would only take it away
  CHECK_FALSE(p.deny_setgroups);
  // someone else's id
  p = ns::plan_id_maps(maps({{0, 1001, 1}}), maps({{0, 1000, 1}}), 1000, 1000);
  CHECK(p.uid == MapWriter::kHelper);
  CHECK(p.gid == MapWriter::kDirect);
  CHECK(p.deny_setgroups);
  // one's own id, but more than one of them
  p = ns::plan_id_maps(maps({{0, 1000, 2}}), maps({{0, 1000, 1}}), 1000, 1000);
  CHECK(p.uid == MapWriter::kHelper);
  // gid mapped with the helper, uid directly
  p = ns::plan_id_maps(maps({{0, 1000, 1}}), maps({{0, 1000, 1}, {1, 100000, 10}}), 1000, 1000);
  CHECK(p.uid == MapWriter::kDirect);
  CHECK(p.gid == MapWriter::kHelper);
  CHECK_FALSE(p.deny_setgroups);
}

TEST_CASE("plan_id_maps: no maps, nothing to write", "[rootless]") {
  auto p = ns::plan_id_maps({}, {}, 1000, 1000);
  CHECK(p.uid == MapWriter::kDirect);
  CHECK(p.gid == MapWriter::kDirect);
  CHECK_FALSE(p.deny_setgroups);
}

TEST_CASE("id_map_helper_argv: pid, then containerID hostID size per range", "[rootless]") {
  CHECK(ns::id_map_helper_argv("/usr/bin/newuidmap", 4321,
                               maps({{0, 1000, 1}, {1, 100000, 65536}})) ==
        std::vector<std::string>{"/usr/bin/newuidmap", "4321", "0", "1000", "1", "1", "100000",
                                 "65536"});
  CHECK(ns::id_map_helper_argv("newgidmap", 7, {}) == std::vector<std::string>{"newgidmap", "7"});
}

TEST_CASE("find_in_path: first executable regular file, absolute entries only", "[rootless]") {
  TempDir a, b;
  write_script(b.path + "/newuidmap", "exit 0\n");
  std::ofstream(a.path + "/newuidmap") << "not executable";  // mode 0644: skipped
  std::filesystem::create_directory(a.path + "/newgidmap");  // a directory: skipped
  std::string path = a.path + "::relative:" + b.path;
  auto r = ns::find_in_path("newuidmap", path.c_str());
  REQUIRE(r);
  CHECK(*r == b.path + "/newuidmap");
  auto missing = ns::find_in_path("newgidmap", path.c_str());
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message() == "\"newgidmap\" is not in PATH");
}

TEST_CASE(
    "find_id_map_helpers: only the helpers the plan needs; a missing one names the field and tool",
    "[rootless]") {
  TempDir d;
  write_script(d.path + "/newuidmap", "exit 0\n");
  ns::IdMapPlan direct;
  auto none = ns::find_id_map_helpers(direct, "/nonexistent");
  REQUIRE(none);
  CHECK(none->newuidmap.empty());
  CHECK(none->newgidmap.empty());
  ns::IdMapPlan uid_only;
  uid_only.uid = MapWriter::kHelper;
  auto h = ns::find_id_map_helpers(uid_only, d.path.c_str());
  REQUIRE(h);
  CHECK(h->newuidmap == d.path + "/newuidmap");
  CHECK(h->newgidmap.empty());
  ns::IdMapPlan both = uid_only;
  both.gid = MapWriter::kHelper;
  auto missing = ns::find_id_map_helpers(both, d.path.c_str());
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message() ==
        "linux.gidMappings: mapping more than the caller's own gid (size 1) without root needs "
        "\"newgidmap\" "
        "(package uidmap), which is not in PATH");
}

TEST_CASE("write_user_namespace_maps: runs the helpers with the maps; their failure is one line",
          "[rootless]") {
  TempDir d;
  std::string log = d.path + "/log";
  write_script(d.path + "/newuidmap", "echo newuidmap \"$@\" >> " + log + "\n");
  write_script(d.path + "/newgidmap",
               "echo newgidmap \"$@\" >> " + log +
                   "\necho 'newgidmap: gid range [1-11) -> [500-510) not allowed' >&2\n"
                   "echo second line >&2\nexit 1\n");
  ns::IdMapPlan plan;
  plan.uid = plan.gid = MapWriter::kHelper;
  ns::IdMapHelpers h{d.path + "/newuidmap", d.path + "/newgidmap"};
  auto uids = maps({{0, 1000, 1}, {1, 100000, 65536}});
  auto gids = maps({{0, 1000, 1}, {1, 500, 10}});
  auto r = ns::write_user_namespace_maps(99999, uids, gids, plan, h);
  REQUIRE_FALSE(r);
  CHECK(r.error().message() ==
        h.newgidmap + " 99999 0 1000 1 1 500 10: exit status 1: newgidmap: gid range " +
            "[1-11) -> [500-510) not allowed; second line");
  auto text = read_file(log);
  REQUIRE(text);
  // uid_map first, then gid_map
  CHECK(*text == "newuidmap 99999 0 1000 1 1 100000 65536\nnewgidmap 99999 0 1000 1 1 500 10\n");
}

TEST_CASE("rootless_mode: auto is rootless without the host's root", "[rootless]") {
  using runtime::rootless_mode;
  CHECK_FALSE(rootless_mode("auto", 0, false));
  CHECK(rootless_mode("auto", 1000, false));
  CHECK(rootless_mode("auto", 0, true));
  CHECK(rootless_mode("true", 0, false));
  CHECK_FALSE(rootless_mode("false", 1000, true));
  CHECK_FALSE(runtime::is_nested_user_namespace("         0          0 4294967295\n"));
  CHECK(runtime::is_nested_user_namespace("         0       1000          1\n"));
  CHECK(runtime::is_nested_user_namespace("0 0 4294967295\n1 1 1\n"));
}

TEST_CASE("default_state_root: /run/berth for root, $XDG_RUNTIME_DIR/berth otherwise",
          "[rootless]") {
  using runtime::default_state_root;
  CHECK(*default_state_root(0, "/run/user/0") == "/run/berth");
  CHECK(*default_state_root(1000, "/run/user/1000") == "/run/user/1000/berth");
  CHECK(*default_state_root(1000, "/run/user/1000/") == "/run/user/1000/berth");
  auto unset = default_state_root(1000, nullptr);
  REQUIRE_FALSE(unset);
  CHECK(unset.error().message() ==
        "--root: not given, and XDG_RUNTIME_DIR is not set: a non-root user must pass --root DIR "
        "(a directory it can "
        "write)");
  auto relative = default_state_root(1000, "run/user");
  REQUIRE_FALSE(relative);
  CHECK(relative.error().message().find("XDG_RUNTIME_DIR is not absolute") != std::string::npos);
}

TEST_CASE("sets_cgroup_limits: device rules and empty sections are not limits", "[rootless]") {
  spec::Resources r;
  CHECK_FALSE(runtime::sets_cgroup_limits(r));
  r.devices.push_back({false, 'a', std::nullopt, std::nullopt, "rwm"});
  r.memory.emplace();  // "memory": {} writes nothing
  CHECK_FALSE(runtime::sets_cgroup_limits(r));
  r.memory->limit = 64 << 20;
  CHECK(runtime::sets_cgroup_limits(r));
  spec::Resources p;
  p.pids.emplace();
  p.pids->limit = 10;
  CHECK(runtime::sets_cgroup_limits(p));
}

TEST_CASE("is_permission_error: EACCES, EPERM, EROFS", "[rootless]") {
  CHECK(runtime::is_permission_error(Error("mkdir", EACCES)));
  CHECK(runtime::is_permission_error(Error("mkdir", EPERM)));
  CHECK(runtime::is_permission_error(Error("mkdir", EROFS)));
  CHECK_FALSE(runtime::is_permission_error(Error("mkdir", ENOENT)));
  CHECK_FALSE(runtime::is_permission_error(Error("mkdir")));
}

namespace {

spec::Config rootless_config() {
  spec::Config c;
  c.linux.emplace();
  c.linux->namespaces = {{spec::NamespaceType::kPid, ""}, {spec::NamespaceType::kUser, ""}};
  c.linux->uid_mappings = maps({{0, 1000, 1}, {1, 100000, 65536}});
  c.linux->gid_mappings = maps({{0, 1000, 1}});
  return c;
}

std::string first_rootless(const spec::Config& c) {
  auto r = spec::validate_rootless(c, "config.json");
  return r ? std::string() : r.error().message();
}

}  // namespace

TEST_CASE("validate_rootless: a user namespace is required", "[rootless]") {
  auto c = rootless_config();
  CHECK(first_rootless(c).empty());
  c.linux->namespaces = {{spec::NamespaceType::kPid, ""}};
  CHECK(first_rootless(c) ==
        "config.json: linux.namespaces: a rootless container requires a user namespace "
        "(linux.namespaces has no "
        "\"user\")");
  CHECK(spec::check_rootless(c).front().rule == "rootless-user-namespace");
}

TEST_CASE("validate_rootless: mount uid=/gid= must be mapped", "[rootless]") {
  auto c = rootless_config();
  spec::Mount pts;
  pts.destination = "/dev/pts";
  pts.type = "devpts";
  pts.options = {"nosuid", "gid=5", "mode=0620"};
  spec::Mount tmp;
  tmp.destination = "/tmp";
  tmp.type = "tmpfs";
  tmp.options = {"uid=65536", "gid=0", "uid=nonsense"};
  c.mounts = {tmp, pts};
  // uid 65536 is mapped (1 + 65535), gid 5 is not (only gid 0 is)
  CHECK(first_rootless(c) ==
        "config.json: mounts[1].options: \"gid=5\" names a gid that linux.gidMappings does not "
        "map: a rootless "
        "container cannot give files to it");
  c.mounts[0].options = {"uid=65537"};
  auto v = spec::check_rootless(c);
  REQUIRE(v.size() == 2);
  CHECK(v[0].path == "mounts[0].options");
  CHECK(v[0].rule == "rootless-mount-ids");
  // a joined user namespace's maps are not known here
  c.linux->namespaces[1].path = "/proc/1/ns/user";
  CHECK(spec::check_rootless(c).empty());
}
