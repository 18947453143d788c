// namespaces::plan(): which namespaces are clone flags, which the parent
// joins for its children, which the init joins, and in what order.
#include <sched.h>

#include <catch2/catch.hpp>

#include "src/namespaces/plan.hpp"

using namespace berth;
using T = spec::NamespaceType;

namespace {

spec::Linux with(std::initializer_list<std::pair<T, const char*>> ns) {
  spec::Linux l;
  for (auto [t, path] : ns) l.namespaces.push_back({t, path});
  return l;
}

}  // namespace

TEST_CASE("plan: no linux section, no namespaces", "[ns-plan]") {
  ns::Plan p = ns::plan(nullptr);
  CHECK(p.clone_flags == 0);
  CHECK(p.parent_joins.empty());
  CHECK(p.child_joins.empty());
  CHECK_FALSE(p.parent_new_time);
  CHECK_FALSE(p.has(T::kMount));
}

TEST_CASE("plan: every new namespace but time is a clone flag", "[ns-plan]") {
  auto l = with({{T::kPid, ""}, {T::kNetwork, ""}, {T::kMount, ""}, {T::kIpc, ""}, {T::kUts, ""},
                 {T::kUser, ""}, {T::kCgroup, ""}, {T::kTime, ""}});
  ns::Plan p = ns::plan(&l);
  CHECK(p.clone_flags == static_cast<unsigned long>(CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWNS | CLONE_NEWIPC |
                                                    CLONE_NEWUTS | CLONE_NEWUSER | CLONE_NEWCGROUP));
  // A new time namespace is unshared by the parent (time_for_children), so
  // its offsets can be written before the init exists.
  CHECK(p.parent_new_time);
  CHECK(p.new_user);
  CHECK(p.new_mount);
  for (T t : {T::kPid, T::kNetwork, T::kMount, T::kIpc, T::kUts, T::kUser, T::kCgroup, T::kTime}) {
    CHECK(p.has(t));
    CHECK(p.is_new(t));
  }
}

TEST_CASE("plan: pid and time paths are joined by the parent, the rest by the init", "[ns-plan]") {
  auto l = with({{T::kNetwork, "/run/netns/a"}, {T::kPid, "/proc/1/ns/pid"}, {T::kTime, "/proc/1/ns/time"},
                 {T::kMount, ""}, {T::kIpc, "/proc/1/ns/ipc"}});
  ns::Plan p = ns::plan(&l);
  CHECK(p.clone_flags == static_cast<unsigned long>(CLONE_NEWNS));
  REQUIRE(p.parent_joins.size() == 2);
  CHECK(p.parent_joins[0].type == T::kPid);
  CHECK(p.parent_joins[1].type == T::kTime);
  REQUIRE(p.child_joins.size() == 2);
  CHECK(p.child_joins[0].type == T::kNetwork);
  CHECK(p.has(T::kPid));
  CHECK_FALSE(p.is_new(T::kPid));
  CHECK_FALSE(p.parent_new_time);
  CHECK_FALSE(p.has(T::kUts));
}

TEST_CASE("plan: a joined user namespace is joined first", "[ns-plan]") {
  auto l = with({{T::kNetwork, "/n"}, {T::kIpc, "/i"}, {T::kUser, "/u"}, {T::kUts, "/t"}});
  ns::Plan p = ns::plan(&l);
  REQUIRE(p.child_joins.size() == 4);
  CHECK(p.child_joins[0].type == T::kUser);
  // the others keep their config order
  CHECK(p.child_joins[1].type == T::kNetwork);
  CHECK(p.child_joins[2].type == T::kIpc);
  CHECK(p.child_joins[3].type == T::kUts);
  CHECK_FALSE(p.new_user);
}

TEST_CASE("plan: every single namespace, new and joined", "[ns-plan]") {
  for (T t : {T::kPid, T::kNetwork, T::kMount, T::kIpc, T::kUts, T::kUser, T::kCgroup, T::kTime}) {
    INFO(spec::namespace_type_name(t));
    auto fresh = with({{t, ""}});
    ns::Plan n = ns::plan(&fresh);
    CHECK(n.is_new(t));
    CHECK(n.parent_joins.empty());
    CHECK(n.child_joins.empty());
    auto joined = with({{t, "/x"}});
    ns::Plan j = ns::plan(&joined);
    CHECK(j.has(t));
    CHECK_FALSE(j.is_new(t));
    CHECK(j.clone_flags == 0);
    bool parent_side = t == T::kPid || t == T::kTime;
    CHECK(j.parent_joins.size() == (parent_side ? 1u : 0u));
    CHECK(j.child_joins.size() == (parent_side ? 0u : 1u));
  }
}
