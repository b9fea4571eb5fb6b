// SHA-1 (for link-local addresses) comes from libmd, not OpenSSL: merely mapping libcrypto costs
// the agent about 1.5 MiB resident (its relocations and symbol tables), 15 % of the agent's
// memory budget, for one hash over 32 bytes per peer. Tests check the result against OpenSSL.
#include "wirelink/base/keys.hpp"

#include <sha1.h>
#include <sodium.h>

#include "wirelink/base/encoding.hpp"
#include "wirelink/base/errors.hpp"

namespace wl {
namespace {
struct SodiumInit {
  SodiumInit() {
    if (sodium_init() < 0) std::abort();
  }
};
void ensure_sodium() {
  static SodiumInit once;
}
}  // namespace

Result<PublicKey> PublicKey::parse(std::string_view base64) {
  auto k = base64_decode_key(base64);
  if (!k)
    return Error{make_error_code(errc::invalid_key),
                 std::string(base64.size() > 60 ? base64.substr(0, 60) : base64) +
                     ": not a 44-character base64 key of 32 bytes"};
  return PublicKey(*k);
}

bool PublicKey::is_zero() const {
  return sodium_is_zero(bytes_.data(), bytes_.size()) == 1;
}

std::string PublicKey::to_base64() const {
  return base64_encode(bytes_);
}

PrivateKey generate_private_key() {
  ensure_sodium();
  PrivateKey k;
  randombytes_buf(k.data(), k.size());
  k.data()[0] &= 248;
  k.data()[31] = static_cast<std::uint8_t>((k.data()[31] & 127) | 64);
  return k;
}

PrivateKey generate_preshared_key() {
  ensure_sodium();
  PrivateKey k;
  randombytes_buf(k.data(), k.size());
  return k;
}

Result<PrivateKey> parse_private_key(std::string_view base64) {
  auto k = base64_decode_key(base64);
  // Never echo secret text back in an error.
  if (!k)
    return Error{make_error_code(errc::invalid_key),
                 "private key is not a 44-character base64 key of 32 bytes"};
  auto secret = PrivateKey::from(std::span<const std::uint8_t, 32>(*k));
  sodium_memzero(k->data(), k->size());
  return secret;
}

std::string private_key_to_base64(const PrivateKey& k) {
  return base64_encode(std::span<const std::uint8_t>(k.data(), k.size()));
}

PublicKey public_key_of(const PrivateKey& priv) {
  ensure_sodium();
  std::array<std::uint8_t, 32> pub{};
  crypto_scalarmult_curve25519_base(pub.data(), priv.data());
  return PublicKey(pub);
}

IpAddress link_local_for(const PublicKey& key) {
  std::uint8_t digest[SHA1_DIGEST_LENGTH];
  SHA1_CTX ctx;
  SHA1Init(&ctx);
  SHA1Update(&ctx, key.data(), 32);
  SHA1Final(digest, &ctx);
  std::array<std::uint8_t, 16> b{};
  b[0] = 0xfe;
  b[1] = 0x80;
  for (int i = 0; i < 8; ++i) b[8 + i] = digest[i];
  return IpAddress::v6(b);
}

}  // namespace wl
