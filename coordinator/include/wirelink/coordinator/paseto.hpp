// PASETO v4 (public: Ed25519; local: XChaCha20 + keyed BLAKE2b) on libsodium.
//
// Contract: pure functions over bytes; no JSON, no I/O, no logging; thread-safe. Keys are typed
// by (version, purpose) so a public key can never be used as a local key ("algorithm
// lucidity"). Secret key material lives in SecretBytes and is wiped. Decoders are strict:
// exact header, at most one footer part, unpadded canonical base64url. Claims (JSON) are the
// caller's business and are parsed only after a successful verify/decrypt.
// Errors: wl::errc::malformed (shape, base64) or wl::errc::invalid_key (signature/tag mismatch).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "wirelink/base/result.hpp"
#include "wirelink/base/secret.hpp"

namespace wl::coordinator::paseto {

// PAE(p0..pn-1) = LE64(n) || for each piece LE64(len) || piece.
std::vector<std::uint8_t> pae(std::span<const std::string_view> pieces);

class V4PublicKey {
 public:
  V4PublicKey() { bytes_.fill(0); }
  explicit V4PublicKey(const std::array<std::uint8_t, 32>& b) : bytes_(b) {}
  const std::array<std::uint8_t, 32>& bytes() const { return bytes_; }
  bool operator==(const V4PublicKey&) const = default;

 private:
  std::array<std::uint8_t, 32> bytes_;
};

// Ed25519 secret key in libsodium form (seed || public key, 64 bytes).
class V4SecretKey {
 public:
  static V4SecretKey generate();
  static V4SecretKey from_seed(std::span<const std::uint8_t, 32> seed);
  // 64 bytes seed||pk; fails unless pk matches the seed.
  static Result<V4SecretKey> from_bytes(std::span<const std::uint8_t> sk);
  V4PublicKey public_key() const;
  const SecretBytes<64>& bytes() const { return sk_; }
  V4SecretKey clone() const {
    V4SecretKey k;
    k.sk_ = sk_.clone();
    return k;
  }

 private:
  SecretBytes<64> sk_;
};

class V4LocalKey {
 public:
  static V4LocalKey generate();
  static Result<V4LocalKey> from_bytes(std::span<const std::uint8_t> k);
  const SecretBytes<32>& bytes() const { return k_; }

 private:
  SecretBytes<32> k_;
};

struct Opened {
  std::string message;  // the payload bytes (JSON claims for sessions)
  std::string footer;   // authenticated, not encrypted; empty when absent
};

std::string v4_public_sign(const V4SecretKey& key, std::string_view message,
                           std::string_view footer = {}, std::string_view implicit = {});
Result<Opened> v4_public_verify(std::string_view token, const V4PublicKey& key,
                                std::string_view implicit = {});

// `nonce` is for known-answer tests only; production passes nullopt (32 random bytes).
std::string v4_local_encrypt(const V4LocalKey& key, std::string_view message,
                             std::string_view footer = {}, std::string_view implicit = {},
                             std::optional<std::array<std::uint8_t, 32>> nonce = std::nullopt);
Result<Opened> v4_local_decrypt(std::string_view token, const V4LocalKey& key,
                                std::string_view implicit = {});

// The footer of a token, decoded but NOT authenticated: only for choosing a key (kid).
// Fails on a malformed token shape or footer encoding; empty string when there is none.
Result<std::string> untrusted_footer(std::string_view token);

}  // namespace wl::coordinator::paseto
