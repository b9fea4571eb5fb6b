#include "challenge_ledger.hpp"

#include <sodium.h>

#include "wirelink/coordinator/errors.hpp"

namespace wl::coordinator::server {

ChallengeLedger::ChallengeLedger() {
  randombytes_buf(key_.data(), key_.size());
}

wire::Challenge ChallengeLedger::issue(const PublicKey& coordinator, const std::string& kid,
                                       WallTime now) {
  ChallengeNonce nonce{};
  randombytes_buf(nonce.data(), nonce.size());
  wire::Challenge c;
  c.expires_at = std::chrono::time_point_cast<std::chrono::seconds>(now + kLifetime);
  c.challenge = seal_challenge(key_, coordinator, c.expires_at, nonce);
  c.coordinator_key = coordinator.to_base64();
  c.kid = kid;
  return c;
}

Result<OpenedChallenge> ChallengeLedger::check(std::string_view text, const PublicKey& coordinator,
                                               WallTime now) const {
  auto c = open_challenge(text, key_, coordinator);
  if (!c) return c.error();
  if (c->expires <= now)
    return Error{coord_errc::challenge_invalid, "challenge expired; fetch a new one"};
  if (used_.count(c->nonce))
    return Error{coord_errc::challenge_invalid, "challenge was already used; fetch a new one"};
  return c;
}

Result<void> ChallengeLedger::use(const OpenedChallenge& c) {
  if (used_.size() >= kMaxUsed)
    return Error{coord_errc::challenge_invalid, "too many registrations in flight; retry"};
  used_.emplace(c.nonce, c.expires);
  return {};
}

void ChallengeLedger::prune(WallTime now) {
  for (auto it = used_.begin(); it != used_.end();)
    it = it->second <= now ? used_.erase(it) : std::next(it);
}

}  // namespace wl::coordinator::server
