// The state store's directories (src/runtime/state.hpp).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "fixture_util.hpp"
#include "src/runtime/state.hpp"

using berth::test::TempDir;
using namespace berth::runtime;

TEST_CASE("ContainerDir::create makes a missing root and its parents, 0700") {
  // containerd's runc shim passes --root <runc-root>/<namespace>, neither made yet.
  TempDir t;
  const std::string root = t.path() + "/runc/k8s.io";
  auto d = ContainerDir::create(root, "c1");
  REQUIRE(d);
  CHECK(d->path() == root + "/c1");
  for (const std::string& p : {t.path() + "/runc", root, root + "/c1"}) {
    struct stat st {};
    REQUIRE(::stat(p.c_str(), &st) == 0);
    CHECK(S_ISDIR(st.st_mode));
    CHECK((st.st_mode & 07777) == 0700);
  }
  auto again = ContainerDir::create(root, "c1");
  REQUIRE_FALSE(again);
  CHECK(again.error().message().find("container \"c1\" already exists") != std::string::npos);
  CHECK(ContainerDir::create(root + "/", "c2"));
}

TEST_CASE("ContainerDir::create names the path it could not make") {
  TempDir t;
  const std::string file = t.path() + "/file";
  REQUIRE(::close(::open(file.c_str(), O_CREAT | O_WRONLY, 0600)) == 0);
  auto d = ContainerDir::create(file + "/root", "c1");
  REQUIRE_FALSE(d);
  CHECK(d.error().message().find("create state root \"" + file + "/root\"") != std::string::npos);
}
