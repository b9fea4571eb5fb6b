// ChallengeLedger: the coordinator's registration challenges (register_challenge.hpp): issues
// them, and accepts each one once, before it expires, for the X25519 key it was issued for.
//
// Contract: single-threaded (the Service's io thread). The challenge key is random per process,
// so a restart invalidates every outstanding challenge (clients fetch a new one). The ledger
// remembers only challenges that were used (until they expire), at most kMaxUsed of them.
// Errors: coord_errc::challenge_invalid (unknown, tampered, expired, used, ledger full).
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "wirelink/base/clock.hpp"
#include "wirelink/base/keys.hpp"
#include "wirelink/base/result.hpp"
#include "wirelink/coordinator/register_challenge.hpp"
#include "wirelink/coordinator/wire.hpp"

namespace wl::coordinator::server {

class ChallengeLedger {
 public:
  static constexpr Duration kLifetime = std::chrono::seconds(60);
  static constexpr std::size_t kMaxUsed = 1'000'000;

  ChallengeLedger();

  wire::Challenge issue(const PublicKey& coordinator, const std::string& kid, WallTime now);
  // Issued here for `coordinator`, not expired, not used: the opened challenge (not yet used).
  Result<OpenedChallenge> check(std::string_view text, const PublicKey& coordinator,
                                WallTime now) const;
  // Marks a checked challenge used (after its proof verified). Fails when the ledger is full.
  Result<void> use(const OpenedChallenge& c);
  // Forgets used challenges that have expired (they can no longer pass check()).
  void prune(WallTime now);

 private:
  ChallengeKey key_;
  std::map<ChallengeNonce, WallTime> used_;
};

}  // namespace wl::coordinator::server
