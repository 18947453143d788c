// Text helpers shared by the cgroup file readers (cgroup files end in "\n").
#pragma once

#include <string_view>

namespace berth::cgroups {

// `s` without the spaces, tabs and newlines around it.
inline std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

}  // namespace berth::cgroups
