// events: statistics and OOM events of a container (events.hpp).
#include "src/runtime/base/error.hpp"
#include "src/runtime/commands.hpp"
#include "src/runtime/events.hpp"

namespace berth::runtime {

Result<int> cmd_events(Context& ctx, const ParsedArgs& a) {
  EventsOptions opt;
  opt.id = a.positionals()[0];
  opt.stats_only = a.flag("stats");
  auto every = parse_go_duration(a.value("interval", "5s"));
  if (!every) return fail(std::move(every).error().context("events: --interval"));
  // runc: "duration interval must be greater than 0", --stats or not.
  if (every->count() <= 0) return fail("events: --interval: must be greater than 0");
  opt.interval = *every;
  BERTH_TRY_CTX(container_events(ctx, opt), "events");
  return 0;
}

}  // namespace berth::runtime
