// Trust levels, ordered: each level includes the ones below it.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace wl::trust {

enum class Level : std::uint8_t {
  untrusted = 0,
  endpoint = 1,    // may tell us endpoints of peers we have
  allowedips = 2,  // may tell us allowed IPs
  membership = 3,  // may tell us which peers exist
  delegate = 4,    // may grant trust to others (see PROTOCOL.md)
};

// Case-insensitive; accepts the five names above (and wirelink's "AllowedIPs" spelling).
std::optional<Level> parse_level(std::string_view name);
std::string_view to_string(Level l);

}  // namespace wl::trust
