// The systemd cgroup driver's pure parts: the D-Bus wire format (exact bytes
// worked out from the D-Bus specification), a client connection against a
// fake peer on a socketpair, cgroupsPath parsing and property translation.
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <limits>

#include "src/cgroups/dbus_conn.hpp"
#include "src/cgroups/dbus_wire.hpp"
#include "src/cgroups/manager.hpp"
#include "src/cgroups/plan.hpp"
#include "src/cgroups/systemd.hpp"

using namespace berth;
using namespace berth::cgroups;
using namespace berth::cgroups::dbus;
using berth::cgroups::systemd::UnitPath;

namespace {

std::vector<uint8_t> bytes(std::string_view s) { return {s.begin(), s.end()}; }

constexpr uint64_t kInf = std::numeric_limits<uint64_t>::max();

}  // namespace

// ---- marshalling -------------------------------------------------------------------

TEST_CASE("dbus writer: basic types, alignment from the buffer start") {
  Writer w;
  w.byte(7);
  w.u32(0x01020304);  // three bytes of padding first, then little-endian
  w.boolean(true);    // a UINT32
  w.u64(0x1122334455667788ULL);  // padded from 12 to 16
  REQUIRE(w.bytes() == bytes(std::string_view("\x07\0\0\0\x04\x03\x02\x01\x01\0\0\0\0\0\0\0"
                                               "\x88\x77\x66\x55\x44\x33\x22\x11", 24)));
}

TEST_CASE("dbus writer: strings, signatures, object paths") {
  Writer w;
  w.string("ab");         // length, bytes, NUL
  w.signature("a(sv)");   // one-byte length, bytes, NUL
  w.object_path("/o");    // like a string, aligned to 4 (offset 14 -> 16)
  REQUIRE(w.bytes() == bytes(std::string_view("\x02\0\0\0ab\0"
                                               "\x05" "a(sv)\0"
                                               "\0\0"
                                               "\x02\0\0\0/o\0", 23)));
}

TEST_CASE("dbus writer: arrays count element bytes, not the padding before them") {
  Writer w;
  size_t a = w.begin_array(8);  // UINT64 elements: length at 0, padding 4..8
  w.u64(1);
  w.u64(2);
  w.end_array(a);
  REQUIRE(w.bytes().size() == 24);
  REQUIRE(w.bytes()[0] == 16);  // two UINT64s
  REQUIRE(w.bytes()[8] == 1);
  // An empty array still carries the padding to its element alignment.
  Writer e;
  size_t b = e.begin_array(8);
  e.end_array(b);
  REQUIRE(e.bytes() == std::vector<uint8_t>(8, 0));
}

TEST_CASE("dbus writer: a(sv) with one boolean property, byte for byte") {
  Writer w;
  write_properties(w, {{"Delegate", true}});
  // 0: array length 20; 4..8 padding to the struct; 8: "Delegate" (4+8+1 =
  // 13 bytes, to 21); 21: signature "b" (3 bytes, to 24); 24: UINT32 1.
  REQUIRE(w.bytes() == bytes(std::string_view("\x14\0\0\0\0\0\0\0"
                                               "\x08\0\0\0Delegate\0"
                                               "\x01" "b\0"
                                               "\x01\0\0\0", 28)));
}

TEST_CASE("dbus: the Hello call, byte for byte") {
  Message m;
  m.type = MsgType::kMethodCall;
  m.serial = 1;
  m.destination = "org.freedesktop.DBus";
  m.path = "/org/freedesktop/DBus";
  m.interface = "org.freedesktop.DBus";
  m.member = "Hello";
  // Fixed header: 'l', METHOD_CALL, no flags, version 1, body length 0,
  // serial 1, then the header field array (length 109 = 0x6d):
  //  16: PATH(1) 'o' "/org/freedesktop/DBus" (21)   -> ends at 46
  //  48: INTERFACE(2) 's' "org.freedesktop.DBus" (20) -> 77
  //  80: MEMBER(3) 's' "Hello"                        -> 94
  //  96: DESTINATION(6) 's' "org.freedesktop.DBus"    -> 125
  // padded to 128, no body.
  std::string_view want(
      "l\x01\x00\x01" "\0\0\0\0" "\x01\0\0\0" "\x6d\0\0\0"
      "\x01\x01o\0" "\x15\0\0\0/org/freedesktop/DBus\0" "\0\0"
      "\x02\x01s\0" "\x14\0\0\0org.freedesktop.DBus\0" "\0\0\0"
      "\x03\x01s\0" "\x05\0\0\0Hello\0" "\0\0"
      "\x06\x01s\0" "\x14\0\0\0org.freedesktop.DBus\0" "\0\0\0",
      128);
  REQUIRE(encode(m) == bytes(want));
}

TEST_CASE("dbus: decode round-trips encode, and waits for whole messages") {
  Message m;
  m.type = MsgType::kSignal;
  m.serial = 9;
  m.path = "/org/freedesktop/systemd1";
  m.interface = "org.freedesktop.systemd1.Manager";
  m.member = "JobRemoved";
  m.signature = "uoss";
  Writer w;
  w.u32(42);
  w.object_path("/org/freedesktop/systemd1/job/42");
  w.string("berth-x.scope");
  w.string("done");
  m.body = w.take();
  auto wire = encode(m);
  Message got;
  for (size_t cut : {size_t{0}, size_t{15}, size_t{16}, wire.size() - 1}) {
    auto r = decode(std::span(wire.data(), cut), got);
    REQUIRE(r);
    REQUIRE(*r == 0);
  }
  wire.push_back(0x6c);  // the start of a next message stays unread
  auto r = decode(wire, got);
  REQUIRE(r);
  REQUIRE(*r == wire.size() - 1);
  REQUIRE(got.type == MsgType::kSignal);
  REQUIRE(got.serial == 9);
  REQUIRE(got.path == m.path);
  REQUIRE(got.interface == m.interface);
  REQUIRE(got.member == m.member);
  REQUIRE(got.signature == "uoss");
  auto rd = got.body_reader();
  REQUIRE(*rd.u32() == 42);
  REQUIRE(*rd.object_path() == "/org/freedesktop/systemd1/job/42");
  REQUIRE(*rd.string() == "berth-x.scope");
  REQUIRE(*rd.string() == "done");
  REQUIRE(rd.at_end());
}

TEST_CASE("dbus: decode reads big-endian messages") {
  // A METHOD_RETURN, serial 2, REPLY_SERIAL 5, signature "u", body 7.
  std::string_view wire(
      "B\x02\x00\x01" "\0\0\0\x04" "\0\0\0\x02" "\0\0\0\x0f"
      "\x05\x01u\0" "\0\0\0\x05"
      "\x08\x01g\0" "\x01u\0" "\0"
      "\0\0\0\x07",
      36);
  Message m;
  auto r = decode(std::span(reinterpret_cast<const uint8_t*>(wire.data()), wire.size()), m);
  REQUIRE(r);
  REQUIRE(*r == 36);
  REQUIRE(m.type == MsgType::kMethodReturn);
  REQUIRE(m.reply_serial == 5);
  REQUIRE(m.signature == "u");
  REQUIRE(*m.body_reader().u32() == 7);
}

TEST_CASE("dbus: malformed messages are errors") {
  Message m;
  auto bad = bytes(std::string_view("x\x01\x00\x01\0\0\0\0\x01\0\0\0\0\0\0\0", 16));
  auto r = decode(bad, m);
  REQUIRE_FALSE(r);
  REQUIRE(r.error().message() == "malformed D-Bus message: endianness byte 120");
  bad[0] = 'l';
  bad[3] = 2;
  REQUIRE_FALSE(decode(bad, m));
  // A string whose length runs past the body.
  auto short_string = bytes(std::string_view("\x10\0\0\0ab\0", 7));
  Reader rd(short_string);
  REQUIRE_FALSE(rd.string());
  // Non-zero padding.
  auto padded = bytes(std::string_view("\x01\x01\0\0\x05\0\0\0", 8));
  Reader pad(padded);
  REQUIRE(*pad.byte() == 1);
  REQUIRE_FALSE(pad.u32());
}

TEST_CASE("dbus: complete types and skipping values") {
  REQUIRE(first_complete_type("a{sv}u") == "a{sv}");
  REQUIRE(first_complete_type("(sa(sv))") == "(sa(sv))");
  REQUIRE(first_complete_type("a(sv") == "");
  REQUIRE(first_complete_type("{s}") == "");
  REQUIRE(first_complete_type("z") == "");
  Writer w;
  write_properties(w, {{"PIDs", std::vector<uint32_t>{1, 2}}, {"Slice", std::string("s.slice")}});
  w.u32(77);
  auto b = w.take();
  Reader r(b);
  REQUIRE(r.skip("a(sv)"));
  REQUIRE(*r.u32() == 77);
  REQUIRE(r.at_end());
}

TEST_CASE("dbus: properties round-trip") {
  std::vector<Property> props = {
      {"Description", std::string("berth container x")},
      {"Delegate", true},
      {"PIDs", std::vector<uint32_t>{1234}},
      {"MemoryMax", uint64_t{1} << 30},
      {"AllowedCPUs", std::vector<uint8_t>{0x0f, 0x01}},
      {"Wants", std::vector<std::string>{"a.slice", "b.slice"}},
      {"AllowedMemoryNodes", std::vector<uint8_t>{}},
  };
  Writer w;
  write_properties(w, props);
  auto b = w.take();
  Reader r(b);
  auto got = read_properties(r);
  REQUIRE(got);
  REQUIRE(*got == props);
  REQUIRE(r.at_end());
}

TEST_CASE("dbus: addresses") {
  REQUIRE(unix_socket_from_address("unix:path=/run/dbus/system_bus_socket") == "/run/dbus/system_bus_socket");
  REQUIRE(unix_socket_from_address("tcp:host=x;unix:guid=1,path=/a%20b") == "/a b");
  REQUIRE(unix_socket_from_address("unix:abstract=/tmp/dbus-x") == "@/tmp/dbus-x");
  REQUIRE(unix_socket_from_address("tcp:host=x,port=1") == "");
}

// ---- a client against a fake peer -------------------------------------------------

namespace {

// The fake bus daemon, in a child process: it checks what the client sends
// and answers as dbus-daemon and systemd would.  Its exit status is the
// first check that failed (0: all held).
int fake_peer(int fd) {
  std::vector<uint8_t> in;
  auto fill = [&]() {
    uint8_t buf[4096];
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) return false;
    in.insert(in.end(), buf, buf + n);
    return true;
  };
  auto line = [&](std::string& out) {
    for (;;) {
      auto it = std::search(in.begin(), in.end(), "\r\n", "\r\n" + 2);
      if (it != in.end()) {
        out.assign(in.begin(), it);
        in.erase(in.begin(), it + 2);
        return true;
      }
      if (!fill()) return false;
    }
  };
  auto next = [&](Message& m) {
    for (;;) {
      auto r = decode(in, m);
      if (!r) return false;
      if (*r > 0) {
        in.erase(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(*r));
        return true;
      }
      if (!fill()) return false;
    }
  };
  auto put = [&](const Message& m) {
    auto b = encode(m);
    return ::write(fd, b.data(), b.size()) == static_cast<ssize_t>(b.size());
  };
  std::string l;
  // The NUL byte, then AUTH EXTERNAL with the uid's decimal digits in hex.
  if (!fill() || in.empty() || in[0] != 0) return 10;
  in.erase(in.begin());
  std::string uid = std::to_string(::geteuid()), hex;
  for (unsigned char c : uid) {
    char two[3];
    std::snprintf(two, sizeof two, "%02x", c);
    hex += two;
  }
  if (!line(l) || l != "AUTH EXTERNAL " + hex) return 11;
  static const char kOk[] = "OK 0123456789abcdef0123456789abcdef\r\n";
  if (::write(fd, kOk, sizeof kOk - 1) != sizeof kOk - 1) return 12;
  if (!line(l) || l != "BEGIN") return 13;

  Message m;
  if (!next(m) || m.member != "Hello" || m.destination != "org.freedesktop.DBus") return 20;
  Message hello_reply;
  hello_reply.type = MsgType::kMethodReturn;
  hello_reply.serial = 1;
  hello_reply.reply_serial = m.serial;
  hello_reply.signature = "s";
  Writer w;
  w.string(":1.42");
  hello_reply.body = w.take();
  if (!put(hello_reply)) return 21;

  if (!next(m) || m.member != "StartTransientUnit" || m.signature != "ssa(sv)a(sa(sv))") return 30;
  auto rd = m.body_reader();
  auto unit = rd.string();
  auto mode = rd.string();
  if (!unit || *unit != "berth-x.scope" || !mode || *mode != "replace") return 31;
  auto props = read_properties(rd);
  if (!props || props->size() != 2 || (*props)[0] != Property{"Delegate", true} ||
      (*props)[1] != Property{"PIDs", std::vector<uint32_t>{4321}})
    return 32;
  if (!rd.skip("a(sa(sv))") || !rd.at_end()) return 33;
  // A signal the client did not ask for, the reply, then the one it waits for.
  Message other;
  other.type = MsgType::kSignal;
  other.serial = 2;
  other.path = "/org/freedesktop/systemd1";
  other.interface = "org.freedesktop.systemd1.Manager";
  other.member = "UnitNew";
  other.signature = "so";
  Writer ow;
  ow.string("berth-x.scope");
  ow.object_path("/org/freedesktop/systemd1/unit/berth_2dx_2escope");
  other.body = ow.take();
  Message reply;
  reply.type = MsgType::kMethodReturn;
  reply.serial = 3;
  reply.reply_serial = m.serial;
  reply.signature = "o";
  Writer rw;
  rw.object_path("/org/freedesktop/systemd1/job/7");
  reply.body = rw.take();
  Message removed = other;
  removed.serial = 4;
  removed.member = "JobRemoved";
  removed.signature = "uoss";
  Writer jw;
  jw.u32(7);
  jw.object_path("/org/freedesktop/systemd1/job/7");
  jw.string("berth-x.scope");
  jw.string("done");
  removed.body = jw.take();
  if (!put(other) || !put(reply) || !put(removed)) return 34;

  // An error reply, as systemd gives for StopUnit of an unknown unit.
  if (!next(m) || m.member != "StopUnit") return 40;
  Message err;
  err.type = MsgType::kError;
  err.serial = 5;
  err.reply_serial = m.serial;
  err.error_name = "org.freedesktop.systemd1.NoSuchUnit";
  err.signature = "s";
  Writer ew;
  ew.string("Unit berth-x.scope not loaded.");
  err.body = ew.take();
  if (!put(err)) return 41;
  return 0;
}

}  // namespace

TEST_CASE("dbus connection: auth, Hello, a call with signals around its reply, an error") {
  int sv[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
  // Signals blocked across fork: Catch2's handlers must not run in the child.
  sigset_t all, old;
  sigfillset(&all);
  ::sigprocmask(SIG_SETMASK, &all, &old);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(sv[0]);
    ::_exit(fake_peer(sv[1]));
  }
  ::sigprocmask(SIG_SETMASK, &old, nullptr);
  REQUIRE(pid > 0);
  ::close(sv[1]);

  auto c = Connection::over(UniqueFd(sv[0]), /*bus=*/true, 5000);
  REQUIRE(c);
  CHECK(c->unique_name() == ":1.42");
  Message call;
  call.destination = "org.freedesktop.systemd1";
  call.path = "/org/freedesktop/systemd1";
  call.interface = "org.freedesktop.systemd1.Manager";
  call.member = "StartTransientUnit";
  call.signature = "ssa(sv)a(sa(sv))";
  Writer w;
  w.string("berth-x.scope");
  w.string("replace");
  write_properties(w, {{"Delegate", true}, {"PIDs", std::vector<uint32_t>{4321}}});
  size_t aux = w.begin_array(8);
  w.end_array(aux);
  call.body = w.take();
  auto reply = c->call(std::move(call), 5000);
  REQUIRE(reply);
  REQUIRE(reply->type == MsgType::kMethodReturn);
  REQUIRE(*reply->body_reader().object_path() == "/org/freedesktop/systemd1/job/7");
  // Both signals arrived before or with the reply and were kept.
  auto removed = c->wait_signal([](const Message& s) { return s.member == "JobRemoved"; }, 5000);
  REQUIRE(removed);
  auto rd = removed->body_reader();
  REQUIRE(*rd.u32() == 7);

  Message stop;
  stop.destination = "org.freedesktop.systemd1";
  stop.path = "/org/freedesktop/systemd1";
  stop.interface = "org.freedesktop.systemd1.Manager";
  stop.member = "StopUnit";
  auto e = c->call(std::move(stop), 5000);
  REQUIRE(e);
  REQUIRE(e->type == MsgType::kError);
  REQUIRE(error_text(*e) == "org.freedesktop.systemd1.NoSuchUnit: Unit berth-x.scope not loaded.");

  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  // The signal nobody waited for is still queued.
  auto unit_new = c->wait_signal([](const Message& s) { return s.member == "UnitNew"; }, 100);
  REQUIRE(unit_new);
  REQUIRE(*unit_new->body_reader().string() == "berth-x.scope");
  // The peer is gone: waiting sees the closed connection.
  auto none = c->wait_signal([](const Message&) { return true; }, 1000);
  REQUIRE_FALSE(none);
  REQUIRE(none.error().message().find("D-Bus connection closed") != std::string::npos);
}

TEST_CASE("dbus connection: a silent peer times out") {
  int sv[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
  UniqueFd peer(sv[1]);
  auto c = Connection::over(UniqueFd(sv[0]), false, 50);
  REQUIRE_FALSE(c);
  REQUIRE(c.error().message().find("timed out waiting for the authentication reply") != std::string::npos);
}

// ---- cgroupsPath and unit names ------------------------------------------------------

TEST_CASE("systemd: slices expand like systemd names them") {
  REQUIRE(*systemd::expand_slice("system.slice") == "/system.slice");
  REQUIRE(*systemd::expand_slice("a-b-c.slice") == "/a.slice/a-b.slice/a-b-c.slice");
  REQUIRE(*systemd::expand_slice("-.slice") == "/");
  for (auto bad : {"", ".slice", "a--b.slice", "-a.slice", "a-.slice", "a/b.slice", "foo"}) {
    INFO(bad);
    REQUIRE_FALSE(systemd::expand_slice(bad));
  }
}

TEST_CASE("systemd: cgroupsPath slice:prefix:name") {
  auto u = systemd::parse_cgroups_path("", "abc");
  REQUIRE(u);
  REQUIRE(*u == UnitPath{"system.slice", "berth-abc.scope", "/system.slice/berth-abc.scope"});
  u = systemd::parse_cgroups_path("machine.slice:libpod:1234", "x");
  REQUIRE(*u == UnitPath{"machine.slice", "libpod-1234.scope", "/machine.slice/libpod-1234.scope"});
  u = systemd::parse_cgroups_path(":cri-containerd:c1", "x");
  REQUIRE(*u == UnitPath{"system.slice", "cri-containerd-c1.scope", "/system.slice/cri-containerd-c1.scope"});
  u = systemd::parse_cgroups_path("kubepods-besteffort.slice::c2", "x");
  REQUIRE(*u == UnitPath{"kubepods-besteffort.slice", "c2.scope",
                         "/kubepods.slice/kubepods-besteffort.slice/c2.scope"});
  u = systemd::parse_cgroups_path("-.slice:p:n", "x");
  REQUIRE(u->path == "/p-n.scope");
  u = systemd::parse_cgroups_path("system.slice:p:pod.slice", "x");
  REQUIRE(*u == UnitPath{"system.slice", "pod.slice", "/system.slice/pod.slice"});
  REQUIRE(u->is_slice());
}

TEST_CASE("systemd: bad cgroupsPath values name the field and the value") {
  auto r = systemd::parse_cgroups_path("/foo/bar", "x");
  REQUIRE_FALSE(r);
  REQUIRE(r.error().message() ==
          "linux.cgroupsPath: \"/foo/bar\": the systemd cgroup driver needs the form \"slice:prefix:name\"");
  r = systemd::parse_cgroups_path("a:b", "x");
  REQUIRE_FALSE(r);
  r = systemd::parse_cgroups_path("system.slice:p:", "x");
  REQUIRE(r.error().message() == "linux.cgroupsPath: \"system.slice:p:\": empty unit name");
  r = systemd::parse_cgroups_path("nope:p:n", "x");
  REQUIRE(r.error().message() == "linux.cgroupsPath: \"nope:p:n\": invalid slice name \"nope\"");
  r = systemd::parse_cgroups_path("system.slice:p:a/b", "x");
  REQUIRE_FALSE(r);
}

TEST_CASE("systemd: version strings") {
  REQUIRE(systemd::parse_version("252.22-1~deb12u1") == 252);
  REQUIRE(systemd::parse_version("\"v245.4-1.fc32\"") == 245);
  REQUIRE(systemd::parse_version("255") == 255);
  REQUIRE(systemd::parse_version("x") == -1);
}

// ---- properties -----------------------------------------------------------------------

TEST_CASE("systemd: unit properties of a scope and of a slice") {
  auto u = *systemd::parse_cgroups_path("", "c1");
  auto p = systemd::unit_properties(u, "c1", 99, true);
  std::vector<Property> want = {
      {"Description", std::string("berth container c1")},
      {"Slice", std::string("system.slice")},
      {"Delegate", true},
      {"PIDs", std::vector<uint32_t>{99}},
      {"MemoryAccounting", true},
      {"CPUAccounting", true},
      {"IOAccounting", true},
      {"TasksAccounting", true},
      {"DefaultDependencies", false},
  };
  REQUIRE(p == want);
  auto v1 = systemd::unit_properties(u, "c1", 99, false);
  REQUIRE(v1[6] == Property{"BlockIOAccounting", true});
  auto s = *systemd::parse_cgroups_path("system.slice:p:pod.slice", "x");
  auto sp = systemd::unit_properties(s, "x", 0, true);
  REQUIRE(sp[1] == Property{"Wants", std::vector<std::string>{"system.slice"}});
  for (const auto& e : sp) {
    REQUIRE(e.name != "Delegate");
    REQUIRE(e.name != "PIDs");
  }
}

TEST_CASE("systemd: CPU quota per second rounds up to whole percents") {
  int64_t q = 0;
  REQUIRE(systemd::cpu_quota_per_sec(50000, 100000, q) == 500000);
  REQUIRE(q == 50000);
  REQUIRE(systemd::cpu_quota_per_sec(33333, 100000, q) == 340000);
  REQUIRE(q == 34000);
  REQUIRE(systemd::cpu_quota_per_sec(20000, 0, q) == 200000);  // default period
  REQUIRE(systemd::cpu_quota_per_sec(-1, 100000, q) == kInf);
  REQUIRE(q == -1);
}

TEST_CASE("systemd: cpu lists as AllowedCPUs byte masks") {
  REQUIRE(*systemd::cpu_list_mask("0-3,8") == std::vector<uint8_t>{0x0f, 0x01});
  REQUIRE(*systemd::cpu_list_mask("1") == std::vector<uint8_t>{0x02});
  REQUIRE(*systemd::cpu_list_mask("7,16-17") == std::vector<uint8_t>{0x80, 0x00, 0x03});
  for (auto bad : {"", "3-1", "a", "1-", "1,,2", "0-99999"}) {
    INFO(bad);
    REQUIRE_FALSE(systemd::cpu_list_mask(bad));
  }
}

TEST_CASE("systemd: resources as cgroup2 unit properties") {
  spec::Resources r;
  r.memory.emplace();
  r.memory->limit = 1 << 20;
  r.memory->reservation = 1 << 19;
  r.memory->swap = 2 << 20;
  r.cpu.emplace();
  r.cpu->shares = 1024;
  r.cpu->quota = 33333;
  r.cpu->period = 100000;
  r.cpu->cpus = "0-1";
  r.cpu->mems = "0";
  r.pids = spec::Pids{100};
  r.block_io.emplace();
  r.block_io->weight = 500;
  r.unified = {{"memory.high", "max"}, {"pids.max", "0"}, {"io.max", "8:0 rbps=1"}};
  auto p = systemd::resource_properties(r, true, 252);
  REQUIRE(p);
  std::vector<Property> want = {
      {"MemoryMax", uint64_t{1} << 20},
      {"MemoryLow", uint64_t{1} << 19},
      {"MemorySwapMax", uint64_t{1} << 20},
      {"CPUWeight", uint64_t{100}},
      {"CPUQuotaPeriodUSec", uint64_t{100000}},
      {"CPUQuotaPerSecUSec", uint64_t{340000}},
      {"IOWeight", cgroups::blkio_weight_to_io_weight(500)},
      {"TasksMax", uint64_t{100}},
      {"AllowedCPUs", std::vector<uint8_t>{0x03}},
      {"AllowedMemoryNodes", std::vector<uint8_t>{0x01}},
      {"MemoryHigh", kInf},
      {"TasksMax", uint64_t{1}},
  };
  REQUIRE(*p == want);
  // The cgroupfs write must match what systemd keeps: the rounded quota.
  REQUIRE(*r.cpu->quota == 34000);
}

TEST_CASE("systemd: unlimited values are systemd's infinity") {
  spec::Resources r;
  r.memory.emplace();
  r.memory->limit = -1;
  r.pids = spec::Pids{-1};
  r.cpu.emplace();
  r.cpu->quota = -1;
  auto p = systemd::resource_properties(r, true, 252);
  REQUIRE(p);
  REQUIRE(*p == std::vector<Property>{{"MemoryMax", kInf},
                                      {"MemorySwapMax", kInf},
                                      {"CPUQuotaPerSecUSec", kInf},
                                      {"TasksMax", kInf}});
}

TEST_CASE("systemd: resources as v1 unit properties, and old systemd versions") {
  spec::Resources r;
  r.memory.emplace();
  r.memory->limit = 4096 * 1024;
  r.cpu.emplace();
  r.cpu->shares = 512;
  r.cpu->period = 50000;
  r.cpu->cpus = "0";
  r.block_io.emplace();
  r.block_io->weight = 300;
  auto p = systemd::resource_properties(r, false, 241);
  REQUIRE(p);
  // 241: no CPUQuotaPeriodUSec (242) and no AllowedCPUs (244).
  REQUIRE(*p == std::vector<Property>{{"MemoryLimit", uint64_t{4096 * 1024}},
                                      {"CPUShares", uint64_t{512}},
                                      {"CPUQuotaPerSecUSec", kInf},
                                      {"BlockIOWeight", uint64_t{300}}});
}

TEST_CASE("systemd: resource errors name the field") {
  spec::Resources r;
  r.cpu.emplace();
  r.cpu->cpus = "3-1";
  auto p = systemd::resource_properties(r, true, 252);
  REQUIRE_FALSE(p);
  REQUIRE(p.error().message() == "linux.resources.cpu.cpus: invalid cpu list \"3-1\"");
  spec::Resources u;
  u.unified = {{"memory.max", "lots"}};
  p = systemd::resource_properties(u, true, 252);
  REQUIRE_FALSE(p);
  REQUIRE(p.error().message() == "linux.resources.unified: \"memory.max\": invalid value \"lots\"");
  spec::Resources s;
  s.memory.emplace();
  s.memory->swap = 100;
  REQUIRE_FALSE(systemd::resource_properties(s, true, 252));
}

// ---- the manager record ----------------------------------------------------------------

TEST_CASE("systemd manager: placed from the hierarchy roots, persisted and reopened") {
  Layout v2;
  v2.kind = LayoutKind::kV2;
  v2.unified_mount = "/nonexistent/cgroup";
  std::map<std::string, std::string> self = {{"", "/user.slice/session-1.scope"}};
  auto m = make_systemd_manager(v2, self, "machine.slice:test:c9", "c9");
  REQUIRE(m);
  REQUIRE((*m)->path() == "/machine.slice/test-c9.scope");
  auto rec = nlohmann::json::parse((*m)->persist());
  REQUIRE(rec["driver"] == "systemd");
  REQUIRE(rec["unit"] == "test-c9.scope");
  REQUIRE(rec["inner"]["driver"] == "fs2");
  REQUIRE(rec["inner"]["unified"]["path"] == "/machine.slice/test-c9.scope");
  auto again = open_manager((*m)->persist());
  REQUIRE(again);
  REQUIRE((*again)->persist() == (*m)->persist());

  Layout hybrid;
  hybrid.kind = LayoutKind::kHybrid;
  hybrid.unified_mount = "/nonexistent/unified";
  hybrid.v1 = {{"/nonexistent/systemd", "/", {"name=systemd"}}, {"/nonexistent/memory", "/", {"memory"}}};
  auto h = make_systemd_manager(hybrid, {{"memory", "/own"}}, "", "c9");
  REQUIRE(h);
  auto hrec = nlohmann::json::parse((*h)->persist());
  REQUIRE(hrec["inner"]["driver"] == "fs1");
  REQUIRE(hrec["inner"]["v1"][1]["path"] == "/system.slice/berth-c9.scope");

  REQUIRE_FALSE(make_systemd_manager(v2, self, "/plain/path", "c9"));
  REQUIRE_FALSE(open_manager(R"({"driver":"systemd","unit":"u.scope"})"));
  REQUIRE_FALSE(open_manager(R"({"driver":"systemd","unit":"u","slice":"s","path":"/p","v2":true,)"
                             R"("inner":{"driver":"systemd"}})"));
}

// ---- device rules on v1 ------------------------------------------------------------

namespace {

constexpr std::string_view kProcDevices =
    "Character devices:\n  1 mem\n  5 /dev/tty\n136 pts\n\nBlock devices:\n  8 sd\n";

spec::DeviceCgroupRule dev(bool allow, char type, std::optional<int64_t> major, std::optional<int64_t> minor,
                           std::string access) {
  return {allow, type, major, minor, std::move(access)};
}

}  // namespace

TEST_CASE("systemd: device rules as DevicePolicy=strict and DeviceAllow") {
  spec::Resources r;
  r.devices = {dev(true, 'c', 10, 200, "rw"), dev(true, 'b', 8, std::nullopt, "r")};
  auto p = systemd::device_properties(cgroups::with_default_devices(r).devices, kProcDevices);
  StringPairs allow = {{"/dev/char/10:200", "rw"}, {"block-sd", "r"},         {"char-*", "m"},
                       {"block-*", "m"},           {"/dev/char/1:3", "rwm"},  {"/dev/char/1:5", "rwm"},
                       {"/dev/char/1:7", "rwm"},   {"/dev/char/1:8", "rwm"},  {"/dev/char/1:9", "rwm"},
                       {"/dev/char/5:0", "rwm"},   {"/dev/char/5:1", "rwm"},  {"/dev/char/5:2", "rwm"},
                       {"char-pts", "rwm"}};
  REQUIRE(p == std::vector<Property>{{"DeviceAllow", StringPairs{}},
                                     {"DevicePolicy", std::string("strict")},
                                     {"DeviceAllow", allow}});
}

TEST_CASE("systemd: device rules, denies and what has no systemd form") {
  // A later deny takes access away from an exact earlier allow.
  auto p = systemd::device_properties(
      {dev(false, 'a', std::nullopt, std::nullopt, "rwm"), dev(true, 'c', 1, 3, "rwm"), dev(false, 'c', 1, 3, "w"),
       dev(true, 'c', std::nullopt, 4, "r"), dev(true, 'c', 99, std::nullopt, "r")},
      kProcDevices);
  // "c *:4" and a major with no driver are left out.
  REQUIRE(p.back() == Property{"DeviceAllow", StringPairs{{"/dev/char/1:3", "rm"}}});
  // Allow-all (a privileged container): systemd's default policy.
  p = systemd::device_properties({dev(false, 'a', std::nullopt, std::nullopt, ""),
                                  dev(true, 'a', std::nullopt, std::nullopt, "")},
                                 kProcDevices);
  REQUIRE(p == std::vector<Property>{{"DevicePolicy", std::string("auto")}, {"DeviceAllow", StringPairs{}}});
  // A deny inside a wildcard allow: no allow list can say it.
  p = systemd::device_properties({dev(true, 'c', std::nullopt, std::nullopt, "rwm"), dev(false, 'c', 1, 3, "rwm")},
                                 kProcDevices);
  REQUIRE(p == std::vector<Property>{{"DeviceAllow", StringPairs{}}, {"DevicePolicy", std::string("strict")}});
}

TEST_CASE("dbus: a(ss) properties, byte for byte and round trip") {
  Writer w;
  write_properties(w, {{"DeviceAllow", StringPairs{{"/dev/char/1:3", "rwm"}}}});
  // 0: array length 60 (8..68); 8: "DeviceAllow" (4+11+1, to 24); 24:
  // signature "a(ss)" (7, to 31); 32: array length 28, padding to the
  // struct at 40; "/dev/char/1:3" (4+13+1, to 58); 60: "rwm" (4+3+1, to 68).
  std::string_view want(
      "\x3c\0\0\0\0\0\0\0"
      "\x0b\0\0\0DeviceAllow\0"
      "\x05" "a(ss)\0"
      "\0"
      "\x1c\0\0\0" "\0\0\0\0"
      "\x0d\0\0\0/dev/char/1:3\0" "\0\0"
      "\x03\0\0\0rwm\0",
      68);
  REQUIRE(w.bytes() == bytes(want));
  auto b = w.take();
  Reader r(b);
  auto got = read_properties(r);
  REQUIRE(got);
  REQUIRE((*got)[0] == Property{"DeviceAllow", StringPairs{{"/dev/char/1:3", "rwm"}}});
}
