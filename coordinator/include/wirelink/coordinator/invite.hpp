// Invites: offline-verifiable, coordinator-signed enrolment codes.
//
// signature = Ed25519(PAE("wirelink-invite-v1", code, issued_at, expires_at)) with the
// coordinator's signing key; timestamps are RFC 3339 (expires_at "" when the invite never
// expires). `issuer` (k4.pid) is an unsigned routing hint that selects the verifying key.
// Redemption counts live in the server's ledger, not in the signed bytes.
// Text form (files, CLI): "wlinv1." + base64url(JSON{code,issuer,issued_at,expires_at,signature}).
//
// Contract: pure, thread-safe. Errors: coord_errc::invite_invalid (malformed or bad signature),
// coord_errc::invite_expired (from check_invite_time).
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "wirelink/base/clock.hpp"
#include "wirelink/base/result.hpp"
#include "wirelink/coordinator/key_ring.hpp"

namespace wl::coordinator {

struct Invite {
  std::string code;
  std::string issuer;  // k4.pid of the signing key
  WallTime issued_at{};
  std::optional<WallTime> expires_at;
  std::array<std::uint8_t, 64> signature{};
};

Invite make_invite(const SigningKey& key, std::string code, WallTime issued_at,
                   std::optional<WallTime> expires_at);
std::string random_invite_code();  // 128 random bits, base64url

Result<void> verify_invite_signature(const Invite& inv, const KeyRing& ring);
Result<void> check_invite_time(const Invite& inv, WallTime now);

std::string encode_invite(const Invite& inv);
Result<Invite> decode_invite(std::string_view text);  // tolerates surrounding whitespace

}  // namespace wl::coordinator
