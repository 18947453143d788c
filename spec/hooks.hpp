// config.md "hooks": POSIX-platform hooks, run by the runtime at lifecycle points.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "spec/reader.hpp"

namespace berth::spec {

struct Hook {
  std::string path;
  std::vector<std::string> args;
  std::vector<std::string> env;
  std::optional<int64_t> timeout;  // seconds, > 0
};

struct Hooks {
  std::vector<Hook> prestart;  // deprecated, still honoured
  std::vector<Hook> create_runtime;
  std::vector<Hook> create_container;
  std::vector<Hook> start_container;
  std::vector<Hook> poststart;
  std::vector<Hook> poststop;
};

void read_hooks(const Reader& r, Hooks& out);

}  // namespace berth::spec
