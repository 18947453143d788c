// A cache of compiled seccomp programs, so that containers started with the
// same profile (every container of an engine, typically) run libseccomp's
// compile once.  compile_cached() returns exactly what compile() would: the
// cache holds only the instructions, keyed by everything that shapes them,
// and the cheap half of compile() (prepare(): errno checks, flags, listener,
// warnings) runs every time.
//
// Layout: <state root>/.berth:cache/seccomp/<key>.bpf, directories 0700.
// The ':' keeps the name out of the container-id alphabet, so `list` never
// shows it and no `create` can collide with it; the leading dot keeps it out
// of a plain `ls`.  `delete` leaves the cache alone; it lives as long as the
// state root (a tmpfs such as /run/berth is emptied at boot).
//
// Key: SHA-256 over a canonical, versioned serialisation of the typed
// linux.seccomp section (actions, errno values, architectures, flags, rules
// and their arguments; enum values by their spec names, so a renumbered enum
// cannot alias an old entry), libseccomp's version and API level, the
// identity of the loaded libseccomp (path, inode, size, mtime: distributions
// patch syscall tables without a version bump), the native architecture,
// kCacheFormat, and the caller's `generation` (berth's version and commit).
// listenerPath and listenerMetadata do not shape the program and are left
// out.
//
// File: the instructions as the kernel takes them, then a 32-byte SHA-256
// of (key digest, instructions).  A file that is not a regular file owned by
// the effective uid without group/other write permission, whose length is
// not a whole number of instructions (1 to BPF_MAXINSNS) plus the trailer, or
// whose trailer does not match is ignored and replaced.  The trailer is why
// no fsync is needed: a file torn by a crash fails the check.  Files are
// written to a temporary name and renamed into place, so concurrent
// `create`s of the same profile each see either no entry or a whole one.
//
// A cache problem never fails a container: the program is compiled and the
// problem reported in `note` (untrusted files also as a warning).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "spec/seccomp.hpp"
#include "src/runtime/base/result.hpp"
#include "src/seccomp/program.hpp"

namespace berth::seccomp {

// Bump when berth's compile output changes for the same inputs.
inline constexpr uint32_t kCacheFormat = 1;

struct CacheOutcome {
  bool hit = false;     // the instructions came from the cache
  bool stored = false;  // a new entry was written
  std::string note;     // why the cache was not used or not written, if so
};

// compile() with the cache under `state_root` (see above).  Errors are
// compile()'s; warnings are compile()'s, plus one for an untrusted entry.
Result<BpfProgram> compile_cached(const spec::Seccomp& s, const std::string& state_root,
                                  std::string_view generation, std::vector<std::string>& warnings,
                                  CacheOutcome* outcome = nullptr);

// The entry's file name (hex SHA-256 key) for `s`: for tests and debugging.
std::string cache_key(const spec::Seccomp& s, std::string_view generation);

// The cache directory under a state root.
std::string cache_dir(const std::string& state_root);

}  // namespace berth::seccomp
