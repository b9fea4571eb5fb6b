// Endpoint choice for an unhealthy peer: cycle through the candidates, least recently tried
// first, LAN before public, no faster than WireGuard retries a handshake.
#include <algorithm>

#include "wirelink/agent/decisions.hpp"
#include "wirelink/agent/timing.hpp"
#include "wirelink/facts/timing.hpp"

namespace wl::agent::decide {

bool is_lan(const IpAddress& a) {
  const std::uint8_t* b = a.data();
  if (a.is_v4()) {
    return b[0] == 10 || (b[0] == 172 && (b[1] & 0xf0) == 16) || (b[0] == 192 && b[1] == 168) ||
           (b[0] == 169 && b[1] == 254);
  }
  return (b[0] & 0xfe) == 0xfc || a.is_link_local();
}

std::vector<Endpoint> endpoint_candidates(std::vector<Endpoint> gossiped,
                                          const std::vector<Endpoint>& configured) {
  for (const auto& e : configured)
    if (std::find(gossiped.begin(), gossiped.end(), e) == gossiped.end()) gossiped.push_back(e);
  return gossiped;
}

std::optional<Endpoint> choose_endpoint(std::vector<Endpoint> candidates,
                                        const std::map<Endpoint, TimePoint>& tried,
                                        std::optional<TimePoint> last_switch, TimePoint now) {
  if (candidates.empty() || (last_switch && now - *last_switch < facts::timing::kEndpointCycle))
    return std::nullopt;
  auto tried_at = [&](const Endpoint& e) {
    auto it = tried.find(e);
    return it == tried.end() ? TimePoint::min() : it->second;
  };
  std::stable_sort(candidates.begin(), candidates.end(), [&](const Endpoint& a, const Endpoint& b) {
    auto ta = tried_at(a), tb = tried_at(b);
    if (ta != tb) return ta < tb;
    return is_lan(a.address()) && !is_lan(b.address());
  });
  return candidates.front();
}

}  // namespace wl::agent::decide
