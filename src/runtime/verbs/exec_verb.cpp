// `exec`: builds the process from --process FILE, or from the container's
// own process with the command line and the flags applied (runc's rules).
#include <algorithm>
#include <cstdlib>

#include "spec/config.hpp"
#include "src/runtime/base/fileio.hpp"
#include "src/runtime/commands.hpp"
#include "src/runtime/container.hpp"
#include "src/runtime/exec.hpp"

namespace berth::runtime {

namespace {

Result<uint32_t> parse_id(const std::string& s, const char* what) {
  char* end = nullptr;
  unsigned long v = std::strtoul(s.c_str(), &end, 10);
  if (s.empty() || *end != '\0' || v > 0xffffffffUL) return fail(std::string(what) + ": invalid id " + quote(s));
  return static_cast<uint32_t>(v);
}

// KEY=VALUE replaces an existing KEY, as runc does.
void set_env(std::vector<std::string>& env, const std::string& kv) {
  std::string key = kv.substr(0, kv.find('='));
  for (auto& e : env)
    if (e.substr(0, e.find('=')) == key) {
      e = kv;
      return;
    }
  env.push_back(kv);
}

Result<void> apply_flags(const ParsedArgs& a, spec::Process& p) {
  for (const auto& kv : a.values("env")) set_env(p.env, kv);
  if (a.has("cwd")) p.cwd = a.value("cwd");
  if (a.has("tty")) p.terminal = a.flag("tty");
  if (a.has("user")) {
    std::string u = a.value("user");
    auto colon = u.find(':');
    auto uid = parse_id(u.substr(0, colon), "--user");
    if (!uid) return fail(std::move(uid).error());
    p.user.uid = *uid;
    if (colon != std::string::npos) {
      auto gid = parse_id(u.substr(colon + 1), "--user");
      if (!gid) return fail(std::move(gid).error());
      p.user.gid = *gid;
    }
  }
  for (const auto& g : a.values("additional-gids")) {
    auto gid = parse_id(g, "--additional-gids");
    if (!gid) return fail(std::move(gid).error());
    p.user.additional_gids.push_back(*gid);
  }
  for (const auto& c : a.values("cap")) {
    int n = spec::capability_from_name(c);
    if (n < 0) return fail("--cap: unknown capability " + quote(c));
    if (!p.capabilities) p.capabilities.emplace();
    for (auto* set : {&p.capabilities->bounding, &p.capabilities->effective, &p.capabilities->permitted}) {
      if (!*set) set->emplace();
      (*set)->push_back(n);
    }
  }
  if (a.flag("no-new-privs")) p.no_new_privileges = true;
  if (a.has("apparmor")) p.apparmor_profile = a.value("apparmor");
  if (a.has("process-label")) p.selinux_label = a.value("process-label");
  return {};
}

Result<spec::Process> build_process(Context& ctx, const ParsedArgs& a, const std::string& id) {
  const auto& pos = a.positionals();
  if (a.has("process")) {
    std::string file = a.value("process");
    auto text = read_file(file);
    if (!text) return fail(std::move(text).error());
    auto p = spec::parse_process(*text, file);
    if (!p) return fail(std::move(p).error());
    // runc applies the command-line flags on top of a --process file too.
    BERTH_TRY(apply_flags(a, *p));
    return p;
  }
  if (pos.size() < 2) return fail("a command is required (or --process FILE)");
  auto dir = ContainerDir::open(ctx.global.root, id, LockMode::kShared);
  if (!dir) return fail(std::move(dir).error());
  auto cfg = stored_config(*dir);
  if (!cfg) return fail(std::move(cfg).error());
  spec::Process p = cfg->process ? *cfg->process : spec::Process{};
  p.args.assign(pos.begin() + 1, pos.end());
  // A new process gets no terminal unless asked, whatever the init has.
  p.terminal = false;
  p.console_size.reset();
  BERTH_TRY(apply_flags(a, p));
  return p;
}

}  // namespace

Result<int> cmd_exec(Context& ctx, const ParsedArgs& a) {
  ExecRequest req;
  req.id = a.positionals()[0];
  std::string ctx_text = "exec " + quote(req.id);
  // --cgroup PATH | CONTROLLER[,CONTROLLER]:PATH, as runc takes it.
  for (const auto& v : a.values("cgroup")) {
    auto colon = v.find(':');
    std::string path = colon == std::string::npos ? v : v.substr(colon + 1);
    if (path.empty()) return fail(ctx_text + ": --cgroup: empty path in " + quote(v));
    if (colon == std::string::npos) {
      req.sub_cgroups[""] = path;
      continue;
    }
    std::string ctrls = v.substr(0, colon);
    for (size_t i = 0; i <= ctrls.size();) {
      size_t j = std::min(ctrls.find(',', i), ctrls.size());
      if (j == i) return fail(ctx_text + ": --cgroup: empty controller in " + quote(v));
      req.sub_cgroups[ctrls.substr(i, j - i)] = path;
      i = j + 1;
    }
  }
  auto p = build_process(ctx, a, req.id);
  if (!p) return fail(std::move(p).error().context(ctx_text));
  if (p->args.empty()) return fail(ctx_text + ": process.args: must not be empty");
  if (p->cwd.empty() || p->cwd[0] != '/') return fail(ctx_text + ": process.cwd: must be an absolute path, got " + quote(p->cwd));
  req.process = std::move(*p);
  req.console_socket = a.value("console-socket");
  req.pid_file = a.value("pid-file");
  req.pidfd_socket = a.value("pidfd-socket");
  req.detach = a.flag("detach");
  req.ignore_paused = a.flag("ignore-paused");
  auto fds = parse_preserve_fds(a);
  if (!fds) return fail(std::move(fds).error().context(ctx_text));
  req.preserve_fds = *fds;
  auto rc = exec_process(ctx, req);
  if (!rc) return fail(std::move(rc).error().context(ctx_text));
  return rc;
}

}  // namespace berth::runtime
