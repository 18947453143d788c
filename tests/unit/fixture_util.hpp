// Helpers for tests that read files from the source tree.
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace berth::test {

inline std::filesystem::path source_root() { return BERTH_SOURCE_ROOT; }

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace berth::test
