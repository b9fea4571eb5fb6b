#include "wirelink/agent/coordinator_link.hpp"

namespace wl::agent {

CoordinatorGrant grant_of(const CoordinatorInfo& info, TimePoint now, WallTime wall_now) {
  CoordinatorGrant g;
  const bool valid = !info.token.empty() && info.token_expires > wall_now;
  if (!valid) return g;
  g.own_token = info.token;
  g.until = now + std::chrono::duration_cast<Duration>(info.token_expires - wall_now);
  g.peers = info.peers;
  return g;
}

}  // namespace wl::agent
