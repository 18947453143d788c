// A minimal, single-threaded D-Bus client connection: a unix stream socket,
// SASL EXTERNAL authentication, Hello on a bus daemon, method calls with a
// deadline, and signals kept until asked for.  Enough for the systemd
// cgroup driver; no fd passing, no introspection, no threads (poll(2) with
// timeouts).  Built only when that driver is used, so the cgroupfs path
// never opens a socket.
#pragma once

#include <sys/types.h>

#include <deque>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "src/cgroups/dbus_wire.hpp"
#include "src/runtime/base/result.hpp"
#include "src/runtime/base/unique_fd.hpp"

namespace berth::cgroups::dbus {

// The system bus socket path from a D-Bus address list
// ("unix:path=/run/dbus/system_bus_socket;..."): the first unix:path=
// entry, %-escapes decoded, or "@name" for unix:abstract=.  Empty when the
// list has neither.
std::string unix_socket_from_address(std::string_view address);

class Connection {
 public:
  // The system bus ($DBUS_SYSTEM_BUS_ADDRESS, else
  // /run/dbus/system_bus_socket); when it cannot be reached and we are
  // root, systemd's private socket /run/systemd/private, a peer-to-peer
  // connection with no bus daemon (go-systemd's dbus.New does the same).
  static Result<Connection> connect_system(int timeout_ms);
  // Connects to the unix socket at `path` ("@x": abstract).  `bus`: a bus
  // daemon is on the other end, so Hello is sent after authentication.
  static Result<Connection> connect_unix(const std::string& path, bool bus, int timeout_ms);
  // An already-connected stream socket (tests: one end of a socketpair).
  static Result<Connection> over(UniqueFd fd, bool bus, int timeout_ms);

  Connection(Connection&&) = default;
  Connection& operator=(Connection&&) = default;

  // True when a bus daemon routes messages (signals then need AddMatch).
  bool via_bus() const { return bus_; }
  const std::string& unique_name() const { return unique_name_; }

  // Sends a method call (serial assigned here) and waits for its reply: a
  // METHOD_RETURN or an ERROR message, returned as received.  Signals that
  // arrive meanwhile are queued for wait_signal().
  Result<Message> call(Message m, int timeout_ms);
  // Sends a message that expects no reply (a test fake's replies and signals).
  Result<void> send(Message m);
  // The first queued or arriving signal `match` accepts; others stay queued.
  Result<Message> wait_signal(const std::function<bool(const Message&)>& match, int timeout_ms);
  // The next message of any kind (a test fake's side).
  Result<Message> receive(int timeout_ms);

 private:
  Connection(UniqueFd fd, bool bus) : fd_(std::move(fd)), bus_(bus) {}
  Result<void> authenticate(int timeout_ms);
  Result<void> write_all(const void* p, size_t n);
  // Reads more bytes into in_ before the deadline (CLOCK_MONOTONIC ms).
  Result<void> fill(int64_t deadline_ms, std::string_view waiting_for);
  void keep_signal(Message m);
  Result<Message> next_message(int64_t deadline_ms, std::string_view waiting_for);

  UniqueFd fd_;
  bool bus_ = false;
  uint32_t serial_ = 0;
  std::string unique_name_;
  std::vector<uint8_t> in_;
  std::deque<Message> signals_;
};

// "name: message" of an ERROR reply (its first string argument, if any).
std::string error_text(const Message& m);

}  // namespace berth::cgroups::dbus
