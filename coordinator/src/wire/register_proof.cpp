#include "wirelink/coordinator/register_proof.hpp"

#include <sodium.h>

#include <string_view>

#include "wirelink/base/encoding.hpp"
#include "wirelink/coordinator/errors.hpp"

namespace wl::coordinator {
namespace {

constexpr std::string_view kKeyLabel = "wirelink register key v1";
constexpr std::string_view kMessageLabel = "wirelink register v1";

void put(std::vector<std::uint8_t>& out, std::string_view s) {
  out.insert(out.end(), s.begin(), s.end());
}
void put(std::vector<std::uint8_t>& out, const PublicKey& k) {
  out.insert(out.end(), k.bytes().begin(), k.bytes().end());
}
void put_u32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}
// A variable-length field: its length (u32, big-endian), then its bytes.
void put_field(std::vector<std::uint8_t>& out, std::string_view s) {
  put_u32(out, static_cast<std::uint32_t>(s.size()));
  put(out, s);
}

Error invalid(std::string d) {
  return Error{coord_errc::proof_invalid, std::move(d)};
}

// The MAC over the request, keyed from the X25519 value `secret` and `peer` meet at.
// Low-order points (all-zero shared value) are refused: such a "key" proves nothing.
Result<SecretBytes<32>> proof_mac(const wire::RegisterRequest& r, const PrivateKey& secret,
                                  const PublicKey& other, const PublicKey& coordinator,
                                  const char* other_name) {
  SecretBytes<32> shared, key, mac;
  if (crypto_scalarmult(shared.data(), secret.data(), other.data()) != 0)
    return invalid(std::string(other_name) + " is a low-order X25519 point; no key can prove it");
  std::vector<std::uint8_t> kin;
  put(kin, kKeyLabel);
  put(kin, coordinator);
  put(kin, r.peer_id);
  crypto_generichash(key.data(), key.size(), kin.data(), kin.size(), shared.data(), shared.size());
  const auto msg = register_proof_message(r, coordinator);
  crypto_generichash(mac.data(), mac.size(), msg.data(), msg.size(), key.data(), key.size());
  return mac;
}

}  // namespace

Result<PublicKey> exchange_public_key(const paseto::V4PublicKey& signing) {
  std::array<std::uint8_t, 32> x{};
  if (crypto_sign_ed25519_pk_to_curve25519(x.data(), signing.bytes().data()) != 0)
    return invalid("coordinator signing key is not a valid Ed25519 point");
  return PublicKey(x);
}

PrivateKey exchange_secret_key(const paseto::V4SecretKey& signing) {
  PrivateKey x;
  crypto_sign_ed25519_sk_to_curve25519(x.data(), signing.bytes().data());
  return x;
}

std::vector<std::uint8_t> register_proof_message(const wire::RegisterRequest& r,
                                                 const PublicKey& coordinator) {
  std::vector<std::uint8_t> m;
  put(m, kMessageLabel);
  put(m, coordinator);
  put(m, r.peer_id);
  put_field(m, r.challenge);
  put_field(m, r.invite);
  put_field(m, r.addr_hint);
  m.push_back(r.can_exit ? 1 : 0);
  put_u32(m, static_cast<std::uint32_t>(r.capacity_hint));
  return m;
}

Result<std::string> make_register_proof(const wire::RegisterRequest& r, const PrivateKey& own,
                                        const PublicKey& coordinator) {
  auto mac = proof_mac(r, own, coordinator, coordinator, "the coordinator key");
  if (!mac) return mac.error();
  return base64_encode(mac->span());
}

Result<void> check_register_proof(const wire::RegisterRequest& r,
                                  const PrivateKey& coordinator_secret,
                                  const PublicKey& coordinator_public) {
  auto expected = proof_mac(r, coordinator_secret, r.peer_id, coordinator_public, "peer_id");
  if (!expected) return expected.error();
  if (r.proof.empty())
    return invalid("registration needs a proof of the WireGuard key (GET /api/v1/challenge)");
  const auto got = base64_decode_key(r.proof);
  if (!got || sodium_memcmp(got->data(), expected->data(), 32) != 0)
    return invalid("proof does not verify for peer_id");
  return {};
}

}  // namespace wl::coordinator
