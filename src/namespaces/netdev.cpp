#include "src/namespaces/netdev.hpp"

#include <fcntl.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "src/runtime/base/unique_fd.hpp"

// The kernel's NLMSG_* and RTA_* macros are C casts; this file speaks
// rtnetlink through them and nothing else.
#pragma GCC diagnostic ignored "-Wold-style-cast"

namespace berth::ns {

namespace {

// One rtnetlink request: header, a fixed struct, then attributes.
class Request {
 public:
  Request(uint16_t type, uint16_t flags, const void* body, size_t len) {
    buf_.resize(NLMSG_SPACE(len));
    auto* h = header();
    h->nlmsg_type = type;
    h->nlmsg_flags = static_cast<uint16_t>(NLM_F_REQUEST | flags);
    h->nlmsg_len = static_cast<uint32_t>(NLMSG_LENGTH(len));
    std::memcpy(NLMSG_DATA(h), body, len);
  }
  void attr(uint16_t type, const void* data, size_t len) {
    size_t at = NLMSG_ALIGN(header()->nlmsg_len);
    buf_.resize(at + RTA_SPACE(len));
    auto* a = reinterpret_cast<rtattr*>(buf_.data() + at);
    a->rta_type = type;
    a->rta_len = static_cast<uint16_t>(RTA_LENGTH(len));
    std::memcpy(RTA_DATA(a), data, len);
    header()->nlmsg_len = static_cast<uint32_t>(at + RTA_ALIGN(a->rta_len));
  }
  void attr(uint16_t type, const std::string& s) { attr(type, s.c_str(), s.size() + 1); }
  nlmsghdr* header() { return reinterpret_cast<nlmsghdr*>(buf_.data()); }

 private:
  std::vector<char> buf_;
};

// The attributes of a message after its fixed struct of `fixed` bytes.
std::vector<const rtattr*> attrs(const nlmsghdr* h, size_t fixed) {
  std::vector<const rtattr*> out;
  const auto* a = reinterpret_cast<const rtattr*>(static_cast<const char*>(NLMSG_DATA(h)) + NLMSG_ALIGN(fixed));
  int len = static_cast<int>(h->nlmsg_len) - static_cast<int>(NLMSG_LENGTH(NLMSG_ALIGN(fixed)));
  for (; RTA_OK(a, len); a = RTA_NEXT(a, len)) out.push_back(a);
  return out;
}

class Netlink {
 public:
  static Result<Netlink> open() {
    UniqueFd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
    if (!fd) return fail_errno("open an rtnetlink socket");
    return Netlink(std::move(fd));
  }
  // Sends and reads until the ACK (or, for a dump, NLMSG_DONE), handing
  // every data message to `each`.  A kernel error comes back as errno.
  template <class F>
  Result<void> call(Request& r, const std::string& what, F each) {
    r.header()->nlmsg_seq = ++seq_;
    r.header()->nlmsg_flags |= NLM_F_ACK;
    if (::send(fd_.get(), r.header(), r.header()->nlmsg_len, 0) < 0) return fail_errno(what);
    std::vector<char> buf(1 << 16);
    for (;;) {
      ssize_t n = ::recv(fd_.get(), buf.data(), buf.size(), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return fail_errno(what);
      int left = static_cast<int>(n);
      for (auto* h = reinterpret_cast<nlmsghdr*>(buf.data()); NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
        if (h->nlmsg_seq != seq_) continue;
        if (h->nlmsg_type == NLMSG_DONE) return {};
        if (h->nlmsg_type == NLMSG_ERROR) {
          int err = -static_cast<nlmsgerr*>(NLMSG_DATA(h))->error;
          if (err == 0) return {};
          return fail_errno(what, err);
        }
        each(h);
      }
    }
  }
  Result<void> call(Request& r, const std::string& what) {
    return call(r, what, [](const nlmsghdr*) {});
  }

 private:
  explicit Netlink(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
  uint32_t seq_ = 0;
};

// An address to put back: the ifaddrmsg and the attributes that define it.
struct Address {
  ifaddrmsg msg{};
  std::vector<std::pair<uint16_t, std::vector<char>>> attrs;
};

Result<std::vector<Address>> permanent_addresses(Netlink& nl, int index, const std::string& what) {
  ifaddrmsg q{};
  Request r(RTM_GETADDR, NLM_F_DUMP, &q, sizeof q);
  std::vector<Address> out;
  BERTH_TRY(nl.call(r, what + ": list its addresses", [&](const nlmsghdr* h) {
    if (h->nlmsg_type != RTM_NEWADDR) return;
    const auto* m = static_cast<const ifaddrmsg*>(NLMSG_DATA(h));
    if (static_cast<int>(m->ifa_index) != index || m->ifa_scope != RT_SCOPE_UNIVERSE) return;
    Address a;
    a.msg = *m;
    uint32_t flags = m->ifa_flags;
    for (const rtattr* at : attrs(h, sizeof(ifaddrmsg))) {
      if (at->rta_type == IFA_FLAGS) std::memcpy(&flags, RTA_DATA(at), sizeof flags);
      if (at->rta_type == IFA_ADDRESS || at->rta_type == IFA_LOCAL || at->rta_type == IFA_BROADCAST) {
        const char* d = static_cast<const char*>(RTA_DATA(at));
        a.attrs.emplace_back(at->rta_type, std::vector<char>(d, d + RTA_PAYLOAD(at)));
      }
    }
    if ((flags & IFA_F_PERMANENT) != 0) out.push_back(std::move(a));
  }));
  return out;
}

// An rtnetlink socket of the container's network namespace (a socket stays
// in the namespace it was made in), made by stepping in and back out.
Result<Netlink> netlink_in(int netns_fd) {
  UniqueFd self(::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC));
  if (!self) return fail_errno("open berth's own network namespace");
  if (::setns(netns_fd, CLONE_NEWNET) != 0) return fail_errno("enter the container's network namespace");
  auto nl = Netlink::open();
  if (::setns(self.get(), CLONE_NEWNET) != 0) return fail_errno("return to berth's network namespace");
  return nl;
}

Result<void> move_one(Netlink& host, Netlink& inside, const std::string& host_name, const std::string& name,
                      int netns_fd) {
  const std::string what = "linux.netDevices: " + quote(host_name);
  unsigned index = ::if_nametoindex(host_name.c_str());
  if (index == 0) return fail(what + ": no such network device on the host");
  // The kernel moves the device first and renames it after, so a taken
  // name would fail only once the device is gone from the host (and a
  // virtual one destroyed with the container): look before moving.
  if (name.find('%') == std::string::npos) {
    ifinfomsg byname{};
    Request r(RTM_GETLINK, 0, &byname, sizeof byname);
    r.attr(IFLA_IFNAME, name);
    if (inside.call(r, what))
      return fail(what + ": the container already has a network device named " + quote(name));
  }
  auto addrs = permanent_addresses(host, static_cast<int>(index), what);
  if (!addrs) return fail(std::move(addrs).error());
  ifinfomsg link{};
  link.ifi_index = static_cast<int>(index);
  Request move(RTM_NEWLINK, 0, &link, sizeof link);
  uint32_t ns = static_cast<uint32_t>(netns_fd);
  move.attr(IFLA_NET_NS_FD, &ns, sizeof ns);
  move.attr(IFLA_IFNAME, name);
  BERTH_TRY(host.call(move, what + ": move into the container as " + quote(name)));
  // The kernel keeps the ifindex when the container's namespace has it
  // free, which a fresh one (only "lo") always does; a joined namespace may
  // not, and only a name without "%d" finds the device then.
  ifinfomsg q{};
  q.ifi_index = static_cast<int>(index);
  int inner = static_cast<int>(index);
  Request probe(RTM_GETLINK, 0, &q, sizeof q);
  if (!inside.call(probe, what)) {
    if (name.find('%') != std::string::npos)
      return fail(what + ": moved, but its new index and name in the container are unknown");
    ifinfomsg byname{};
    Request r(RTM_GETLINK, 0, &byname, sizeof byname);
    r.attr(IFLA_IFNAME, name);
    BERTH_TRY(inside.call(r, what + ": find it in the container", [&](const nlmsghdr* h) {
      if (h->nlmsg_type == RTM_NEWLINK) inner = static_cast<const ifinfomsg*>(NLMSG_DATA(h))->ifi_index;
    }));
  }
  for (Address& a : *addrs) {
    a.msg.ifa_index = static_cast<uint32_t>(inner);
    Request add(RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, &a.msg, sizeof a.msg);
    for (const auto& [type, data] : a.attrs) add.attr(type, data.data(), data.size());
    BERTH_TRY(inside.call(add, what + ": restore an address in the container"));
  }
  ifinfomsg upmsg{};
  upmsg.ifi_index = inner;
  upmsg.ifi_flags = IFF_UP;
  upmsg.ifi_change = IFF_UP;
  Request up(RTM_NEWLINK, 0, &upmsg, sizeof upmsg);
  return inside.call(up, what + ": set it up in the container");
}

}  // namespace

Result<void> move_net_devices(const std::map<std::string, spec::NetDevice>& devices, int netns_fd) {
  if (devices.empty()) return {};
  auto host = Netlink::open();
  if (!host) return fail(std::move(host).error());
  auto inside = netlink_in(netns_fd);
  if (!inside) return fail(std::move(inside).error());
  for (const auto& [host_name, dev] : devices)
    BERTH_TRY(move_one(*host, *inside, host_name, dev.name.empty() ? host_name : dev.name, netns_fd));
  return {};
}

}  // namespace berth::ns
