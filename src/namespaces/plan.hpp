// How to put a process into the namespaces of linux.namespaces, decided
// before any process exists (pure; unit-tested for every combination).
//
// berth needs no intermediate process:
//  - namespaces to create (no path) are clone3 flags of the init;
//  - pid and time namespaces apply to the *children* of the caller
//    (pid_for_children, time_for_children), so the parent joins them with
//    setns(2), or unshares a new time namespace and writes its offsets,
//    before clone3: the init is born inside;
//  - every other namespace with a path is joined by the init right after
//    clone, the user namespace first (it decides what the others may do).
#pragma once

#include <vector>

#include "spec/linux.hpp"

namespace berth::ns {

struct Plan {
  unsigned long clone_flags = 0;            // CLONE_NEW* for the init's clone3
  std::vector<spec::Namespace> parent_joins;  // pid/time with a path: setns in the parent
  bool parent_new_time = false;             // unshare(CLONE_NEWTIME) in the parent
  std::vector<spec::Namespace> child_joins;   // joined by the init, user first
  bool new_user = false;                    // the parent writes uid_map/gid_map
  bool new_mount = false;
  bool has(spec::NamespaceType t) const;    // new or joined
  bool is_new(spec::NamespaceType t) const;
};

// The config is validated (no duplicates, absolute paths) before this runs.
Plan plan(const spec::Linux* linux);

}  // namespace berth::ns
