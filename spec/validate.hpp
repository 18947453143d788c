// Cross-field rules of the runtime-spec, checked before any side effect.
//
// validate() runs a table of small named rules (runc's
// libcontainer/configs/validate is the model).  Each rule reports the JSON
// path it is about:
//   config.json: linux.uidMappings: requires a user namespace (linux.namespaces has no "user")
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "spec/config.hpp"
#include "src/runtime/base/result.hpp"

namespace berth::spec {

enum class ValidateFor {
  kCreate,  // a bundle about to be created: "process" and "root" are required
  kAny,     // a config read for other purposes (tests, `spec` output)
};

struct Violation {
  std::string rule;     // the rule's name, for tests and --debug
  std::string path;     // JSON path, "linux.uidMappings"
  std::string message;  // "requires a user namespace"
};

struct ValidationRule {
  std::string_view name;
  void (*check)(const Config&, ValidateFor, std::vector<Violation>&);
};

// Every rule, in the order they run.
const std::vector<ValidationRule>& validation_rules();

// All violations (for tests and tools).
std::vector<Violation> check_config(const Config& c, ValidateFor mode);

// The first violation as an Error "<source>: <path>: <message>".
Result<void> validate(const Config& c, ValidateFor mode, const std::string& source = "config.json");

// Rules only a rootless container (berth run without root) has,
// after validate() (runc's libcontainer/configs/validate/rootless.go): a
// user namespace, and mount uid=/gid= options that name mapped ids.  Which
// writer the maps need (newuidmap) is create's business, not a rule.
std::vector<Violation> check_rootless(const Config& c);
Result<void> validate_rootless(const Config& c, const std::string& source = "config.json");

}  // namespace berth::spec
