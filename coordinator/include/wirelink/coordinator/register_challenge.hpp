// Registration challenges: what GET /api/v1/challenge hands out and POST /api/v1/register
// takes back, so a registration proof (register_proof.hpp) is fresh.
//
// Text form: "wlch1." + base64url(expires (u64 big-endian, Unix seconds) || nonce (16 random
// bytes) || tag (32 bytes)), tag = keyed BLAKE2b-256 (key: the coordinator's per-process
// challenge key) over "wirelink challenge v1" || coordinator X25519 key (32) || expires (8) ||
// nonce (16). The coordinator keeps no state per issued challenge: the tag says it issued it,
// for its current X25519 key; expiry and single use are the server's (challenge_ledger.hpp).
//
// Contract: pure, thread-safe, never throws. open_challenge is strict (exact prefix, canonical
// base64url, exact length) and errs with coord_errc::challenge_invalid.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "wirelink/base/clock.hpp"
#include "wirelink/base/keys.hpp"
#include "wirelink/base/result.hpp"
#include "wirelink/base/secret.hpp"

namespace wl::coordinator {

using ChallengeKey = SecretBytes<32>;
using ChallengeNonce = std::array<std::uint8_t, 16>;

struct OpenedChallenge {
  ChallengeNonce nonce{};
  WallTime expires{};
};

std::string seal_challenge(const ChallengeKey& key, const PublicKey& coordinator, WallTime expires,
                           const ChallengeNonce& nonce);
Result<OpenedChallenge> open_challenge(std::string_view text, const ChallengeKey& key,
                                       const PublicKey& coordinator);

}  // namespace wl::coordinator
