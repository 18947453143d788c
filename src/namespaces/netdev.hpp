// linux.netDevices (config-linux.md "Network Devices"): existing host
// interfaces moved into the container's network namespace, renamed, their
// permanent global addresses kept, and set up.  Done by the parent through
// rtnetlink, after the container's namespaces exist and before any hook.
//
//   host netns                         container netns
//   RTM_GETADDR dump: keep permanent,
//     universe-scope addresses
//   RTM_NEWLINK ifindex,
//     IFLA_NET_NS_FD + IFLA_IFNAME  -->  the device ("%d" names: the kernel
//                                        picks a free one)
//                                      RTM_NEWADDR for each kept address
//                                      RTM_NEWLINK IFF_UP
//
// Moving a device flushes its addresses, hence the copy.  The device is
// never moved back: the spec leaves its fate to the namespace's owner (the
// kernel returns physical devices to the host and destroys virtual ones
// when the namespace goes).
#pragma once

#include <map>
#include <string>

#include "spec/linux.hpp"
#include "src/runtime/base/result.hpp"

namespace berth::ns {

// netns_fd: the container's network namespace.  Errors name the device:
//   linux.netDevices: "dummy0": no such network device on the host
Result<void> move_net_devices(const std::map<std::string, spec::NetDevice>& devices, int netns_fd);

}  // namespace berth::ns
