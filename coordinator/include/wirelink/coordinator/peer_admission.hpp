// Offline verification of a peer's coordinator token: how coordinator admission enters trust.
//
// Contract: pure, thread-safe, no I/O. The receiver knows the coordinator public key(s)
// (config key CoordinatorPublicKey: one or more k4.public PASERKs) and the WireGuard key of
// the peer the token arrived for (the subject). The token must verify under a ring key named
// by its footer kid, with the subject bound as implicit assertion and as sub, and must not be
// expired. On success the peer may be granted membership until `admitted_until` (= exp).
// Errors: coord_errc::token_invalid (forged, wrong key, wrong subject, malformed),
// coord_errc::token_expired; wl::errc::invalid_key when the configured key does not parse.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "wirelink/base/clock.hpp"
#include "wirelink/base/keys.hpp"
#include "wirelink/base/result.hpp"
#include "wirelink/coordinator/key_ring.hpp"

namespace wl::coordinator {

struct PeerAdmission {
  WallTime admitted_until{};
  std::string cohort;             // empty: registered, not (yet) in a cohort
  std::vector<std::string> path;  // this peer's assigned forwarder chain, if any
  std::string kid;                // coordinator key that signed it
};

Result<PeerAdmission> verify_peer_token(std::string_view token, const KeyRing& coordinator_keys,
                                        const PublicKey& subject, WallTime now);
// Convenience: parses the PASERK text first (the agent's CoordinatorPublicKey value).
Result<PeerAdmission> verify_peer_token(std::string_view token,
                                        std::string_view coordinator_public_key,
                                        const PublicKey& subject, WallTime now);

}  // namespace wl::coordinator
