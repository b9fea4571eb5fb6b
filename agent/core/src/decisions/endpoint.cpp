// Endpoint choice for an unhealthy peer: cycle through the ranked candidates, least recently
// tried first, best rank among equals, no faster than WireGuard retries a handshake (except for
// a better-ranked candidate that was never tried).
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

std::vector<Endpoint> rank_candidates(const std::vector<Endpoint>& candidates,
                                      const LocalNetwork& net) {
  std::vector<std::pair<Reach, Endpoint>> ranked;
  for (const auto& e : candidates) {
    const Reach r = reach_of(e, net);
    if (r != Reach::unreachable) ranked.emplace_back(r, e);
  }
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  // A private address only the default route leads to is another site's LAN: worth a guess
  // only when there is nothing else to try.
  if (!ranked.empty() && ranked.front().first != Reach::private_default_only)
    std::erase_if(ranked, [](const auto& r) { return r.first == Reach::private_default_only; });
  std::vector<Endpoint> out;
  out.reserve(ranked.size());
  for (auto& r : ranked) out.push_back(r.second);
  return out;
}

std::optional<Endpoint> choose_endpoint(std::vector<Endpoint> candidates,
                                        const std::map<Endpoint, TimePoint>& tried,
                                        std::optional<TimePoint> last_switch, TimePoint now,
                                        const LocalNetwork& net) {
  candidates = rank_candidates(candidates, net);
  if (candidates.empty()) return std::nullopt;
  auto tried_at = [&](const Endpoint& e) {
    auto it = tried.find(e);
    return it == tried.end() ? TimePoint::min() : it->second;
  };
  if (last_switch && now - *last_switch < facts::timing::kEndpointCycle) {
    // Too soon for the next guess, unless a candidate that ranks above the one being tried
    // arrived since (a peer's LAN address relayed a moment after its NAT mapping): never
    // tried, it is worth the switch now. Each candidate can cut the wait only once.
    const auto current = std::max_element(
        candidates.begin(), candidates.end(),
        [&](const Endpoint& a, const Endpoint& b) { return tried_at(a) < tried_at(b); });
    if (tried_at(*current) == TimePoint::min()) return std::nullopt;
    const Reach current_reach = reach_of(*current, net);
    for (const auto& e : candidates)
      if (reach_of(e, net) < current_reach && tried_at(e) == TimePoint::min()) return e;
    return std::nullopt;
  }
  // Ranked already: a stable sort by attempt time keeps the rank among equals.
  std::stable_sort(candidates.begin(), candidates.end(),
                   [&](const Endpoint& a, const Endpoint& b) { return tried_at(a) < tried_at(b); });
  return candidates.front();
}

}  // namespace wl::agent::decide
