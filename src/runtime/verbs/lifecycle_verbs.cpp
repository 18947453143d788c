// create, start, state, kill, delete, list: thin handlers over container.hpp.
#include <unistd.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "src/runtime/base/fileio.hpp"
#include "src/runtime/commands.hpp"
#include "src/runtime/container.hpp"

namespace berth::runtime {

Result<int> parse_preserve_fds(const ParsedArgs& a) {
  std::string v = a.value("preserve-fds", "0");
  char* end = nullptr;
  long n = std::strtol(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0' || n < 0 || n > 65536) return fail("--preserve-fds: invalid number " + quote(v));
  return static_cast<int>(n);
}

Result<CreateOptions> create_options(const ParsedArgs& a) {
  CreateOptions o;
  o.id = a.positionals()[0];
  o.bundle = a.value("bundle", ".");
  o.pid_file = a.value("pid-file");
  o.console_socket = a.value("console-socket");
  o.pidfd_socket = a.value("pidfd-socket");
  o.no_pivot = a.flag("no-pivot");
  o.no_new_keyring = a.flag("no-new-keyring");
  auto n = parse_preserve_fds(a);
  if (!n) return fail(std::move(n).error());
  o.preserve_fds = *n;
  return o;
}

Result<int> cmd_create(Context& ctx, const ParsedArgs& a) {
  auto o = create_options(a);
  if (!o) return fail(std::move(o).error().context("create"));
  auto c = create_container(ctx, *o);
  if (!c) return fail(std::move(c).error().context("create " + quote(o->id)));
  return 0;
}

Result<int> cmd_start(Context& ctx, const ParsedArgs& a) {
  const std::string& id = a.positionals()[0];
  auto dir = ContainerDir::open(ctx.global.root, id);
  if (!dir) return fail(std::move(dir).error().context("start"));
  BERTH_TRY_CTX(start_container(ctx, *dir), "start " + quote(id));
  return 0;
}

Result<int> cmd_state(Context& ctx, const ParsedArgs& a) {
  auto j = container_state_json(ctx, a.positionals()[0]);
  if (!j) return fail(std::move(j).error().context("state"));
  BERTH_TRY(write_all(1, *j, "stdout"));
  return 0;
}

Result<int> cmd_kill(Context& ctx, const ParsedArgs& a) {
  const auto& p = a.positionals();
  auto sig = parse_signal(p.size() > 1 ? p[1] : "SIGTERM");
  if (!sig) return fail(std::move(sig).error().context("kill"));
  BERTH_TRY_CTX(kill_container(ctx, p[0], *sig, a.flag("all")), "kill");
  return 0;
}

Result<int> cmd_delete(Context& ctx, const ParsedArgs& a) {
  BERTH_TRY_CTX(delete_container(ctx, a.positionals()[0], a.flag("force")), "delete");
  return 0;
}

Result<int> cmd_list(Context& ctx, const ParsedArgs& a) {
  std::string format = a.value("format", "table");
  if (format != "table" && format != "json") return fail("list: --format: unknown format " + quote(format));
  auto ids = ContainerDir::list(ctx.global.root);
  if (!ids) return fail(std::move(ids).error().context("list"));
  std::string out;
  if (a.flag("quiet")) {
    for (const auto& id : *ids) out += id + "\n";
    BERTH_TRY(write_all(1, out, "stdout"));
    return 0;
  }
  nlohmann::json arr = nlohmann::json::array();
  char line[4096];
  if (format == "table") {
    std::snprintf(line, sizeof line, "%-12s %-8s %-10s %-40s %-31s %s\n", "ID", "PID", "STATUS", "BUNDLE",
                  "CREATED", "OWNER");
    out += line;
  }
  for (const auto& id : *ids) {
    auto j = container_state_json(ctx, id);
    if (!j) continue;  // deleted meanwhile
    auto s = nlohmann::json::parse(*j);
    if (format == "json") {
      arr.push_back(s);
      continue;
    }
    std::snprintf(line, sizeof line, "%-12s %-8d %-10s %-40s %-31s %s\n", id.c_str(), s["pid"].get<int>(),
                  s["status"].get<std::string>().c_str(), s["bundle"].get<std::string>().c_str(),
                  s["created"].get<std::string>().c_str(), s["owner"].get<std::string>().c_str());
    out += line;
  }
  if (format == "json") out = arr.dump() + "\n";
  BERTH_TRY(write_all(1, out, "stdout"));
  return 0;
}

}  // namespace berth::runtime
