// The OCI runtime-spec config.json, typed.  parse_config() reads and checks
// types and enum values; validate() (validate.hpp) checks cross-field rules.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "spec/hooks.hpp"
#include "spec/linux.hpp"
#include "spec/mount.hpp"
#include "spec/process.hpp"
#include "spec/reader.hpp"
#include "src/runtime/base/result.hpp"

namespace berth::spec {

struct Root {
  std::string path;
  bool readonly = false;
};

struct Config {
  std::string oci_version;
  std::optional<Process> process;
  std::optional<Root> root;
  std::string hostname;
  std::string domainname;
  std::vector<Mount> mounts;
  std::optional<Hooks> hooks;
  std::map<std::string, std::string> annotations;
  std::optional<Linux> linux;
};

void read_config(const Reader& r, Config& out);

// Parses config.json text.  `source` names the document in errors.
Result<Config> parse_config(std::string_view text, const std::string& source = "config.json");
// Parses an `exec --process` document.
Result<Process> parse_process(std::string_view text, const std::string& source = "process.json");
// Parses an `update --resources` document.
Result<Resources> parse_resources(std::string_view text, const std::string& source = "resources.json");

// Reads and parses a file; errors name the file.
Result<Config> load_config(const std::string& path);

}  // namespace berth::spec
