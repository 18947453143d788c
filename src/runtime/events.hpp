// `events`: a container's statistics and OOM notifications as runc prints
// them, one JSON object per line (runc events.go, types/events.go):
//
//   {"type":"stats","id":"c1","data":{"cpu":{...},"memory":{...},...}}
//   {"type":"oom","id":"c1"}
//
// events_json.cpp holds the pure parts (the JSON shape, Go durations);
// events.cpp the single-threaded loop.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "src/cgroups/stats.hpp"
#include "src/runtime/cli.hpp"

namespace berth::runtime {

// Go's time.ParseDuration, which runc's --interval uses: a sequence of
// decimal numbers with a unit each ("1h30m", "1.5s", "100ms"); units ns,
// us (µs, μs), ms, s, m, h; an optional sign; "0" alone needs no unit.
Result<std::chrono::nanoseconds> parse_go_duration(std::string_view s);

// runc's types.Stats with encoding/json's rules: fields in struct order,
// `omitempty` fields left out when zero or empty, struct-valued fields
// always present (Go's omitempty does not apply to structs); intel_rdt
// and network_interfaces as runc prints them without RDT or a network.
nlohmann::ordered_json stats_json(const cgroups::Stats& s);

// One event line, newline included; `data` is left out when null.
std::string event_line(std::string_view type, std::string_view id,
                       const nlohmann::ordered_json& data = nullptr);

struct EventsOptions {
  std::string id;
  std::chrono::nanoseconds interval = std::chrono::seconds(5);
  bool stats_only = false;  // --stats: one stats event, then return
};

// Prints the events of a created, running or paused container on stdout
// until it stops (its init exits) or its cgroup is removed.  A stats event
// every `interval` (the first after one interval, as runc's ticker), an
// oom event on each OOM notification.  A failed stats read in the stream
// is logged and the stream goes on (runc does the same).
Result<void> container_events(Context& ctx, const EventsOptions& opt);

}  // namespace berth::runtime
