#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "spec/default_spec.hpp"
#include "src/runtime/base/fileio.hpp"
#include "src/runtime/base/unique_fd.hpp"
#include "src/runtime/commands.hpp"

namespace berth::runtime {

Result<int> cmd_spec(Context&, const ParsedArgs& args) {
  spec::DefaultSpecOptions opt;
  opt.rootless = args.flag("rootless");
  opt.host_uid = ::geteuid();
  opt.host_gid = ::getegid();
  std::string bundle = args.value("bundle", ".");
  std::string path = bundle + "/config.json";
  // O_EXCL: never overwrite a bundle's config (runc refuses too), and no
  // window between an existence check and the write.
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (!fd) {
    if (errno == EEXIST) return fail("spec: \"" + path + "\" already exists; remove it first");
    return fail_errno("spec: create \"" + path + "\"");
  }
  auto w = write_all(fd.get(), spec::default_spec_json(opt), "\"" + path + "\"");
  if (!w) {
    ::unlink(path.c_str());
    return fail(std::move(w).error().context("spec"));
  }
  return 0;
}

}  // namespace berth::runtime
