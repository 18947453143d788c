// Command line: runc's grammar, table-driven.
//
// The tables below are the single source of truth for the verbs and their
// flags: --help is printed from them and a unit test checks that every flag
// has its place in man/.  Parsing follows runc (urfave/cli v1 over Go's flag
// package) because containerd's shim and conmon build argv for runc:
//  - `--flag value`, `--flag=value`, and single-dash long forms (`-pid-file`);
//  - bool flags take no value but accept `--flag=true|false`;
//  - short bool flags may be grouped (`-dt`);
//  - flags may follow positional arguments, except for verbs whose trailing
//    arguments belong to a program (`exec`, `ps`): there the first positional
//    argument ends flag parsing, as runc's SkipArgReorder does;
//  - `--` ends flag parsing.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "src/runtime/base/log.hpp"
#include "src/runtime/base/result.hpp"

namespace berth::runtime {

struct FlagSpec {
  std::string_view name;        // long name without dashes: "pid-file"
  char short_name;              // 0 when none
  std::string_view value_name;  // empty: a bool flag
  std::string_view help;
  bool repeatable = false;
};

class ParsedArgs {
 public:
  bool has(std::string_view name) const;
  // Last value of a value flag, or `def`.
  std::string value(std::string_view name, std::string_view def = {}) const;
  // Every value of a repeatable flag, in order.
  std::vector<std::string> values(std::string_view name) const;
  // A bool flag: true when given without a value or with "true".
  bool flag(std::string_view name) const;
  const std::vector<std::string>& positionals() const { return positionals_; }

  // Filled by parse_flags().
  std::vector<std::pair<std::string, std::string>> flags_;
  std::vector<std::string> positionals_;
};

struct GlobalOptions {
  std::string root = "/run/berth";
  std::string log_file;
  LogFormat log_format = LogFormat::kText;
  LogLevel log_level = LogLevel::kWarning;
  bool debug = false;
  bool systemd_cgroup = false;
  std::string rootless = "auto";        // true|false|auto
  std::string cgroup_manager = "cgroupfs";  // cgroupfs|systemd|disabled
};

// What every verb gets: the global options and the logger they configured.
struct Context {
  GlobalOptions global;
  Logger log;
};

using VerbHandler = Result<int> (*)(Context&, const ParsedArgs&);

struct VerbSpec {
  std::string_view name;
  std::string_view args_usage;  // "<container-id>"
  std::string_view summary;
  std::span<const FlagSpec> flags;
  int min_args;
  int max_args;  // -1: unlimited
  bool interspersed;  // flags may follow positional arguments
  VerbHandler handler;  // nullptr: not implemented yet
};

std::span<const FlagSpec> global_flags();
std::span<const VerbSpec> verbs();
const VerbSpec* find_verb(std::string_view name);

// Parses flags of `flags` from args.  `interspersed` as in VerbSpec.
Result<ParsedArgs> parse_flags(std::span<const FlagSpec> flags, std::span<const std::string> args,
                               bool interspersed);

std::string global_help();
std::string verb_help(const VerbSpec& v);
std::string version_text();

// The whole program: parses argv, runs the verb, reports the error once.
// Returns the process exit status.
int run_cli(int argc, char** argv);

}  // namespace berth::runtime
