// The cgroup2 device program: generated from the rules (pure), then loaded
// and attached with raw bpf(2) calls.
//
// Program shape.  The kernel calls it with r1 = struct bpf_cgroup_dev_ctx
// { u32 access_type (type in the low 16 bits, access bits above), u32
// major, u32 minor } and takes r0 = 1 as allow, 0 as deny.
//
//   r2 = ctx->access_type & 0xffff     device type (BPF_DEVCG_DEV_*)
//   r3 = ctx->access_type >> 16        access bits still undecided
//   r4 = ctx->major; r5 = ctx->minor
//   one block per rule, LAST rule first:
//     if r2 != type  goto next         (absent for type 'a')
//     if r4 != major goto next         (absent for a wildcard)
//     if r5 != minor goto next         (absent for a wildcard)
//     r1 = r3 & access; if r1 == 0 goto next    (absent for "rwm")
//     deny:  r0 = 0; exit
//     allow: r3 &= ~access; if r3 != 0 goto next; r0 = 1; exit
//                                      ("rwm": r0 = 1; exit)
//   r0 = 0; exit                       default deny
//
// Walking the rules backwards makes the first block that claims a bit the
// last rule naming it; an allow settles its bits and lets the others go on
// to earlier rules, a deny of any requested bit ends the check.  A block
// with no condition at all (the leading "deny a *:* rwm") ends the program:
// the verifier refuses unreachable instructions, so nothing follows it.
//
// runc's program (devicefilter.go) has the same prologue and per-rule
// tests, but first runs the rules through its v1 emulator so that every
// remaining rule has the same action; here the order itself carries the
// meaning, which needs the r3 bookkeeping instead.
#include "src/cgroups/device_bpf.hpp"

#include <errno.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>
#include <limits>
#include <optional>

#include "src/runtime/base/unique_fd.hpp"

namespace berth::cgroups {

namespace {

// --- generation ----------------------------------------------------------------

constexpr uint8_t kR0 = 0, kR1 = 1, kType = 2, kAccess = 3, kMajor = 4, kMinor = 5;
constexpr int32_t kAllAccess = BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE;

bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
  bpf_insn i{};
  i.code = code;
  i.dst_reg = dst & 0xf;
  i.src_reg = src & 0xf;
  i.off = off;
  i.imm = imm;
  return i;
}

bpf_insn load_ctx_word(uint8_t dst, int16_t offset) {
  return insn(BPF_LDX | BPF_MEM | BPF_W, dst, kR1, offset, 0);
}
bpf_insn alu64_imm(uint8_t op, uint8_t dst, int32_t imm) {
  return insn(BPF_ALU64 | op | BPF_K, dst, 0, 0, imm);
}
bpf_insn mov64_reg(uint8_t dst, uint8_t src) {
  return insn(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0);
}
// 32-bit move: zero-extends, so a u32 above INT32_MAX keeps its value (a
// 64-bit immediate would be sign-extended).
bpf_insn mov32_imm(uint8_t dst, int32_t imm) {
  return insn(BPF_ALU | BPF_MOV | BPF_K, dst, 0, 0, imm);
}
bpf_insn exit_insn() {
  return insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

// One rule, in the kernel's terms.
struct Match {
  bool allow = false;
  std::optional<int32_t> type;  // BPF_DEVCG_DEV_*; none for 'a'
  std::optional<uint32_t> major, minor;
  int32_t access = kAllAccess;  // BPF_DEVCG_ACC_*
};

std::string rule_text(const spec::DeviceCgroupRule& r) {
  auto num = [](std::optional<int64_t> v) { return v ? std::to_string(*v) : std::string("*"); };
  return std::string(1, r.type) + " " + num(r.major) + ":" + num(r.minor) + " " +
         (r.access.empty() ? std::string("rwm") : r.access);
}

Result<std::optional<uint32_t>> device_number(std::optional<int64_t> v, const char* what,
                                              const spec::DeviceCgroupRule& r) {
  if (!v || *v == -1) return std::optional<uint32_t>();
  if (*v < 0 || *v > std::numeric_limits<uint32_t>::max())
    return fail("device rule " + quote(rule_text(r)) + ": " + what + " " + std::to_string(*v) +
                " out of range");
  return std::optional<uint32_t>(static_cast<uint32_t>(*v));
}

Result<Match> to_match(const spec::DeviceCgroupRule& r) {
  Match m;
  m.allow = r.allow;
  if (r.type == 'c') {
    m.type = BPF_DEVCG_DEV_CHAR;
  } else if (r.type == 'b') {
    m.type = BPF_DEVCG_DEV_BLOCK;
  } else if (r.type != 'a') {
    return fail("device rule " + quote(rule_text(r)) + ": unknown device type");
  }
  auto major = device_number(r.major, "major", r);
  if (!major) return fail(std::move(major).error());
  auto minor = device_number(r.minor, "minor", r);
  if (!minor) return fail(std::move(minor).error());
  m.major = *major;
  m.minor = *minor;
  if (!r.access.empty()) {
    m.access = 0;
    for (char c : r.access) {
      if (c == 'r')
        m.access |= BPF_DEVCG_ACC_READ;
      else if (c == 'w')
        m.access |= BPF_DEVCG_ACC_WRITE;
      else if (c == 'm')
        m.access |= BPF_DEVCG_ACC_MKNOD;
      else
        return fail("device rule " + quote(rule_text(r)) + ": invalid access");
    }
  }
  return m;
}

// The instructions of one rule.  Jumps to "the next block" are recorded and
// given their offsets once the block's length is known.
class Block {
 public:
  void add(bpf_insn i) { insns_.push_back(i); }
  void add_skip(uint8_t op, uint8_t dst, int32_t imm) {
    skips_.push_back(insns_.size());
    insns_.push_back(insn(BPF_JMP | op | BPF_K, dst, 0, 0, imm));
  }
  // Skips the block unless register `reg` equals `value`.
  void skip_unless_equal(uint8_t reg, uint32_t value) {
    if (value <= static_cast<uint32_t>(std::numeric_limits<int32_t>::max())) {
      add_skip(BPF_JNE, reg, static_cast<int32_t>(value));
      return;
    }
    add(mov32_imm(kR1, static_cast<int32_t>(value)));
    skips_.push_back(insns_.size());
    insns_.push_back(insn(BPF_JMP | BPF_JNE | BPF_X, reg, kR1, 0, 0));
  }
  void append_to(std::vector<bpf_insn>& out) {
    // A jump's offset counts from the instruction after it.
    for (size_t at : skips_) insns_[at].off = static_cast<int16_t>(insns_.size() - at - 1);
    out.insert(out.end(), insns_.begin(), insns_.end());
  }

 private:
  std::vector<bpf_insn> insns_;
  std::vector<size_t> skips_;
};

// Appends the block of `m`; true when it has no condition, so nothing after
// it can run.
bool append_rule(const Match& m, std::vector<bpf_insn>& out) {
  Block b;
  if (m.type) b.add_skip(BPF_JNE, kType, *m.type);
  if (m.major) b.skip_unless_equal(kMajor, *m.major);
  if (m.minor) b.skip_unless_equal(kMinor, *m.minor);
  bool partial = m.access != kAllAccess;
  if (partial) {
    // Only the undecided bits this rule names are its business.
    b.add(mov64_reg(kR1, kAccess));
    b.add(alu64_imm(BPF_AND, kR1, m.access));
    b.add_skip(BPF_JEQ, kR1, 0);
    if (m.allow) {
      b.add(alu64_imm(BPF_AND, kAccess, ~m.access));
      b.add_skip(BPF_JNE, kAccess, 0);
    }
  }
  b.add(mov32_imm(kR0, m.allow ? 1 : 0));
  b.add(exit_insn());
  b.append_to(out);
  return !m.type && !m.major && !m.minor && !partial;
}

}  // namespace

Result<std::vector<bpf_insn>> device_program(const std::vector<spec::DeviceCgroupRule>& rules) {
  std::vector<Match> matches;
  matches.reserve(rules.size());
  for (const auto& r : rules) {
    auto m = to_match(r);
    if (!m) return fail(std::move(m).error());
    matches.push_back(*m);
  }
  std::vector<bpf_insn> out = {
      load_ctx_word(kType, offsetof(bpf_cgroup_dev_ctx, access_type)),
      alu64_imm(BPF_AND, kType, 0xffff),
      load_ctx_word(kAccess, offsetof(bpf_cgroup_dev_ctx, access_type)),
      alu64_imm(BPF_RSH, kAccess, 16),
      load_ctx_word(kMajor, offsetof(bpf_cgroup_dev_ctx, major)),
      load_ctx_word(kMinor, offsetof(bpf_cgroup_dev_ctx, minor)),
  };
  for (auto it = matches.rbegin(); it != matches.rend(); ++it)
    if (append_rule(*it, out)) return out;
  out.push_back(mov32_imm(kR0, 0));
  out.push_back(exit_insn());
  return out;
}

// --- the kernel side -------------------------------------------------------------

namespace {

// Any string will do: the license only gates GPL-only helpers, and the
// program calls none.  runc says "Apache" too.
constexpr char kLicense[] = "Apache";

uint64_t ptr(const void* p) {
  return reinterpret_cast<uintptr_t>(p);
}

// The whole union, zeroed: the kernel wants every byte past the fields of a
// command zero, and some kernels (6.17+) write BPF_PROG_QUERY's revision
// field whatever size was passed.
long sys_bpf(int cmd, bpf_attr& attr) {
  return ::syscall(SYS_bpf, cmd, &attr, sizeof(attr));
}

// bpf(2) treats fd 0 as "no fd" in some fields; keep it off 0.
UniqueFd not_zero(long raw) {
  UniqueFd fd(static_cast<int>(raw));
  if (raw != 0) return fd;
  return UniqueFd(::fcntl(fd.get(), F_DUPFD_CLOEXEC, 1));  // fd 0 closes on return
}

long prog_load(bpf_attr& a) {
  // From ~4.20 a signal interrupts the verifier, which then says EAGAIN.
  for (int i = 0;; ++i) {
    long fd = sys_bpf(BPF_PROG_LOAD, a);
    if (fd >= 0 || errno != EAGAIN || i == 30) return fd;
  }
}

// The verifier's last lines: its complaint is near the end of the log.
std::string log_tail(const std::string& log) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < log.size()) {
    size_t nl = log.find('\n', start);
    if (nl == std::string::npos) nl = log.size();
    if (nl > start) lines.push_back(log.substr(start, nl - start));
    start = nl + 1;
  }
  std::string out;
  for (size_t i = lines.size() > 3 ? lines.size() - 3 : 0; i < lines.size(); ++i)
    out += (out.empty() ? "" : "; ") + lines[i];
  return out;
}

Unexpected load_error(const std::string& dir, const std::vector<bpf_insn>& insns, bpf_attr a,
                      int err) {
  std::string what = "load device program for cgroup " + quote(dir);
  if (err == ENOSYS) return fail_errno(what + " (kernel without CONFIG_BPF_SYSCALL)", err);
  // Again with the verifier's log, which the fast first try leaves off.
  std::string log(size_t{256} * 1024, '\0');
  a.log_level = 1;
  a.log_size = static_cast<uint32_t>(log.size());
  a.log_buf = ptr(log.data());
  a.insns = ptr(insns.data());
  a.license = ptr(kLicense);
  long fd = prog_load(a);
  if (fd >= 0) ::close(static_cast<int>(fd));
  log.resize(std::strlen(log.c_str()));
  if (!log.empty()) return fail_errno(what + ": verifier: " + log_tail(log), err);
  if (err == EINVAL)  // an unknown program type: the verifier never ran
    return fail_errno(
        what +
            " (kernel without BPF_PROG_TYPE_CGROUP_DEVICE: needs Linux 4.15 and CONFIG_CGROUP_BPF)",
        err);
  return fail_errno(what, err);
}

Result<UniqueFd> load(const std::string& dir, const std::vector<bpf_insn>& insns) {
  bpf_attr a{};
  a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  a.insn_cnt = static_cast<uint32_t>(insns.size());
  a.insns = ptr(insns.data());
  a.license = ptr(kLicense);
  std::strncpy(a.prog_name, kDeviceProgramName, sizeof(a.prog_name) - 1);
  long fd = prog_load(a);
  if (fd < 0 && errno == EPERM) {
    // Before 5.11 BPF memory counts against RLIMIT_MEMLOCK.  Raise it for
    // this load only: the container's init, cloned after apply(), must not
    // inherit an unlimited value it was not given.
    rlimit old{};
    if (::getrlimit(RLIMIT_MEMLOCK, &old) == 0) {
      rlimit inf{RLIM_INFINITY, RLIM_INFINITY};
      if (::setrlimit(RLIMIT_MEMLOCK, &inf) == 0) {
        fd = prog_load(a);
        int saved = errno;
        (void)::setrlimit(RLIMIT_MEMLOCK, &old);
        errno = saved;
      } else {
        errno = EPERM;
      }
    }
  }
  if (fd < 0) return load_error(dir, insns, a, errno);
  return not_zero(fd);
}

// The fd of program `id` when it is one of berth's device programs; an
// invalid fd for others, and for one gone or hidden by an LSM (runc skips
// those too: another program can only deny more).
Result<UniqueFd> berth_program(uint32_t id) {
  bpf_attr a{};
  a.prog_id = id;
  long raw = sys_bpf(BPF_PROG_GET_FD_BY_ID, a);
  if (raw < 0) {
    if (errno == ENOENT || errno == EPERM || errno == EACCES) return UniqueFd();
    return fail_errno("open BPF program " + std::to_string(id));
  }
  UniqueFd fd = not_zero(raw);
  bpf_prog_info info{};
  bpf_attr q{};
  q.info.bpf_fd = static_cast<uint32_t>(fd.get());
  q.info.info_len = sizeof(info);
  q.info.info = ptr(&info);
  if (sys_bpf(BPF_OBJ_GET_INFO_BY_FD, q) != 0)
    return fail_errno("read BPF program " + std::to_string(id) + " info");
  if (std::strncmp(info.name, kDeviceProgramName, sizeof(info.name)) != 0) return UniqueFd();
  return fd;
}

Result<std::vector<uint32_t>> query(int dirfd, const std::string& dir) {
  std::vector<uint32_t> ids(64);  // BPF_CGROUP_MAX_PROGS
  for (int tries = 0; tries < 10; ++tries) {
    bpf_attr a{};
    a.query.target_fd = static_cast<uint32_t>(dirfd);
    a.query.attach_type = BPF_CGROUP_DEVICE;
    a.query.prog_ids = ptr(ids.data());
    a.query.prog_cnt = static_cast<uint32_t>(ids.size());
    if (sys_bpf(BPF_PROG_QUERY, a) == 0) {
      ids.resize(a.query.prog_cnt);
      return ids;
    }
    // ENOSPC: more programs than room; prog_cnt now says how many.
    if (errno != ENOSPC) return fail_errno("query device programs of cgroup " + quote(dir));
    ids.resize(a.query.prog_cnt + 1);
  }
  return fail("query device programs of cgroup " + quote(dir) + ": the list keeps growing");
}

Result<UniqueFd> open_dir(const std::string& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) return fail_errno("open cgroup " + quote(dir));
  return fd;
}

}  // namespace

Result<std::vector<uint32_t>> attached_device_programs(const std::string& dir) {
  auto fd = open_dir(dir);
  if (!fd) return fail(std::move(fd).error());
  return query(fd->get(), dir);
}

Result<void> install_device_program(const std::string& dir, const std::vector<bpf_insn>& insns) {
  auto dirfd = open_dir(dir);
  if (!dirfd) return fail(std::move(dirfd).error());
  // The old programs are listed before the new one is attached: afterwards
  // the list holds both, and only the old ones go.
  auto ids = query(dirfd->get(), dir);
  if (!ids) return fail(std::move(ids).error());
  std::vector<UniqueFd> old;
  for (uint32_t id : *ids) {
    auto fd = berth_program(id);
    if (!fd)
      return fail(std::move(fd).error().context("replace device program of cgroup " + quote(dir)));
    if (fd->valid()) old.push_back(std::move(*fd));
  }
  auto prog = load(dir, insns);
  if (!prog) return fail(std::move(prog).error());
  bpf_attr a{};
  a.target_fd = static_cast<uint32_t>(dirfd->get());
  a.attach_bpf_fd = static_cast<uint32_t>(prog->get());
  a.attach_type = BPF_CGROUP_DEVICE;
  // ALLOW_MULTI: the new program joins the old ones instead of replacing
  // them at once; a program attached without it (by another tool) makes
  // this fail with EPERM rather than be silently overridden.
  a.attach_flags = BPF_F_ALLOW_MULTI;
  if (sys_bpf(BPF_PROG_ATTACH, a) != 0)
    return fail_errno("attach device program to cgroup " + quote(dir));
  for (const auto& fd : old) {
    bpf_attr d{};
    d.target_fd = static_cast<uint32_t>(dirfd->get());
    d.attach_bpf_fd = static_cast<uint32_t>(fd.get());
    d.attach_type = BPF_CGROUP_DEVICE;
    // ENOENT: a concurrent update detached it first.
    if (sys_bpf(BPF_PROG_DETACH, d) != 0 && errno != ENOENT)
      return fail_errno("detach old device program from cgroup " + quote(dir));
  }
  return {};
}

}  // namespace berth::cgroups
