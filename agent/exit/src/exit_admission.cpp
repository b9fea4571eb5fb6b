#include "wirelink/agent/exit/exit_admission.hpp"

#include <algorithm>

namespace wl::agent::exit {

namespace {

// Peers' clocks differ: a little leeway for nbf/iat, never for exp (as peer_admission.cpp).
constexpr auto kLeeway = std::chrono::seconds(120);

}  // namespace

bool names_exit(const coordinator::SessionClaims& c, const PublicKey& self) {
  const std::string me = self.to_base64();
  if (!c.path.empty() && c.path.back() == me) return true;
  return std::find(c.exit_set.begin(), c.exit_set.end(), me) != c.exit_set.end();
}

bool names_relay(const coordinator::SessionClaims& c, const PublicKey& self) {
  if (c.path.size() < 2) return false;
  const std::string me = self.to_base64();
  return std::find(c.path.begin(), c.path.end() - 1, me) != c.path.end() - 1;
}

Admitted admitted_clients(const std::vector<ClientCandidate>& peers,
                          const coordinator::KeyRing& ring, const PublicKey& self, WallTime now) {
  Admitted a;
  for (const auto& p : peers) {
    if (p.token.empty() || p.key == self) continue;
    auto c = coordinator::verify_session_token(p.token, ring, p.key, now, kLeeway);
    if (!c || !names_exit(*c, self)) continue;
    a.sources.insert(a.sources.end(), p.sources.begin(), p.sources.end());
    if (!a.next_change || c->exp < *a.next_change) a.next_change = c->exp;
  }
  std::sort(a.sources.begin(), a.sources.end());
  a.sources.erase(std::unique(a.sources.begin(), a.sources.end()), a.sources.end());
  return a;
}

}  // namespace wl::agent::exit
