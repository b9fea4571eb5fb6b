// Session tokens: PASETO v4.public tokens the coordinator mints for admitted peers.
//
// Payload (JSON): {"iss":"wirelink-coordinator","sub":<wg key b64>,"iat","nbf","exp" (RFC 3339),
//   "wirelink_session":{"sub","cohort","exp","exit_set":[..],"path":[..],"gen"?}}
// "gen" (an unsigned integer, absent = 0) is the peer's registration generation at the
// coordinator: it rises with every disconnect so the coordinator refuses tokens from before one.
// Only the coordinator knows a peer's current generation; offline verifiers check signature,
// subject and times and ignore it (a disconnected peer's token verifies offline until exp).
// Footer: {"kid":"k4.pid.…"} naming the signing key (rotation). Implicit assertion: the 32 raw
// bytes of the subject's WireGuard public key, so a token verifies only for that key.
//
// Contract: pure (no I/O, no logging), thread-safe. verify_session_token checks, in order: the
// footer's kid is in the ring (footer capped at 256 bytes before parsing), the signature with the
// subject bound as implicit assertion, the claims' shape, sub == expected subject in both places,
// exp equal in both places, nbf/iat not in the future (beyond leeway) and exp in the future.
// Errors: coord_errc::token_expired when only the time checks fail, else coord_errc::token_invalid.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "wirelink/base/clock.hpp"
#include "wirelink/base/keys.hpp"
#include "wirelink/base/result.hpp"
#include "wirelink/coordinator/key_ring.hpp"

namespace wl::coordinator {

struct SessionClaims {
  PublicKey sub;       // the peer's WireGuard public key
  std::string cohort;  // empty for a registration token not yet in a cohort
  WallTime iat{}, nbf{}, exp{};
  std::vector<std::string> exit_set;  // WireGuard keys (base64) of exits this peer may use
  std::vector<std::string> path;      // ordered forwarder chain, last entry is the exit
  std::uint64_t gen = 0;              // the peer's registration generation (see above)
  std::string kid;                    // filled in by verify: the k4.pid that signed it
};

std::string mint_session_token(const SigningKey& key, const SessionClaims& claims);

Result<SessionClaims> verify_session_token(std::string_view token, const KeyRing& ring,
                                           const PublicKey& expected_subject, WallTime now,
                                           Duration leeway = std::chrono::seconds(60));

// The subject a token claims, WITHOUT verifying anything: lets a server find the peer a token
// is for before verifying it against that peer's key. Never trust the result on its own.
Result<PublicKey> untrusted_subject(std::string_view token);

}  // namespace wl::coordinator
