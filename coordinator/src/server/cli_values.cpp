#include "cli_values.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <utility>

namespace wl::coordinator::server {
namespace {

// Whole seconds, minutes, ... as the largest unit that divides `d`: "30d", "90m", "500ms".
std::string show(Duration d) {
  using namespace std::chrono;
  const auto ms = duration_cast<milliseconds>(d).count();
  constexpr std::array<std::pair<long long, const char*>, 4> kUnits{
      {{86'400'000, "d"}, {3'600'000, "h"}, {60'000, "m"}, {1'000, "s"}}};
  for (const auto& [unit, name] : kUnits)
    if (ms % unit == 0) return std::to_string(ms / unit) + name;
  return std::to_string(ms) + "ms";
}

std::string opt(std::string_view option) {
  return "--" + std::string(option);
}

}  // namespace

Parsed<Duration> parse_duration(std::string_view option, std::string_view text, Duration min,
                                Duration max) {
  const std::string bad =
      opt(option) + ": expected a duration like 24h, 90m, 3600s (got '" + std::string(text) + "')";
  std::size_t i = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
  if (i == 0) return bad;
  const auto unit = text.substr(i);
  std::int64_t ms_per = 0;
  if (unit.empty() || unit == "s")
    ms_per = 1'000;
  else if (unit == "ms")
    ms_per = 1;
  else if (unit == "m")
    ms_per = 60'000;
  else if (unit == "h")
    ms_per = 3'600'000;
  else if (unit == "d")
    ms_per = 86'400'000;
  else
    return bad;
  const std::string too_long =
      opt(option) + ": " + std::string(text) + " is longer than the maximum of " + show(max);
  std::uint64_t n = 0;
  const auto r = std::from_chars(text.data(), text.data() + i, n);
  if (r.ec == std::errc::result_out_of_range) return too_long;
  if (r.ec != std::errc()) return bad;
  // Compare before multiplying, so no product can overflow.
  const auto max_ms = std::chrono::duration_cast<std::chrono::milliseconds>(max).count();
  if (n > static_cast<std::uint64_t>(max_ms / ms_per)) return too_long;
  const Duration d = std::chrono::milliseconds(static_cast<std::int64_t>(n) * ms_per);
  if (d > max) return too_long;
  if (d < min)
    return opt(option) + ": " + std::string(text) + " is shorter than the minimum of " + show(min);
  return d;
}

Parsed<double> parse_number(std::string_view option, std::string_view text, double min,
                            double max) {
  const std::string s(text);
  char* end = nullptr;
  const double v = s.empty() ? NAN : std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size() || !std::isfinite(v) || v < min || v > max) {
    auto bound = [](double b) {
      std::string t = std::to_string(b);
      t.erase(t.find_last_not_of('0') + 1);
      if (!t.empty() && t.back() == '.') t.pop_back();
      return t;
    };
    return opt(option) + ": expected a number from " + bound(min) + " to " + bound(max) +
           " (got '" + s + "')";
  }
  return v;
}

Parsed<std::size_t> parse_count(std::string_view option, std::string_view text, std::size_t min,
                                std::size_t max) {
  const std::string bad = opt(option) + ": expected a whole number from " + std::to_string(min) +
                          " to " + std::to_string(max) + " (got '" + std::string(text) + "')";
  std::uint64_t n = 0;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), n);
  if (r.ec != std::errc() || r.ptr != text.data() + text.size() || n < min || n > max) return bad;
  return static_cast<std::size_t>(n);
}

Parsed<spdlog::level::level_enum> parse_log_level(std::string_view text) {
  std::string low(text);
  for (auto& c : low)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  using L = spdlog::level::level_enum;
  constexpr std::array<std::pair<std::string_view, L>, 8> kLevels{{{"trace", L::trace},
                                                                   {"debug", L::debug},
                                                                   {"info", L::info},
                                                                   {"warn", L::warn},
                                                                   {"warning", L::warn},
                                                                   {"error", L::err},
                                                                   {"critical", L::critical},
                                                                   {"off", L::off}}};
  for (const auto& [name, level] : kLevels)
    if (low == name) return level;
  return "--log-level: unknown level '" + std::string(text) +
         "' (valid: trace, debug, info, warn, error, critical, off)";
}

std::string check_token_ttl(Duration ttl, bool dev) {
  const Duration min = dev ? kMinDevTokenTtl : kAgentHeartbeat * kMinTokenTtlHeartbeats;
  if (ttl >= min) return "";
  const auto secs = [](Duration d) {
    return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(d).count()) + "s";
  };
  return "--token-ttl " + secs(ttl) + " is shorter than " + secs(min) +
         (dev ? ""
              : " (" + std::to_string(kMinTokenTtlHeartbeats) + " agent heartbeats of " +
                    secs(kAgentHeartbeat) + "; --dev allows down to " + secs(kMinDevTokenTtl) +
                    ")");
}

}  // namespace wl::coordinator::server
