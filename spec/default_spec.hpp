// The config.json `berth spec` writes: runc's default, so bundles and
// tutorials written for runc work unchanged.
#pragma once

#include <cstdint>
#include <string>

namespace berth::spec {

struct DefaultSpecOptions {
  bool rootless = false;
  // Host ids mapped to root in the container when rootless.
  uint32_t host_uid = 0;
  uint32_t host_gid = 0;
};

// Pretty-printed JSON, newline-terminated.
std::string default_spec_json(const DefaultSpecOptions& opt);

}  // namespace berth::spec
