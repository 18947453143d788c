// Profile builders and a BPF run for the seccomp compile tests.
#pragma once

#include <seccomp.h>

#include <catch2/catch.hpp>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "spec/seccomp.hpp"
#include "src/seccomp/compile.hpp"
#include "tests/unit/bpf_eval.hpp"

namespace berth::test {

inline spec::SeccompRule seccomp_rule(std::vector<std::string> names, spec::SeccompAction a,
                                      std::optional<uint32_t> errno_ret = std::nullopt,
                                      std::vector<spec::SeccompArg> args = {}) {
  spec::SeccompRule r;
  r.names = std::move(names);
  r.action = a;
  r.errno_ret = errno_ret;
  r.args = std::move(args);
  return r;
}

inline spec::Seccomp seccomp_profile(spec::SeccompAction def, std::vector<spec::SeccompRule> rules = {},
                                     std::optional<uint32_t> def_errno = std::nullopt) {
  spec::Seccomp s;
  s.default_action = def;
  s.default_errno_ret = def_errno;
  s.syscalls = std::move(rules);
  return s;
}

inline seccomp::BpfProgram seccomp_compiled(const spec::Seccomp& s, std::vector<std::string>* warnings = nullptr) {
  std::vector<std::string> w;
  auto r = seccomp::compile(s, w);
  if (!r) FAIL(r.error().message());
  if (warnings != nullptr) *warnings = w;
  return std::move(r).value();
}

// What `insns` returns for syscall `nr` from architecture `arch`.
inline uint32_t seccomp_run(const std::vector<sock_filter>& insns, uint32_t nr, uint32_t arch,
                            std::initializer_list<uint64_t> args = {}) {
  auto r = evaluate(insns, syscall_data(static_cast<int>(nr), arch, args));
  if (!r) FAIL(r.error().message());
  return *r;
}

}  // namespace berth::test
