#include "spec/config.hpp"

#include "src/runtime/base/fileio.hpp"

namespace berth::spec {

namespace {

void read_root(const Reader& r, Root& out) {
  if (!r.expect_object()) return;
  r["path"].require(out.path);
  r["readonly"].get(out.readonly);
}

template <class T, class F>
Result<T> parse_document(std::string_view text, const std::string& source, F&& read) {
  auto json = parse_json(text, source);
  if (!json) return fail(std::move(json).error());
  ParseContext ctx(source);
  Reader r(ctx, *json);
  T out{};
  if (!r.present()) {
    ctx.fail("", "document is null");
  } else if (r.expect_object()) {
    read(r, out);
  }
  BERTH_TRY(ctx.result());
  return out;
}

}  // namespace

void read_config(const Reader& r, Config& out) {
  r["ociVersion"].require(out.oci_version);
  if (auto p = r["process"]; p.present()) read_process(p, out.process.emplace());
  if (auto p = r["root"]; p.present()) read_root(p, out.root.emplace());
  r["hostname"].get(out.hostname);
  r["domainname"].get(out.domainname);
  r["mounts"].each([&](const Reader& m) { read_mount(m, out.mounts.emplace_back()); });
  if (auto h = r["hooks"]; h.present()) read_hooks(h, out.hooks.emplace());
  r["annotations"].get(out.annotations);
  if (auto l = r["linux"]; l.present()) read_linux(l, out.linux.emplace());
}

Result<Config> parse_config(std::string_view text, const std::string& source) {
  return parse_document<Config>(text, source, [](const Reader& r, Config& c) { read_config(r, c); });
}

Result<Process> parse_process(std::string_view text, const std::string& source) {
  return parse_document<Process>(text, source,
                                 [](const Reader& r, Process& p) { read_process(r, p); });
}

Result<Resources> parse_resources(std::string_view text, const std::string& source) {
  return parse_document<Resources>(text, source,
                                   [](const Reader& r, Resources& res) { read_resources(r, res); });
}

Result<Config> load_config(const std::string& path) {
  auto text = read_file(path);
  if (!text) return fail(std::move(text).error());
  return parse_config(*text, path);
}

}  // namespace berth::spec
