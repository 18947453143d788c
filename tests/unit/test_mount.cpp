#include <linux/mount.h>
#include <sys/mount.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>

#include "spec/config.hpp"

using namespace berth;
using spec::Mount;
using spec::MountOptions;

namespace {

std::string config_with_mounts(const std::string& mounts) {
  return R"({"ociVersion": "1.2.0", "mounts": )" + mounts + "}";
}

std::vector<Mount> parse_ok(const std::string& mounts) {
  auto c = spec::parse_config(config_with_mounts(mounts), "config.json");
  INFO(mounts);
  REQUIRE(c);
  return c->mounts;
}

std::string error_of(const std::string& mounts) {
  auto c = spec::parse_config(config_with_mounts(mounts), "config.json");
  return c ? std::string() : c.error().message();
}

// Options applied in order to a mount of `fs_type`.
MountOptions classify(std::initializer_list<std::string_view> opts,
                      std::string_view fs_type = "tmpfs") {
  MountOptions out;
  for (auto o : opts) {
    std::string error;
    INFO(o);
    REQUIRE(spec::classify_mount_option(o, fs_type, out, error));
    CHECK(error.empty());
  }
  return out;
}

std::string classify_error(std::string_view opt, std::string_view fs_type) {
  MountOptions out;
  std::string error;
  CHECK_FALSE(spec::classify_mount_option(opt, fs_type, out, error));
  return error;
}

}  // namespace

TEST_CASE("mount: every field is read", "[mount]") {
  auto m = parse_ok(R"([{
    "destination": "/data", "type": "bind", "source": "/srv/data",
    "options": ["rbind", "ro", "nosuid", "rprivate", "idmap"],
    "uidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],
    "gidMappings": [{"containerID": 0, "hostID": 200000, "size": 1},
                    {"containerID": 1, "hostID": 300000, "size": 10}]
  }, {"destination": "/proc"}])");
  REQUIRE(m.size() == 2);
  CHECK(m[0].destination == "/data");
  CHECK(m[0].type == "bind");
  CHECK(m[0].source == "/srv/data");
  CHECK(m[0].options == std::vector<std::string>{"rbind", "ro", "nosuid", "rprivate", "idmap"});
  CHECK(m[0].parsed.bind);
  CHECK(m[0].parsed.recursive_bind);
  CHECK(m[0].parsed.flags == (MS_RDONLY | MS_NOSUID));
  CHECK(m[0].parsed.propagation == (MS_PRIVATE | MS_REC));
  CHECK(m[0].parsed.idmap);
  CHECK_FALSE(m[0].parsed.recursive_idmap);
  CHECK(m[0].parsed.data.empty());
  REQUIRE(m[0].uid_mappings.size() == 1);
  CHECK(m[0].uid_mappings[0].container_id == 0);
  CHECK(m[0].uid_mappings[0].host_id == 100000);
  CHECK(m[0].uid_mappings[0].size == 65536);
  REQUIRE(m[0].gid_mappings.size() == 2);
  CHECK(m[0].gid_mappings[1].container_id == 1);
  CHECK(m[0].gid_mappings[1].host_id == 300000);
  CHECK(m[0].gid_mappings[1].size == 10);
  CHECK(m[1].destination == "/proc");
  CHECK(m[1].type.empty());
  CHECK(m[1].options.empty());
  CHECK(m[1].parsed.flags == 0);
}

TEST_CASE("mount: client options keep their data", "[mount]") {
  auto m = parse_ok(R"([
    {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
     "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
    {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
     "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
    {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
     "options": ["nosuid", "memory", "cpu", "name=systemd"]},
    {"destination": "/merged", "type": "overlay", "source": "overlay",
     "options": ["lowerdir=/l", "upperdir=/u", "workdir=/w", "userxattr", "volatile"]}
  ])");
  CHECK(m[0].parsed.flags == (MS_NOSUID | MS_NOEXEC));
  CHECK(m[0].parsed.data == "newinstance,ptmxmode=0666,mode=0620,gid=5");
  CHECK(m[1].parsed.flags == (MS_NOSUID | MS_STRICTATIME));
  CHECK(m[1].parsed.data == "mode=755,size=65536k");
  CHECK(m[2].parsed.data == "memory,cpu,name=systemd");
  CHECK(m[3].parsed.data == "lowerdir=/l,upperdir=/u,workdir=/w,userxattr,volatile");
}

TEST_CASE("mount: known option vocabulary", "[mount]") {
  auto names = spec::known_mount_options();
  for (const char* n :
       {"defaults",    "rw",        "ro",          "suid",         "nosuid",         "dev",
        "nodev",       "exec",      "noexec",      "sync",         "async",          "dirsync",
        "remount",     "mand",      "nomand",      "atime",        "noatime",        "diratime",
        "nodiratime",  "relatime",  "norelatime",  "strictatime",  "nostrictatime",  "lazytime",
        "nolazytime",  "symfollow", "nosymfollow", "bind",         "rbind",          "shared",
        "rshared",     "slave",     "rslave",      "private",      "rprivate",       "unbindable",
        "runbindable", "rro",       "rrw",         "rnosuid",      "rsuid",          "rnodev",
        "rdev",        "rnoexec",   "rexec",       "rnodiratime",  "rdiratime",      "rrelatime",
        "rnorelatime", "rnoatime",  "ratime",      "rstrictatime", "rnostrictatime", "rnosymfollow",
        "rsymfollow",  "idmap",     "ridmap",      "tmpcopyup",    "copy-symlink"}) {
    INFO(n);
    CHECK(std::count(names.begin(), names.end(), n) == 1);
    // A known flag never becomes data, even on a bind mount.
    CHECK(classify({n}, "bind").data.empty());
  }
  CHECK(names.size() == 59);
}

TEST_CASE("mount: MS flags set and clear", "[mount]") {
  const std::pair<const char*, unsigned long> sets[] = {
      {"ro", MS_RDONLY},         {"nosuid", MS_NOSUID},
      {"nodev", MS_NODEV},       {"noexec", MS_NOEXEC},
      {"sync", MS_SYNCHRONOUS},  {"dirsync", MS_DIRSYNC},
      {"remount", MS_REMOUNT},   {"mand", MS_MANDLOCK},
      {"noatime", MS_NOATIME},   {"nodiratime", MS_NODIRATIME},
      {"relatime", MS_RELATIME}, {"strictatime", MS_STRICTATIME},
      {"lazytime", MS_LAZYTIME}, {"nosymfollow", 256},
  };
  for (const auto& [name, flag] : sets) {
    INFO(name);
    auto o = classify({name});
    CHECK(o.flags == flag);
    CHECK(o.clear_flags == 0);
  }
  const std::pair<const char*, unsigned long> clears[] = {
      {"rw", MS_RDONLY},           {"suid", MS_NOSUID},
      {"dev", MS_NODEV},           {"exec", MS_NOEXEC},
      {"async", MS_SYNCHRONOUS},   {"nomand", MS_MANDLOCK},
      {"atime", MS_NOATIME},       {"diratime", MS_NODIRATIME},
      {"norelatime", MS_RELATIME}, {"nostrictatime", MS_STRICTATIME},
      {"nolazytime", MS_LAZYTIME}, {"symfollow", 256},
  };
  for (const auto& [name, flag] : clears) {
    INFO(name);
    auto o = classify({name});
    CHECK(o.flags == 0);
    CHECK(o.clear_flags == flag);
  }
  auto d = classify({"defaults"});
  CHECK(d.flags == 0);
  CHECK(d.clear_flags == 0);
}

TEST_CASE("mount: later options override earlier ones", "[mount]") {
  auto rw = classify({"ro", "nosuid", "rw"});
  CHECK(rw.flags == MS_NOSUID);
  CHECK(rw.clear_flags == MS_RDONLY);
  auto ro = classify({"rw", "ro"});
  CHECK(ro.flags == MS_RDONLY);
  CHECK(ro.clear_flags == 0);
  CHECK(classify({"rshared", "private"}).propagation == MS_PRIVATE);
  CHECK(classify({"slave", "runbindable"}).propagation == (MS_UNBINDABLE | MS_REC));
  auto attr = classify({"rro", "rrw", "rnosuid"});
  CHECK(attr.attr_set == MOUNT_ATTR_NOSUID);
  CHECK(attr.attr_clr == MOUNT_ATTR_RDONLY);
}

TEST_CASE("mount: propagation options", "[mount]") {
  const std::pair<const char*, unsigned long> props[] = {
      {"shared", MS_SHARED},         {"rshared", MS_SHARED | MS_REC},
      {"slave", MS_SLAVE},           {"rslave", MS_SLAVE | MS_REC},
      {"private", MS_PRIVATE},       {"rprivate", MS_PRIVATE | MS_REC},
      {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
  };
  for (const auto& [name, value] : props) {
    INFO(name);
    auto o = classify({name});
    CHECK(o.propagation == value);
    CHECK(o.flags == 0);
  }
}

TEST_CASE("mount: recursive attributes", "[mount]") {
  const std::tuple<const char*, uint64_t, uint64_t> attrs[] = {
      {"rro", MOUNT_ATTR_RDONLY, 0},
      {"rrw", 0, MOUNT_ATTR_RDONLY},
      {"rnosuid", MOUNT_ATTR_NOSUID, 0},
      {"rsuid", 0, MOUNT_ATTR_NOSUID},
      {"rnodev", MOUNT_ATTR_NODEV, 0},
      {"rdev", 0, MOUNT_ATTR_NODEV},
      {"rnoexec", MOUNT_ATTR_NOEXEC, 0},
      {"rexec", 0, MOUNT_ATTR_NOEXEC},
      {"rnodiratime", MOUNT_ATTR_NODIRATIME, 0},
      {"rdiratime", 0, MOUNT_ATTR_NODIRATIME},
      {"rnosymfollow", 0x00200000, 0},
      {"rsymfollow", 0, 0x00200000},
  };
  for (const auto& [name, set, clr] : attrs) {
    INFO(name);
    auto o = classify({name});
    CHECK(o.attr_set == set);
    CHECK(o.attr_clr == clr);
    CHECK(o.flags == 0);
  }
  // Access time is a mode: each option clears the whole mask and picks one.
  const std::pair<const char*, uint64_t> atimes[] = {
      {"rrelatime", MOUNT_ATTR_RELATIME},       {"rnorelatime", MOUNT_ATTR_STRICTATIME},
      {"rnoatime", MOUNT_ATTR_NOATIME},         {"ratime", MOUNT_ATTR_RELATIME},
      {"rstrictatime", MOUNT_ATTR_STRICTATIME}, {"rnostrictatime", MOUNT_ATTR_RELATIME},
  };
  for (const auto& [name, mode] : atimes) {
    INFO(name);
    auto o = classify({name});
    CHECK(o.attr_clr == MOUNT_ATTR__ATIME);
    CHECK(o.attr_set == mode);
  }
  auto last = classify({"rnoatime", "rro", "rstrictatime"});
  CHECK(last.attr_set == (MOUNT_ATTR_RDONLY | MOUNT_ATTR_STRICTATIME));
  CHECK(last.attr_clr == MOUNT_ATTR__ATIME);
}

TEST_CASE("mount: runtime extensions", "[mount]") {
  auto bind = classify({"bind"});
  CHECK(bind.bind);
  CHECK_FALSE(bind.recursive_bind);
  CHECK(bind.flags == 0);
  auto rbind = classify({"rbind"});
  CHECK(rbind.bind);
  CHECK(rbind.recursive_bind);
  auto idmap = classify({"idmap"});
  CHECK(idmap.idmap);
  CHECK_FALSE(idmap.recursive_idmap);
  auto ridmap = classify({"ridmap"});
  CHECK(ridmap.idmap);
  CHECK(ridmap.recursive_idmap);
  CHECK(classify({"tmpcopyup"}).tmpcopyup);
  CHECK(classify({"copy-symlink"}).copy_symlink);
}

TEST_CASE("mount: the data rule", "[mount]") {
  // '=' always goes to data; the kernel judges the value.
  CHECK(classify({"size=64m", "mode=755"}, "tmpfs").data == "size=64m,mode=755");
  CHECK(classify({"hidepid=2"}, "proc").data == "hidepid=2");
  CHECK(classify({"x=y"}, "bind").data == "x=y");
  // Bare words the filesystem is known to take.
  CHECK(classify({"newinstance"}, "devpts").data == "newinstance");
  CHECK(classify({"inode64", "noswap"}, "tmpfs").data == "inode64,noswap");
  CHECK(classify({"userxattr"}, "overlay").data == "userxattr");
  CHECK(classify({"memory", "none"}, "cgroup").data == "memory,none");
  CHECK(classify({"nsdelegate"}, "cgroup2").data == "nsdelegate");
  // Filesystems berth does not track pass bare words through.
  CHECK(classify({"discard"}, "ext4").data == "discard");
  CHECK(classify({"nolock", "soft"}, "nfs").data == "nolock,soft");
  // Errors: bind mounts (data is dropped there), known filesystems, no type.
  CHECK(classify_error("nosiud", "bind") == R"(unknown mount option "nosiud")");
  CHECK(classify_error("newinstance", "tmpfs") == R"(unknown mount option "newinstance")");
  CHECK(classify_error("memory", "cgroup2") == R"(unknown mount option "memory")");
  CHECK(classify_error("foo", "proc") == R"(unknown mount option "foo")");
  CHECK(classify_error("foo", "sysfs") == R"(unknown mount option "foo")");
  CHECK(classify_error("foo", "mqueue") == R"(unknown mount option "foo")");
  CHECK(classify_error("foo", "") == R"(unknown mount option "foo")");
  CHECK(classify_error("foo", "none") == R"(unknown mount option "foo")");
  CHECK(classify_error("", "ext4") == R"(unknown mount option "")");
}

TEST_CASE("mount: a bind option anywhere makes it a bind mount", "[mount]") {
  CHECK(error_of(R"([{"destination": "/a", "type": "none", "source": "/b",
                      "options": ["weird", "rbind"]}])") ==
        R"(config.json: mounts[0].options[0]: unknown mount option "weird")");
  CHECK(error_of(R"([{"destination": "/a", "type": "ext4", "source": "/dev/sda1",
                      "options": ["discard"]}])") == "");
}

TEST_CASE("mount: errors name the mount and the option", "[mount]") {
  CHECK(error_of(R"([{"destination": "/proc", "type": "proc"},
                     {"destination": "/x", "type": "bind", "source": "/y",
                      "options": ["rbind", "nosiud"]}])") ==
        R"(config.json: mounts[1].options[1]: unknown mount option "nosiud")");
  CHECK(error_of(R"([{"type": "proc", "source": "proc"}])") ==
        "config.json: mounts[0].destination: required");
  CHECK(error_of(R"([{"destination": "/x", "options": "ro"}])") ==
        R"(config.json: mounts[0].options: expected array, got string "ro")");
  CHECK(error_of(R"([{"destination": "/x", "options": ["ro", 1]}])") ==
        "config.json: mounts[0].options[1]: expected string, got integer 1");
  CHECK(error_of(R"([{"destination": 7}])") ==
        "config.json: mounts[0].destination: expected string, got integer 7");
  CHECK(error_of(R"([{"destination": "/x", "type": false}])") ==
        "config.json: mounts[0].type: expected string, got boolean false");
  CHECK(error_of(R"([null])") == "config.json: mounts[0]: expected object, got null");
  CHECK(error_of(R"({"destination": "/x"})") ==
        R"(config.json: mounts: expected array, got object {"destination":"/x"})");
}

TEST_CASE("mount: id mapping errors", "[mount]") {
  CHECK(error_of(R"([{"destination": "/x", "uidMappings": [{"containerID": 0, "hostID": -1,
                                                             "size": 1}]}])") ==
        "config.json: mounts[0].uidMappings[0].hostID: value -1 out of range (must not be "
        "negative)");
  CHECK(error_of(R"([{"destination": "/x", "gidMappings": [{"containerID": 0, "hostID": 1}]}])") ==
        "config.json: mounts[0].gidMappings[0].size: required");
  CHECK(error_of(R"([{"destination": "/x", "uidMappings": [{"hostID": 1, "size": 1}]}])") ==
        "config.json: mounts[0].uidMappings[0].containerID: required");
  CHECK(error_of(R"([{"destination": "/x", "uidMappings": [[0, 1, 1]]}])") ==
        "config.json: mounts[0].uidMappings[0]: expected object, got array [0,1,1]");
  CHECK(error_of(R"([{"destination": "/x", "uidMappings": {}}])") ==
        "config.json: mounts[0].uidMappings: expected array, got object {}");
}
