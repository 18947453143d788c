#include "src/namespaces/kinds.hpp"

#include <sched.h>

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

}  // namespace berth::ns
