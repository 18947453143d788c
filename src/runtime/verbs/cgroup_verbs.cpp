// pause, resume, ps, update: verbs over the container's cgroup.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <type_traits>

#include "spec/config.hpp"
#include "src/runtime/base/fileio.hpp"
#include "src/runtime/commands.hpp"
#include "src/cgroups/plan.hpp"
#include "src/runtime/container.hpp"

namespace berth::runtime {

namespace {

struct Opened {
  ContainerDir dir;
  ContainerState state;
  std::unique_ptr<cgroups::Manager> cgroup;
};

// The container, its state, and its cgroup (an error when it has none).
Result<Opened> open_with_cgroup(Context& ctx, const std::string& id, LockMode mode) {
  auto dir = ContainerDir::open(ctx.global.root, id, mode);
  if (!dir) return fail(std::move(dir).error());
  auto st = dir->read_state();
  if (!st) return fail(std::move(st).error());
  auto cg = container_cgroup(*st);
  if (!cg)
    return fail("container " + quote(id) +
                " has no cgroup (--cgroup-manager disabled, or rootless without one)");
  return Opened{std::move(*dir), std::move(*st), std::move(cg)};
}

Result<int> freeze(Context& ctx, const ParsedArgs& a, bool frozen) {
  const std::string& id = a.positionals()[0];
  const char* verb = frozen ? "pause" : "resume";
  auto c = open_with_cgroup(ctx, id, LockMode::kExclusive);
  if (!c) return fail(std::move(c).error().context(verb));
  Status s = container_status(c->dir, c->state);
  Status need = frozen ? Status::kRunning : Status::kPaused;
  if (s != need)
    return fail(std::string(verb) + ": container " + quote(id) + " is " + std::string(status_name(s)) + ", not " +
                std::string(status_name(need)));
  BERTH_TRY_CTX(c->cgroup->set_frozen(frozen), std::string(verb) + " " + quote(id));
  return 0;
}

// `ps` output filtered to the container's pids (runc runs ps(1) the same way).
Result<std::string> ps_table(const std::vector<pid_t>& pids, const std::vector<std::string>& opts) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return fail_errno("pipe for ps");
  UniqueFd rd(fds[0]), wr(fds[1]);
  std::vector<std::string> args{"ps"};
  if (opts.empty()) args.push_back("-ef");
  args.insert(args.end(), opts.begin(), opts.end());
  std::vector<char*> argv;
  for (auto& s : args) argv.push_back(s.data());
  argv.push_back(nullptr);
  pid_t child = ::fork();
  if (child < 0) return fail_errno("fork ps");
  if (child == 0) {
    ::dup2(wr.get(), 1);
    ::execvp("ps", argv.data());
    ::_exit(127);
  }
  wr.reset();
  std::string out;
  char buf[8192];
  ssize_t n;
  while ((n = ::read(rd.get(), buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  int status = 0;
  ::waitpid(child, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return fail("ps " + quote(args.back()) + " failed");
  // Keep the header, and the lines whose PID column is one of ours.  The
  // columns before the command never contain spaces, so splitting on blanks
  // finds the PID column in every line.
  auto words = [](const std::string& line) {
    std::vector<std::string> w;
    size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && line[i] == ' ') ++i;
      size_t j = std::min(line.find(' ', i), line.size());
      if (j > i) w.push_back(line.substr(i, j - i));
      i = j;
    }
    return w;
  };
  size_t nl = out.find('\n');
  std::string header = out.substr(0, nl);
  auto cols = words(header);
  auto at = std::find(cols.begin(), cols.end(), "PID");
  if (at == cols.end()) return fail("ps output has no PID column");
  size_t field = static_cast<size_t>(at - cols.begin());
  std::set<pid_t> want(pids.begin(), pids.end());
  std::string result = header + "\n";
  for (size_t pos = nl + 1; pos < out.size();) {
    size_t end = std::min(out.find('\n', pos), out.size());
    std::string line = out.substr(pos, end - pos);
    auto w = words(line);
    if (w.size() > field && want.count(static_cast<pid_t>(std::atoi(w[field].c_str())))) result += line + "\n";
    pos = end + 1;
  }
  return result;
}

// "64m" -> 67108864; "-1" stays -1 (no limit).
Result<int64_t> parse_bytes(const std::string& flag, const std::string& v) {
  char* end = nullptr;
  long long n = std::strtoll(v.c_str(), &end, 10);
  if (v.empty() || end == v.c_str()) return fail("--" + flag + ": invalid value " + quote(v));
  int64_t mult = 1;
  std::string suffix = end;
  if (suffix == "k" || suffix == "K" || suffix == "kb" || suffix == "KB") mult = 1LL << 10;
  else if (suffix == "m" || suffix == "M" || suffix == "mb" || suffix == "MB") mult = 1LL << 20;
  else if (suffix == "g" || suffix == "G" || suffix == "gb" || suffix == "GB") mult = 1LL << 30;
  else if (!suffix.empty()) return fail("--" + flag + ": invalid value " + quote(v));
  if (n < 0) return n == -1 ? Result<int64_t>(-1) : Result<int64_t>(fail("--" + flag + ": invalid value " + quote(v)));
  return static_cast<int64_t>(n) * mult;
}

template <class T>
Result<void> number_flag(const ParsedArgs& a, const char* flag, std::optional<T>& out) {
  if (!a.has(flag)) return {};
  std::string v = a.value(flag);
  char* end = nullptr;
  long long n = std::strtoll(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0' || (n < 0 && !std::is_signed_v<T>)) return fail(std::string("--") + flag + ": invalid number " + quote(v));
  out = static_cast<T>(n);
  return {};
}

// runc's flags, in v1 terms: the plans convert them for cgroup2.
Result<spec::Resources> resources_from_flags(const ParsedArgs& a) {
  spec::Resources r;
  if (a.has("l3-cache-schema") || a.has("mem-bw-schema"))
    return fail("--l3-cache-schema/--mem-bw-schema: Intel RDT is not supported yet");
  spec::Memory m;
  for (auto [flag, field] : {std::pair{"memory", &m.limit}, std::pair{"memory-reservation", &m.reservation},
                             std::pair{"memory-swap", &m.swap}}) {
    if (!a.has(flag)) continue;
    auto v = parse_bytes(flag, a.value(flag));
    if (!v) return fail(std::move(v).error());
    *field = *v;
  }
  if (m.limit || m.reservation || m.swap) r.memory = m;
  spec::Cpu c;
  BERTH_TRY(number_flag(a, "cpu-share", c.shares));
  BERTH_TRY(number_flag(a, "cpu-period", c.period));
  BERTH_TRY(number_flag(a, "cpu-quota", c.quota));
  BERTH_TRY(number_flag(a, "cpu-rt-period", c.realtime_period));
  BERTH_TRY(number_flag(a, "cpu-rt-runtime", c.realtime_runtime));
  c.cpus = a.value("cpuset-cpus");
  c.mems = a.value("cpuset-mems");
  if (c.shares || c.period || c.quota || c.realtime_period || c.realtime_runtime || !c.cpus.empty() || !c.mems.empty())
    r.cpu = c;
  spec::Pids p;
  BERTH_TRY(number_flag(a, "pids-limit", p.limit));
  if (p.limit) r.pids = p;
  spec::BlockIo b;
  BERTH_TRY(number_flag(a, "blkio-weight", b.weight));
  if (b.weight) r.block_io = b;
  return r;
}

Result<spec::Resources> update_resources(const ParsedArgs& a) {
  if (!a.has("resources")) return resources_from_flags(a);
  std::string file = a.value("resources");
  auto text = file == "-" ? read_file("/dev/stdin") : read_file(file);
  if (!text) return fail(std::move(text).error());
  return spec::parse_resources(*text, file == "-" ? "resources (stdin)" : file);
}

}  // namespace

Result<int> cmd_update(Context& ctx, const ParsedArgs& a) {
  const std::string& id = a.positionals()[0];
  std::string what = "update " + quote(id);
  auto r = update_resources(a);
  if (!r) return fail(std::move(r).error().context(what));
  auto c = open_with_cgroup(ctx, id, LockMode::kExclusive);
  if (!c) return fail(std::move(c).error().context("update"));
  Status s = container_status(c->dir, c->state);
  if (s == Status::kStopped || s == Status::kCreating)
    return fail(what + ": container is " + std::string(status_name(s)));
  // New device rules replace the old ones: complete them as at create.
  if (!r->devices.empty()) *r = cgroups::with_default_devices(*r);
  BERTH_TRY_CTX(c->cgroup->apply(*r), what);
  return 0;
}

Result<int> cmd_pause(Context& ctx, const ParsedArgs& a) { return freeze(ctx, a, true); }
Result<int> cmd_resume(Context& ctx, const ParsedArgs& a) { return freeze(ctx, a, false); }

Result<int> cmd_ps(Context& ctx, const ParsedArgs& a) {
  const auto& pos = a.positionals();
  std::string format = a.value("format", "table");
  if (format != "table" && format != "json") return fail("ps: --format: unknown format " + quote(format));
  auto c = open_with_cgroup(ctx, pos[0], LockMode::kShared);
  if (!c) return fail(std::move(c).error().context("ps"));
  auto pids = c->cgroup->pids();
  if (!pids) return fail(std::move(pids).error().context("ps " + quote(pos[0])));
  std::sort(pids->begin(), pids->end());
  std::string out;
  if (format == "json") {
    out = nlohmann::json(*pids).dump() + "\n";
  } else {
    auto t = ps_table(*pids, std::vector<std::string>(pos.begin() + 1, pos.end()));
    if (!t) return fail(std::move(t).error().context("ps"));
    out = std::move(*t);
  }
  BERTH_TRY(write_all(1, out, "stdout"));
  return 0;
}

}  // namespace berth::runtime
