#include "wirelink/coordinator/peer_admission.hpp"

#include "wirelink/coordinator/session_token.hpp"

namespace wl::coordinator {

Result<PeerAdmission> verify_peer_token(std::string_view token, const KeyRing& keys,
                                        const PublicKey& subject, WallTime now) {
  // Peers' clocks differ; a small leeway for nbf/iat only. Expiry is never stretched.
  auto c = verify_session_token(token, keys, subject, now, std::chrono::seconds(120));
  if (!c) return c.error();
  return PeerAdmission{c->exp, c->cohort, c->path, c->kid};
}

Result<PeerAdmission> verify_peer_token(std::string_view token,
                                        std::string_view coordinator_public_key,
                                        const PublicKey& subject, WallTime now) {
  auto ring = KeyRing::parse(coordinator_public_key);
  if (!ring) return ring.error();
  return verify_peer_token(token, *ring, subject, now);
}

}  // namespace wl::coordinator
