// WireGuard (Curve25519) keys and the link-local address wirelink derives from a public key.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "wirelink/base/ip.hpp"
#include "wirelink/base/result.hpp"
#include "wirelink/base/secret.hpp"

namespace wl {

using PrivateKey = SecretBytes<32>;
using PresharedKey = SecretBytes<32>;

class PublicKey {
 public:
  PublicKey() { bytes_.fill(0); }
  explicit PublicKey(const std::array<std::uint8_t, 32>& b) : bytes_(b) {}
  static Result<PublicKey> parse(std::string_view base64);  // strict, see encoding.hpp

  const std::array<std::uint8_t, 32>& bytes() const { return bytes_; }
  const std::uint8_t* data() const { return bytes_.data(); }
  bool is_zero() const;
  std::string to_base64() const;

  auto operator<=>(const PublicKey&) const =
      default;  // NOLINT(modernize-use-nullptr): clang-tidy 14 false positive

 private:
  std::array<std::uint8_t, 32> bytes_;
};

// Random private key, clamped as Curve25519 requires (what `wg genkey` prints).
PrivateKey generate_private_key();
PrivateKey generate_preshared_key();
// Strict base64 parse into a secret; the intermediate buffer is wiped.
Result<PrivateKey> parse_private_key(std::string_view base64);
std::string private_key_to_base64(const PrivateKey& k);
// X25519 base-point multiplication (what `wg pubkey` prints).
PublicKey public_key_of(const PrivateKey& priv);

// wirelink's per-peer IPv6 link-local address: fe80::/64 with the interface identifier taken
// from the first 8 bytes of SHA-1 over the 32 raw public-key bytes (wire-compatible with
// wirelink 0.14).
IpAddress link_local_for(const PublicKey& key);

}  // namespace wl

template <>
struct std::hash<wl::PublicKey> {
  std::size_t operator()(const wl::PublicKey& k) const noexcept {
    std::size_t h = 0;
    for (int i = 0; i < 8; ++i) h = (h << 8) | k.bytes()[i];
    return h;  // keys are uniformly random
  }
};
