// D-Bus client connection (see dbus_conn.hpp).
#include "src/cgroups/dbus_conn.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace berth::cgroups::dbus {

namespace {

constexpr const char* kSystemBusSocket = "/run/dbus/system_bus_socket";
constexpr const char* kSystemdPrivate = "/run/systemd/private";

int64_t now_ms() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000 + ts.tv_nsec / 1000000;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// D-Bus addresses escape bytes as %XX.
std::string unescape(std::string_view v) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '%' && i + 2 < v.size() && hex_value(v[i + 1]) >= 0 && hex_value(v[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(v[i + 1]) * 16 + hex_value(v[i + 2])));
      i += 2;
    } else {
      out.push_back(v[i]);
    }
  }
  return out;
}

}  // namespace

std::string unix_socket_from_address(std::string_view address) {
  while (!address.empty()) {
    size_t semi = address.find(';');
    std::string_view entry = address.substr(0, semi);
    address = semi == std::string_view::npos ? std::string_view{} : address.substr(semi + 1);
    if (!entry.starts_with("unix:")) continue;
    std::string_view kvs = entry.substr(5);
    while (!kvs.empty()) {
      size_t comma = kvs.find(',');
      std::string_view kv = kvs.substr(0, comma);
      kvs = comma == std::string_view::npos ? std::string_view{} : kvs.substr(comma + 1);
      if (kv.starts_with("path=")) return unescape(kv.substr(5));
      if (kv.starts_with("abstract=")) return "@" + unescape(kv.substr(9));
    }
  }
  return {};
}

std::string error_text(const Message& m) {
  std::string text = m.error_name.empty() ? std::string("unknown D-Bus error") : m.error_name;
  if (m.signature.starts_with("s")) {
    auto r = m.body_reader();
    if (auto s = r.string()) text += ": " + *s;
  }
  return text;
}

Result<Connection> Connection::connect_system(int timeout_ms) {
  std::string path = kSystemBusSocket;
  if (const char* a = std::getenv("DBUS_SYSTEM_BUS_ADDRESS"); a != nullptr && *a != '\0') {
    path = unix_socket_from_address(a);
    if (path.empty())
      return fail("DBUS_SYSTEM_BUS_ADDRESS " + quote(a) +
                  ": no unix:path= or unix:abstract= address");
  }
  auto c = connect_unix(path, true, timeout_ms);
  if (c || ::geteuid() != 0) return c;
  // No bus daemon (early boot, minimal hosts): systemd's own socket, which
  // only root may use.
  auto p = connect_unix(kSystemdPrivate, false, timeout_ms);
  if (p) return p;
  return fail("cannot reach systemd: " + c.error().message() + "; " + p.error().message());
}

Result<Connection> Connection::connect_unix(const std::string& path, bool bus, int timeout_ms) {
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(sa.sun_path))
    return fail("D-Bus socket path " + quote(path) + " is empty or too long");
  std::memcpy(sa.sun_path, path.data(), path.size());
  socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size());
  if (path[0] == '@')
    sa.sun_path[0] = '\0';  // abstract namespace, not NUL-terminated
  else
    len += 1;
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return fail_errno("socket for D-Bus");
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&sa), len) != 0)
    return fail_errno("connect to D-Bus socket " + quote(path));
  auto c = over(std::move(fd), bus, timeout_ms);
  if (!c) return fail(std::move(c).error().context("D-Bus socket " + quote(path)));
  return c;
}

Result<Connection> Connection::over(UniqueFd fd, bool bus, int timeout_ms) {
  Connection c(std::move(fd), bus);
  BERTH_TRY(c.authenticate(timeout_ms));
  if (bus) {
    // The bus daemon refuses every other message before Hello.
    Message hello;
    hello.type = MsgType::kMethodCall;
    hello.destination = "org.freedesktop.DBus";
    hello.path = "/org/freedesktop/DBus";
    hello.interface = "org.freedesktop.DBus";
    hello.member = "Hello";
    auto r = c.call(std::move(hello), timeout_ms);
    if (!r) return fail(std::move(r).error());
    if (r->type == MsgType::kError) return fail("D-Bus Hello: " + error_text(*r));
    auto name = r->body_reader().string();
    if (name) c.unique_name_ = *name;
  }
  return c;
}

Result<void> Connection::write_all(const void* p, size_t n) {
  const auto* c = static_cast<const char*>(p);
  while (n > 0) {
    // MSG_NOSIGNAL: a peer that went away is an EPIPE error, not a SIGPIPE.
    ssize_t w = ::send(fd_.get(), c, n, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return fail_errno("write to D-Bus");
    c += w;
    n -= static_cast<size_t>(w);
  }
  return {};
}

Result<void> Connection::fill(int64_t deadline_ms, std::string_view waiting_for) {
  for (;;) {
    int64_t left = deadline_ms - now_ms();
    if (left <= 0)
      return fail("timed out waiting for " + std::string(waiting_for) + " on D-Bus", ETIMEDOUT);
    pollfd p{fd_.get(), POLLIN, 0};
    int n = ::poll(&p, 1, static_cast<int>(left));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail_errno("poll D-Bus");
    if (n == 0) continue;  // the deadline check above ends it
    uint8_t buf[4096];
    ssize_t r = ::recv(fd_.get(), buf, sizeof buf, 0);
    if (r < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (r < 0) return fail_errno("read from D-Bus");
    if (r == 0)
      return fail("D-Bus connection closed while waiting for " + std::string(waiting_for));
    in_.insert(in_.end(), buf, buf + r);
    return {};
  }
}

Result<void> Connection::authenticate(int timeout_ms) {
  // SASL EXTERNAL (specification, "Authentication Protocol"): a NUL byte,
  // then the uid as decimal text, hex-encoded; the kernel's SO_PEERCRED
  // lets the server check it.
  std::string uid = std::to_string(::geteuid());
  std::string hex;
  static constexpr char kDigits[] = "0123456789abcdef";
  for (unsigned char ch : uid) {
    hex.push_back(kDigits[ch >> 4]);
    hex.push_back(kDigits[ch & 15]);
  }
  std::string auth = std::string(1, '\0') + "AUTH EXTERNAL " + hex + "\r\n";
  BERTH_TRY(write_all(auth.data(), auth.size()));
  int64_t deadline = now_ms() + timeout_ms;
  // The server says nothing more until BEGIN, so no message bytes can
  // follow the reply line.
  for (;;) {
    auto end = std::search(in_.begin(), in_.end(), "\r\n", "\r\n" + 2);
    if (end != in_.end()) {
      std::string line(in_.begin(), end);
      in_.erase(in_.begin(), end + 2);
      if (!line.starts_with("OK ")) return fail("D-Bus authentication refused: " + quote(line));
      break;
    }
    if (in_.size() > 4096) return fail("D-Bus authentication: reply line too long");
    BERTH_TRY(fill(deadline, "the authentication reply"));
  }
  static constexpr char kBegin[] = "BEGIN\r\n";
  return write_all(kBegin, sizeof kBegin - 1);
}

Result<void> Connection::send(Message m) {
  if (m.serial == 0) m.serial = ++serial_;
  auto bytes = encode(m);
  return write_all(bytes.data(), bytes.size());
}

Result<Message> Connection::next_message(int64_t deadline_ms, std::string_view waiting_for) {
  for (;;) {
    Message m;
    auto used = decode(in_, m);
    if (!used) return fail(std::move(used).error());
    if (*used > 0) {
      in_.erase(in_.begin(), in_.begin() + static_cast<std::ptrdiff_t>(*used));
      return m;
    }
    BERTH_TRY(fill(deadline_ms, waiting_for));
  }
}

void Connection::keep_signal(Message m) {
  // A busy bus can broadcast many signals we never ask for; keep a bounded
  // window of the newest.
  if (signals_.size() >= 256) signals_.pop_front();
  signals_.push_back(std::move(m));
}

Result<Message> Connection::receive(int timeout_ms) {
  if (!signals_.empty()) {
    Message m = std::move(signals_.front());
    signals_.pop_front();
    return m;
  }
  return next_message(now_ms() + timeout_ms, "a message");
}

Result<Message> Connection::call(Message m, int timeout_ms) {
  m.type = MsgType::kMethodCall;
  m.serial = ++serial_;
  uint32_t serial = m.serial;
  std::string what = "the reply to " + m.member;
  BERTH_TRY(send(std::move(m)));
  int64_t deadline = now_ms() + timeout_ms;
  for (;;) {
    auto r = next_message(deadline, what);
    if (!r) return fail(std::move(r).error());
    if ((r->type == MsgType::kMethodReturn || r->type == MsgType::kError) &&
        r->reply_serial == serial)
      return r;
    if (r->type == MsgType::kSignal) keep_signal(std::move(*r));
    // Replies to calls we no longer wait for, and calls to us, are dropped.
  }
}

Result<Message> Connection::wait_signal(const std::function<bool(const Message&)>& match,
                                        int timeout_ms) {
  for (auto it = signals_.begin(); it != signals_.end(); ++it) {
    if (match(*it)) {
      Message m = std::move(*it);
      signals_.erase(it);
      return m;
    }
  }
  int64_t deadline = now_ms() + timeout_ms;
  for (;;) {
    auto r = next_message(deadline, "a signal");
    if (!r) return fail(std::move(r).error());
    if (r->type != MsgType::kSignal) continue;
    if (match(*r)) return r;
    keep_signal(std::move(*r));
  }
}

}  // namespace berth::cgroups::dbus
