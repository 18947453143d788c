// What the seccomp stack of this host offers: libseccomp's version and the
// kernel API level it detected, and the names `berth features` reports.
// Used by --version and `features`.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace berth::seccomp {

// "2.5.4"
std::string library_version();

// libseccomp's API level (seccomp_api_get): 1..6 on current systems; each
// level adds kernel features (3: SCMP_ACT_LOG, 5: NOTIFY, 6: WAIT_KILLABLE_RECV).
unsigned api_level();

// Spec names berth can compile, in spec order (features.json "actions",
// "operators", "archs", "knownFlags").  Architectures are those this
// libseccomp knows (2.5.4 lacks loongarch64, m68k, sh).
std::vector<std::string_view> supported_actions();
std::vector<std::string_view> supported_operators();
std::vector<std::string_view> supported_archs();
std::vector<std::string_view> supported_flags();

// The subset of supported_flags() the running kernel accepts (features.json
// "supportedFlags"), probed without installing anything.
std::vector<std::string_view> kernel_flags();

// The subset of supported_actions() the running kernel implements, asked
// with seccomp(SECCOMP_GET_ACTION_AVAIL) (Linux 4.14; KILL_PROCESS and LOG
// came with it, USER_NOTIF with 5.0).  Empty when the kernel cannot say.
std::vector<std::string_view> kernel_actions();

}  // namespace berth::seccomp
