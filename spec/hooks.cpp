#include "spec/hooks.hpp"

namespace berth::spec {

namespace {

void read_hook(const Reader& r, Hook& out) {
  if (!r.present()) {
    r.fail("expected object, got null");
    return;
  }
  if (!r.expect_object()) return;
  r["path"].require(out.path);
  r["args"].get(out.args);
  r["env"].get(out.env);
  // A zero or negative timeout would kill the hook before it runs; the spec
  // requires a positive one rather than reading 0 as "no timeout".
  if (auto t = r["timeout"]; t.get(out.timeout) && *out.timeout <= 0)
    t.fail("timeout must be greater than zero, got " + std::to_string(*out.timeout));
}

void read_hook_list(const Reader& r, std::vector<Hook>& out) {
  r.each([&](const Reader& e) { read_hook(e, out.emplace_back()); });
}

}  // namespace

void read_hooks(const Reader& r, Hooks& out) {
  if (!r.expect_object()) return;
  read_hook_list(r["prestart"], out.prestart);
  read_hook_list(r["createRuntime"], out.create_runtime);
  read_hook_list(r["createContainer"], out.create_container);
  read_hook_list(r["startContainer"], out.start_container);
  read_hook_list(r["poststart"], out.poststart);
  read_hook_list(r["poststop"], out.poststop);
}

}  // namespace berth::spec
