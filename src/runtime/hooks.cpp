#include "src/runtime/hooks.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>

#include "src/runtime/base/log.hpp"
#include "src/runtime/base/unique_fd.hpp"

namespace berth::runtime {

namespace {

// How much of a hook's stdout and stderr is kept for the error message; the
// rest is read and dropped so a chatty hook never blocks on a full pipe.
constexpr size_t kCaptureLimit = 64 * 1024;
constexpr size_t kFirstLineLimit = 512;

struct CArgs {
  std::vector<std::string> strings;
  std::vector<char*> ptrs;  // NULL-terminated, points into `strings`
};

CArgs make_cargs(std::vector<std::string> v) {
  CArgs c{std::move(v), {}};
  c.ptrs.reserve(c.strings.size() + 1);
  for (auto& s : c.strings) c.ptrs.push_back(s.data());
  c.ptrs.push_back(nullptr);
  return c;
}

struct PipeEnds {
  UniqueFd read, write;
};

Result<PipeEnds> make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return fail_errno("pipe2");
  return PipeEnds{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

void set_nonblocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

// The child's ends of the hook's stdio, plus the pipe that reports an
// execve failure (close-on-exec: EOF means the exec happened).
struct ChildFds {
  int in, out, err, exec_err;
};

// Runs between fork and execve: async-signal-safe calls only, no
// allocation (argv and envp were built before fork).
[[noreturn]] void exec_child(const ChildFds& fds, const char* path, char* const* argv,
                             char* const* envp) {
  // Move the three ends above 2 first: a pipe end may itself be 0, 1 or 2
  // when the runtime was started with closed stdio.
  int in = ::fcntl(fds.in, F_DUPFD, 3);
  int out = ::fcntl(fds.out, F_DUPFD, 3);
  int err = ::fcntl(fds.err, F_DUPFD, 3);
  if (in < 0 || out < 0 || err < 0 || ::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(err, 2) < 0) {
    int e = errno;
    (void)!::write(fds.exec_err, &e, sizeof e);
    ::_exit(127);
  }
  // Nothing of the runtime leaks into the hook: every other fd is closed
  // at execve (Linux 5.11; on older kernels the fds are already CLOEXEC).
  ::close_range(3U, ~0U, CLOSE_RANGE_CLOEXEC);
  // A fresh program starts with no blocked and no ignored signals, whatever
  // the runtime had set up around its own clone (SIGPIPE is blocked here).
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) ::sigaction(sig, &dfl, nullptr);
  sigset_t none;
  ::sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::execve(path, argv, envp);
  int e = errno;
  (void)!::write(fds.exec_err, &e, sizeof e);
  ::_exit(127);
}

// Blocks SIGPIPE while the hook's stdin is written: a hook may exit without
// reading it, and the write must then fail with EPIPE instead of killing
// the runtime.  A SIGPIPE raised meanwhile is consumed before the old mask
// comes back, unless one was already pending (then it was not ours).
class SigpipeBlock {
 public:
  SigpipeBlock() {
    ::sigemptyset(&pipe_);
    ::sigaddset(&pipe_, SIGPIPE);
    ::sigprocmask(SIG_BLOCK, &pipe_, &old_);
    sigset_t pending;
    ::sigpending(&pending);
    was_pending_ = ::sigismember(&pending, SIGPIPE) == 1;
  }
  SigpipeBlock(const SigpipeBlock&) = delete;
  SigpipeBlock& operator=(const SigpipeBlock&) = delete;
  ~SigpipeBlock() {
    if (!was_pending_) {
      const struct timespec zero {};
      ::sigtimedwait(&pipe_, nullptr, &zero);
    }
    ::sigprocmask(SIG_SETMASK, &old_, nullptr);
  }

 private:
  sigset_t pipe_{};
  sigset_t old_{};
  bool was_pending_ = false;
};

int64_t now_ms() {
  struct timespec ts {};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

// The parent's side of one running hook.
struct HookIo {
  UniqueFd in;   // hook's stdin, write end, non-blocking
  UniqueFd out;  // hook's stdout, read end, non-blocking
  UniqueFd err;  // hook's stderr, read end, non-blocking
  std::string_view pending;
  std::string out_buf, err_buf;
};

// Reads what is available; closes the fd at EOF or on error.
void drain(UniqueFd& fd, std::string& buf) {
  char chunk[4096];
  for (;;) {
    ssize_t n = ::read(fd.get(), chunk, sizeof chunk);
    if (n > 0) {
      size_t room = kCaptureLimit - std::min(kCaptureLimit, buf.size());
      buf.append(chunk, std::min(room, static_cast<size_t>(n)));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    fd.reset();  // EOF, or an error that makes the output moot
    return;
  }
}

void feed_stdin(HookIo& io) {
  while (!io.pending.empty()) {
    ssize_t n = ::write(io.in.get(), io.pending.data(), io.pending.size());
    if (n > 0) {
      io.pending.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    // EPIPE: the hook does not read its stdin, which is its right.
    io.pending = {};
  }
  io.in.reset();  // EOF for the hook
}

enum class Ended { kExited, kTimedOut };

// Feeds stdin and collects stdout/stderr until the hook exits or the
// deadline (-1: none) passes.  `pidfd` (Linux 5.3) becomes readable when
// the hook exits; without one, waitpid(WNOHANG) is polled every 20 ms.
Ended supervise(HookIo& io, pid_t pid, int pidfd, int64_t deadline, int& status) {
  for (;;) {
    struct pollfd p[4];
    nfds_t n = 0;
    if (pidfd >= 0) p[n++] = {pidfd, POLLIN, 0};
    if (io.in) p[n++] = {io.in.get(), POLLOUT, 0};
    if (io.out) p[n++] = {io.out.get(), POLLIN, 0};
    if (io.err) p[n++] = {io.err.get(), POLLIN, 0};
    int wait = -1;
    if (deadline >= 0) wait = static_cast<int>(std::max<int64_t>(0, deadline - now_ms()));
    if (pidfd < 0) wait = wait < 0 ? 20 : std::min(wait, 20);
    int r = ::poll(p, n, wait);
    if (r < 0 && errno != EINTR) r = 0;  // cannot happen with valid fds; treat as a tick
    if (pidfd < 0 || (p[0].revents & POLLIN) != 0) {
      pid_t w;
      do {
        w = ::waitpid(pid, &status, pidfd < 0 ? WNOHANG : 0);
      } while (w < 0 && errno == EINTR);
      if (w == pid || (w < 0 && errno == ECHILD)) return Ended::kExited;
    }
    if (deadline >= 0 && now_ms() >= deadline) return Ended::kTimedOut;
    if (io.in) feed_stdin(io);
    if (io.out) drain(io.out, io.out_buf);
    if (io.err) drain(io.err, io.err_buf);
  }
}

std::string first_line(const std::string& s) {
  std::string line = s.substr(0, s.find('\n'));
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line.size() > kFirstLineLimit) line = line.substr(0, kFirstLineLimit) + "...";
  return line;
}

Result<void> describe(const std::string& prefix, int status, const HookIo& io) {
  std::string how;
  if (WIFEXITED(status)) {
    if (WEXITSTATUS(status) == 0) return {};
    how = "exited with status " + std::to_string(WEXITSTATUS(status));
  } else if (WIFSIGNALED(status)) {
    how = "killed by signal " + std::to_string(WTERMSIG(status));
  } else {
    how = "ended with wait status " + std::to_string(status);
  }
  // runc reports both streams; the first line of stderr (or of stdout when
  // stderr is silent) is what usually says why.
  std::string line = first_line(io.err_buf.empty() ? io.out_buf : io.err_buf);
  if (!line.empty()) how += ": " + line;
  return fail(prefix + ": " + how);
}

std::string hook_prefix(const spec::Hook& hook, std::string_view kind, size_t index) {
  std::string s = std::string(kind) + " hook #" + std::to_string(index) + " \"";
  json_escape(s, hook.path);
  return s + "\"";
}

struct HookPipes {
  PipeEnds in, out, err, exec_err;
};

Result<HookPipes> make_hook_pipes() {
  auto in = make_pipe();
  if (!in) return fail(std::move(in).error());
  auto out = make_pipe();
  if (!out) return fail(std::move(out).error());
  auto err = make_pipe();
  if (!err) return fail(std::move(err).error());
  auto exec_err = make_pipe();
  if (!exec_err) return fail(std::move(exec_err).error());
  set_nonblocking(in->write.get());
  set_nonblocking(out->read.get());
  set_nonblocking(err->read.get());
  return HookPipes{std::move(*in), std::move(*out), std::move(*err), std::move(*exec_err)};
}

}  // namespace

Result<void> run_hook(const spec::Hook& hook, std::string_view kind, size_t index,
                      std::string_view state_json) {
  const std::string prefix = hook_prefix(hook, kind, index);
  std::vector<std::string> args = hook.args.empty() ? std::vector<std::string>{hook.path} : hook.args;
  CArgs argv = make_cargs(std::move(args));
  CArgs envp = make_cargs(hook.env);
  auto pipes = make_hook_pipes();
  if (!pipes) return fail(std::move(pipes).error().context(prefix));

  SigpipeBlock no_sigpipe;
  pid_t pid = ::fork();
  if (pid < 0) return fail_errno(prefix + ": fork");
  if (pid == 0) {
    exec_child({pipes->in.read.get(), pipes->out.write.get(), pipes->err.write.get(),
                pipes->exec_err.write.get()},
               hook.path.c_str(), argv.ptrs.data(), envp.ptrs.data());
  }
  // Only the child holds the write ends now, so EOF arrives when it (and
  // whatever it spawned with them) is done.
  pipes->in.read.reset();
  pipes->out.write.reset();
  pipes->err.write.reset();
  pipes->exec_err.write.reset();
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));

  HookIo io{std::move(pipes->in.write), std::move(pipes->out.read), std::move(pipes->err.read),
            state_json, {}, {}};
  int64_t deadline = hook.timeout && *hook.timeout > 0 ? now_ms() + *hook.timeout * 1000 : -1;
  int status = 0;
  if (supervise(io, pid, pidfd.get(), deadline, status) == Ended::kTimedOut) {
    // Not yet reaped, so the pid cannot have been reused.
    ::kill(pid, SIGKILL);
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return fail(prefix + ": timed out after " + std::to_string(*hook.timeout) + " s");
  }
  // A background process the hook started may keep stdout/stderr open:
  // take what is there now and do not wait for EOF.
  if (io.out) drain(io.out, io.out_buf);
  if (io.err) drain(io.err, io.err_buf);
  int exec_errno = 0;
  if (::read(pipes->exec_err.read.get(), &exec_errno, sizeof exec_errno) ==
      static_cast<ssize_t>(sizeof exec_errno))
    return fail_errno(prefix + ": exec", exec_errno);
  return describe(prefix, status, io);
}

Result<void> run_hooks(const std::vector<spec::Hook>& hooks, std::string_view kind,
                       std::string_view state_json) {
  for (size_t i = 0; i < hooks.size(); ++i) BERTH_TRY(run_hook(hooks[i], kind, i, state_json));
  return {};
}

Result<void> run_hooks_all(const std::vector<spec::Hook>& hooks, std::string_view kind,
                           std::string_view state_json) {
  Result<void> first;
  for (size_t i = 0; i < hooks.size(); ++i) {
    auto r = run_hook(hooks[i], kind, i, state_json);
    if (!r && first) first = std::move(r);
  }
  return first;
}

}  // namespace berth::runtime
