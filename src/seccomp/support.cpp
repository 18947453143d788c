#include "src/seccomp/support.hpp"

#include <errno.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "spec/seccomp.hpp"
#include "src/seccomp/compile.hpp"
#include "src/seccomp/load.hpp"

namespace berth::seccomp {

namespace {

// Every enumerator of E, in spec order, as its spec name table lists them.
template <class E, class NameOf>
std::vector<E> all_of(size_t count, NameOf name_of) {
  std::vector<E> out;
  for (size_t i = 0; i < count; ++i)
    if (!name_of(static_cast<E>(i)).empty()) out.push_back(static_cast<E>(i));
  return out;
}

bool kernel_has_action(uint32_t action) {
  // SECCOMP_GET_ACTION_AVAIL matches the whole value: strip errno data.
  action &= SECCOMP_RET_ACTION_FULL;
  return ::syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0;
}

}  // namespace

std::string library_version() {
  const scmp_version* v = seccomp_version();
  return std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->micro);
}

unsigned api_level() {
  return seccomp_api_get();
}

std::vector<std::string_view> supported_actions() {
  return spec::seccomp_action_names();
}

std::vector<std::string_view> supported_operators() {
  return spec::seccomp_op_names();
}

std::vector<std::string_view> supported_archs() {
  std::vector<std::string_view> out;
  const size_t n = spec::seccomp_arch_names().size();
  for (auto a : all_of<spec::SeccompArch>(n, spec::seccomp_arch_name))
    if (libseccomp_arch(a)) out.push_back(spec::seccomp_arch_name(a));
  return out;
}

std::vector<std::string_view> supported_flags() {
  return spec::seccomp_flag_names();
}

std::vector<std::string_view> kernel_flags() {
  std::vector<std::string_view> out;
  const size_t n = spec::seccomp_flag_names().size();
  for (auto f : all_of<spec::SeccompFlag>(n, spec::seccomp_flag_name)) {
    uint32_t bits = filter_flag_bit(f);
    // The kernel refuses WAIT_KILLABLE_RECV without NEW_LISTENER.
    if (f == spec::SeccompFlag::kWaitKillableRecv)
      bits |= static_cast<uint32_t>(SECCOMP_FILTER_FLAG_NEW_LISTENER);
    if (kernel_accepts_flags(bits)) out.push_back(spec::seccomp_flag_name(f));
  }
  return out;
}

std::vector<std::string_view> kernel_actions() {
  std::vector<std::string_view> out;
  // Before 4.14 the query itself is EINVAL: report nothing rather than guess.
  if (!kernel_has_action(SECCOMP_RET_ALLOW)) return out;
  const size_t n = spec::seccomp_action_names().size();
  for (auto a : all_of<spec::SeccompAction>(n, spec::seccomp_action_name))
    if (kernel_has_action(action_value(a, std::nullopt)))
      out.push_back(spec::seccomp_action_name(a));
  return out;
}

}  // namespace berth::seccomp
