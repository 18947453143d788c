// `run`: create + start + wait, as one process that stays the container
// init's parent, forwards signals to it and exits with its status.
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <cerrno>

#include "src/runtime/commands.hpp"
#include "src/runtime/container.hpp"

namespace berth::runtime {

Result<CreateOptions> create_options(const ParsedArgs& a);

namespace {

// Waits for the init, forwarding every signal berth receives (signals are
// blocked and taken with sigwaitinfo: no handlers, no races).  As a child
// subreaper berth also reaps orphans of the container (no pid namespace).
int wait_forwarding(pid_t init, const sigset_t& set) {
  for (;;) {
    siginfo_t si{};
    int sig = ::sigwaitinfo(&set, &si);
    if (sig < 0) continue;  // EINTR
    if (sig != SIGCHLD) {
      ::kill(init, sig);
      continue;
    }
    for (;;) {
      int status = 0;
      pid_t p = ::waitpid(-1, &status, WNOHANG);
      if (p <= 0) break;
      if (p != init) continue;
      if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
      return WEXITSTATUS(status);
    }
  }
}

}  // namespace

Result<int> cmd_run(Context& ctx, const ParsedArgs& a) {
  auto o = create_options(a);
  if (!o) return fail(std::move(o).error().context("run"));
  bool detach = a.flag("detach");
  if (!detach && !a.flag("no-subreaper")) ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  // Block every signal before the container exists, so none that arrives
  // between create and the wait loop is lost: sigwaitinfo collects it.
  sigset_t all, old;
  sigfillset(&all);
  ::sigprocmask(SIG_BLOCK, &all, &old);
  auto c = create_container(ctx, *o);
  if (!c) return fail(std::move(c).error().context("run " + quote(o->id)));
  if (auto s = start_container(ctx, c->dir); !s) {
    (void)delete_container(ctx, o->id, true);
    return fail(std::move(s).error().context("run " + quote(o->id)));
  }
  if (detach) return 0;
  c->dir.unlock();  // other verbs (state, kill) must work while we wait
  int rc = wait_forwarding(c->pid, all);
  ::sigprocmask(SIG_SETMASK, &old, nullptr);
  if (!a.flag("keep")) BERTH_TRY_CTX(delete_container(ctx, o->id, false), "run " + quote(o->id));
  return rc;
}

}  // namespace berth::runtime
