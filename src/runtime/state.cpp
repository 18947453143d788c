#include "src/runtime/state.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <nlohmann/json.hpp>

#include "src/runtime/base/fileio.hpp"

namespace berth::runtime {

namespace {

bool id_char_ok(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '+' || c == '-' || c == '.';
}

// Field 3 (state) and 22 (starttime) of /proc/<pid>/stat.  The command name
// (field 2) may contain spaces and parentheses: parse after the last ')'.
bool read_stat(pid_t pid, char& state, uint64_t& start) {
  auto text = read_file("/proc/" + std::to_string(pid) + "/stat");
  if (!text) return false;
  auto close = text->rfind(')');
  if (close == std::string::npos || close + 2 >= text->size()) return false;
  std::string_view rest = std::string_view(*text).substr(close + 2);
  state = rest[0];
  // rest starts at field 3; starttime is field 22, 19 separators further.
  size_t pos = 0;
  for (int i = 0; i < 19; ++i) {
    pos = rest.find(' ', pos);
    if (pos == std::string_view::npos) return false;
    ++pos;
  }
  start = std::strtoull(rest.data() + pos, nullptr, 10);
  return true;
}

}  // namespace

Result<void> check_container_id(std::string_view id) {
  bool ok = !id.empty() && id != "." && id != ".." && id.size() <= 1024 &&
            std::all_of(id.begin(), id.end(), id_char_ok);
  if (!ok)
    return fail("invalid container id " + quote(id) +
                ": use letters, digits and _ + - . (and not \".\" or \"..\")");
  return {};
}

std::string_view status_name(Status s) {
  switch (s) {
    case Status::kCreating: return "creating";
    case Status::kCreated: return "created";
    case Status::kRunning: return "running";
    case Status::kPaused: return "paused";
    case Status::kStopped: return "stopped";
  }
  return "stopped";
}

uint64_t process_start_time(pid_t pid) {
  char state = 0;
  uint64_t start = 0;
  if (pid <= 0 || !read_stat(pid, state, start)) return 0;
  // A zombie has exited: its pid is not yet free, but the container is stopped.
  if (state == 'Z' || state == 'X' || state == 'x') return 0;
  return start;
}

std::string state_to_json(const ContainerState& s) {
  nlohmann::ordered_json j;
  j["id"] = s.id;
  j["ociVersion"] = s.oci_version;
  j["pid"] = s.pid;
  j["pidStartTime"] = s.pid_start_time;
  j["bundle"] = s.bundle;
  j["rootfs"] = s.rootfs;
  j["created"] = s.created;
  j["owner"] = s.owner;
  j["annotations"] = s.annotations;
  j["cgroup"] = s.cgroup;
  return j.dump() + "\n";
}

Result<ContainerState> state_from_json(std::string_view text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return fail("state.json: not a JSON object");
  ContainerState s;
  // The file is berth's own: a type mismatch means corruption, reported as such.
  auto str = [&](const char* k, std::string& out) {
    if (auto it = j.find(k); it != j.end() && it->is_string()) out = it->get<std::string>();
  };
  str("id", s.id);
  str("ociVersion", s.oci_version);
  str("bundle", s.bundle);
  str("rootfs", s.rootfs);
  str("created", s.created);
  str("cgroup", s.cgroup);
  if (auto it = j.find("pid"); it != j.end() && it->is_number_integer()) s.pid = it->get<pid_t>();
  if (auto it = j.find("pidStartTime"); it != j.end() && it->is_number_unsigned())
    s.pid_start_time = it->get<uint64_t>();
  if (auto it = j.find("owner"); it != j.end() && it->is_number_unsigned()) s.owner = it->get<uint32_t>();
  if (auto it = j.find("annotations"); it != j.end() && it->is_object())
    for (auto& [k, v] : it->items())
      if (v.is_string()) s.annotations[k] = v.get<std::string>();
  if (s.id.empty()) return fail("state.json: no container id");
  return s;
}

std::string oci_state_json(const ContainerState& s, Status status) {
  nlohmann::ordered_json j;
  j["ociVersion"] = s.oci_version;
  j["id"] = s.id;
  // While creating, hooks (CNI, GPU) need the init's pid: it is known from
  // clone on.  A stopped container has no process any more.
  j["pid"] = status == Status::kStopped ? 0 : s.pid;
  j["status"] = status_name(status);
  j["bundle"] = s.bundle;
  j["rootfs"] = s.rootfs;
  j["created"] = s.created;
  j["owner"] = s.owner == 0 ? "" : std::to_string(s.owner);
  j["annotations"] = s.annotations;
  return j.dump(2) + "\n";
}

namespace {

// The root and any missing parents, 0700, like runc's MkdirAll: containerd's
// shim passes --root <runc-root>/<namespace> with neither of them made yet.
Result<void> make_state_root(const std::string& root) {
  for (size_t at = root.find('/', 1);; at = root.find('/', at + 1)) {
    std::string dir = root.substr(0, at);
    if (!dir.empty() && dir.back() != '/' && ::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
      return fail_errno("create state root " + quote(dir));
    if (at == std::string::npos) return {};
  }
}

}  // namespace

Result<ContainerDir> ContainerDir::create(const std::string& root, std::string_view id) {
  BERTH_TRY(check_container_id(id));
  BERTH_TRY(make_state_root(root));
  UniqueFd rootfd(::open(root.c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC));
  if (!rootfd) return fail_errno("open state root " + quote(root));
  std::string name(id);
  if (::mkdirat(rootfd.get(), name.c_str(), 0700) != 0) {
    if (errno == EEXIST) return fail("container " + quote(id) + " already exists");
    return fail_errno("create state directory " + quote(root + "/" + name));
  }
  UniqueFd fd(::openat(rootfd.get(), name.c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC));
  if (!fd || ::flock(fd.get(), LOCK_EX) != 0) {
    int e = errno;
    ::unlinkat(rootfd.get(), name.c_str(), AT_REMOVEDIR);
    return fail_errno("lock state directory " + quote(root + "/" + name), e);
  }
  return ContainerDir(name, root + "/" + name, std::move(fd));
}

Result<ContainerDir> ContainerDir::open(const std::string& root, std::string_view id, LockMode mode) {
  BERTH_TRY(check_container_id(id));
  std::string path = root + "/" + std::string(id);
  UniqueFd fd(::open(path.c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT) return fail("container " + quote(id) + " does not exist");
    return fail_errno("open state directory " + quote(path));
  }
  if (::flock(fd.get(), mode == LockMode::kShared ? LOCK_SH : LOCK_EX) != 0)
    return fail_errno("lock state directory " + quote(path));
  // A concurrent delete may have removed the directory while we waited.
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || st.st_nlink == 0)
    return fail("container " + quote(id) + " does not exist");
  return ContainerDir(std::string(id), path, std::move(fd));
}

Result<std::vector<std::string>> ContainerDir::list(const std::string& root) {
  std::vector<std::string> ids;
  DIR* d = ::opendir(root.c_str());
  if (d == nullptr) {
    if (errno == ENOENT) return ids;
    return fail_errno("open state root " + quote(root));
  }
  while (dirent* e = ::readdir(d)) {
    std::string_view n = e->d_name;
    if (n == "." || n == "..") continue;
    if (e->d_type == DT_DIR || e->d_type == DT_UNKNOWN)
      if (check_container_id(n)) ids.emplace_back(n);
  }
  ::closedir(d);
  std::sort(ids.begin(), ids.end());
  return ids;
}

Result<void> ContainerDir::write_state(const ContainerState& s) const {
  return write_file_atomic(path_ + "/state.json", state_to_json(s), 0600);
}

Result<ContainerState> ContainerDir::read_state() const {
  auto text = read_file_at(fd_.get(), "state.json");
  if (!text) return fail(std::move(text).error().context("container " + quote(id_)));
  auto s = state_from_json(*text);
  if (!s) return fail(std::move(s).error().context("container " + quote(id_)));
  return s;
}

Result<void> ContainerDir::write_config(std::string_view text) const {
  return write_file_atomic(path_ + "/config.json", text, 0600);
}

Result<std::string> ContainerDir::read_config() const { return read_file_at(fd_.get(), "config.json"); }

bool ContainerDir::has_exec_fifo() const {
  struct stat st {};
  return ::fstatat(fd_.get(), kExecFifo, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISFIFO(st.st_mode);
}

Status ContainerDir::status(const ContainerState& s, bool frozen) const {
  if (s.pid <= 0) return Status::kCreating;
  uint64_t start = process_start_time(s.pid);
  if (start == 0 || start != s.pid_start_time) return Status::kStopped;
  if (has_exec_fifo()) return Status::kCreated;
  if (frozen) return Status::kPaused;
  return Status::kRunning;
}

namespace {

// Removes everything inside the directory `dfd` (state dirs are shallow:
// files, the exec fifo, the notify directory and its socket).
Result<void> remove_contents(int dfd, const std::string& path) {
  int dup = ::fcntl(dfd, F_DUPFD_CLOEXEC, 0);
  DIR* d = dup < 0 ? nullptr : ::fdopendir(dup);
  if (d == nullptr) return fail_errno("open " + quote(path));
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d)) {
    std::string_view n = e->d_name;
    if (n != "." && n != "..") names.emplace_back(n);
  }
  ::closedir(d);
  for (const auto& n : names) {
    if (::unlinkat(dfd, n.c_str(), 0) == 0 || errno == ENOENT) continue;
    if (errno != EISDIR) return fail_errno("remove " + quote(path + "/" + n));
    UniqueFd sub(::openat(dfd, n.c_str(), O_DIRECTORY | O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!sub) return fail_errno("open " + quote(path + "/" + n));
    BERTH_TRY(remove_contents(sub.get(), path + "/" + n));
    if (::unlinkat(dfd, n.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT)
      return fail_errno("remove " + quote(path + "/" + n));
  }
  return {};
}

}  // namespace

Result<void> ContainerDir::remove() {
  BERTH_TRY(remove_contents(fd_.get(), path_));
  if (::rmdir(path_.c_str()) != 0 && errno != ENOENT) return fail_errno("remove " + quote(path_));
  fd_.reset();
  return {};
}

}  // namespace berth::runtime
