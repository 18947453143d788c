// crun's mount extensions that copy instead of (only) mounting:
//   tmpcopyup     a tmpfs mounted over a directory of the image starts with
//                 a copy of that directory (modes, owners, symlinks, device
//                 nodes and FIFOs kept), so /tmp or /run keep what the image
//                 put there
//   copy-symlink  a bind mount whose source is a symlink creates that
//                 symlink in the container instead of mounting its target
#pragma once

#include <string>

#include "src/runtime/base/result.hpp"

namespace berth::ns {

// Copies the tree under `from` (a directory fd, opened before the tmpfs hid
// it) into `to` (the fresh tmpfs's root).  Regular files keep their
// contents; sockets are skipped (they cannot be copied).  Errors name the
// entry: copy "/run/lock" into the tmpfs on "/run": permission denied.
Result<void> copy_tree(int from, int to, const std::string& destination);

}  // namespace berth::ns
