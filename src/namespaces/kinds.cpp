#include "src/namespaces/kinds.hpp"

#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "src/runtime/base/unique_fd.hpp"

namespace berth::ns {

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080  // Linux 5.6
#endif

int clone_flag(spec::NamespaceType t) {
  using T = spec::NamespaceType;
  switch (t) {
    case T::kPid: return CLONE_NEWPID;
    case T::kNetwork: return CLONE_NEWNET;
    case T::kMount: return CLONE_NEWNS;
    case T::kIpc: return CLONE_NEWIPC;
    case T::kUts: return CLONE_NEWUTS;
    case T::kUser: return CLONE_NEWUSER;
    case T::kCgroup: return CLONE_NEWCGROUP;
    case T::kTime: return CLONE_NEWTIME;
  }
  return 0;
}

std::string_view proc_name(spec::NamespaceType t) {
  using T = spec::NamespaceType;
  switch (t) {
    case T::kPid: return "pid";
    case T::kNetwork: return "net";
    case T::kMount: return "mnt";
    case T::kIpc: return "ipc";
    case T::kUts: return "uts";
    case T::kUser: return "user";
    case T::kCgroup: return "cgroup";
    case T::kTime: return "time";
  }
  return "";
}

Result<void> check_namespace_file(spec::NamespaceType want, const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return fail_errno("open namespace " + quote(path));
  int type = ::ioctl(fd.get(), NS_GET_NSTYPE);
  if (type < 0) return fail_errno(quote(path) + " is not a namespace file");
  if (type == clone_flag(want)) return {};
  std::string got = "unknown";
  for (auto t : {spec::NamespaceType::kPid, spec::NamespaceType::kNetwork, spec::NamespaceType::kMount,
                 spec::NamespaceType::kIpc, spec::NamespaceType::kUts, spec::NamespaceType::kUser,
                 spec::NamespaceType::kCgroup, spec::NamespaceType::kTime})
    if (clone_flag(t) == type) got = spec::namespace_type_name(t);
  return fail(quote(path) + " is a namespace of type " + quote(got) + ", not " +
              quote(spec::namespace_type_name(want)));
}

}  // namespace berth::ns
