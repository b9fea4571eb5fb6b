#include "wirelink/trust/level.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

namespace wl::trust {

namespace {
constexpr std::array<std::string_view, 5> kNames = {"untrusted", "endpoint", "allowedips",
                                                    "membership", "delegate"};
}

std::optional<Level> parse_level(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (std::size_t i = 0; i < kNames.size(); ++i)
    if (lower == kNames[i]) return static_cast<Level>(i);
  if (lower == "delegatetrust") return Level::delegate;  // wirelink 0.14 spelling
  return std::nullopt;
}

std::string_view to_string(Level l) {
  const auto i = static_cast<std::size_t>(l);
  return i < kNames.size() ? kNames[i] : "invalid";
}

}  // namespace wl::trust
