// Fuzzes every token-side parser: PASETO v4 public/local open, session-token verify (footer
// JSON, claims JSON), the unverified subject peek, invites, PASERK strings and RFC 3339.
// Nothing may crash, and nothing random may verify.
#include <cstdlib>
#include <string_view>

#include "wirelink/coordinator/invite.hpp"
#include "wirelink/coordinator/paserk.hpp"
#include "wirelink/coordinator/rfc3339.hpp"
#include "wirelink/coordinator/session_token.hpp"

using namespace wl::coordinator;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::array<std::uint8_t, 32> seed{1, 2, 3};
  static const SigningKey key = SigningKey::from(paseto::V4SecretKey::from_seed(seed));
  static const KeyRing ring = [] {
    KeyRing r;
    r.add(key.secret.public_key());
    return r;
  }();
  static const auto local = std::move(paseto::V4LocalKey::from_bytes(seed).value());
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const wl::WallTime now(std::chrono::seconds(1'800'000'000));

  (void)paseto::untrusted_footer(in);
  if (paseto::v4_public_verify(in, key.secret.public_key()).ok()) std::abort();
  if (paseto::v4_local_decrypt(in, local).ok()) std::abort();
  if (auto sub = untrusted_subject(in); sub.ok()) {
    if (verify_session_token(in, ring, *sub, now).ok()) std::abort();
  }
  (void)verify_session_token(in, ring, wl::PublicKey(), now);
  if (auto inv = decode_invite(in); inv.ok()) {
    if (verify_invite_signature(*inv, ring).ok()) std::abort();
    (void)check_invite_time(*inv, now);
  }
  (void)paserk::parse_public(in);
  (void)paserk::parse_secret(in);
  (void)paserk::parse_local(in);
  (void)KeyRing::parse(in);
  (void)parse_rfc3339(in);
  return 0;
}
