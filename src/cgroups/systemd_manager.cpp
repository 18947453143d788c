// The systemd cgroup driver's Manager: a transient unit started over D-Bus,
// wrapped around a cgroupfs manager (fs1/fs2) for the unit's directories.
//
// Order, and why:
//   create()       connects to systemd and reads its version, so a host
//                  without a reachable systemd fails before any process
//                  exists.  Nothing is started: a scope needs a pid.
//   apply()        before the unit exists only translates (errors surface
//                  before clone) and keeps the resources.
//   open_v2_dir()  gives no fd before the unit exists, so the launcher
//                  clones without CLONE_INTO_CGROUP and calls add_process.
//   add_process()  the first time: StartTransientUnit with PIDs=[pid] and
//                  the resource properties, wait for the job's JobRemoved
//                  signal, then let the cgroupfs manager create and join
//                  the directories (v1 controllers systemd does not manage)
//                  and write every resource, systemd-unknown ones included
//                  (runc's Apply then Set).
//   destroy()      StopUnit and wait, ResetFailedUnit, then remove what is
//                  left, like the cgroupfs path (systemd 239 left sub-cgroups).
// Everything else (freezer, pids, stats, kill) is the cgroupfs manager's.
#include <nlohmann/json.hpp>
#include <optional>

#include "src/cgroups/dbus_conn.hpp"
#include "src/cgroups/manager.hpp"
#include "src/cgroups/systemd.hpp"
#include "src/runtime/base/fileio.hpp"

namespace berth::cgroups {

namespace {

using dbus::Message;
using dbus::MsgType;

constexpr int kCallTimeoutMs = 25000;  // D-Bus's default method call timeout
constexpr int kJobTimeoutMs = 30000;   // runc waits as long for a unit job

// A D-Bus connection to systemd's Manager object.
class SystemdBus {
 public:
  static Result<SystemdBus> connect() {
    auto c = dbus::Connection::connect_system(kCallTimeoutMs);
    if (!c) return fail(std::move(c).error().context("systemd cgroup driver"));
    SystemdBus b(std::move(*c));
    // JobRemoved is broadcast; a bus daemon only routes it to connections
    // that asked.  The private socket sends it to every client.  Before
    // any job is queued, so its signal cannot be missed.
    if (b.c_.via_bus()) {
      Message m;
      m.destination = m.interface = "org.freedesktop.DBus";
      m.path = "/org/freedesktop/DBus";
      m.member = "AddMatch";
      m.signature = "s";
      dbus::Writer w;
      w.string(
          "type='signal',sender='org.freedesktop.systemd1',path='/org/freedesktop/systemd1',"
          "interface='org.freedesktop.systemd1.Manager',member='JobRemoved'");
      m.body = w.take();
      auto r = b.c_.call(std::move(m), kCallTimeoutMs);
      if (!r) return fail(std::move(r).error());
      if (r->type == MsgType::kError) return fail("D-Bus AddMatch: " + dbus::error_text(*r));
    }
    return b;
  }

  // systemd's version; -1 when it cannot be read (then the properties that
  // need a version are left to the cgroupfs writes).
  int version() {
    Message m = manager_call("Get", "ss");
    m.interface = "org.freedesktop.DBus.Properties";
    dbus::Writer w;
    w.string("org.freedesktop.systemd1.Manager");
    w.string("Version");
    m.body = w.take();
    auto r = c_.call(std::move(m), kCallTimeoutMs);
    if (!r || r->type != MsgType::kMethodReturn || r->signature != "v") return -1;
    auto rd = r->body_reader();
    auto sig = rd.signature();
    if (!sig || *sig != "s") return -1;
    auto s = rd.string();
    return s ? systemd::parse_version(*s) : -1;
  }

  Result<void> start_unit(const std::string& unit, const std::vector<dbus::Property>& props) {
    auto call = [&]() {
      Message m = manager_call("StartTransientUnit", "ssa(sv)a(sa(sv))");
      dbus::Writer w;
      w.string(unit);
      w.string("replace");
      dbus::write_properties(w, props);
      size_t aux = w.begin_array(8);  // no auxiliary units
      w.end_array(aux);
      m.body = w.take();
      return c_.call(std::move(m), kCallTimeoutMs);
    };
    auto r = call();
    if (r && r->type == MsgType::kError && r->error_name == "org.freedesktop.systemd1.UnitExists") {
      // A failed unit of the same name stays loaded until reset; runc
      // resets it and tries once more.
      reset_failed(unit);
      r = call();
    }
    auto job = job_path(r, "StartTransientUnit", unit);
    if (!job) return fail(std::move(job).error());
    auto result = wait_job(*job, unit);
    if (!result) {
      reset_failed(unit);
      return fail(std::move(result).error());
    }
    if (*result != "done") {
      reset_failed(unit);
      return fail("systemd could not start unit " + quote(unit) + ": job result " + quote(*result));
    }
    return {};
  }

  // False when systemd has no such unit (a scope stops by itself once its
  // last process has exited).
  Result<bool> stop_unit(const std::string& unit) {
    Message m = manager_call("StopUnit", "ss");
    dbus::Writer w;
    w.string(unit);
    w.string("replace");
    m.body = w.take();
    auto r = c_.call(std::move(m), kCallTimeoutMs);
    if (r && r->type == MsgType::kError && r->error_name == "org.freedesktop.systemd1.NoSuchUnit")
      return false;
    auto job = job_path(r, "StopUnit", unit);
    if (!job) return fail(std::move(job).error());
    auto result = wait_job(*job, unit);
    if (!result) return fail(std::move(result).error());
    // Anything but "done" (e.g. "canceled") still leaves the unit going
    // away; like runc, the cgroupfs cleanup that follows decides.
    reset_failed(unit);
    return true;
  }

  Result<void> set_properties(const std::string& unit, const std::vector<dbus::Property>& props) {
    Message m = manager_call("SetUnitProperties", "sba(sv)");
    dbus::Writer w;
    w.string(unit);
    w.boolean(true);  // runtime: not written to /etc
    dbus::write_properties(w, props);
    m.body = w.take();
    auto r = c_.call(std::move(m), kCallTimeoutMs);
    if (!r) return fail(std::move(r).error());
    if (r->type == MsgType::kError)
      return fail("set properties of systemd unit " + quote(unit) + ": " + dbus::error_text(*r));
    return {};
  }

 private:
  explicit SystemdBus(dbus::Connection c) : c_(std::move(c)) {}

  static Message manager_call(std::string member, std::string signature) {
    Message m;
    m.destination = "org.freedesktop.systemd1";
    m.path = "/org/freedesktop/systemd1";
    m.interface = "org.freedesktop.systemd1.Manager";
    m.member = std::move(member);
    m.signature = std::move(signature);
    return m;
  }

  void reset_failed(const std::string& unit) {
    Message m = manager_call("ResetFailedUnit", "s");
    dbus::Writer w;
    w.string(unit);
    m.body = w.take();
    (void)c_.call(std::move(m), kCallTimeoutMs);  // "not failed" errors are expected
  }

  static Result<std::string> job_path(Result<Message>& r, std::string_view method,
                                      const std::string& unit) {
    std::string what = std::string(method) + " " + quote(unit);
    if (!r) return fail(std::move(r).error().context(what));
    if (r->type == MsgType::kError) return fail(what + ": " + dbus::error_text(*r));
    if (r->signature != "o")
      return fail(what + ": unexpected reply signature " + quote(r->signature));
    auto p = r->body_reader().object_path();
    if (!p) return fail(std::move(p).error().context(what));
    return *p;
  }

  // JobRemoved(u id, o job, s unit, s result) of `job`: its result.
  Result<std::string> wait_job(const std::string& job, const std::string& unit) {
    std::string result;
    auto match = [&](const Message& s) {
      if (s.member != "JobRemoved" || s.interface != "org.freedesktop.systemd1.Manager" ||
          s.signature != "uoss")
        return false;
      auto rd = s.body_reader();
      auto id = rd.u32();
      auto path = id ? rd.object_path() : Result<std::string>(fail("bad JobRemoved"));
      if (!path || *path != job) return false;
      auto name = rd.string();
      auto res = name ? rd.string() : Result<std::string>(fail("bad JobRemoved"));
      if (!res) return false;
      result = *res;
      return true;
    };
    auto s = c_.wait_signal(match, kJobTimeoutMs);
    if (!s)
      return fail(
          std::move(s).error().context("systemd job " + quote(job) + " for unit " + quote(unit)));
    return result;
  }

  dbus::Connection c_;
};

class SystemdManager final : public Manager {
 public:
  SystemdManager(systemd::UnitPath u, std::string id, bool v2, std::unique_ptr<Manager> inner,
                 bool started)
      : u_(std::move(u)),
        id_(std::move(id)),
        v2_(v2),
        inner_(std::move(inner)),
        started_(started) {}

  Result<void> create() override {
    BERTH_TRY(bus());
    return {};
  }

  Result<UniqueFd> open_v2_dir(std::string_view sub) const override {
    if (!started_) return UniqueFd();
    return inner_->open_v2_dir(sub);
  }

  Result<void> add_process(pid_t pid, const SubCgroups& sub) override {
    if (started_) return inner_->add_process(pid, sub);
    auto b = bus();
    if (!b) return fail(std::move(b).error());
    spec::Resources r = pending_.value_or(spec::Resources{});
    auto props = systemd::unit_properties(u_, id_, u_.is_slice() ? 0 : pid, v2_);
    auto res = properties(r);
    if (!res) return fail(std::move(res).error());
    props.insert(props.end(), res->begin(), res->end());
    BERTH_TRY((*b)->start_unit(u_.unit, props));
    started_ = true;
    // mkdir -p joins systemd's directories and makes those of the v1
    // controllers it does not manage; then every resource, as cgroupfs.
    BERTH_TRY(inner_->create());
    if (pending_) BERTH_TRY(inner_->apply(r));
    return inner_->add_process(pid, sub);
  }

  Result<void> apply(const spec::Resources& res) override {
    auto b = bus();
    if (!b) return fail(std::move(b).error());
    spec::Resources r = res;
    auto props = properties(r);
    if (!props) return fail(std::move(props).error());
    if (!started_) {
      pending_ = res;
      return {};
    }
    if (!props->empty()) BERTH_TRY((*b)->set_properties(u_.unit, *props));
    return inner_->apply(r);
  }

  Result<void> set_frozen(bool frozen) override { return inner_->set_frozen(frozen); }
  Result<bool> frozen() const override { return inner_->frozen(); }
  Result<std::vector<pid_t>> pids() const override { return inner_->pids(); }
  Result<Stats> stats() const override { return inner_->stats(); }
  Result<std::unique_ptr<OomWatch>> watch_oom() const override { return inner_->watch_oom(); }
  Result<void> kill_all(int sig) override { return inner_->kill_all(sig); }

  Result<void> destroy() override {
    auto b = bus();
    if (!b) return fail(std::move(b).error());
    auto stopped = (*b)->stop_unit(u_.unit);
    if (!stopped) return fail(std::move(stopped).error());
    return inner_->destroy();
  }

  std::string persist() const override {
    nlohmann::json inner = nlohmann::json::parse(inner_->persist(), nullptr, false);
    nlohmann::json j = {{"driver", "systemd"}, {"unit", u_.unit}, {"slice", u_.slice},
                        {"path", u_.path},     {"v2", v2_},       {"inner", inner}};
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }

  std::string path() const override { return inner_->path(); }

 private:
  // Connected on first use: later verbs that only freeze or read stats
  // never talk to systemd.
  Result<SystemdBus*> bus() {
    if (!bus_) {
      auto b = SystemdBus::connect();
      if (!b) return fail(std::move(b).error());
      bus_.emplace(std::move(*b));
      version_ = bus_->version();
    }
    return &*bus_;
  }

  // The unit properties for `r` (whose cpu quota may be rounded).  Device
  // rules only on v1: see systemd::device_properties().
  Result<std::vector<dbus::Property>> properties(spec::Resources& r) const {
    auto props = systemd::resource_properties(r, v2_, version_);
    if (!props || v2_ || r.devices.empty()) return props;
    auto devices = read_file("/proc/devices");
    auto dev = systemd::device_properties(r.devices, devices ? *devices : std::string());
    props->insert(props->end(), dev.begin(), dev.end());
    return props;
  }

  systemd::UnitPath u_;
  std::string id_;
  bool v2_;
  std::unique_ptr<Manager> inner_;
  bool started_;
  std::optional<spec::Resources> pending_;
  std::optional<SystemdBus> bus_;
  int version_ = -1;
};

}  // namespace

Result<std::unique_ptr<Manager>> make_systemd_manager(
    const Layout& layout, const std::map<std::string, std::string>& self,
    std::string_view cgroups_path, std::string_view id) {
  auto u = systemd::parse_cgroups_path(cgroups_path, id);
  if (!u) return fail(std::move(u).error());
  if (layout.kind != LayoutKind::kV2 && layout.find_v1("name=systemd") == nullptr)
    return fail("systemd cgroup driver: no name=systemd or cgroup2 hierarchy is mounted");
  // The same directories in every hierarchy, from its root.
  auto inner = make_manager(layout, self, u->path, id);
  if (!inner) return fail(std::move(inner).error());
  bool v2 = layout.kind == LayoutKind::kV2;
  return std::unique_ptr<Manager>(std::make_unique<SystemdManager>(std::move(*u), std::string(id),
                                                                   v2, std::move(*inner), false));
}

Result<std::unique_ptr<Manager>> make_systemd_manager(std::string_view cgroups_path,
                                                      std::string_view id) {
  auto layout = detect_layout();
  if (!layout) return fail(std::move(layout).error());
  auto self = read_file("/proc/self/cgroup");
  if (!self) return fail(std::move(self).error());
  return make_systemd_manager(*layout, parse_proc_cgroup(*self), cgroups_path, id);
}

Result<std::unique_ptr<Manager>> open_systemd_manager(const nlohmann::json& j) {
  auto bad = [] { return fail("cgroups: invalid systemd cgroup record in state"); };
  auto str = [&](const char* k) -> const std::string* {
    auto it = j.find(k);
    return it != j.end() && it->is_string() ? &it->get_ref<const std::string&>() : nullptr;
  };
  auto inner_it = j.find("inner");
  auto v2_it = j.find("v2");
  if (!str("unit") || !str("slice") || !str("path") || inner_it == j.end() ||
      !inner_it->is_object() || v2_it == j.end() || !v2_it->is_boolean())
    return bad();
  auto inner = open_manager(inner_it->dump());
  if (!inner) return fail(std::move(inner).error());
  systemd::UnitPath u{*str("slice"), *str("unit"), *str("path")};
  return std::unique_ptr<Manager>(std::make_unique<SystemdManager>(
      std::move(u), "", v2_it->get<bool>(), std::move(*inner), true));
}

}  // namespace berth::cgroups
