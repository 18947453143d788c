// A foreground child of berth (`run`'s init, `exec`'s process): wait for it
// while forwarding signals, and relay its terminal when berth holds the pty
// master (no --console-socket), as runc does.
#pragma once

#include <signal.h>
#include <sys/types.h>

namespace berth::runtime {

// Waits for `child`, forwarding every signal of `set` (blocked by the caller
// and taken with sigwaitinfo: no handlers, no races) to it.  Reaps other
// children on the way (berth may be a subreaper).  Returns the exit status,
// 128+signal when killed.
int wait_forwarding(pid_t child, const sigset_t& set);

// The same, copying between berth's stdio and the pty `master`; the
// caller's terminal goes raw meanwhile and SIGWINCH resizes follow.
int relay_and_wait(pid_t child, int master, const sigset_t& set);

}  // namespace berth::runtime
