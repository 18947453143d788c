// pause, resume, ps, update: verbs over the container's cgroup.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <set>

#include "spec/config.hpp"
#include "src/runtime/base/fileio.hpp"
#include "src/runtime/commands.hpp"
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
  if (!cg) return fail("container " + quote(id) + " has no cgroup (created with --cgroup-manager disabled)");
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

}  // namespace

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
