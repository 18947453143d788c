#include "src/namespaces/plan.hpp"

#include <algorithm>

#include "src/namespaces/kinds.hpp"

namespace berth::ns {

using T = spec::NamespaceType;

bool Plan::has(T t) const {
  if (is_new(t)) return true;
  auto same = [t](const spec::Namespace& n) { return n.type == t; };
  return std::any_of(parent_joins.begin(), parent_joins.end(), same) ||
         std::any_of(child_joins.begin(), child_joins.end(), same);
}

bool Plan::is_new(T t) const {
  if (t == T::kTime) return parent_new_time;
  return (clone_flags & static_cast<unsigned long>(clone_flag(t))) != 0;
}

Plan plan(const spec::Linux* linux) {
  Plan p;
  if (linux == nullptr) return p;
  for (const auto& n : linux->namespaces) {
    if (n.path.empty()) {
      if (n.type == T::kTime) p.parent_new_time = true;
      else p.clone_flags |= static_cast<unsigned long>(clone_flag(n.type));
      if (n.type == T::kUser) p.new_user = true;
      if (n.type == T::kMount) p.new_mount = true;
    } else if (n.type == T::kPid || n.type == T::kTime) {
      p.parent_joins.push_back(n);
    } else {
      p.child_joins.push_back(n);
    }
  }
  // The user namespace first: joining it grants the capabilities the other
  // setns calls need when the target namespaces belong to it.
  std::stable_partition(p.child_joins.begin(), p.child_joins.end(),
                        [](const spec::Namespace& n) { return n.type == T::kUser; });
  return p;
}

}  // namespace berth::ns
