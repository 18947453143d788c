// `run`: create + start + wait, as one process that stays the container
// init's parent, forwards signals to it and exits with its status.
#include <signal.h>
#include <sys/prctl.h>

#include "src/runtime/commands.hpp"
#include "src/runtime/container.hpp"
#include "src/runtime/foreground.hpp"

namespace berth::runtime {

Result<int> cmd_run(Context& ctx, const ParsedArgs& a) {
  auto o = create_options(a);
  if (!o) return fail(std::move(o).error().context("run"));
  bool detach = a.flag("detach");
  o->keep_console = !detach && o->console_socket.empty();
  if (!detach && !a.flag("no-subreaper")) ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  // Block every signal before the container exists, so none that arrives
  // between create and the wait loop is lost: sigwaitinfo collects it.
  sigset_t all, old;
  sigfillset(&all);
  ::sigprocmask(SIG_BLOCK, &all, &old);
  auto c = create_container(ctx, *o);
  if (!c) return fail(std::move(c).error().context("run " + quote(o->id)));
  if (auto s = start_container(ctx, c->dir); !s) {
    c->dir.unlock();  // delete takes the lock itself
    (void)delete_container(ctx, o->id, true);
    return fail(std::move(s).error().context("run " + quote(o->id)));
  }
  if (detach) return 0;
  c->dir.unlock();  // other verbs (state, kill) must work while we wait
  int rc = c->console ? relay_and_wait(c->pid, c->console.get(), all) : wait_forwarding(c->pid, all);
  ::sigprocmask(SIG_SETMASK, &old, nullptr);
  if (!a.flag("keep")) BERTH_TRY_CTX(delete_container(ctx, o->id, false), "run " + quote(o->id));
  return rc;
}

}  // namespace berth::runtime
