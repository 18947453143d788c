#include "src/runtime/cli.hpp"

#include <unistd.h>

#include <array>
#include <cstdlib>
#include <cstring>
#include <optional>

#include "src/runtime/base/fileio.hpp"

#include "berth_version.h"
#include "src/runtime/commands.hpp"
#include "src/runtime/rootless.hpp"
#include "src/seccomp/support.hpp"

namespace berth::runtime {

namespace {

constexpr FlagSpec kGlobalFlags[] = {
    {"root", 0, "DIR", "directory for container state (default \"/run/berth\"; not root: \"$XDG_RUNTIME_DIR/berth\")"},
    {"log", 0, "FILE", "append log records to FILE instead of stderr"},
    {"log-format", 0, "FORMAT", "log record format: text or json (default \"text\")"},
    {"log-level", 0, "LEVEL", "least severe level logged: debug, info, warning, error"},
    {"debug", 0, "", "log at debug level"},
    {"systemd-cgroup", 0, "", "manage cgroups through systemd (same as --cgroup-manager systemd)"},
    {"rootless", 0, "VALUE", "rootless mode: true, false or auto (default \"auto\")"},
    {"cgroup-manager", 0, "MANAGER", "cgroup manager: cgroupfs, systemd or disabled"},
    {"help", 'h', "", "show help"},
    {"version", 'v', "", "print the version"},
};

constexpr FlagSpec kHelpFlag{"help", 'h', "", "show help for this command"};

constexpr FlagSpec kCreateFlags[] = {
    {"bundle", 'b', "DIR", "bundle directory (default: the current directory)"},
    {"console-socket", 0, "PATH", "unix socket that receives the pty master when process.terminal is true"},
    {"pidfd-socket", 0, "PATH", "unix socket that receives a pidfd of the container process"},
    {"pid-file", 0, "FILE", "write the container process's host pid to FILE"},
    {"no-pivot", 0, "", "use MS_MOVE and chroot instead of pivot_root (initramfs hosts)"},
    {"no-new-keyring", 0, "", "keep the caller's session keyring instead of a new one"},
    {"preserve-fds", 0, "N", "pass N file descriptors after stdio (3 .. 3+N-1) to the container"},
    kHelpFlag,
};

constexpr FlagSpec kRunFlags[] = {
    {"bundle", 'b', "DIR", "bundle directory (default: the current directory)"},
    {"console-socket", 0, "PATH", "unix socket that receives the pty master when process.terminal is true"},
    {"pidfd-socket", 0, "PATH", "unix socket that receives a pidfd of the container process"},
    {"detach", 'd', "", "do not wait for the container; return once it started"},
    {"keep", 0, "", "keep the container's state after it exits"},
    {"pid-file", 0, "FILE", "write the container process's host pid to FILE"},
    {"no-subreaper", 0, "", "do not make berth a child subreaper"},
    {"no-pivot", 0, "", "use MS_MOVE and chroot instead of pivot_root (initramfs hosts)"},
    {"no-new-keyring", 0, "", "keep the caller's session keyring instead of a new one"},
    {"preserve-fds", 0, "N", "pass N file descriptors after stdio (3 .. 3+N-1) to the container"},
    kHelpFlag,
};

constexpr FlagSpec kNoFlags[] = {kHelpFlag};

constexpr FlagSpec kKillFlags[] = {
    {"all", 'a', "", "send the signal to every process of the container"},
    kHelpFlag,
};

constexpr FlagSpec kDeleteFlags[] = {
    {"force", 'f', "", "kill the container first if it is running; succeed if it does not exist"},
    kHelpFlag,
};

constexpr FlagSpec kListFlags[] = {
    {"format", 'f', "FORMAT", "output format: table or json (default \"table\")"},
    {"quiet", 'q', "", "print only container ids"},
    kHelpFlag,
};

constexpr FlagSpec kExecFlags[] = {
    {"console-socket", 0, "PATH", "unix socket that receives the pty master when --tty is set"},
    {"pidfd-socket", 0, "PATH", "unix socket that receives a pidfd of the new process"},
    {"cwd", 0, "DIR", "working directory inside the container"},
    {"env", 'e', "KEY=VALUE", "set an environment variable (repeatable)", true},
    {"tty", 't', "", "allocate a pseudo-terminal"},
    {"user", 'u', "UID[:GID]", "user and group to run as"},
    {"additional-gids", 'g', "GID", "additional group (repeatable)", true},
    {"process", 'p', "FILE", "read the process from a JSON file (config.md \"process\")"},
    {"detach", 'd', "", "do not wait for the process"},
    {"pid-file", 0, "FILE", "write the new process's host pid to FILE"},
    {"process-label", 0, "LABEL", "SELinux label of the process"},
    {"apparmor", 0, "PROFILE", "AppArmor profile of the process"},
    {"no-new-privs", 0, "", "set no_new_privs for the process"},
    {"cap", 'c', "CAP", "add a capability to the bounding, effective, permitted sets (repeatable)",
     true},
    {"preserve-fds", 0, "N", "pass N file descriptors after stdio to the process"},
    {"cgroup", 0, "[CONTROLLER:]PATH", "run in this sub-cgroup of the container (repeatable)", true},
    {"ignore-paused", 0, "", "exec even if the container is paused"},
    kHelpFlag,
};

constexpr FlagSpec kPsFlags[] = {
    {"format", 'f', "FORMAT", "output format: table or json (default \"table\")"},
    kHelpFlag,
};

constexpr FlagSpec kUpdateFlags[] = {
    {"resources", 'r', "FILE", "read linux.resources JSON from FILE (\"-\" for stdin)"},
    {"memory", 0, "BYTES", "memory limit (suffixes k, m, g; -1 for none)"},
    {"memory-reservation", 0, "BYTES", "memory soft limit"},
    {"memory-swap", 0, "BYTES", "memory plus swap limit (-1 for none)"},
    {"cpu-share", 0, "N", "CPU shares (relative weight)"},
    {"cpu-period", 0, "USEC", "CPU CFS period"},
    {"cpu-quota", 0, "USEC", "CPU CFS quota (-1 for none)"},
    {"cpu-rt-period", 0, "USEC", "CPU realtime period"},
    {"cpu-rt-runtime", 0, "USEC", "CPU realtime runtime"},
    {"cpuset-cpus", 0, "LIST", "CPUs the container may use (\"0-3,7\")"},
    {"cpuset-mems", 0, "LIST", "memory nodes the container may use"},
    {"pids-limit", 0, "N", "maximum number of tasks (-1 or 0 for none)"},
    {"blkio-weight", 0, "N", "block IO weight (10-1000)"},
    {"l3-cache-schema", 0, "SCHEMA", "Intel RDT L3 cache schema"},
    {"mem-bw-schema", 0, "SCHEMA", "Intel RDT memory bandwidth schema"},
    kHelpFlag,
};

constexpr FlagSpec kEventsFlags[] = {
    {"stats", 0, "", "print one stats record and exit"},
    {"interval", 0, "DURATION", "stats interval (default \"5s\")"},
    kHelpFlag,
};

constexpr FlagSpec kSpecFlags[] = {
    {"bundle", 'b', "DIR", "write config.json into DIR (default: the current directory)"},
    {"rootless", 0, "", "generate a config for a rootless container"},
    kHelpFlag,
};

constexpr VerbSpec kVerbs[] = {
    {"create", "<container-id>", "create a container from a bundle", kCreateFlags, 1, 1, true, &cmd_create},
    {"start", "<container-id>", "start the user process of a created container", kNoFlags, 1, 1, true, &cmd_start},
    {"run", "<container-id>", "create and start a container, and wait for it", kRunFlags, 1, 1, true, &cmd_run},
    {"state", "<container-id>", "print the state of a container as JSON", kNoFlags, 1, 1, true, &cmd_state},
    {"kill", "<container-id> [SIGNAL]", "send a signal to the container's process", kKillFlags, 1, 2, true, &cmd_kill},
    {"delete", "<container-id>", "delete a container and everything it holds", kDeleteFlags, 1, 1, true, &cmd_delete},
    {"list", "", "list containers", kListFlags, 0, 0, true, &cmd_list},
    {"exec", "<container-id> [COMMAND [ARG...]]", "run a new process in a container", kExecFlags, 1, -1, false, &cmd_exec},
    {"ps", "<container-id> [PS-OPTION...]", "list the processes of a container", kPsFlags, 1, -1, false, &cmd_ps},
    {"pause", "<container-id>", "freeze every process of a container", kNoFlags, 1, 1, true, &cmd_pause},
    {"resume", "<container-id>", "thaw a paused container", kNoFlags, 1, 1, true, &cmd_resume},
    {"update", "<container-id>", "change the resource limits of a container", kUpdateFlags, 1, 1, true, &cmd_update},
    {"events", "<container-id>", "print container events and statistics", kEventsFlags, 1, 1, true, &cmd_events},
    {"spec", "", "write a default config.json", kSpecFlags, 0, 0, true, &cmd_spec},
    {"features", "", "print the features berth supports as JSON", kNoFlags, 0, 0, true, &cmd_features},
};

const FlagSpec* find_flag(std::span<const FlagSpec> flags, std::string_view name) {
  for (const auto& f : flags)
    if (f.name == name) return &f;
  return nullptr;
}

const FlagSpec* find_short(std::span<const FlagSpec> flags, char c) {
  for (const auto& f : flags)
    if (f.short_name == c) return &f;
  return nullptr;
}

bool parse_bool_text(std::string_view v, bool& out) {
  if (v == "true" || v == "1" || v == "t" || v == "TRUE" || v == "True") return out = true, true;
  if (v == "false" || v == "0" || v == "f" || v == "FALSE" || v == "False") return out = false, true;
  return false;
}

std::string flag_usage(const FlagSpec& f) {
  std::string s = "  ";
  if (f.short_name != 0) {
    s += '-';
    s += f.short_name;
    s += ", ";
  } else {
    s += "    ";
  }
  s += "--";
  s += f.name;
  if (!f.value_name.empty()) {
    s += ' ';
    s += f.value_name;
  }
  if (s.size() < 34) s.append(34 - s.size(), ' ');
  else s += "  ";
  s += f.help;
  s += '\n';
  return s;
}

}  // namespace

bool ParsedArgs::has(std::string_view name) const {
  for (const auto& [k, v] : flags_)
    if (k == name) return true;
  return false;
}

std::string ParsedArgs::value(std::string_view name, std::string_view def) const {
  for (auto it = flags_.rbegin(); it != flags_.rend(); ++it)
    if (it->first == name) return it->second;
  return std::string(def);
}

std::vector<std::string> ParsedArgs::values(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [k, v] : flags_)
    if (k == name) out.push_back(v);
  return out;
}

bool ParsedArgs::flag(std::string_view name) const { return value(name, "false") == "true"; }

std::span<const FlagSpec> global_flags() { return kGlobalFlags; }
std::span<const VerbSpec> verbs() { return kVerbs; }

const VerbSpec* find_verb(std::string_view name) {
  for (const auto& v : kVerbs)
    if (v.name == name) return &v;
  return nullptr;
}

Result<ParsedArgs> parse_flags(std::span<const FlagSpec> flags, std::span<const std::string> args,
                               bool interspersed) {
  ParsedArgs out;
  bool flags_done = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (flags_done || a.size() < 2 || a[0] != '-') {
      out.positionals_.push_back(a);
      if (!interspersed) flags_done = true;
      continue;
    }
    if (a == "--") {
      flags_done = true;
      continue;
    }
    std::string_view body = std::string_view(a).substr(a[1] == '-' ? 2 : 1);
    std::string_view name = body;
    std::optional<std::string> inline_value;
    if (auto eq = body.find('='); eq != std::string_view::npos) {
      name = body.substr(0, eq);
      inline_value = std::string(body.substr(eq + 1));
    }
    const FlagSpec* f = find_flag(flags, name);
    if (f == nullptr && name.size() == 1) f = find_short(flags, name[0]);
    // Grouped short bool flags: -dt
    if (f == nullptr && a[1] != '-' && !inline_value && name.size() > 1) {
      std::vector<std::string_view> group;
      for (char c : name) {
        const FlagSpec* s = find_short(flags, c);
        if (s == nullptr || !s->value_name.empty()) break;
        group.push_back(s->name);
      }
      if (group.size() == name.size()) {
        for (auto n : group) out.flags_.emplace_back(std::string(n), "true");
        continue;
      }
    }
    if (f == nullptr) return fail("unknown flag \"" + a + "\"");
    if (f->value_name.empty()) {
      bool b = true;
      if (inline_value && !parse_bool_text(*inline_value, b))
        return fail("flag \"--" + std::string(f->name) + "\": invalid boolean \"" + *inline_value + "\"");
      out.flags_.emplace_back(std::string(f->name), b ? "true" : "false");
      continue;
    }
    if (!inline_value) {
      if (i + 1 >= args.size()) return fail("flag \"--" + std::string(f->name) + "\" needs a value");
      inline_value = args[++i];
    }
    out.flags_.emplace_back(std::string(f->name), std::move(*inline_value));
  }
  return out;
}

std::string global_help() {
  std::string s =
      "berth: a runc-compatible OCI container runtime\n\n"
      "Usage: berth [GLOBAL OPTIONS] COMMAND [OPTIONS] [ARGS...]\n\nCommands:\n";
  for (const auto& v : kVerbs) {
    std::string line = "  ";
    line += v.name;
    line.append(line.size() < 14 ? 14 - line.size() : 1, ' ');
    line += v.summary;
    if (v.handler == nullptr) line += " (not implemented yet)";
    s += line + "\n";
  }
  s += "\nGlobal options:\n";
  for (const auto& f : kGlobalFlags) s += flag_usage(f);
  s += "\nRun 'berth COMMAND --help' for a command's options; man berth(8) for details.\n";
  return s;
}

std::string verb_help(const VerbSpec& v) {
  std::string s = "Usage: berth ";
  s += v.name;
  s += " [OPTIONS]";
  if (!v.args_usage.empty()) {
    s += ' ';
    s += v.args_usage;
  }
  s += "\n\n";
  s += v.summary;
  s += "\n\nOptions:\n";
  for (const auto& f : v.flags) s += flag_usage(f);
  return s;
}

std::string version_text() {
  return "berth version " BERTH_VERSION "\ncommit: " BERTH_COMMIT "\nspec: " BERTH_SPEC_VERSION
         "\nlibseccomp: " + seccomp::library_version() + "\n";
}

namespace {

Result<void> apply_global(const ParsedArgs& g, Context& ctx) {
  GlobalOptions& o = ctx.global;
  if (g.has("root")) {
    o.root = g.value("root");
    if (o.root.empty()) return fail("--root: must not be empty");
  } else {
    // Non-root: the caller's runtime dir, as runc does.  Without one the
    // root stays empty, which dispatch() reports for the verbs that need it.
    auto d = default_state_root(::geteuid(), std::getenv("XDG_RUNTIME_DIR"));
    o.root = d ? *d : std::string();
  }
  o.log_file = g.value("log");
  if (g.has("log-format")) {
    auto f = parse_log_format(g.value("log-format"));
    if (!f) return fail(std::move(f).error().context("--log-format"));
    o.log_format = *f;
  }
  if (g.has("log-level")) {
    auto l = parse_log_level(g.value("log-level"));
    if (!l) return fail(std::move(l).error().context("--log-level"));
    o.log_level = *l;
  }
  o.debug = g.flag("debug");
  if (o.debug) o.log_level = LogLevel::kDebug;
  o.systemd_cgroup = g.flag("systemd-cgroup");
  if (g.has("rootless")) {
    o.rootless = g.value("rootless");
    if (o.rootless != "true" && o.rootless != "false" && o.rootless != "auto")
      return fail("--rootless: invalid value \"" + o.rootless + "\" (true, false, auto)");
  }
  if (g.has("cgroup-manager")) {
    o.cgroup_manager = g.value("cgroup-manager");
    if (o.cgroup_manager != "cgroupfs" && o.cgroup_manager != "systemd" &&
        o.cgroup_manager != "disabled")
      return fail("--cgroup-manager: invalid value \"" + o.cgroup_manager +
                  "\" (cgroupfs, systemd, disabled)");
  }
  if (o.systemd_cgroup) {
    if (g.has("cgroup-manager") && o.cgroup_manager != "systemd")
      return fail("--systemd-cgroup conflicts with --cgroup-manager " + o.cgroup_manager);
    o.cgroup_manager = "systemd";
  }
  ctx.log.set_format(o.log_format);
  ctx.log.set_level(o.log_level);
  return ctx.log.open(o.log_file);
}

void print(std::string_view s) { (void)write_all(1, s, "stdout"); }

// Runs a verb; an error is returned to run_cli, which reports it once.
Result<int> dispatch(Context& ctx, const VerbSpec& v, std::span<const std::string> rest) {
  auto parsed = parse_flags(v.flags, rest, v.interspersed);
  if (!parsed) return fail(std::move(parsed).error().context(v.name));
  if (parsed->flag("help")) {
    print(verb_help(v));
    return 0;
  }
  // No --root and no default for this user (apply_global): an error for the
  // verbs that keep state; `spec` and `features` read none.
  if (ctx.global.root.empty() && v.name != "spec" && v.name != "features") {
    auto d = default_state_root(::geteuid(), std::getenv("XDG_RUNTIME_DIR"));
    return fail(d ? Error("--root: no state root") : d.error());
  }
  int n = static_cast<int>(parsed->positionals().size());
  if (n < v.min_args || (v.max_args >= 0 && n > v.max_args)) {
    std::string m = "expected ";
    if (v.min_args == v.max_args) m += std::to_string(v.min_args);
    else if (v.max_args < 0) m += "at least " + std::to_string(v.min_args);
    else m += std::to_string(v.min_args) + " to " + std::to_string(v.max_args);
    m += " argument" + std::string(v.max_args == 1 && v.min_args == 1 ? "" : "s");
    if (!v.args_usage.empty()) m += " (" + std::string(v.args_usage) + ")";
    m += ", got " + std::to_string(n);
    return fail(std::string(v.name) + ": " + m);
  }
  if (v.handler == nullptr) return fail(std::string(v.name) + ": not implemented yet");
  return v.handler(ctx, *parsed);
}

}  // namespace

int run_cli(int argc, char** argv) {
  Context ctx;
  std::vector<std::string> args(argv + 1, argv + argc);
  // Global options end at the verb, the first positional argument.
  auto g = parse_flags(kGlobalFlags, args, /*interspersed=*/false);
  if (!g) {
    ctx.log.report(g.error());
    return 1;
  }
  if (auto r = apply_global(*g, ctx); !r) {
    ctx.log.report(r.error());
    return 1;
  }
  if (g->flag("help")) {
    print(global_help());
    return 0;
  }
  if (g->flag("version")) {
    print(version_text());
    return 0;
  }
  const auto& pos = g->positionals();
  if (pos.empty() || pos[0] == "help") {
    if (pos.size() > 1) {
      if (const VerbSpec* v = find_verb(pos[1])) {
        print(verb_help(*v));
        return 0;
      }
    }
    print(global_help());
    // runc exits 0 for `runc` and `runc --help` alike.
    return 0;
  }
  const VerbSpec* v = find_verb(pos[0]);
  if (v == nullptr) {
    ctx.log.report(Error("unknown command \"" + pos[0] + "\" (see 'berth --help')"));
    return 1;
  }
  // Everything after the verb, as given (global parsing consumed nothing there).
  size_t verb_at = args.size() - pos.size();
  std::span<const std::string> rest(args.data() + verb_at + 1, args.size() - verb_at - 1);
  auto r = dispatch(ctx, *v, rest);
  if (!r) {
    ctx.log.report(r.error());
    return 1;
  }
  return *r;
}

}  // namespace berth::runtime
