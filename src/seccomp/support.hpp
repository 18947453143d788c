// What the seccomp stack of this host offers: libseccomp's version and the
// kernel API level it detected.  Used by --version and `features`.
#pragma once

#include <string>

namespace berth::seccomp {

// "2.5.4"
std::string library_version();

// libseccomp's API level (seccomp_api_get): 1..6 on current systems; each
// level adds kernel features (3: SCMP_ACT_LOG, 5: NOTIFY, 6: WAIT_KILLABLE_RECV).
unsigned api_level();

}  // namespace berth::seccomp
