#include "src/seccomp/cache.hpp"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <optional>

#include "src/runtime/base/fileio.hpp"
#include "src/runtime/base/sha256.hpp"
#include "src/runtime/base/unique_fd.hpp"
#include "src/seccomp/compile.hpp"

namespace berth::seccomp {

namespace {

constexpr const char* kTopDir = ".berth:cache";
constexpr const char* kSubDir = "seccomp";
constexpr size_t kTrailer = sizeof(Sha256::Digest);

// Fixed-width little-endian numbers and length-prefixed strings, so that no
// two different inputs serialise to the same bytes.
class KeyWriter {
 public:
  void num(uint64_t v) {
    uint8_t b[8];
    for (size_t i = 0; i < sizeof b; ++i) b[i] = static_cast<uint8_t>(v >> (8 * i));
    h_.update(b, sizeof b);
  }
  void str(std::string_view s) {
    num(s.size());
    h_.update(s);
  }
  void opt(std::optional<uint32_t> v) {
    num(v ? 1 : 0);
    if (v) num(*v);
  }
  Sha256::Digest finish() { return h_.finish(); }

 private:
  Sha256 h_;
};

// Which libseccomp is loaded: its syscall tables decide the program, and a
// distribution update may change them without changing the version.
void library_identity(KeyWriter& w) {
  Dl_info info{};
  if (::dladdr(reinterpret_cast<void*>(&seccomp_init), &info) == 0 || info.dli_fname == nullptr) {
    w.str("");
    return;
  }
  w.str(info.dli_fname);
  struct stat st {};
  if (::stat(info.dli_fname, &st) != 0) return w.num(0);
  for (uint64_t v : {uint64_t(st.st_dev), uint64_t(st.st_ino), uint64_t(st.st_size),
                     uint64_t(st.st_mtim.tv_sec), uint64_t(st.st_mtim.tv_nsec)})
    w.num(v);
}

void profile(KeyWriter& w, const spec::Seccomp& s) {
  w.str(spec::seccomp_action_name(s.default_action));
  w.opt(s.default_errno_ret);
  w.num(s.architectures.size());
  for (auto a : s.architectures) w.str(spec::seccomp_arch_name(a));
  w.num(s.flags.size());
  for (auto f : s.flags) w.str(spec::seccomp_flag_name(f));
  w.num(s.syscalls.size());
  for (const auto& r : s.syscalls) {
    w.num(r.names.size());
    for (const auto& n : r.names) w.str(n);
    w.str(spec::seccomp_action_name(r.action));
    w.opt(r.errno_ret);
    w.num(r.args.size());
    for (const auto& a : r.args) {
      w.num(a.index);
      w.num(a.value);
      w.num(a.value_two);
      w.str(spec::seccomp_op_name(a.op));
    }
  }
}

Sha256::Digest key_digest(const spec::Seccomp& s, std::string_view generation) {
  KeyWriter w;
  w.str("berth seccomp program cache");
  w.num(kCacheFormat);
  w.str(generation);
  const scmp_version* v = seccomp_version();
  w.num(v->major);
  w.num(v->minor);
  w.num(v->micro);
  w.num(seccomp_api_get());
  w.num(seccomp_arch_native());
  library_identity(w);
  profile(w, s);
  return w.finish();
}

Sha256::Digest trailer_of(const Sha256::Digest& key, const void* insns, size_t size) {
  Sha256 h;
  h.update(key.data(), key.size());
  h.update(insns, size);
  return h.finish();
}

// Only what this user alone could have written is trusted: another user's
// file could hold any program at all.
std::optional<std::string> untrusted(const struct stat& st, const std::string& path) {
  if (st.st_uid != ::geteuid())
    return quote(path) + " is owned by uid " + std::to_string(st.st_uid) + ", not " +
           std::to_string(::geteuid());
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
    return quote(path) + " is writable by group or others";
  return std::nullopt;
}

// The directory `name` in `parent`, made 0700 when missing.
Result<UniqueFd> own_dir(int parent, const char* name, const std::string& path,
                         std::vector<std::string>& warnings) {
  if (::mkdirat(parent, name, 0700) != 0 && errno != EEXIST)
    return fail_errno("create " + quote(path));
  UniqueFd fd(::openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) return fail_errno("open " + quote(path));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return fail_errno("stat " + quote(path));
  if (auto why = untrusted(st, path)) {
    warnings.push_back("seccomp cache not used: " + *why);
    return fail(*why);
  }
  return fd;
}

Result<UniqueFd> open_cache(const std::string& state_root, std::vector<std::string>& warnings) {
  // The state root is made by the first `create`; a cache without it would
  // have to guess its mode.
  UniqueFd root(::open(state_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root) return fail_errno("open state root " + quote(state_root));
  const std::string top = state_root + "/" + kTopDir;
  auto t = own_dir(root.get(), kTopDir, top, warnings);
  if (!t) return t;
  return own_dir(t->get(), kSubDir, top + "/" + kSubDir, warnings);
}

// `size` bytes at `offset`.
Result<void> read_exact(int fd, void* buf, size_t size, size_t offset, const std::string& path) {
  auto* p = static_cast<char*>(buf);
  for (size_t done = 0; done < size;) {
    const ssize_t n = ::pread(fd, p + done, size - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail_errno("read " + quote(path));
    if (n == 0) return fail("read " + quote(path) + ": file shrank");
    done += static_cast<size_t>(n);
  }
  return {};
}

// nullopt: no entry.  An error: an entry that must not be used.
Result<std::optional<std::vector<sock_filter>>> read_entry(int dir, const std::string& name,
                                                           const std::string& path,
                                                           const Sha256::Digest& key,
                                                           std::vector<std::string>& warnings) {
  // O_NONBLOCK: a fifo in its place must not hang `create`.
  UniqueFd fd(::openat(dir, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (!fd && errno == ENOENT) return std::optional<std::vector<sock_filter>>();
  if (!fd) return fail_errno("open " + quote(path));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return fail_errno("stat " + quote(path));
  if (!S_ISREG(st.st_mode)) return fail(quote(path) + " is not a regular file");
  if (auto why = untrusted(st, path)) {
    warnings.push_back("seccomp cache entry ignored: " + *why);
    return fail(*why);
  }
  const auto size = static_cast<size_t>(st.st_size);
  const size_t body = size < kTrailer ? 0 : size - kTrailer;
  if (body == 0 || body % sizeof(sock_filter) != 0 || body / sizeof(sock_filter) > BPF_MAXINSNS)
    return fail(quote(path) + ": " + std::to_string(size) + " bytes is not a cached program");
  std::vector<sock_filter> insns(body / sizeof(sock_filter));
  Sha256::Digest trailer{};
  BERTH_TRY(read_exact(fd.get(), insns.data(), body, 0, path));
  BERTH_TRY(read_exact(fd.get(), trailer.data(), kTrailer, body, path));
  if (trailer != trailer_of(key, insns.data(), body))
    return fail(quote(path) + ": checksum mismatch");
  return std::optional(std::move(insns));
}

Result<void> write_entry(int dir, const std::string& name, const std::string& path,
                         const Sha256::Digest& key, const std::vector<sock_filter>& insns) {
  const size_t body = insns.size() * sizeof(sock_filter);
  const Sha256::Digest trailer = trailer_of(key, insns.data(), body);
  std::string data(reinterpret_cast<const char*>(insns.data()), body);
  data.append(reinterpret_cast<const char*>(trailer.data()), trailer.size());
  // Unique per process; a leftover of a crashed process with a recycled pid
  // is removed once.
  const std::string tmp = name + ".tmp." + std::to_string(::getpid());
  UniqueFd fd;
  for (int attempt = 0; attempt < 2 && !fd; ++attempt) {
    fd.reset(
        ::openat(dir, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!fd && errno == EEXIST) (void)::unlinkat(dir, tmp.c_str(), 0);
  }
  if (!fd) return fail_errno("create " + quote(path + ".tmp"));
  auto written = write_all(fd.get(), data, "seccomp cache entry " + quote(path));
  if (written && ::renameat(dir, tmp.c_str(), dir, name.c_str()) != 0)
    written = fail_errno("rename into " + quote(path));
  if (!written) (void)::unlinkat(dir, tmp.c_str(), 0);
  return written;
}

}  // namespace

std::string cache_dir(const std::string& state_root) {
  return state_root + "/" + kTopDir + "/" + kSubDir;
}

std::string cache_key(const spec::Seccomp& s, std::string_view generation) {
  return to_hex(key_digest(s, generation));
}

Result<BpfProgram> compile_cached(const spec::Seccomp& s, const std::string& state_root,
                                  std::string_view generation, std::vector<std::string>& warnings,
                                  CacheOutcome* outcome) {
  CacheOutcome ignored;
  CacheOutcome& out = outcome != nullptr ? *outcome : ignored;
  out = {};
  auto p = prepare(s, warnings);
  if (!p) return p;
  const Sha256::Digest key = key_digest(s, generation);
  const std::string name = to_hex(key) + ".bpf";
  const std::string path = cache_dir(state_root) + "/" + name;
  auto dir = open_cache(state_root, warnings);
  if (dir) {
    auto entry = read_entry(dir->get(), name, path, key, warnings);
    if (entry && *entry) {
      p->insns = std::move(**entry);
      out.hit = true;
      return p;
    }
    if (!entry) out.note = "seccomp cache entry ignored: " + entry.error().message();
  } else {
    out.note = "seccomp cache not used: " + dir.error().message();
  }
  auto insns = assemble(s);
  if (!insns) return fail(std::move(insns).error());
  p->insns = std::move(*insns);
  if (dir) {
    if (auto w = write_entry(dir->get(), name, path, key, p->insns); w)
      out.stored = true;
    else
      out.note +=
          (out.note.empty() ? "" : "; ") + ("seccomp cache not written: " + w.error().message());
  }
  return p;
}

}  // namespace berth::seccomp
