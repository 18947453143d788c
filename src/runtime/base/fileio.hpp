// Small file helpers that report errors with the path they touched.
#pragma once

#include <string>
#include <string_view>

#include "result.hpp"

namespace berth {

// Reads a whole file (regular files and /proc files alike).
Result<std::string> read_file(const std::string& path);
// Reads a file relative to a directory fd.
Result<std::string> read_file_at(int dirfd, const std::string& path);

// Writes `data` to `path` atomically: temp file in the same directory, then
// rename.  Readers see either the old or the new content, never a torn file.
// No fsync: what berth writes this way (state.json, the config copy, pid
// files) describes processes that cannot outlive the machine, so durability
// across a crash buys nothing, while fsync on a disk-backed state root cost
// 2-9 ms per write here (two per `run`).  A state.json torn by a crash reads
// as a container still being created (lifecycle.cpp), which `delete` removes.
Result<void> write_file_atomic(const std::string& path, std::string_view data, unsigned mode = 0644);

// Writes all of `data` to fd, retrying short writes and EINTR.
Result<void> write_all(int fd, std::string_view data, std::string_view what);

}  // namespace berth
