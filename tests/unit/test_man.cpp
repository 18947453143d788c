// The manual pages against the CLI tables: every verb has a page, every flag
// of a verb's table (and every global flag) has an entry in OPTIONS written
// exactly as the table says (long name, short name, value name), no entry
// documents a flag the table lacks, and each page says "not implemented yet"
// exactly while the verb's handler is nullptr.  A flag added to cli.cpp
// without a line in man/ fails here.
#include <catch2/catch.hpp>

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "src/runtime/cli.hpp"
#include "tests/unit/fixture_util.hpp"

namespace {

using berth::runtime::FlagSpec;
using berth::runtime::VerbSpec;
namespace test = berth::test;

constexpr std::string_view kNotImplemented = "not implemented yet";

std::string man_path(std::string_view page) {
  return (test::source_root() / "man" / (std::string(page) + ".8.md")).string();
}

// The body of "# TITLE", up to the next top-level heading; empty if absent.
std::string section(const std::string& md, std::string_view title) {
  std::string head = "# " + std::string(title) + "\n";
  size_t at = md.rfind(head, 0) == 0 ? 0 : md.find("\n" + head);
  if (at == std::string::npos) return {};
  if (at != 0) ++at;
  at += head.size();
  size_t end = md.find("\n# ", at);
  return md.substr(at, end == std::string::npos ? std::string::npos : end - at + 1);
}

struct Entry {
  std::string term;  // the line before ": ", e.g. "**--bundle**, **-b** *DIR*"
  std::string body;  // the definition, up to the blank line
};

// go-md2man definition lists: a term line, then lines starting with ": ".
std::vector<Entry> entries(const std::string& sec) {
  std::vector<std::string> lines;
  size_t pos = 0;
  while (pos < sec.size()) {
    size_t nl = sec.find('\n', pos);
    if (nl == std::string::npos) nl = sec.size();
    lines.push_back(sec.substr(pos, nl - pos));
    pos = nl + 1;
  }
  std::vector<Entry> out;
  for (size_t i = 0; i + 1 < lines.size(); ++i) {
    if (lines[i].empty() || lines[i + 1].rfind(": ", 0) != 0) continue;
    Entry e{lines[i], {}};
    for (size_t k = i + 1; k < lines.size() && !lines[k].empty(); ++k) e.body += lines[k] + "\n";
    out.push_back(std::move(e));
  }
  return out;
}

std::string expected_term(const FlagSpec& f) {
  std::string t = "**--" + std::string(f.name) + "**";
  if (f.short_name != 0) t += std::string(", **-") + f.short_name + "**";
  if (!f.value_name.empty()) t += " *" + std::string(f.value_name) + "*";
  return t;
}

// The long name of a flag entry ("**--pid-file** *FILE*" -> "pid-file"), or
// empty if the term does not document a flag.
std::string flag_of_term(const std::string& term) {
  if (term.rfind("**--", 0) != 0) return {};
  size_t end = term.find("**", 4);
  return end == std::string::npos ? std::string() : term.substr(4, end - 4);
}

// Problems of one OPTIONS section against a flag table; empty when it agrees.
std::vector<std::string> check_options(const std::string& sec, std::span<const FlagSpec> flags) {
  std::vector<std::string> problems;
  auto es = entries(sec);
  for (const auto& f : flags) {
    std::string want = expected_term(f);
    bool found = false;
    for (const auto& e : es) {
      if (flag_of_term(e.term) != f.name) continue;
      found = true;
      if (e.term != want) problems.push_back("entry \"" + e.term + "\", want \"" + want + "\"");
      if (e.body.size() < 12) problems.push_back("--" + std::string(f.name) + ": no description");
    }
    if (!found) problems.push_back("--" + std::string(f.name) + " is not documented");
  }
  for (const auto& e : es) {
    std::string name = flag_of_term(e.term);
    if (name.empty()) continue;
    bool known = false;
    for (const auto& f : flags) known = known || f.name == name;
    if (!known) problems.push_back("--" + name + " is documented but not in the table");
  }
  return problems;
}

// Markdown wraps lines anywhere: compare text with newlines as spaces.
std::string flat(std::string s) {
  for (char& c : s)
    if (c == '\n') c = ' ';
  return s;
}

std::string upper(std::string_view s) {
  std::string u(s);
  for (char& c : u)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return u;
}

}  // namespace

TEST_CASE("every verb has a man page documenting its flags", "[man]") {
  for (const VerbSpec& v : berth::runtime::verbs()) {
    std::string page = "berth-" + std::string(v.name);
    INFO("man/" << page << ".8.md");
    std::string md = test::slurp(man_path(page));
    REQUIRE_FALSE(md.empty());

    CHECK(md.rfind("% " + upper(page) + " 8\n", 0) == 0);
    for (auto title : {"NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "EXIT STATUS", "EXAMPLES",
                       "SEE ALSO"})
      CHECK_FALSE(section(md, title).empty());
    CHECK(section(md, "NAME").find(page + " - ") != std::string::npos);
    CHECK(section(md, "SYNOPSIS").find("**" + std::string(v.name) + "**") != std::string::npos);
    CHECK(section(md, "SEE ALSO").find("**berth**(8)") != std::string::npos);

    auto problems = check_options(section(md, "OPTIONS"), v.flags);
    for (const auto& p : problems) UNSCOPED_INFO(p);
    CHECK(problems.empty());

    bool says_missing = flat(md).find(kNotImplemented) != std::string::npos;
    INFO("handler " << (v.handler == nullptr ? "missing" : "present"));
    CHECK(says_missing == (v.handler == nullptr));
  }
}

TEST_CASE("berth.8 documents every global flag and every verb", "[man]") {
  std::string md = test::slurp(man_path("berth"));
  REQUIRE_FALSE(md.empty());
  CHECK(md.rfind("% BERTH 8\n", 0) == 0);
  for (auto title : {"NAME", "SYNOPSIS", "DESCRIPTION", "GLOBAL OPTIONS", "COMMANDS", "LOGGING",
                     "COMPATIBILITY WITH RUNC", "FILES", "EXIT STATUS", "EXAMPLES", "SEE ALSO"})
    CHECK_FALSE(section(md, title).empty());

  auto problems = check_options(section(md, "GLOBAL OPTIONS"), berth::runtime::global_flags());
  for (const auto& p : problems) UNSCOPED_INFO(p);
  CHECK(problems.empty());

  auto commands = entries(section(md, "COMMANDS"));
  std::string see_also = section(md, "SEE ALSO");
  for (const VerbSpec& v : berth::runtime::verbs()) {
    INFO("verb " << v.name);
    const Entry* found = nullptr;
    for (const auto& e : commands)
      if (e.term == "**" + std::string(v.name) + "**") found = &e;
    REQUIRE(found != nullptr);
    CHECK(flat(found->body).find("**berth-" + std::string(v.name) + "**(8)") != std::string::npos);
    CHECK((flat(found->body).find(kNotImplemented) != std::string::npos) == (v.handler == nullptr));
    CHECK(see_also.find("**berth-" + std::string(v.name) + "**(8)") != std::string::npos);
  }
}

TEST_CASE("man/meson.build builds a page for every verb", "[man]") {
  std::string build = test::slurp(test::source_root() / "man" / "meson.build");
  REQUIRE_FALSE(build.empty());
  CHECK(build.find("'berth',") != std::string::npos);
  for (const VerbSpec& v : berth::runtime::verbs()) {
    INFO("verb " << v.name);
    CHECK(build.find("'berth-" + std::string(v.name) + "'") != std::string::npos);
  }
}

TEST_CASE("the man check catches an undocumented or stale flag", "[man]") {
  const std::string sec =
      "**--bundle**, **-b** *DIR*\n: The bundle directory.\n\n"
      "**--gone**\n: A flag that the table no longer has.\n\n";
  constexpr FlagSpec kFlags[] = {
      {"bundle", 'b', "DIR", "bundle"},
      {"new-flag", 'n', "", "added without documentation"},
  };
  auto problems = check_options(sec, kFlags);
  REQUIRE(problems.size() == 2);
  CHECK(problems[0] == "--new-flag is not documented");
  CHECK(problems[1] == "--gone is documented but not in the table");

  constexpr FlagSpec kRenamed[] = {{"bundle", 0, "PATH", "bundle"}};
  problems = check_options("**--bundle**, **-b** *DIR*\n: The bundle directory.\n", kRenamed);
  REQUIRE(problems.size() == 1);
  CHECK(problems[0] == "entry \"**--bundle**, **-b** *DIR*\", want \"**--bundle** *PATH*\"");
}
