#include "spec/mount.hpp"

#include <linux/mount.h>
#include <sys/mount.h>

#include <algorithm>

namespace berth::spec {

namespace {

// MS_NOSYMFOLLOW came with Linux 5.10 and glibc 2.34, MOUNT_ATTR_NOSYMFOLLOW
// with Linux 5.14; both are ABI, so an older header must not shrink the
// vocabulary.
#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif
#ifndef MOUNT_ATTR_NOSYMFOLLOW
#define MOUNT_ATTR_NOSYMFOLLOW 0x00200000
#endif

enum class Kind {
  kNoop,         // "defaults": mount(8) spells out the kernel's defaults
  kSet,          // MS_* flag set, and no longer cleared
  kClear,        // MS_* flag cleared, and no longer set
  kPropagation,  // the last propagation option wins
  kAttrSet,      // MOUNT_ATTR_* applied recursively with mount_setattr(2)
  kAttrClr,
  kAtime,  // a recursive access-time mode (an enum, not a bit)
  kBind,
  kRbind,
  kIdmap,
  kRidmap,
  kTmpcopyup,
  kCopySymlink,
};

struct Option {
  std::string_view name;
  Kind kind;
  uint64_t value;
};

// mount(8)'s flag vocabulary plus the runtime extensions runc and crun share.
constexpr Option kOptions[] = {
    {"defaults", Kind::kNoop, 0},
    {"rw", Kind::kClear, MS_RDONLY},
    {"ro", Kind::kSet, MS_RDONLY},
    {"suid", Kind::kClear, MS_NOSUID},
    {"nosuid", Kind::kSet, MS_NOSUID},
    {"dev", Kind::kClear, MS_NODEV},
    {"nodev", Kind::kSet, MS_NODEV},
    {"exec", Kind::kClear, MS_NOEXEC},
    {"noexec", Kind::kSet, MS_NOEXEC},
    {"sync", Kind::kSet, MS_SYNCHRONOUS},
    {"async", Kind::kClear, MS_SYNCHRONOUS},
    {"dirsync", Kind::kSet, MS_DIRSYNC},
    {"remount", Kind::kSet, MS_REMOUNT},
    {"mand", Kind::kSet, MS_MANDLOCK},
    {"nomand", Kind::kClear, MS_MANDLOCK},
    {"atime", Kind::kClear, MS_NOATIME},
    {"noatime", Kind::kSet, MS_NOATIME},
    {"diratime", Kind::kClear, MS_NODIRATIME},
    {"nodiratime", Kind::kSet, MS_NODIRATIME},
    {"relatime", Kind::kSet, MS_RELATIME},
    {"norelatime", Kind::kClear, MS_RELATIME},
    {"strictatime", Kind::kSet, MS_STRICTATIME},
    {"nostrictatime", Kind::kClear, MS_STRICTATIME},
    {"lazytime", Kind::kSet, MS_LAZYTIME},
    {"nolazytime", Kind::kClear, MS_LAZYTIME},
    {"symfollow", Kind::kClear, MS_NOSYMFOLLOW},
    {"nosymfollow", Kind::kSet, MS_NOSYMFOLLOW},
    {"bind", Kind::kBind, 0},
    {"rbind", Kind::kRbind, 0},
    {"shared", Kind::kPropagation, MS_SHARED},
    {"rshared", Kind::kPropagation, MS_SHARED | MS_REC},
    {"slave", Kind::kPropagation, MS_SLAVE},
    {"rslave", Kind::kPropagation, MS_SLAVE | MS_REC},
    {"private", Kind::kPropagation, MS_PRIVATE},
    {"rprivate", Kind::kPropagation, MS_PRIVATE | MS_REC},
    {"unbindable", Kind::kPropagation, MS_UNBINDABLE},
    {"runbindable", Kind::kPropagation, MS_UNBINDABLE | MS_REC},
    {"rro", Kind::kAttrSet, MOUNT_ATTR_RDONLY},
    {"rrw", Kind::kAttrClr, MOUNT_ATTR_RDONLY},
    {"rnosuid", Kind::kAttrSet, MOUNT_ATTR_NOSUID},
    {"rsuid", Kind::kAttrClr, MOUNT_ATTR_NOSUID},
    {"rnodev", Kind::kAttrSet, MOUNT_ATTR_NODEV},
    {"rdev", Kind::kAttrClr, MOUNT_ATTR_NODEV},
    {"rnoexec", Kind::kAttrSet, MOUNT_ATTR_NOEXEC},
    {"rexec", Kind::kAttrClr, MOUNT_ATTR_NOEXEC},
    {"rnodiratime", Kind::kAttrSet, MOUNT_ATTR_NODIRATIME},
    {"rdiratime", Kind::kAttrClr, MOUNT_ATTR_NODIRATIME},
    {"rnosymfollow", Kind::kAttrSet, MOUNT_ATTR_NOSYMFOLLOW},
    {"rsymfollow", Kind::kAttrClr, MOUNT_ATTR_NOSYMFOLLOW},
    // mount(8) says the negated forms leave access times to the kernel's
    // default, which is relatime; "norelatime" is the exception that points
    // at strictatime.  Each one picks a mode, so the last one wins.
    {"rrelatime", Kind::kAtime, MOUNT_ATTR_RELATIME},
    {"rnorelatime", Kind::kAtime, MOUNT_ATTR_STRICTATIME},
    {"rnoatime", Kind::kAtime, MOUNT_ATTR_NOATIME},
    {"ratime", Kind::kAtime, MOUNT_ATTR_RELATIME},
    {"rstrictatime", Kind::kAtime, MOUNT_ATTR_STRICTATIME},
    {"rnostrictatime", Kind::kAtime, MOUNT_ATTR_RELATIME},
    {"idmap", Kind::kIdmap, 0},
    {"ridmap", Kind::kRidmap, 0},
    {"tmpcopyup", Kind::kTmpcopyup, 0},
    {"copy-symlink", Kind::kCopySymlink, 0},
};

// Filesystems whose whole option vocabulary berth knows: a bare word that is
// neither a flag above nor listed here is a typo, caught before any process
// exists.  Options with '=' are never checked; the kernel rejects bad ones.
struct FsWords {
  std::string_view fs_type;
  std::initializer_list<std::string_view> words;
};

const FsWords kFsWords[] = {
    {"bind", {}},  // the kernel ignores data on MS_BIND: a word would vanish
    {"none", {}},
    {"", {}},
    {"proc", {}},  // hidepid=, gid=, subset= all carry a value
    {"sysfs", {}},
    {"mqueue", {}},
    {"devpts", {"newinstance"}},  // a no-op since Linux 4.7, still written by clients
    {"tmpfs", {"inode32", "inode64", "noswap", "quota", "usrquota", "grpquota", "strict_encoding"}},
    {"overlay", {"userxattr", "volatile"}},
    {"cgroup2",
     {"nsdelegate", "favordynmods", "memory_localevents", "memory_recursiveprot",
      "memory_hugetlb_accounting", "pids_localevents"}},
    // cgroup v1 selects controllers by bare name.
    {"cgroup",
     {"all",          "none",    "noprefix", "clone_children", "xattr",    "cpuset_v2_mode",
      "favordynmods", "cpuset",  "cpu",      "cpuacct",        "blkio",    "memory",
      "devices",      "freezer", "net_cls",  "perf_event",     "net_prio", "hugetlb",
      "pids",         "rdma",    "misc",     "debug"}},
};

const Option* find_option(std::string_view name) {
  for (const auto& o : kOptions)
    if (o.name == name) return &o;
  return nullptr;
}

// Unknown filesystems (ext4, nfs, fuse.*, 9p, ...) have vocabularies berth
// cannot track; their bare words go to the kernel, which has the last word.
bool bare_word_is_data(std::string_view word, std::string_view fs_type) {
  for (const auto& fs : kFsWords)
    if (fs.fs_type == fs_type)
      return std::find(fs.words.begin(), fs.words.end(), word) != fs.words.end();
  return true;
}

void append_data(std::string& data, std::string_view opt) {
  if (!data.empty()) data += ',';
  data += opt;
}

void apply(const Option& o, MountOptions& out) {
  auto ms = static_cast<unsigned long>(o.value);
  switch (o.kind) {
    case Kind::kNoop:
      break;
    case Kind::kSet:
      out.flags |= ms;
      out.clear_flags &= ~ms;
      break;
    case Kind::kClear:
      out.clear_flags |= ms;
      out.flags &= ~ms;
      break;
    case Kind::kPropagation:
      out.propagation = ms;
      break;
    case Kind::kAttrSet:
      out.attr_set |= o.value;
      out.attr_clr &= ~o.value;
      break;
    case Kind::kAttrClr:
      out.attr_clr |= o.value;
      out.attr_set &= ~o.value;
      break;
    case Kind::kAtime:
      // mount_setattr(2): a new access-time mode needs the whole
      // MOUNT_ATTR__ATIME mask in attr_clr, and one mode in attr_set.
      out.attr_clr |= MOUNT_ATTR__ATIME;
      out.attr_set = (out.attr_set & ~uint64_t{MOUNT_ATTR__ATIME}) | o.value;
      break;
    case Kind::kBind:
      out.bind = true;
      break;
    case Kind::kRbind:
      out.bind = out.recursive_bind = true;
      break;
    case Kind::kIdmap:
      out.idmap = true;
      break;
    case Kind::kRidmap:
      out.idmap = out.recursive_idmap = true;
      break;
    case Kind::kTmpcopyup:
      out.tmpcopyup = true;
      break;
    case Kind::kCopySymlink:
      out.copy_symlink = true;
      break;
  }
}

}  // namespace

bool classify_mount_option(std::string_view opt, std::string_view fs_type, MountOptions& out,
                           std::string& error) {
  if (const Option* o = find_option(opt)) {
    apply(*o, out);
    return true;
  }
  bool has_value = opt.find('=') != std::string_view::npos;
  if (!opt.empty() && (has_value || bare_word_is_data(opt, fs_type))) {
    append_data(out.data, opt);
    return true;
  }
  error = "unknown mount option " + quote(opt);
  return false;
}

std::vector<std::string_view> known_mount_options() {
  std::vector<std::string_view> out;
  for (const auto& o : kOptions) out.push_back(o.name);
  return out;
}

void read_id_mapping(const Reader& r, IdMapping& out) {
  if (!r.expect_element_object()) return;
  r["containerID"].require(out.container_id);
  r["hostID"].require(out.host_id);
  r["size"].require(out.size);
}

void read_mount(const Reader& r, Mount& out) {
  if (!r.expect_element_object()) return;
  r["destination"].require(out.destination);
  r["type"].get(out.type);
  r["source"].get(out.source);
  Reader options = r["options"];
  options.get(out.options);
  // Whether this is a bind mount decides how bare words are read, wherever
  // "bind" sits in the list.
  bool is_bind = out.type == "bind" ||
                 std::any_of(out.options.begin(), out.options.end(),
                             [](const std::string& o) { return o == "bind" || o == "rbind"; });
  std::string_view fs_type = is_bind ? std::string_view("bind") : std::string_view(out.type);
  for (size_t i = 0; i < out.options.size() && r.ok(); ++i) {
    std::string error;
    if (!classify_mount_option(out.options[i], fs_type, out.parsed, error))
      options.at(i).fail(error);
  }
  r["uidMappings"].each(
      [&](const Reader& m) { read_id_mapping(m, out.uid_mappings.emplace_back()); });
  r["gidMappings"].each(
      [&](const Reader& m) { read_id_mapping(m, out.gid_mappings.emplace_back()); });
}

}  // namespace berth::spec
